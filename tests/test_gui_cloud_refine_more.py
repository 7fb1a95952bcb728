"""A reduced JPEG 2000 cloud volume refined (or, its stream broken, loaded from the stored files)
in the real window keeps what tests/test_gui_cloud_refine.py does not look at: the 2D undo
history (Undo and Redo after the refinement step through the changes made on the reduced
volume, the points at the same patient mm) and the 2D display choices the renderer would pick
again for a new image (colour map, nearest-neighbour display, colour bar)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from PySide6.QtCore import QPoint, Qt

from app.mainwindow import MainWindow
from app.viewport import ViewportWidget
from tests.helpers import voi_lut_item
from tests.test_gui import _move, assert_sane, at, drag, frame
from tests.test_gui_cloud_refine import (  # noqa: F401
    Held,
    _draw_on_reduced,
    held,
    open_reduced,
    reduced,
)
from viewer.dicom.volume import Volume

BREAK = [False, True]  # refined / the stream broken: from the stored files


def _patient(vp: ViewportWidget) -> list[list[np.ndarray]]:
    """Every measurement's points in patient mm (in the order drawn)."""
    g = vp.model.geometry()
    return [[g.pixel_to_patient(*p) for p in m.points] for m in vp.model.measurements]


def _same(a: list[list[np.ndarray]], b: list[list[np.ndarray]]) -> None:
    assert len(a) == len(b)
    for ma, mb in zip(a, b, strict=True):
        assert len(ma) == len(mb)
        for p, q in zip(ma, mb, strict=True):
            assert np.allclose(p, q, atol=1e-6)


def _coloured(img: np.ndarray) -> float:
    """The share of the frame's middle (the picture; the corner texts are yellow) that is
    coloured as hot iron colours: red well over blue."""
    h, w = img.shape[:2]
    mid = img[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]
    return float((mid[..., 0] - mid[..., 2] > 40).mean())


def _refined(qtbot, w: MainWindow, vp: ViewportWidget, key: str, held, fail: bool) -> Volume:  # noqa: F811
    held.release(fail=fail)
    ws = w.workspace
    qtbot.waitUntil(lambda: key in ws.images and vp.model.image is ws.images[key], timeout=60000)
    full = vp.model.image
    assert isinstance(full, Volume) and full.reduced_level == 0
    return full


@pytest.mark.parametrize("fail", BREAK, ids=["refined", "from-files"])
def test_undo_and_redo_after_refinement_at_the_same_patient_mm(qtbot, reduced, fail) -> None:  # noqa: F811
    w, vp, key, _, held = reduced  # noqa: F811
    m = vp.model
    undo, redo = w.acts["undo"], w.acts["redo"]
    states = [_patient(vp)]  # nothing drawn
    _draw_on_reduced(qtbot, w, vp)  # one step: a length
    states.append(_patient(vp))
    c = m.image.shape[1] / 2
    w.set_tool("length")  # a second step: another length
    drag(qtbot, vp, at(vp, c - 14, c + 8), at(vp, c + 6, c + 14))
    w.set_tool("select")
    states.append(_patient(vp))
    assert [len(s) for s in states] == [0, 1, 2]
    reduced_sp = m.image.spacing

    assert m.selected is m.measurements[1]
    full = _refined(qtbot, w, vp, key, held, fail)
    assert full.spacing[0] == pytest.approx(reduced_sp[0] / 4)
    _same(_patient(vp), states[2])
    assert m.selected is m.measurements[1]  # the selection too
    assert undo.isEnabled() and not redo.isEnabled()  # the history came across
    undo.trigger()
    _same(_patient(vp), states[1])
    assert m.measurements[0].points[0][0] > m.image.shape[2] / 4  # in the full volume's pixels
    undo.trigger()
    assert m.measurements == [] and not undo.isEnabled() and redo.isEnabled()
    redo.trigger()
    _same(_patient(vp), states[1])
    redo.trigger()
    _same(_patient(vp), states[2])
    assert not redo.isEnabled()
    undo.trigger()  # and a new change on the full volume drops the redo branch as usual
    w.set_tool("length")
    drag(qtbot, vp, at(vp, c * 4 - 40, c * 4 - 40), at(vp, c * 4 + 30, c * 4 - 20))
    assert len(m.measurements) == 2 and not redo.isEnabled()
    undo.trigger()
    _same(_patient(vp), states[1])
    qtbot.wait(50)
    assert_sane(frame(vp))


