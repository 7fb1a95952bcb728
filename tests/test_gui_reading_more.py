"""Reading in the real window, what issue 15 left: why a PET is not in SUV written in the
viewport beside its unit, sub-volumes stepped in MPR, a VOI LUT applied as its table — asserted
on the models and on rendered pixels (xvfb)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from app import i18n
from tests.helpers import ct_with_voi_lut, pet_without_weight, voi_lut_item
from tests.test_gui import SCREENSHOTS, assert_sane, frame, open_first_volume
from viewer.dicom.volume import Volume
from viewer.dicom.windows import DisplayValues

# --------------------------------------------------------------------------- (a) SUV refused


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_why_a_pet_is_not_in_suv_is_written_beside_its_unit(
    qtbot, tmp_path, light_dir, lang: str
) -> None:
    folder = pet_without_weight(light_dir, tmp_path / "pet")
    w = open_first_volume(qtbot, folder, lang)
    try:
        w.resize(1366, 768)
        qtbot.wait(50)
        vp = w.active
        assert vp is not None
        r = vp.renderer
        text = r.corners.GetText(1)  # the window corner: W/L, its unit, then why
        unit = r.display.unit
        assert unit and not unit.upper().startswith("SUV")
        assert text.splitlines()[0].endswith(unit), text
        assert "(0010,1030)" in text and "SUV" in text, text
        if lang == "zh_CN":
            assert "SUV" in text and any("\u4e00" <= ch <= "\u9fff" for ch in text), text
        bar_y = r._scale_actors[1].GetPosition()[1] - 8  # the scale bar: above the text
        assert bar_y >= 17 * len(text.splitlines()), (bar_y, text)
        with_reason = frame(vp)
        assert_sane(with_reason)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        assert w.screenshot().save(str(SCREENSHOTS / f"reading-{lang}-pet-no-suv-reason.png"))
        # the same view without the reason: what differs is text in the window corner, on
        # more than the single W/L line
        r.display = DisplayValues(unit)
        r._text_window()
        without = frame(vp)
        diff = np.abs(with_reason - without).sum(axis=2) > 60
        rows, cols = np.nonzero(diff)
        assert rows.size > 200, "the reason is not drawn"
        _h, wd = diff.shape
        assert cols.min() > wd // 3, "the reason is drawn away from the window corner"
        assert rows.max() - rows.min() > 30, "the reason is not several lines of text"
    finally:
        w.close()
        i18n.install(QApplication.instance(), "en")


# --------------------------------------------------------------------------- (d) VOI LUT

QUADRANTS = (-100.0, 0.0, 100.0, 300.0)  # HU of the four quadrants
LUT_FIRST, LUT_N = -200, 800


def _sqrt_lut(v: np.ndarray | float) -> np.ndarray:
    """The file's table, written out independently: grey = √((HU + 200) / 799), clamped."""
    x = np.clip(np.rint(np.asarray(v, float)) - LUT_FIRST, 0, LUT_N - 1)
    return np.rint(65535 * np.sqrt(x / (LUT_N - 1))) / 65535


