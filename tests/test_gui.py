"""The workstation window, driven like a radiologist drives it, with pixel and model assertions.

Every interaction goes through real Qt events on a real window (X server: Xvfb in CI); rendered
frames are read back from VTK and checked to be sane images, not just "changed".
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from app import i18n
from app.mainwindow import MainWindow
from app.viewport import SERIES_MIME, ViewportWidget
from phantoms import anatomy
from viewer.dicom.geometry import direction_label
from viewer.dicom.volume import Volume
from viewer.state.workspace import LAYOUTS

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "out" / "screenshots"


# --------------------------------------------------------------------------- fixtures and helpers


def shown_window(qtbot, lang: str = "en", size: tuple[int, int] | None = None) -> MainWindow:
    """A main window in ``lang`` (installed before anything is loaded: labels are made at
    load), of ``size`` when given (before it is shown), shown and active."""
    i18n.install(QApplication.instance(), lang)
    w = MainWindow()
    qtbot.addWidget(w)
    if size is not None:
        w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()  # window shortcuts need the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)
    return w


def save_screenshot(w: MainWindow, name: str) -> None:
    """``w`` repainted (nothing pending left out) and saved to out/screenshots/``name``.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    w.repaint()
    assert w.screenshot().save(str(SCREENSHOTS / f"{name}.png"))


def open_main_window(qtbot, light_dir: Path) -> MainWindow:
    """The main window in English, shown and active, with the light phantom study loaded."""
    w = shown_window(qtbot)
    w.open_paths([str(light_dir)])
    qtbot.waitUntil(lambda: len(w.series) >= 5, timeout=30000)
    wait_loaded(qtbot, w)
    return w


def open_first_volume(qtbot, folder: Path, lang: str = "en") -> MainWindow:
    """A :func:`shown_window` with ``folder`` opened and its first series loaded, as a volume,
    in the active viewport."""
    w = shown_window(qtbot, lang)
    w.open_paths([str(folder)])
    qtbot.waitUntil(lambda: len(w.series) >= 1, timeout=30000)
    vp = w.active
    assert vp is not None
    w.open_series(next(iter(w.series)), vp)
    wait_loaded(qtbot, w)
    qtbot.waitUntil(lambda: isinstance(vp.model.image, Volume), timeout=30000)
    return w


@pytest.fixture
def window(qtbot, light_dir: Path):
    w = open_main_window(qtbot, light_dir)
    yield w
    w.close()


def wait_loaded(qtbot, w: MainWindow) -> None:
    qtbot.waitUntil(
        lambda: (
            not any(w._waiting.values())
            and all(
                vp.model.image is not None and vp.series_key in w.images
                for vp in w.visible_viewports()
                if vp.series_key
            )
        ),
        timeout=30000,
    )


def key_of(w: MainWindow, description: str) -> str:
    return next(k for k, s in w.series.items() if description in s.description)


def show(
    qtbot, w: MainWindow, description: str, vp: ViewportWidget | None = None
) -> ViewportWidget:
    vp = vp or w.active
    assert vp is not None
    w.open_series(key_of(w, description), vp)
    wait_loaded(qtbot, w)
    w.set_active(vp)
    return vp


def frame(vp: ViewportWidget) -> np.ndarray:
    return vp.renderer.grab().astype(np.int32)


def assert_sane(img: np.ndarray) -> None:
    """Not blank, not constant, not noise: an object in the middle of a mostly smooth frame."""
    grey = img.mean(axis=2)
    h, w = grey.shape
    assert grey.std() > 15, "frame is (nearly) uniform"
    centre = grey[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]
    assert (centre > 30).mean() > 0.2, "no object in the middle of the frame"
    assert (grey < 10).mean() > 0.05, "no dark background anywhere"
    # garbage frames are noisy at the pixel level; an image is mostly smooth
    diffs = np.abs(np.diff(grey, axis=1))
    assert np.median(diffs) < 4, "frame looks like noise"


def at(vp: ViewportWidget, x: float, y: float) -> QPoint:
    return vp.widget_pos(x, y)


def drag(
    qtbot,
    vp: ViewportWidget,
    a: QPoint,
    b: QPoint,
    button: Qt.MouseButton = Qt.MouseButton.LeftButton,
) -> None:
    view = vp.view
    qtbot.mousePress(view, button, pos=a)
    steps = 5
    for i in range(1, steps + 1):
        p = QPoint(a.x() + (b.x() - a.x()) * i // steps, a.y() + (b.y() - a.y()) * i // steps)
        qtbot.mouseMove(view, p)
        _move(view, p, button)
    qtbot.mouseRelease(view, button, pos=b)


def _move(view, p: QPoint, button: Qt.MouseButton) -> None:
    """A move event with the button held (QTest's mouseMove sends no buttons)."""
    from PySide6.QtGui import QMouseEvent

    ev = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        QPointF(p),
        QPointF(view.mapToGlobal(p)),
        Qt.MouseButton.NoButton,
        button,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view, ev)


def click(qtbot, vp: ViewportWidget, p: QPoint) -> None:
    qtbot.mousePress(vp.view, Qt.MouseButton.LeftButton, pos=p)
    qtbot.mouseRelease(vp.view, Qt.MouseButton.LeftButton, pos=p)


