"""Reading in the real window (issue 15): windows per active view, PET in SUV, colour maps and
fusion, one way of working in 2D and MPR (mouse, tools, undo), theme, text size, sub-volumes,
tags — asserted on models and on rendered pixels.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from app.mainwindow import MainWindow
from tests.test_gui import (
    SCREENSHOTS,
    assert_sane,
    at,
    click,
    frame,
    key_of,
    open_first_volume,
    open_main_window,
    show,
    wait_loaded,
)
from viewer.dicom.colormaps import hue_degrees, luminance
from viewer.dicom.volume import Volume


@pytest.fixture
def window(qtbot, light_dir):
    w = open_main_window(qtbot, light_dir)
    yield w
    w.close()


def _mpr(qtbot, w: MainWindow, description: str):
    show(qtbot, w, description)
    panel = w.toggle_mpr(True)
    assert panel is not None
    qtbot.wait(50)
    return panel


def _press(qtbot, view, p: QPoint, button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mousePress(view.vtk, button, pos=p)
    qtbot.mouseRelease(view.vtk, button, pos=p)


def _drag(qtbot, view, a: QPoint, b: QPoint, button=Qt.MouseButton.LeftButton) -> None:
    """A drag on an MPR view (its VTK widget)."""
    from tests.test_gui import _move

    qtbot.mousePress(view.vtk, button, pos=a)
    for i in range(1, 6):
        p = QPoint(a.x() + (b.x() - a.x()) * i // 5, a.y() + (b.y() - a.y()) * i // 5)
        _move(view.vtk, p, button)
    qtbot.mouseRelease(view.vtk, button, pos=b)


def _key(qtbot, w: MainWindow, key: str, mods=Qt.KeyboardModifier.NoModifier) -> None:
    """A key as a window shortcut (whichever widget has the focus)."""
    qtbot.keyClick(w, key, mods) if len(key) == 1 else qtbot.keyClick(w, getattr(Qt.Key, key), mods)


# --------------------------------------------------------------------------- windows


def test_windows_menu_follows_the_active_view(qtbot, window: MainWindow) -> None:
    r = window.reading
    vp = show(qtbot, window, "PET")
    r.rebuild_windows(force=True)
    names = [n for n, _ in r.entries]
    assert names and not any("brain" in n.lower() or "lung" in n.lower() for n in names)
    # PET opens in SUV: 0-5 SUVbw, inverted grey, a colour bar titled with the unit
    assert vp.model.window == pytest.approx((2.5, 5.0))
    assert vp.renderer.display.unit == "SUVbw"
    assert vp.renderer.colormap == "grey_inverted"
    assert "SUVbw" in window.status_label.text()
    assert "SUVbw" in vp.renderer.colorbar.text("unit")
    _key(qtbot, window, "2")  # the second entry: a wider SUV window
    assert vp.model.window == pytest.approx(r.entries[1][1].pair)
    ct = show(qtbot, window, "Chest/Abdomen")
    r.rebuild_windows(force=True)
    names = [n.lower() for n, _ in r.entries]
    assert any("lung" in n for n in names) and not any("suv" in n for n in names)
    lung = next(i for i, n in enumerate(names) if "lung" in n)
    _key(qtbot, window, str(lung + 1))
    assert ct.model.window == pytest.approx(r.entries[lung][1].pair)
    assert "HU" in window.status_label.text()
    mr = show(qtbot, window, "T1 SE")
    r.rebuild_windows(force=True)
    assert not any("lung" in n.lower() for n, _ in r.entries)  # no lung presets on MR
    assert mr.model.image is not None


def test_presets_invert_and_colour_map_act_on_the_mpr_view(qtbot, window: MainWindow) -> None:
    panel = _mpr(qtbot, window, "Chest/Abdomen")
    view = panel.views["coronal"]
    _press(qtbot, view, QPoint(view.width() // 2, view.height() // 2))
    assert panel.active_view == "coronal"
    name = window.workspace.active.info["patient_name"]  # type: ignore[union-attr]
    assert all(name in v.renderer.corners.GetText(2) for v in panel.views.values())
    assert name in panel.vr.renderer.text.GetText(2)  # the 3D view too
    assert "MPR Coronal" in window.status_label.text()
    r = window.reading
    r.rebuild_windows(force=True)
    before = window.workspace.active.window  # type: ignore[union-attr]
    lung = next(i for i, (n, _) in enumerate(r.entries) if "lung" in n.lower())
    _key(qtbot, window, str(lung + 1))
    assert panel.model.window == pytest.approx(r.entries[lung][1].pair)
    assert window.workspace.active.window == before  # type: ignore[union-attr]  # 2D untouched
    grey = view.renderer.grab().astype(float)
    window.acts["invert"].trigger()
    assert all(v.renderer.invert for v in panel.views.values())
    inv = view.renderer.grab().astype(float)
    h, w = grey.shape[:2]
    mid = (slice(h // 3, 2 * h // 3), slice(w // 3, 2 * w // 3))
    assert grey[mid].std() > 15
    assert np.abs(grey[mid] + inv[mid] - 255).mean() < 25  # inverted: dark and light swap
    window.acts["invert"].trigger()
    r.set_colormap("hot_iron")
    hot = view.renderer.grab().astype(float)
    assert np.abs(hot[..., 0] - hot[..., 2]).mean() > 10  # colour, not grey
    assert view.renderer.colorbar.text("unit")


def test_undo_redo_in_2d_and_mpr(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "Chest/Abdomen")
    window.set_tool("length")
    c = QPoint(vp.view.width() // 2, vp.view.height() // 2)
    click(qtbot, vp, c)
    click(qtbot, vp, c + QPoint(60, 0))
    assert len(vp.model.measurements) == 1
    window.set_tool("ellipse")
    click(qtbot, vp, c + QPoint(-40, -40))
    click(qtbot, vp, c + QPoint(-10, -10))
    assert len(vp.model.measurements) == 2
    window.acts["clear"].trigger()
    assert vp.model.measurements == []
    _key(qtbot, window, "Z", Qt.KeyboardModifier.ControlModifier)  # Clear All taken back
    assert len(vp.model.measurements) == 2
    _key(qtbot, window, "Z", Qt.KeyboardModifier.ControlModifier)
    assert len(vp.model.measurements) == 1
    _key(
        qtbot, window, "Z", Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert len(vp.model.measurements) == 2
    # moving a measurement (select tool, one drag) is one step too
    from tests.test_gui import drag

    window.set_tool("select")
    length = vp.model.measurements[0]
    before = list(length.points)
    mid = at(vp, *np.mean(before, axis=0))
    drag(qtbot, vp, mid, mid + QPoint(0, 40))
    assert vp.model.measurements[0].points != before
    _key(qtbot, window, "Z", Qt.KeyboardModifier.ControlModifier)
    assert np.allclose(vp.model.measurements[0].points, before)
    # MPR: the toolbar's length tool measures on a plane; undo takes it back
    panel = _mpr(qtbot, window, "Chest/Abdomen")
    window.set_tool("length")
    view = panel.views["axial"]
    p = QPoint(view.width() // 2, view.height() // 2)
    for q in (p, p + QPoint(50, 0)):
        _press(qtbot, view, q)
    assert len(panel.model.measurements) == 1
    window.acts["clear"].trigger()
    assert panel.model.measurements == []
    _key(qtbot, window, "Z", Qt.KeyboardModifier.ControlModifier)
    assert len(panel.model.measurements) == 1
    _key(qtbot, window, "Z", Qt.KeyboardModifier.ControlModifier)
    assert panel.model.measurements == []


def test_mouse_mapping_is_the_same_in_2d_and_mpr(qtbot, window: MainWindow) -> None:
    from tests.test_gui import drag

    vp = show(qtbot, window, "Chest/Abdomen")
    z0 = vp.model.zoom
    c = QPoint(vp.view.width() // 2, vp.view.height() // 2)
    drag(qtbot, vp, c, c + QPoint(0, -40), Qt.MouseButton.RightButton)  # right: zoom
    assert vp.model.zoom > z0
    panel = _mpr(qtbot, window, "Chest/Abdomen")
    view = panel.views["axial"]
    z1 = panel.model.zoom["axial"]
    _drag(qtbot, view, c, c + QPoint(0, -40), Qt.MouseButton.RightButton)
    assert panel.model.zoom["axial"] > z1
    window.acts["tool_wl"].trigger()  # the toolbar's W/L tool in MPR: left drag windows
    w0 = panel.model.window
    _drag(qtbot, view, c, c + QPoint(60, 30))
    assert panel.model.window[1] > w0[1] and panel.model.window[0] > w0[0]


def test_toolbar_fits_a_1366_screen_with_icons(qtbot, window: MainWindow) -> None:
    window.showNormal()
    window.resize(1366, 768)
    qtbot.wait(50)
    tb = window.toolbar
    assert tb.sizeHint().width() <= 1366
    for act in tb.actions():
        if act.isSeparator() or not act.isVisible():
            continue
        assert not act.icon().isNull(), act.objectName()
        button = tb.widgetForAction(act)
        assert button is not None and button.isVisible(), act.objectName()  # not in overflow


def test_theme_and_text_size(qtbot, window: MainWindow) -> None:
    app = QApplication.instance()
    prefs = window.reading.prefs
    assert prefs.theme == "dark" and "#1e1f22" in app.styleSheet()  # type: ignore[union-attr]
    prefs.set_theme("light")
    assert "#1e1f22" not in app.styleSheet()  # type: ignore[union-attr]
    prefs.set_theme("dark")
    vp = show(qtbot, window, "Chest/Abdomen")
    pt = app.font().pointSizeF()  # type: ignore[union-attr]
    before = vp.renderer.corners._actor(0).GetTextProperty().GetFontSize()
    try:
        prefs.set_text_scale(1.5)
        assert app.font().pointSizeF() == pytest.approx(pt * 1.5)  # type: ignore[union-attr]
        assert vp.renderer.corners._actor(0).GetTextProperty().GetFontSize() == round(before * 1.5)
    finally:
        prefs.set_text_scale(1.0)


# --------------------------------------------------------------------------- PET, colour, fusion


def _hot_and_normal(pet: Volume) -> tuple[np.ndarray, np.ndarray]:
    """Patient points of the hottest PET voxel and of normal tissue (SUV 0.8–2.5) near it."""
    assert pet.suv is not None and pet.suv.available
    f = pet.suv.slice_factors()
    k, j, i = np.unravel_index(int(np.argmax(pet.array)), pet.shape)
    suv = pet.array[k].astype(float) * f[k]
    jj, ii = np.nonzero((suv > 0.8) & (suv < 2.5))
    d = np.hypot((ii - i) * pet.spacing[0], (jj - j) * pet.spacing[1])
    ok = d > 15
    n = int(np.argmin(np.where(ok, d, np.inf)))
    hot = np.asarray(pet.index_to_patient((float(i), float(j), float(k))))
    normal = np.asarray(pet.index_to_patient((float(ii[n]), float(jj[n]), float(k))))
    return hot, normal


def _rgb_at(vp, img: np.ndarray, p_patient: np.ndarray) -> np.ndarray:
    ct = vp.model.image
    i, j, _ = ct.patient_to_index(p_patient)
    q = at(vp, float(i), float(j))
    r = vp.view.devicePixelRatioF()
    y, x = round(q.y() * r), round(q.x() * r)
    return img[y - 1 : y + 2, x - 1 : x + 2].reshape(-1, 3).mean(axis=0)


def test_pet_ct_fusion_in_2d_shows_the_hottest_lesion_hottest(qtbot, window: MainWindow) -> None:
    show(qtbot, window, "tilt")  # another CT loaded: not offered over a CT
    show(qtbot, window, "PET")
    pet = window.images[key_of(window, "PET")]
    assert isinstance(pet, Volume)
    vp = show(qtbot, window, "Chest/Abdomen")
    choices = window.reading.fusion.choices()
    assert any(k.startswith("PT") for k in choices)
    assert not any(k.startswith("CT") for k in choices)  # CT over CT is not a fusion pair
    dlg = window.reading.fusion.ask()
    assert dlg is not None
    key = next(k for k in choices if k.startswith("PT"))
    dlg.overlay.setCurrentIndex(dlg.overlay.findData(key))
    assert vp.renderer.fusion is not None and vp.renderer.fusion.volume is pet
    hot, normal = _hot_and_normal(pet)
    vp.model.set_index(vp.model.index_nearest(hot))
    qtbot.wait(20)
    img = frame(vp)
    assert_sane(img)
    h, n = _rgb_at(vp, img, hot), _rgb_at(vp, img, normal)
    lum = luminance(np.array([h, n]) / 255.0)
    hue = hue_degrees(np.array([h, n]) / 255.0)
    assert lum[0] > 2 * lum[1] and lum[0] > lum[1] + 0.03, (h, n)  # the hottest is brightest…
    assert hue[0] >= hue[1], (h, n)  # …and further along red → yellow → white
    assert "SUV" in vp.renderer.colorbar.text("unit")
    dlg.opacity.setValue(0)  # opacity 0: the CT alone shows through
    grey = _rgb_at(vp, frame(vp), hot)
    assert abs(grey[0] - grey[2]) < 8
    dlg.overlay.setCurrentIndex(0)
    assert vp.renderer.fusion is None


def test_suv_kind_and_3d_region_in_mpr(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "PET")
    pet = vp.model.image
    assert isinstance(pet, Volume) and pet.suv is not None
    window.reading._check_menus()
    kinds = [k for k, a in window.reading.suv_actions.items() if a.isEnabled()]
    assert "bw" in kinds and len(kinds) >= 2
    other = next(k for k in kinds if k != "bw")
    window.reading.suv_actions[other].trigger()
    assert vp.renderer.display.unit != "SUVbw" and vp.renderer.display.unit.startswith("SUV")
    assert vp.renderer.display.unit in window.status_label.text()
    window.reading.suv_actions["bw"].trigger()
    assert vp.renderer.display.unit == "SUVbw"
    panel = window.toggle_mpr(True)
    assert panel is not None
    hot, _ = _hot_and_normal(pet)
    panel.model.set_center(hot)
    window.set_tool("ellipse")
    view = panel.views["axial"]
    cu, cv, _ = view.renderer.grid.patient_to_uv(hot)
    a, b = view.widget_pos(cu - 12, cv - 12), view.widget_pos(cu + 12, cv + 12)
    _press(qtbot, view, a)
    _press(qtbot, view, b)
    r = window.reading.last_region
    assert r is not None and r.label == "SUVbw" and r.stats.unit == "g/ml"
    f = pet.suv.slice_factors()
    k = np.unravel_index(int(np.argmax(pet.array)), pet.shape)[0]
    assert r.stats.max == pytest.approx(float(pet.array.max()) * f[k], rel=1e-3)
    assert 0 < r.stats.peak <= r.stats.max and r.stats.mean <= r.stats.peak
    assert "SUVbwmax" in panel.note.text() and "g/ml" in panel.note.text()


def test_pet_without_weight_says_why_there_is_no_suv(qtbot, tmp_path, light_dir) -> None:
    from tests.helpers import pet_without_weight

    pet_without_weight(light_dir, tmp_path / "pet")
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.open_paths([str(tmp_path / "pet")])
    qtbot.waitUntil(lambda: len(w.series) >= 1, timeout=30000)
    vp = w.active
    assert vp is not None
    w.open_series(next(iter(w.series)), vp)
    wait_loaded(qtbot, w)
    qtbot.waitUntil(lambda: vp.model.image is not None, timeout=30000)
    assert vp.renderer.display.unit == "Bq/ml"
    text = w.status_label.text()
    assert "Bq/ml" in text and "SUV" in text and "(0010,1030)" in text, text
    assert vp.renderer.colorbar.text("unit") == "Bq/ml"
    w.close()


# --------------------------------------------------------------------------- sub-volumes, tags


def test_sub_volumes_step_by_shortcut_and_say_which(qtbot, tmp_path) -> None:
    from phantoms import multi

    multi.multi_echo_mr(str(tmp_path))
    w = open_first_volume(qtbot, tmp_path)
    vp = w.active
    assert vp is not None
    vol = vp.model.image
    assert vol.label == "Echo 1 (TE 10 ms)"
    assert "Echo 1 (TE 10 ms)" in vp.renderer.corners.GetText(3)
    vp.model.set_index(1)
    before = vp.model.pixels().copy()
    _key(qtbot, w, "Key_Down", Qt.KeyboardModifier.ControlModifier)
    assert vp.model.image is vol.sibling(1) and vp.model.index == 1
    assert "Echo 2 (TE 30 ms)" in vp.renderer.corners.GetText(3)
    assert "Echo 2" in w.status_label.text()
    assert not np.array_equal(vp.model.pixels(), before)
    _key(qtbot, w, "Key_Up", Qt.KeyboardModifier.ControlModifier)
    assert vp.model.image is vol
    box = w.reading.subvol  # the status bar's spin box steps too
    assert box.isVisible() and box.value() == 1 and box.maximum() == 3
    box.setValue(3)
    assert vp.model.image is vol.subvolumes[2]
    assert "Echo 3 (TE 60 ms)" in vp.renderer.corners.GetText(3)
    w.close()


def test_tags_of_the_active_slice_on_ctrl_i(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "PET")
    vp.model.set_index(2)
    _key(qtbot, window, "I", Qt.KeyboardModifier.ControlModifier)
    dlg = window.reading.tags_dialog
    assert dlg is not None and dlg.isVisible()
    dlg.set_filter("Instance Number")
    texts = []
    it = dlg.tree.invisibleRootItem()
    for n in range(it.childCount()):
        texts.append(" ".join(it.child(n).text(c) for c in range(4)))
    src = vp.model.image.slice_sources[2].instance  # type: ignore[union-attr]
    assert any(str(src.instance_number) in t for t in texts), texts
    dlg.close()


def test_nearest_display_is_an_option(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "Chest/Abdomen")
    assert vp.renderer.interpolation == "linear"
    window.acts["interp_nearest"].trigger()
    assert vp.renderer.interpolation == "nearest"
    zoomed = vp.model.zoom * 8
    vp.model.set_zoom(zoomed)
    blocky = frame(vp).mean(axis=2)
    window.acts["interp_nearest"].trigger()
    smooth = frame(vp).mean(axis=2)
    assert vp.renderer.interpolation == "linear"
    # blocks: many neighbours equal and a few big steps; linear: small steps everywhere
    d_b, d_s = np.abs(np.diff(blocky, axis=1)), np.abs(np.diff(smooth, axis=1))
    assert (d_b == 0).mean() > (d_s == 0).mean()


# --------------------------------------------------------------------------- screenshots


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_screenshots_pet_suv_fusion_and_dark_theme(qtbot, window: MainWindow, lang: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    window.set_language(lang)
    try:
        window.resize(1366, 768)
        window.set_layout("1x2")
        left, right = window.visible_viewports()[:2]
        show(qtbot, window, "PET", right)
        ct = show(qtbot, window, "Chest/Abdomen", left)
        assert right.renderer.colorbar.visible and "SUV" in right.renderer.colorbar.text("unit")
        key = next(k for k in window.reading.fusion.choices() if k.startswith("PT"))
        window.reading.fusion.fuse(key)
        qtbot.wait(50)
        assert_sane(frame(ct))
        shot = window.screenshot()
        assert shot.save(str(SCREENSHOTS / f"reading-{lang}-pet-suv-fusion-2d-dark.png"))
        panel = window.toggle_mpr(True)
        assert panel is not None
        assert panel.others and all(k.split()[0] in ("PT", "NM", "MR") for k in panel.others)
        panel.fuse.setCurrentIndex(panel.fuse.findData(next(k for k in panel.others)))
        qtbot.wait(50)
        assert panel.model.fusion is not None
        img = panel.views["axial"].renderer.grab().astype(float)
        assert np.abs(img[..., 0] - img[..., 2]).max() > 60  # the fused colours are there
        assert window.screenshot().save(str(SCREENSHOTS / f"reading-{lang}-fusion-mpr-dark.png"))
        window.toggle_mpr(False)
        assert "MPR" not in window.status_label.text()  # the status follows the 2D view again
        window.reading.prefs.set_theme("light")
        assert window.screenshot().save(str(SCREENSHOTS / f"reading-{lang}-light.png"))
    finally:
        window.reading.prefs.set_theme("dark")
        window.set_language("en")
    for name in ("pet-suv-fusion-2d-dark", "fusion-mpr-dark", "light"):
        assert (SCREENSHOTS / f"reading-{lang}-{name}.png").stat().st_size > 20_000


def test_tilted_ct_shows_acquired_thickness_marked_reconstructed(qtbot, window) -> None:
    vp = show(qtbot, window, "tilt")
    vol = vp.model.image
    assert isinstance(vol, Volume) and vol.reconstructed
    text = vp.renderer.corners.GetText(0)
    thk = next(line for line in text.splitlines() if line.startswith("Thk"))
    assert "reconstructed" in thk
    assert f"{vol.slice_thickness:.2f} mm" in thk
    ct = show(qtbot, window, "Chest/Abdomen")
    assert "reconstructed" not in ct.renderer.corners.GetText(0)


# --------------------------------------------------------------------------- settings dialogs


def test_edited_presets_and_mouse_buttons_are_saved_per_user(
    qtbot, window, tmp_path, monkeypatch
) -> None:
    from app import mouse_map
    from tests.test_gui import drag

    monkeypatch.setenv("YUNYING_CONFIG_DIR", str(tmp_path))
    vp = show(qtbot, window, "Chest/Abdomen")
    dlg = window.reading.prefs.edit_presets()
    assert dlg.modality.currentData() == "CT"
    dlg.add_row("Pleura", 50.0, 1234.0)
    dlg.save()
    assert (tmp_path / "window_presets.json").is_file()
    names = [n for n, _ in window.reading.entries]
    assert "Pleura" in names  # offered at once on the CT (the user's own presets)
    n = names.index("Pleura")
    if n < 9:
        _key(qtbot, window, str(n + 1))
        assert vp.model.window == pytest.approx((50.0, 1234.0))
    dlg.close()
    mdlg = window.reading.prefs.edit_mouse()
    box = mdlg.boxes["right"]
    box.setCurrentIndex(box.findData("window"))
    try:
        mdlg.accept()
        assert (tmp_path / "mouse.json").is_file()
        w0, z0 = vp.model.window, vp.model.zoom
        c = QPoint(vp.view.width() // 2, vp.view.height() // 2)
        drag(qtbot, vp, c, c + QPoint(40, 20), Qt.MouseButton.RightButton)
        assert vp.model.window != w0 and vp.model.zoom == z0  # right now windows, in 2D…
        panel = _mpr(qtbot, window, "Chest/Abdomen")
        view = panel.views["axial"]
        m0 = panel.model.window
        _drag(qtbot, view, c, c + QPoint(40, 20), Qt.MouseButton.RightButton)
        assert panel.model.window != m0  # …and in MPR
    finally:
        mouse_map.set_mouse_map(mouse_map.MouseMap.load(), save=False)


def test_the_files_windows_come_first_with_their_explanations(qtbot, tmp_path, light_dir) -> None:
    """A multi-valued Window Center/Width: every pair offered, named by its explanation."""
    import pydicom

    from tests.helpers import copy_series

    src = next(
        f.parent
        for f in sorted(light_dir.rglob("*.dcm"))
        if "Chest/Abdomen" in str(pydicom.dcmread(f, stop_before_pixels=True).SeriesDescription)
    )

    def windows(ds, _n):
        ds.WindowCenter = [35, -550]
        ds.WindowWidth = [110, 1700]
        ds.WindowCenterWidthExplanation = ["SOFT TISSUE", "PLEURA"]
        return ds

    copy_series(src, tmp_path / "ct", windows)
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)
    w.open_paths([str(tmp_path / "ct")])
    qtbot.waitUntil(lambda: len(w.series) >= 1, timeout=30000)
    vp = w.active
    assert vp is not None
    w.open_series(next(iter(w.series)), vp)
    qtbot.waitUntil(lambda: isinstance(vp.model.image, Volume), timeout=30000)
    assert vp.model.window == pytest.approx((35.0, 110.0))  # opens in the file's first window
    w.reading.rebuild_windows(force=True)
    names = [n for n, _ in w.reading.entries]
    assert names[:2] == ["SOFT TISSUE", "PLEURA"]
    assert any("lung" in n.lower() for n in names[2:])  # then the chest presets
    _key(qtbot, w, "2")
    assert vp.model.window == pytest.approx((-550.0, 1700.0))
    _key(qtbot, w, "0")  # Auto: the file's window again
    assert vp.model.window == pytest.approx((35.0, 110.0))
    w.close()


def test_pet_roi_and_probe_carry_the_suv_unit(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "PET")
    pet = vp.model.image
    assert isinstance(pet, Volume)
    hot, _ = _hot_and_normal(pet)
    i, j, k = pet.patient_to_index(hot)
    vp.model.set_index(round(float(k)))
    window.set_tool("ellipse")
    click(qtbot, vp, at(vp, float(i) - 6, float(j) - 6))
    click(qtbot, vp, at(vp, float(i) + 6, float(j) + 6))
    window.set_tool("probe")
    click(qtbot, vp, at(vp, float(i), float(j)))
    labels = [a.GetInput() for a, _ in vp.renderer._labels]
    assert len(labels) >= 2 and all("SUVbw" in t for t in labels), labels
    # the number keys follow the active view: a CT next to it gets CT windows
    window.set_layout("1x2")
    ct = show(qtbot, window, "Chest/Abdomen", window.visible_viewports()[1])
    _key(qtbot, window, "1")
    assert ct.model.window == pytest.approx(window.reading.entries[0][1].pair)
    assert "suv" not in window.reading.entries[0][0].lower()


def test_colour_map_menu_on_a_2d_view_with_its_colour_bar(qtbot, window: MainWindow) -> None:
    vp = show(qtbot, window, "Chest/Abdomen")
    assert not vp.renderer.colorbar.visible  # plain grey: no bar
    r = window.reading
    assert set(r.cmap_actions) >= {"grey", "hot_iron", "rainbow", "pet"}  # from resources
    r.cmap_actions["rainbow"].trigger()
    img = frame(vp)
    assert vp.renderer.colormap == "rainbow" and vp.renderer.colorbar.visible
    assert vp.renderer.colorbar.text("unit") == "HU"
    h, w = img.shape[:2]
    mid = img[h // 3 : 2 * h // 3, w // 3 : 2 * w // 3].reshape(-1, 3)
    assert np.abs(mid[:, 0] - mid[:, 2]).mean() > 20  # coloured
    r._check_menus()
    assert r.cmap_actions["rainbow"].isChecked()
    r.cmap_actions["grey"].trigger()
    assert not vp.renderer.colorbar.visible


def test_fusion_threshold_makes_low_uptake_transparent(qtbot, window: MainWindow) -> None:
    show(qtbot, window, "PET")
    pet = window.images[key_of(window, "PET")]
    vp = show(qtbot, window, "Chest/Abdomen")
    dlg = window.reading.fusion.ask()
    assert dlg is not None
    dlg.overlay.setCurrentIndex(
        dlg.overlay.findData(next(k for k in window.reading.fusion.choices() if k.startswith("PT")))
    )
    _, normal = _hot_and_normal(pet)
    vp.model.set_index(vp.model.index_nearest(normal))
    dlg.threshold.setValue(0)
    tinted = _rgb_at(vp, frame(vp), normal)
    dlg.threshold.setValue(80)  # below 80 % of 0–5 SUV (4 SUV): normal tissue shows bare CT
    bare = _rgb_at(vp, frame(vp), normal)
    assert abs(tinted[0] - tinted[2]) > 15 and abs(bare[0] - bare[2]) < 8, (tinted, bare)
    assert vp.renderer.fusion.threshold == pytest.approx(0.8)