def _ct_with_voi_lut(folder: Path) -> Path:
    img = np.zeros((64, 64), np.int16)
    for n, v in enumerate(QUADRANTS):
        img[(n // 2) * 32 : (n // 2 + 1) * 32, (n % 2) * 32 : (n % 2 + 1) * 32] = int(v)
    table = (65535 * np.sqrt(np.arange(LUT_N) / (LUT_N - 1))).round().astype(np.uint16)
    lut = voi_lut_item(table, LUT_FIRST, "SQRT")  # a signed first value (SS)
    return ct_with_voi_lut(
        folder, img, lut, slices=4, patient=("VOI^Lut", "VOI-1"), description="VOI LUT phantom"
    )


def _quadrant_greys(vp) -> list[float]:
    """The rendered grey at the centre of each quadrant (image pixel → screen)."""
    img = frame(vp)
    h = img.shape[0]
    out = []
    for n in range(4):
        col, row = (n % 2) * 32 + 16, (n // 2) * 32 + 16
        x, y = vp.renderer.image_to_display(col, row)
        patch = img[h - 1 - int(y) - 2 : h - 1 - int(y) + 3, int(x) - 2 : int(x) + 3]
        out.append(float(patch.mean()))
    return out


def test_a_voi_lut_is_shown_as_its_table_when_picked(qtbot, tmp_path) -> None:
    w = open_first_volume(qtbot, _ct_with_voi_lut(tmp_path / "ct"))
    try:
        vp = w.active
        assert vp is not None
        r = w.reading
        r.rebuild_windows(force=True)
        n = next(i for i, (name, _) in enumerate(r.entries) if name.startswith("VOI LUT"))
        name, win = r.entries[n]
        assert "SQRT" in name and win.lut is not None
        np.testing.assert_allclose(win.lut(np.array(QUADRANTS)), _sqrt_lut(QUADRANTS), atol=1e-6)
        qtbot.keyClick(w, str(n + 1))  # the window's number key, as the reader picks it
        qtbot.wait(50)
        assert vp.model.window == pytest.approx(win.pair)
        assert "VOI LUT: SQRT" in vp.renderer.corners.GetText(1)
        assert "VOI LUT: SQRT" in w.status_label.text()
        table = _quadrant_greys(vp)
        np.testing.assert_allclose(table, 255 * _sqrt_lut(QUADRANTS), atol=3)
        # the same window as a line is another picture: the table is not a linear window
        lo = win.center - win.width / 2
        linear = [255 * (v - lo) / win.width for v in QUADRANTS]
        assert max(abs(a - b) for a, b in zip(table, linear, strict=True)) > 40
        # a window drag leaves the table: linear again, labelled W/L
        vp.model.set_window(win.center + 1, win.width)
        qtbot.wait(50)
        assert "VOI LUT" not in vp.renderer.corners.GetText(1)
        dragged = _quadrant_greys(vp)
        lo += 1
        np.testing.assert_allclose(dragged, [255 * (v - lo) / win.width for v in QUADRANTS], atol=4)
        # in the MPR layout: the axial plane through the table too
        panel = w.toggle_mpr(True)
        assert panel is not None
        qtbot.wait(50)
        w.reading.rebuild_windows(force=True)
        n = next(i for i, (nm, _) in enumerate(w.reading.entries) if nm.startswith("VOI LUT"))
        qtbot.keyClick(w, str(n + 1))
        qtbot.wait(50)
        view = panel.views["axial"]
        assert "VOI LUT: SQRT" in view.renderer.corners.GetText(1)
        assert "VOI LUT: SQRT" in w.status_label.text()
        np.testing.assert_allclose(_levels(view), sorted(255 * _sqrt_lut(QUADRANTS)), atol=3)
        panel.model.set_window(win.center + 1, win.width)  # a drag: linear again
        qtbot.wait(50)
        assert "VOI LUT" not in view.renderer.corners.GetText(1)
        lin = sorted(255 * (v - lo) / win.width for v in QUADRANTS)
        np.testing.assert_allclose(_levels(view), lin, atol=4)
    finally:
        w.close()


def _levels(view) -> list[float]:
    """The four commonest greys in the middle of an MPR view (the quadrants meet there)."""
    img = view.renderer.grab().mean(axis=2)
    h, wd = img.shape
    mid = np.rint(img[h // 3 : 2 * h // 3, wd // 3 : 2 * wd // 3]).astype(int).ravel()
    values, counts = np.unique(mid, return_counts=True)
    return sorted(float(v) for v in values[np.argsort(counts)[-4:]])


# --------------------------------------------------------------------------- (b) MPR sub-volumes


def test_sub_volumes_step_in_mpr_and_3d(qtbot, tmp_path) -> None:
    from PySide6.QtCore import Qt

    from phantoms import multi

    multi.multi_echo_mr(str(tmp_path))
    w = open_first_volume(qtbot, tmp_path)
    try:
        vol = w.active.model.image  # type: ignore[union-attr]
        assert isinstance(vol, Volume) and len(vol.subvolumes) == 3
        panel = w.toggle_mpr(True)
        assert panel is not None
        qtbot.wait(50)
        view = panel.views["axial"]
        k = round(float(vol.patient_to_index(panel.model.center)[2]))

        def plane_level() -> float:
            return float(np.median(view.renderer.plane_values()))

        # the generator's values: 1000·(volume + 1) + 50·k + j + i; the plane's median j + i ≈ 15
        assert plane_level() == pytest.approx(1000 + 50 * k + 15, abs=20)
        assert "Echo 1 (TE 10 ms)" in view.renderer.corners.GetText(0)
        before = view.renderer.grab().astype(float)
        before_3d = panel.vr.renderer.grab().astype(float)
        window = panel.model.window
        qtbot.keyClick(w, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
        qtbot.wait(50)
        assert panel.model.volume is vol.subvolumes[1]
        assert panel.model.window == window  # the reader's window is kept
        for v in panel.views.values():
            assert "Echo 2 (TE 30 ms)" in v.renderer.corners.GetText(0)
        assert "Echo 2" in w.status_label.text() and "MPR" in w.status_label.text()
        assert plane_level() == pytest.approx(2000 + 50 * k + 15, abs=20)
        after = view.renderer.grab().astype(float)
        assert_sane(after.astype(np.int32))
        h, wd = after.shape[:2]
        mid = (slice(h // 3, 2 * h // 3), slice(wd // 3, 2 * wd // 3))
        assert np.abs(after[mid] - before[mid]).mean() > 20  # the picture is the second echo
        assert np.abs(panel.vr.renderer.grab().astype(float) - before_3d).mean() > 1  # 3D too
        box = w.reading.subvol  # the status bar's box follows and steps the layout too
        assert box.isVisible() and box.value() == 2
        box.setValue(3)
        assert panel.model.volume is vol.subvolumes[2]
        assert plane_level() == pytest.approx(3000 + 50 * k + 15, abs=20)
        qtbot.keyClick(w, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
        assert panel.model.volume is vol.subvolumes[1]
    finally:
        w.close()