def image_px(vol: Volume, x_mm: float, y_mm: float) -> tuple[float, float]:
    """Image (column, row) of a patient (x, y) on an axial slice."""
    i, j, _ = vol.patient_to_index((x_mm, y_mm, vol.origin[2]))
    return float(i), float(j)


def zoom_to(qtbot, vp: ViewportWidget, percent: float) -> None:
    vp.model.set_zoom(vp.model.zoom * percent / vp.renderer.zoom_percent())
    qtbot.wait(20)


# --------------------------------------------------------------------------- study handling


def test_study_browser_lists_patient_study_series_with_thumbnails(window: MainWindow) -> None:
    b = window.browser
    assert b.topLevelItemCount() == 1
    patient = b.topLevelItem(0)
    assert "张三" in patient.text(0) and "YY20260001" in patient.text(0)
    assert patient.childCount() == 2  # CT/PET study and MR study
    items = b.series_items()
    assert len(items) == 5
    by_desc = {i.text(0): i for i in items}
    ct = next(i for d, i in by_desc.items() if "Chest/Abdomen" in d)
    assert ct.text(1) == "CT" and ct.text(2) == "2026-11-20" and ct.text(3) == "80"
    for item in items:
        icon = item.icon(0)
        assert not icon.isNull()
        img = icon.pixmap(56, 56).toImage()
        assert img.width() > 0
    # the study rows give modalities and dates
    study_texts = {patient.child(i).text(1) for i in range(2)}
    assert study_texts == {"CT/PT", "MR"}


def test_double_click_and_drag_open_series(qtbot, window: MainWindow) -> None:
    window.set_layout("1x2")
    left, right = window.visible_viewports()
    window.set_active(left)
    item = next(i for i in window.browser.series_items() if i.text(1) == "MR")
    rect = window.browser.visualItemRect(item)
    target = QPoint(rect.left() + 20, rect.center().y())  # the row may be wider than the dock
    # a real double-click starts with a press: item views only accept one on the pressed row
    qtbot.mouseClick(window.browser.viewport(), Qt.MouseButton.LeftButton, pos=target)
    qtbot.mouseDClick(window.browser.viewport(), Qt.MouseButton.LeftButton, pos=target)
    wait_loaded(qtbot, window)
    assert left.model.modality == "MR"
    mime = QMimeData()
    mime.setData(SERIES_MIME, key_of(window, "Oblique").encode())
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    right.dropEvent(drop)
    wait_loaded(qtbot, window)
    assert right.model.image is not None and "Oblique" in right.model.info["series"]
    assert window.browser.mimeData([item]).hasFormat(SERIES_MIME)