@pytest.mark.parametrize("fail", BREAK, ids=["refined", "from-files"])
def test_colour_map_and_interpolation_picked_on_the_reduced_view_are_kept(
    qtbot,
    reduced,  # noqa: F811
    fail: bool,
) -> None:
    w, vp, key, _, held = reduced  # noqa: F811
    r = vp.renderer
    assert r.colormap == "grey" and r.interpolation == "linear"
    assert _coloured(frame(vp)) < 0.001  # grey to start with
    w.reading.set_colormap("hot_iron")  # View → Colour Map, on the active (reduced) view
    w.acts["interp_nearest"].trigger()  # View → Nearest-Neighbour Display
    assert r.colormap == "hot_iron" and r.interpolation == "nearest" and r.colorbar.visible
    m = vp.model
    m.set_window(40.0, 400.0)

    _refined(qtbot, w, vp, key, held, fail)
    assert r.colormap == "hot_iron" and r.interpolation == "nearest"
    assert r.prop.GetInterpolationType() == 0  # VTK_NEAREST_INTERPOLATION
    assert r.colorbar.visible  # (shown for a colour map)
    qtbot.wait(50)
    img = frame(vp)
    assert_sane(img)
    coloured = _coloured(img)
    assert coloured > 0.05, f"only {coloured:.1%} of the picture is coloured"
    assert w.reading.target() is not None and w.reading.target().colormap == "hot_iron"


def test_an_angle_half_drawn_on_the_reduced_view_is_finished_on_the_full_one(
    qtbot,
    reduced,  # noqa: F811
) -> None:
    w, vp, key, _, held = reduced  # noqa: F811
    m = vp.model
    c = m.image.shape[1] / 2
    w.set_tool("angle")
    for x, y in ((c - 10, c - 6), (c, c)):  # two of its three points, click by click
        p = at(vp, x, y)
        qtbot.mousePress(vp.view, Qt.MouseButton.LeftButton, pos=p)
        qtbot.mouseRelease(vp.view, Qt.MouseButton.LeftButton, pos=p)
    g = m.geometry()
    clicked = [g.pixel_to_patient(*q) for q in m.measurements[0].points[:2]]

    _refined(qtbot, w, vp, key, held, False)
    p = at(vp, c * 4 + 40, c * 4 - 30)  # the third, on the full volume
    qtbot.mousePress(vp.view, Qt.MouseButton.LeftButton, pos=p)
    qtbot.mouseRelease(vp.view, Qt.MouseButton.LeftButton, pos=p)
    (angle,) = m.measurements  # one angle, finished: not a stale copy beside it
    assert angle.kind == "angle" and len(angle.points) == 3
    g = m.geometry()
    _same([[g.pixel_to_patient(*q) for q in angle.points[:2]]], [clicked])
    assert np.allclose(angle.points[2], (c * 4 + 40, c * 4 - 30), atol=1.0)
    w.acts["undo"].trigger()  # the whole angle is one step
    assert m.measurements == []


LUT_FIRST, LUT_N = 0, 2048  # HU 0 … 2047 (an unsigned first value: the stored pixels are)


def _with_voi_lut(files: list[Path]) -> None:
    """A VOI LUT (√ of the HU above 0) written into every stored image's header."""
    table = (65535 * np.sqrt(np.arange(LUT_N) / (LUT_N - 1))).round()
    for f in files:
        ds = pydicom.dcmread(f)
        ds.VOILUTSequence = [voi_lut_item(table, LUT_FIRST, "SQRT")]
        ds.save_as(f)


@pytest.fixture
def reduced_voi(qtbot, cloud_service, devcloud, tmp_path: Path, held: Held):  # noqa: F811
    yield from open_reduced(
        qtbot, cloud_service, devcloud, tmp_path, held, _with_voi_lut, "refine-gui-voi", 3
    )


def test_a_voi_lut_picked_on_the_reduced_view_is_kept(qtbot, reduced_voi) -> None:
    w, vp, key, _, held = reduced_voi  # noqa: F811
    r = vp.renderer
    w.reading.rebuild_windows(force=True)
    (win,) = [x for name, x in w.reading.entries if name.startswith("VOI LUT")]
    w.reading.apply_window(win)  # Window → VOI LUT (SQRT)
    qtbot.wait(50)
    assert r.voi_label.startswith("VOI LUT") and r.prop.GetUseLookupTableScalarRange()
    assert "VOI LUT: SQRT" in "".join(r.corners.GetText(i) for i in range(4))
    _refined(qtbot, w, vp, key, held, False)
    qtbot.wait(50)
    assert vp.model.window == win.lut.pair
    assert r.voi_label.startswith("VOI LUT")  # shown through the table, not a linear window
    assert r.prop.GetUseLookupTableScalarRange()
    assert "VOI LUT: SQRT" in "".join(r.corners.GetText(i) for i in range(4))
    assert_sane(frame(vp))