def test_files_dropped_on_the_window_are_opened_and_remembered(
    qtbot, window: MainWindow, light_dir: Path
) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(light_dir / "mr"))])
    drop = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: window.browser.topLevelItemCount() == 2, timeout=20000)
    recent = [a.text() for a in window.recent_menu.actions()]
    assert recent[0] == str(light_dir / "mr") and str(light_dir) in recent


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_layouts_and_active_viewport(qtbot, window: MainWindow, name: str) -> None:
    window.acts[f"layout_{name}"].trigger()
    rows, cols = LAYOUTS[name]
    vps = window.visible_viewports()
    assert len(vps) == rows * cols
    assert all(v.isVisible() for v in vps)
    assert sum(v.isVisible() for v in window.viewports) == rows * cols
    last = vps[-1]
    qtbot.mouseClick(last.view, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert window.active is last and last.renderer.active
    assert "#3d8bfd" in last.styleSheet()
    assert all("#303030" in v.styleSheet() for v in vps if v is not last)


# --------------------------------------------------------------------------- one viewport


def test_window_level_by_drag_presets_and_invert(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "Chest/Abdomen")
    assert_sane(frame(vp))
    c0, w0 = vp.model.window
    centre = QPoint(vp.view.width() // 2, vp.view.height() // 2)
    drag(qtbot, vp, centre, centre + QPoint(60, 40))
    c1, w1 = vp.model.window
    assert w1 > w0 and c1 > c0  # right widens, down raises the level
    window.reading.rebuild_windows(force=True)  # the file's windows, then the chest presets
    entries = window.reading.entries
    for i, (_, win) in enumerate(entries[:9]):
        qtbot.keyClick(vp.view, str(i + 1))
        assert vp.model.window == pytest.approx(win.pair)
    names = [n.lower() for n, _ in entries]
    key = {w: str(next(i for i, n in enumerate(names) if w in n) + 1) for w in ("lung", "media")}
    qtbot.keyClick(vp.view, key["lung"])  # lung window: lungs become visible grey, not black
    lung = image_px(vp.model.image, -75, 40)  # type: ignore[arg-type]
    vp.model.set_index(vp.model.image.patient_to_index((0, 0, 110))[2].round().astype(int))  # type: ignore[union-attr]
    img = frame(vp)
    assert_sane(img)
    p = at(vp, *lung)
    ratio = vp.view.devicePixelRatioF()
    lung_grey = img[round(p.y() * ratio), round(p.x() * ratio)].mean()
    assert 30 < lung_grey < 200
    qtbot.keyClick(vp.view, key["media"])  # mediastinum: air is black
    img = frame(vp)
    qtbot.keyClick(vp.view, "I")  # invert: air (black) turns white
    assert vp.model.invert
    inv = frame(vp)
    air = at(vp, 4, vp.model.pixels().shape[0] / 3)  # left edge of the image: air (above "R")
    ratio = vp.view.devicePixelRatioF()
    corner = (
        slice(round(air.y() * ratio) - 3, round(air.y() * ratio) + 3),
        slice(round(air.x() * ratio) - 1, round(air.x() * ratio) + 3),
    )
    assert img[corner].mean() < 30 and inv[corner].mean() > 220


def test_changes_in_one_turn_of_the_event_loop_render_one_frame(qtbot, window: MainWindow) -> None:
    """An image arriving sets its window, invert and graphics: one frame is drawn for all of
    them (each used to render its own), and that frame shows them all."""
    vp = show(qtbot, window, "Chest/Abdomen")
    qtbot.wait(50)
    renders: list[int] = []
    tag = vp.renderer.window.AddObserver("StartEvent", lambda *_a: renders.append(1))
    try:
        c, w = vp.model.window
        vp.model.set_index(vp.model.index + 1)
        vp.model.set_window(c + 50, w * 2)
        vp.model.set_invert(not vp.model.invert)
        vp.renderer.set_extra([], {})
        assert renders == []  # nothing drawn yet: one render is due
        qtbot.waitUntil(lambda: bool(renders), timeout=5000)
        qtbot.wait(100)
        assert len(renders) == 1
    finally:
        vp.renderer.window.RemoveObserver(tag)
    shown = vp.renderer.grab()
    vp.model.set_invert(not vp.model.invert)
    back = vp.renderer.grab()
    # the one frame drawn was the inverted one (its air is light where the other's is dark)
    assert shown.mean() > back.mean() + 20


def test_zoom_pan_fit_and_one_to_one(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "Chest/Abdomen")
    fit = vp.renderer.zoom_percent()
    centre = QPoint(vp.view.width() // 2, vp.view.height() // 2)
    drag(qtbot, vp, centre, centre + QPoint(0, -80), Qt.MouseButton.RightButton)
    assert vp.renderer.zoom_percent() > 1.5 * fit
    before = vp.model.pan
    drag(qtbot, vp, centre, centre + QPoint(50, 0), Qt.MouseButton.MiddleButton)
    assert vp.model.pan[0] < before[0]  # content follows the mouse to the right
    qtbot.keyClick(vp.view, "1", Qt.KeyboardModifier.ControlModifier)
    assert vp.renderer.zoom_percent() == pytest.approx(100.0, abs=0.5)
    qtbot.keyClick(vp.view, "F")
    assert vp.model.zoom == 1.0 and vp.model.pan == (0.0, 0.0)
    assert vp.renderer.zoom_percent() == pytest.approx(fit)
    qtbot.mouseDClick(vp.view, Qt.MouseButton.LeftButton, pos=centre)
    assert_sane(frame(vp))


def test_scrolling_by_wheel_keys_and_drag(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "Chest/Abdomen")
    m = vp.model
    start = m.index
    a = frame(vp)
    for _ in range(3):
        qtbot.wheel(vp.view, QPoint(100, 100), angle_delta=QPoint(0, -120)) if hasattr(
            qtbot, "wheel"
        ) else _wheel(vp, -120)
    assert m.index == start + 3
    assert not np.array_equal(a, frame(vp))
    qtbot.keyClick(vp.view, Qt.Key.Key_Up)
    assert m.index == start + 2
    qtbot.keyClick(vp.view, Qt.Key.Key_PageDown)
    assert m.index == start + 2 + m.count // 10
    qtbot.keyClick(vp.view, Qt.Key.Key_Home)
    assert m.index == 0
    qtbot.keyClick(vp.view, Qt.Key.Key_End)
    assert m.index == m.count - 1
    window.set_tool("scroll")
    centre = QPoint(vp.view.width() // 2, vp.view.height() // 2)
    drag(qtbot, vp, centre, centre + QPoint(0, -40))
    assert m.index == m.count - 1 - 10
    assert_sane(frame(vp))


def _wheel(vp: ViewportWidget, delta: int) -> None:
    from PySide6.QtGui import QWheelEvent

    pos = QPointF(100, 100)
    ev = QWheelEvent(
        pos,
        vp.view.mapToGlobal(pos),
        QPoint(),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(vp.view, ev)


def test_cine_plays_at_the_chosen_rate(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "Chest/Abdomen")
    m = vp.model
    start = m.index
    qtbot.keyClick(vp.view, Qt.Key.Key_Space)
    assert m.playing
    qtbot.keyClick(vp.view, "]")
    assert m.cine_fps == pytest.approx(15.0)
    qtbot.wait(700)
    qtbot.keyClick(vp.view, Qt.Key.Key_Space)
    assert not m.playing
    moved = (m.index - start) % m.count
    assert 4 <= moved <= 14  # ~10 frames in 0.7 s at 15 frames/s
    stopped = m.index
    qtbot.wait(300)
    assert m.index == stopped


def test_rotate_and_flip_keep_orientation_labels_right(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "Chest/Abdomen")
    m = vp.model
    assert m.edge_labels() == {"top": "A", "bottom": "P", "left": "R", "right": "L"}
    marker = frame(vp)
    qtbot.keyClick(vp.view, "R")  # clockwise: the patient's right (screen left) goes on top
    assert m.edge_labels() == {"top": "R", "bottom": "L", "left": "P", "right": "A"}
    assert vp.renderer.edges.GetText(7) == "R"
    rotated = frame(vp)
    assert not np.array_equal(marker, rotated)
    assert_sane(rotated)
    qtbot.keyClick(vp.view, "R", Qt.KeyboardModifier.ShiftModifier)
    assert m.rotation == 0
    qtbot.keyClick(vp.view, "H")
    assert m.edge_labels()["left"] == "L" and m.edge_labels()["right"] == "R"
    qtbot.keyClick(vp.view, "V")
    assert m.edge_labels()["top"] == "P"
    flipped = frame(vp)
    qtbot.keyClick(vp.view, "H")
    qtbot.keyClick(vp.view, "V")
    np.testing.assert_array_equal(frame(vp), marker)
    assert not np.array_equal(flipped, marker)


def test_overlays_and_oblique_orientation_labels(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "Chest/Abdomen")
    text = {i: vp.renderer.corners.GetText(i) for i in range(4)}
    assert "张三 Zhang San" in text[2] and "YY20260001" in text[2] and "M 64Y" in text[2]
    assert "2026-11-20" in text[2]
    assert "Yunying Demo Hospital" in text[3] and "Chest/Abdomen 5mm" in text[3]
    assert f"Im: {vp.model.index + 1}/80" in text[0]
    assert "Loc:" in text[0] and "Thk: 5.00 mm" in text[0]
    assert "W: 400 L: 40" in text[1] and "Zoom:" in text[1]
    assert vp.renderer._scale_actors  # scale bar shown for a calibrated image
    obl = show(qtbot, window, "Oblique")
    g = obl.model.geometry()
    assert obl.model.edge_labels()["right"] == direction_label(g.row_dir)
    assert obl.model.edge_labels()["bottom"] == direction_label(g.col_dir)
    assert len(obl.model.edge_labels()["right"]) >= 2  # oblique: more than one letter
    assert obl.renderer.edges.GetText(5) == obl.model.edge_labels()["right"]
    assert_sane(frame(obl))


# --------------------------------------------------------------------------- measurements


def test_length_measurement_matches_the_phantom(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "Chest/Abdomen")
    vol = vp.model.image
    assert isinstance(vol, Volume)
    zoom_to(qtbot, vp, 300)
    window.set_tool("length")
    # the body is an ellipse 320 mm wide: click its left and right edges on the centre row
    a = at(vp, *image_px(vol, -anatomy.BODY_SEMI[0], 0.0))
    b = at(vp, *image_px(vol, anatomy.BODY_SEMI[0], 0.0))
    drag(qtbot, vp, a, b)
    (m,) = vp.model.measurements
    assert m.kind == "length" and m.index == vp.model.index
    from viewer.dicom.measure import length_mm

    got = length_mm(m.points[0], m.points[1], vp.model.geometry().spacing)
    assert abs(got - 2 * anatomy.BODY_SEMI[0]) <= 0.5 * vol.spacing[0]
    img = frame(vp)
    yellow = (img[..., 0] > 200) & (img[..., 1] > 170) & (img[..., 2] < 90)
    assert yellow.sum() > 100  # the line and its label are drawn


def test_roi_probe_and_angle(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "Chest/Abdomen")
    vol = vp.model.image
    assert isinstance(vol, Volume)
    vp.model.set_index(round(vol.patient_to_index((0, 0, -45.0))[2]))
    zoom_to(qtbot, vp, 250)
    window.set_tool("ellipse")
    cx, cy = image_px(vol, -60.0, 0.0)  # liver centre
    drag(qtbot, vp, at(vp, cx - 14, cy - 12), at(vp, cx + 14, cy + 12))
    (roi,) = vp.model.measurements
    from viewer.dicom.measure import roi_stats

    stats = roi_stats(
        "ellipse", roi.points[0], roi.points[1], vp.model.pixels(), vp.model.geometry().spacing
    )
    assert stats is not None and stats.count > 400
    assert abs(stats.mean - anatomy.LIVER) <= 1.0
    assert 4 < stats.sd < 8  # the phantom's 6 HU noise
    w_mm = abs(roi.points[1][0] - roi.points[0][0]) * 1.4
    h_mm = abs(roi.points[1][1] - roi.points[0][1]) * 1.4
    assert stats.area_mm2 == pytest.approx(math.pi * w_mm * h_mm / 4)
    window.set_tool("rectangle")
    drag(qtbot, vp, at(vp, cx - 10, cy - 10), at(vp, cx + 10, cy + 10))
    rect = vp.model.measurements[-1]
    assert rect.kind == "rectangle"
    rs = roi_stats(
        "rectangle", rect.points[0], rect.points[1], vp.model.pixels(), vp.model.geometry().spacing
    )
    assert rs is not None and abs(rs.mean - anatomy.LIVER) <= 1.0
    assert rs.min < rs.mean < rs.max
    w_mm = abs(rect.points[1][0] - rect.points[0][0]) * 1.4
    h_mm = abs(rect.points[1][1] - rect.points[0][1]) * 1.4
    assert rs.area_mm2 == pytest.approx(w_mm * h_mm)
    window.set_tool("probe")
    ax, ay = image_px(vol, 20.0, 35.0)  # aorta
    click(qtbot, vp, at(vp, ax, ay))
    probe = vp.model.measurements[-1]
    i, j = round(probe.points[0][0]), round(probe.points[0][1])
    assert abs(i - ax) <= 1 and abs(j - ay) <= 1
    assert abs(float(vp.model.pixels()[j, i]) - anatomy.CONTRAST_VESSEL) < 30
    window.set_tool("angle")
    v0 = (cx + 30, cy + 30)
    click(qtbot, vp, at(vp, v0[0] + 40, v0[1]))
    click(qtbot, vp, at(vp, *v0))
    click(qtbot, vp, at(vp, v0[0], v0[1] - 40))
    ang = vp.model.measurements[-1]
    assert ang.kind == "angle" and len(ang.points) == 3
    from viewer.dicom.measure import angle_deg

    assert angle_deg(*ang.points, vp.model.geometry().spacing) == pytest.approx(90, abs=1.5)
    assert_sane(frame(vp))


def test_select_move_edit_delete_and_annotations(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "Chest/Abdomen")
    zoom_to(qtbot, vp, 250)
    window.set_tool("length")
    drag(qtbot, vp, at(vp, 60, 60), at(vp, 120, 60))
    (m,) = vp.model.measurements
    window.set_tool("select")
    mid = at(vp, 90, 60)
    drag(qtbot, vp, mid, mid + QPoint(0, 50))  # move the whole line down
    assert vp.model.selected is m
    assert all(y > 70 for _, y in m.points)
    end = at(vp, *m.points[1])
    drag(qtbot, vp, end, end + QPoint(60, 0))  # edit: drag one end
    assert m.points[1][0] > 130 and m.points[0][0] == pytest.approx(60, abs=1.5)
    qtbot.keyClick(vp.view, Qt.Key.Key_Delete)
    assert vp.model.measurements == []
    window.set_tool("arrow")
    drag(qtbot, vp, at(vp, 100, 100), at(vp, 140, 130))
    vp.ask_text = lambda: "nodule?"  # the dialog a user would type into
    window.set_tool("text")
    click(qtbot, vp, at(vp, 150, 150))
    kinds = [x.kind for x in vp.model.measurements]
    assert kinds == ["arrow", "text"] and vp.model.measurements[1].text == "nodule?"
    window.acts["clear"].trigger()
    assert vp.model.measurements == []


def test_uncalibrated_image_warns_and_measures_in_pixels(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    import pydicom

    from tests.conftest import corpus_file

    # a radiograph that gives only Imager Pixel Spacing (at the detector, not the patient)
    ds = pydicom.dcmread(corpus_file("RG1_UNCR.dcm"))
    del ds.PixelSpacing
    ds.ImagerPixelSpacing = [0.15, 0.15]
    path = tmp_path / "cr.dcm"
    ds.save_as(path, enforce_file_format=True)
    window.open_paths([str(path)])
    qtbot.waitUntil(lambda: any(s.modality == "CR" for s in window.series.values()), timeout=20000)
    vp = window.active
    assert vp is not None
    cr = next(k for k, s in window.series.items() if s.modality == "CR")
    window.open_series(cr, vp)
    wait_loaded(qtbot, window)
    assert not vp.model.calibrated
    assert "Imager Pixel Spacing" in vp.model.calibration_note
    assert "No calibrated pixel spacing" in window.status_label.text()
    window.set_tool("length")
    drag(qtbot, vp, at(vp, 100, 100), at(vp, 400, 100))
    from viewer.dicom.measure import describe

    label = describe(vp.model.measurements[0], vp.model.pixels(), vp.model.geometry().spacing)
    assert label.endswith("px")
    assert "uncalibrated" in vp.renderer.corners.GetText(0)


# --------------------------------------------------------------------------- linked viewports


def test_synchronized_scrolling_by_patient_position(qtbot, window: MainWindow) -> None:
    window.set_layout("1x2")
    ct_vp, pet_vp = window.visible_viewports()
    show(qtbot, window, "Chest/Abdomen", ct_vp)
    show(qtbot, window, "PET", pet_vp)
    window.set_active(ct_vp)
    for k in (10, 33, 70):
        ct_vp.model.set_index(k)
        z_ct = ct_vp.model.slice_position()[2]  # type: ignore[index]
        z_pet = pet_vp.model.slice_position()[2]  # type: ignore[index]
        assert abs(z_ct - z_pet) <= 1.5  # nearest PET slice (3 mm apart)
    window.acts["sync"].trigger()  # off
    before = pet_vp.model.index
    ct_vp.model.set_index(5)
    assert pet_vp.model.index == before


def test_reference_lines(qtbot, window: MainWindow) -> None:
    window.set_layout("1x2")
    ct_vp, obl_vp = window.visible_viewports()
    show(qtbot, window, "Oblique", obl_vp)
    show(qtbot, window, "Chest/Abdomen", ct_vp)
    window.set_active(ct_vp)
    ct_vp.model.set_index(60)
    assert len(obl_vp.renderer.reference_lines) == 1
    img = frame(obl_vp)
    blue = (img[..., 2] > 200) & (img[..., 0] < 120) & (img[..., 1] > 140)
    assert blue.sum() > 50
    ct_vp.model.set_index(62)
    assert obl_vp.renderer.reference_lines != []
    window.acts["reflines"].trigger()
    assert obl_vp.renderer.reference_lines == []


# --------------------------------------------------------------------------- help and language


def test_shortcut_help_lists_every_shortcut(qtbot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dlg = window._shortcuts_dialog
    assert dlg.isVisible()
    from PySide6.QtWidgets import QTableWidget

    table = dlg.findChild(QTableWidget)
    listed = {table.item(r, 0).text() for r in range(table.rowCount())}
    for act in window.acts.values():
        if not act.shortcut().isEmpty():
            assert act.text().replace("&", "") in listed
    assert len(listed) >= 40
    dlg.close()


def _all_texts(w: MainWindow) -> list[str]:
    texts = [w.windowTitle(), w.dock.windowTitle(), w.status_label.text()]
    texts += [m.title() for m in w.menus.values()] + [w.recent_menu.title()]
    texts += [a.text() for a in w.acts.values()]
    header = w.browser.headerItem()
    texts += [header.text(i) for i in range(header.columnCount())]
    texts += [w.viewports[0].renderer.labels[k] for k in ("Im", "Loc", "Thk", "Zoom")]
    return [t for t in texts if t]


def test_chinese_translation_covers_the_main_window(qtbot, window: MainWindow) -> None:
    english = _all_texts(window)
    window.set_language("zh_CN")
    try:
        chinese = _all_texts(window)
        untranslated = [
            t
            for t in chinese
            if not any("\u4e00" <= ch <= "\u9fff" for ch in t)
            and t not in ("English", "Layout 1×1")
            and not t.startswith("W: ")
        ]
        # only language names and pure numbers/symbols may stay as they are
        assert untranslated == [], untranslated
        assert window.menus["file"].title() == "文件(&F)"
        assert window.acts["tool_length"].text() == "长度(&L)"
        assert window.viewports[0].renderer.corners.GetText(0).startswith("图像")
        assert chinese != english
    finally:
        window.set_language("en")
    assert _all_texts(window)[3:] == english[3:]


def test_language_follows_the_saved_setting(qtbot) -> None:
    i18n.save_setting("zh_CN")
    try:
        assert i18n.install(QApplication.instance()) == "zh_CN"
        assert QApplication.translate("MainWindow", "&File") == "文件(&F)"
    finally:
        i18n.save_setting("system")
        i18n.install(QApplication.instance(), "en")
    assert QApplication.translate("MainWindow", "&File") == "&File"


# --------------------------------------------------------------------------- screenshots


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_screenshots_of_every_layout(qtbot, window: MainWindow, lang: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    window.set_language(lang)
    try:
        order = ["Chest/Abdomen", "PET", "Oblique", "T1 SE", "tilt"]
        for name in LAYOUTS:
            window.set_layout(name)
            for vp, desc in zip(window.visible_viewports(), order, strict=False):
                if vp.model.image is None or desc not in vp.model.info.get("series", ""):
                    window.open_series(key_of(window, desc), vp)
            wait_loaded(qtbot, window)
            qtbot.wait(50)
            img = window.screenshot()
            path = SCREENSHOTS / f"{lang}-{name}.png"
            assert img.save(str(path))
            rgb = img.convertToFormat(img.Format.Format_RGB888)
            arr = (
                np.frombuffer(rgb.constBits(), dtype=np.uint8)
                .reshape(rgb.height(), rgb.bytesPerLine())[:, : rgb.width() * 3]
                .reshape(rgb.height(), rgb.width(), 3)
            )
            for vp in window.visible_viewports():
                top_left = vp.view.mapTo(window, vp.view.rect().topLeft())
                r = img.devicePixelRatio()
                region = arr[
                    round(top_left.y() * r) : round((top_left.y() + vp.view.height()) * r),
                    round(top_left.x() * r) : round((top_left.x() + vp.view.width()) * r),
                ]
                assert_sane(region.astype(np.int32))
    finally:
        window.set_language("en")
    assert len(list(SCREENSHOTS.glob(f"{lang}-*.png"))) == len(LAYOUTS)
    assert os.path.getsize(SCREENSHOTS / f"{lang}-2x2.png") > 20_000


# --------------------------------------------------------------------------- cloud


def test_cloud_flow_in_the_real_window(qtbot, window: MainWindow, cloud_service, devcloud) -> None:
    """Code entry → exam list → fetch with progress → first image → the study like a local one;
    then the QR flow with the patient's phone; every view lands in the audit log."""
    import json as _json

    from tests.test_cloudclient import approve_on_phone, source_bytes

    window.cloud_service = cloud_service
    window.set_layout("1x1")
    dlg = window.open_cloud()
    assert dlg is not None and dlg.isVisible()
    # a wrong code is refused at once, naming the segment
    code = next(
        r["code"]
        for r in devcloud.records
        if r["psn"] == PATIENTS_[1].psn and r["organisation"]["province_code"] == "32"
    )
    qtbot.keyClicks(dlg.code_edit, code[:-1] + ("0" if code[-1] != "0" else "1"))
    qtbot.keyClick(dlg.code_edit, Qt.Key.Key_Return)
    assert "segment 5" in dlg.status.text()
    dlg.code_edit.clear()
    hyphenated = "-".join([code[:26], code[26:38], code[38:47], code[47:60], code[60:]])
    qtbot.keyClicks(dlg.code_edit, hyphenated)  # a barcode scanner types like a keyboard
    qtbot.keyClick(dlg.code_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1, timeout=20000)
    assert dlg.table.item(0, 1).text() == "CT" and "MB" in dlg.table.item(0, 5).text()
    assert "南京" in dlg.table.item(0, 3).text() and dlg.table.item(0, 4).text() == "江苏省"
    shown: list[str] = []
    window.image_shown.connect(shown.append)
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown), timeout=20000)  # the first image, while the rest streams
    qtbot.waitUntil(lambda: not dlg.busy, timeout=60000)
    assert dlg.progress.value() == dlg.progress.maximum() == dlg.records[0].instance_count
    vp = window.active
    assert vp is not None
    # (decoded while it arrived, the volume may show before the study is opened: wait for both)
    qtbot.waitUntil(
        lambda: isinstance(vp.model.image, Volume) and vp.series_key in window.images,
        timeout=30000,
    )
    assert vp.model.count == dlg.records[0].instance_count
    assert_sane(frame(vp))
    files = list((cloud_service.store.study_dir(dlg.records[0].study_uid)).rglob("*.dcm"))
    sources = source_bytes(dlg.records[0].study_uid)
    assert sorted(f.read_bytes() for f in files) == sorted(sources.values())
    # the cache may evict that folder: it is not offered in Open Recent
    cache = str(cloud_service.store.study_dir(dlg.records[0].study_uid).parent)
    assert window.recent_menu.paths() and not any(
        p.startswith(cache) for p in window.recent_menu.paths()
    )
    assert window.workspace.origin_of(vp.series_key) is not None
    assert window.workspace.origin_of(vp.series_key).value == "cloud"
    # every file of the cached study is an image: its manifest is not reported as unreadable
    assert not window.workspace.problems, [str(p) for p in window.workspace.problems]
    assert window.acts["consult_start"].isEnabled()
    # the QR flow: the patient's phone approves, the exam list spans both provinces
    qtbot.mouseClick(dlg.qr_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            dlg.flow is not None
            and dlg.qr_label.pixmap() is not None
            and not dlg.qr_label.pixmap().isNull()
        ),
        timeout=20000,
    )
    assert "QR code valid for" in dlg.countdown.text()
    approve_on_phone(dlg.flow, PATIENTS_[0])
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 3, timeout=30000)
    assert {dlg.table.item(i, 4).text() for i in range(3)} == {"福建省", "江苏省"}
    dlg.close()
    assert window.runner.wait(10000, lane="audit")  # (views are audited on their own thread)
    lines = [_json.loads(x) for x in cloud_service.audit.path.read_text().splitlines()]
    actions = [x["action"] for x in lines]
    assert "retrieve" in actions and actions.count("view") >= 2 and "authorize" in actions
    assert "张" not in cloud_service.audit.path.read_text()


from devcloud.seed import PATIENTS as PATIENTS_  # noqa: E402


def test_duplicate_exam_banner_in_the_cloud_panel(
    qtbot, window: MainWindow, cloud_service, devcloud
) -> None:
    from tests.test_cloudclient import approve_on_phone

    window.cloud_service = cloud_service
    dlg = window.open_cloud()
    qtbot.mouseClick(dlg.qr_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.flow is not None, timeout=20000)
    approve_on_phone(dlg.flow, PATIENTS_[0])
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 3, timeout=30000)
    assert not dlg.reminder.isVisible()
    dlg.planned_body.setText("CHEST")
    dlg.planned_modality.setCurrentText("CT")  # the doctor is about to order a chest CT
    assert dlg.reminder.isVisible() and dlg.reminder_open.isVisible()
    assert "similar exam" in dlg.reminder.text()
    shown: list[str] = []
    window.image_shown.connect(shown.append)
    qtbot.mouseClick(dlg.reminder_open, Qt.MouseButton.LeftButton)  # one click opens it
    qtbot.waitUntil(lambda: bool(shown), timeout=30000)
    qtbot.waitUntil(lambda: not dlg.busy, timeout=60000)
    assert dlg.records[dlg.table.currentRow()] is dlg.similar[0]
    dlg.planned_modality.setCurrentText("US")
    assert not dlg.reminder.isVisible()
    dlg.close()


def test_cloud_panel_says_where_the_study_came_from(
    qtbot, window: MainWindow, cloud_service, devcloud
) -> None:
    window.cloud_service = cloud_service
    dlg = window.open_cloud()
    code = devcloud.records[0]["code"]
    for expected in ("from the provincial cloud", "from this workstation's cache"):
        dlg.code_edit.setText(code)
        qtbot.keyClick(dlg.code_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dlg.table.rowCount() >= 1, timeout=20000)
        qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dlg.busy and bool(dlg.source_text), timeout=60000)

        def says(e: str = expected) -> None:
            assert e in dlg.status.text(), dlg.status.text()

        qtbot.waitUntil(says, timeout=20000)
        assert expected in window.statusBar().currentMessage() or expected in dlg.status.text()
        dlg.source_text = ""
        dlg.table.setRowCount(0)
    dlg.close()


def _offline_cloud(tmp_path: Path):
    """A configured cloud service that is never called (nothing listens at its address)."""
    from cloudclient import tokens
    from cloudclient.service import CloudConfig, CloudService

    tokens.save_client_secret("ws-menu-test", "not-used")
    cfg = CloudConfig("https://127.0.0.1:9", "ws-menu-test", cache_dir=str(tmp_path / "cache"))
    return CloudService(cfg)


def test_cloud_panel_from_the_file_menu_and_ctrl_k(
    qtbot, window: MainWindow, tmp_path: Path, memory_keyring
) -> None:
    # not configured: the key says why instead of opening an empty panel
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert "Cloud not available" in window.statusBar().currentMessage()
    assert window.cloud_dialog is None
    window.cloud_service = _offline_cloud(tmp_path)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.cloud_dialog is not None and window.cloud_dialog.isVisible())
    dlg = window.cloud_dialog
    assert dlg.code_edit.isVisible() and dlg.windowTitle() == "Medical Insurance Imaging Cloud"
    dlg.close()
    qtbot.waitUntil(lambda: not dlg.isVisible())
    # File → Cloud…: the action sits in the File menu with its shortcut
    file_menu = window.menus["file"]
    (cloud,) = [a for a in file_menu.actions() if a.text() == "&Cloud…"]
    assert cloud.shortcut().toString() == "Ctrl+K" and cloud.isEnabled()
    cloud.trigger()
    qtbot.waitUntil(lambda: window.cloud_dialog.isVisible())
    window.cloud_dialog.close()


def test_closing_the_window_closes_the_cache_cleanly(qtbot, tmp_path: Path, memory_keyring) -> None:
    """A window that used the cloud closes its cache's catalog cleanly: the next session's first
    cloud use does not check the whole cache against the disk (it did, on the GUI thread, after
    every session: the catalog was never closed)."""
    w = MainWindow()
    qtbot.addWidget(w)
    w.cloud_service = _offline_cloud(tmp_path)
    marker = tmp_path / "cache" / ".catalog-open"
    assert marker.exists()  # (open: what a crash would leave)
    w.close()
    assert not marker.exists()
    assert not _offline_cloud(tmp_path).catalog.recovered


def test_every_action_the_readme_names_is_in_a_menu(window: MainWindow) -> None:
    in_menus = {
        a.text().replace("&", "")
        for m in window.menus.values()
        for a in m.actions()
        if not a.isSeparator()
    }
    for name in (
        "Open Folder…",
        "Open File, DICOMDIR or Zip…",
        "Open Recent",
        "Cloud…",
        "Start Consultation…",
        "Join Consultation…",
        "Save Screenshot…",
        "Synchronize Scrolling",
        "Reference Lines",
        "Link Zoom and Pan",
        "Link Window/Level",
        "MPR / 3D",
        "Fit to Window",
        "Actual Pixels (1:1)",
        "Invert",
        "Play/Pause Cine",
        "Keyboard Shortcuts",
        "Problems…",
    ):
        assert name in in_menus, name
    # enabled when they can act: a consultation shares a cloud study, a local one is open here
    assert window.acts["invert"].isEnabled() and window.acts["cloud"].isEnabled()
    assert not window.acts["consult_start"].isEnabled()


def test_unreadable_files_are_counted_and_listed(
    qtbot, window: MainWindow, tmp_path: Path, light_dir: Path
) -> None:
    files = sorted((light_dir / "mr").glob("*.dcm"))[:6]
    for f in files[:5]:
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "cut.dcm").write_bytes(files[5].read_bytes()[:400])  # a transfer cut short
    assert not window.problems.button.isVisible()
    window.open_paths([str(tmp_path)])
    qtbot.waitUntil(lambda: window.problems.button.isVisible(), timeout=20000)
    assert "1 file(s) could not be read" in window.problems.button.text()
    qtbot.mouseClick(window.problems.button, Qt.MouseButton.LeftButton)
    panel = window.problems.panel
    assert panel is not None and panel.isVisible()
    assert "cut.dcm" in panel.text() and len(panel.problems()) >= 1


def test_a_cloud_preview_is_scanned_and_decoded_off_the_gui_thread(
    qtbot, light_dir: Path, monkeypatch
) -> None:
    import threading

    import app.loader as loader_module
    from app.runner import Runner
    from viewer.state.origin import Origin
    from viewer.state.workspace import Workspace

    where: list[tuple[str, threading.Thread]] = []
    for name in ("scan", "load_series"):
        real = getattr(loader_module, name)

        def spy(*args, _real=real, _name=name, **kw):  # type: ignore[no-untyped-def]
            where.append((_name, threading.current_thread()))
            return _real(*args, **kw)

        monkeypatch.setattr(loader_module, name, spy)
    ws = Workspace(layout="1x1")
    loader_module.Loader(ws, Runner())
    first = sorted((light_dir / "pet").glob("*.dcm"))[0]
    ws.preview(first, "record", Origin.CLOUD)
    assert ws.active is not None and ws.active.image is None  # nothing done on this thread yet
    qtbot.waitUntil(lambda: ws.active.image is not None, timeout=20000)
    assert {n for n, _ in where} == {"scan", "load_series"}
    assert all(t is not threading.main_thread() for _, t in where)