def test_a_voi_lut_picked_on_the_reduced_mpr_is_kept(qtbot, reduced_voi) -> None:
    """Picked in an MPR layout open on the reduced volume, the VOI LUT stays on its planes when
    the layout takes the full volume in place (the table maps modality values: the same at
    every resolution)."""
    w, vp, key, _, held = reduced_voi  # noqa: F811
    panel = w.toggle_mpr(True)
    assert panel is not None and panel.model.volume is vp.model.image
    w.reading.rebuild_windows(force=True)
    (win,) = [x for name, x in w.reading.entries if name.startswith("VOI LUT")]
    w.reading.apply_window(win)
    qtbot.wait(50)
    planes = [v.renderer for v in panel.views.values()]
    assert all(r.voi_label.startswith("VOI LUT") for r in planes)
    _refined(qtbot, w, vp, key, held, False)
    qtbot.waitUntil(lambda: not panel.model.volume.reduced_level, timeout=20000)
    qtbot.wait(50)
    assert panel.model.window == win.lut.pair
    for r in planes:
        assert r.voi_label.startswith("VOI LUT"), r.view  # the table, not a linear window
        assert r.prop.GetUseLookupTableScalarRange()
        assert "VOI LUT: SQRT" in "".join(r.corners.GetText(i) for i in range(4))
    assert_sane(panel.views["axial"].renderer.grab().astype(np.int32))
    w.toggle_mpr(False)


def test_a_length_dragged_across_the_refinement_moves_with_the_mouse(qtbot, reduced) -> None:  # noqa: F811
    w, vp, key, _, held = reduced  # noqa: F811
    _draw_on_reduced(qtbot, w, vp)  # a length, selected; the select tool on
    m = vp.model
    drawn = _patient(vp)
    a, b = m.measurements[0].points
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    start = at(vp, *mid)  # on the line, away from its ends: the whole shape moves
    qtbot.mousePress(vp.view, Qt.MouseButton.LeftButton, pos=start)
    half = QPoint(start.x() + 12, start.y() + 5)
    _move(vp.view, half, Qt.MouseButton.LeftButton)
    assert not np.allclose(_patient(vp)[0][0], drawn[0][0])  # moving

    _refined(qtbot, w, vp, key, held, False)
    end = QPoint(start.x() + 30, start.y() + 20)
    _move(vp.view, end, Qt.MouseButton.LeftButton)
    qtbot.mouseRelease(vp.view, Qt.MouseButton.LeftButton, pos=end)
    g = m.geometry()
    shift = g.pixel_to_patient(*vp.image_xy(end)) - g.pixel_to_patient(*vp.image_xy(start))
    tol = 2 * vp.renderer.mm_per_screen_pixel()
    for p, q in zip(drawn[0], _patient(vp)[0], strict=True):
        assert np.allclose(q, p + shift, atol=tol)  # moved as far as the mouse, no jump
    w.acts["undo"].trigger()  # the drag is one step, begun on the reduced volume
    _same(_patient(vp), drawn)


def test_a_pan_drag_across_the_refinement_keeps_the_grabbed_point_under_the_mouse(
    qtbot,
    reduced,  # noqa: F811
) -> None:
    w, vp, key, _, held = reduced  # noqa: F811
    m = vp.model
    m.set_zoom(3.0)
    qtbot.wait(20)
    w.set_tool("pan")
    start = at(vp, m.image.shape[2] / 2 + 5, m.image.shape[1] / 2 - 3)
    grabbed = m.geometry().pixel_to_patient(*vp.image_xy(start))
    qtbot.mousePress(vp.view, Qt.MouseButton.LeftButton, pos=start)
    _move(vp.view, QPoint(start.x() + 10, start.y() + 6), Qt.MouseButton.LeftButton)

    _refined(qtbot, w, vp, key, held, False)
    end = QPoint(start.x() + 40, start.y() - 25)
    _move(vp.view, end, Qt.MouseButton.LeftButton)
    qtbot.mouseRelease(vp.view, Qt.MouseButton.LeftButton, pos=end)
    under = m.geometry().pixel_to_patient(*vp.image_xy(end))
    tol = 1.0 * vp.renderer.mm_per_screen_pixel()  # (a reduced middle is ~2 mm off the full)
    assert np.allclose(under, grabbed, atol=tol)
