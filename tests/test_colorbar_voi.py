"""The colour bar under a file's VOI LUT: its ticks are the modality values the table maps to
each level (the table inverted), not a linear window's; levels a table reaches ambiguously get
no number. A gamma-like table on a phantom CT in the real window (xvfb): the labels are checked
against the table written into the file, their marks against the strip's colour and the image's
pixels of those values; and a linear window keeps its bottom/top ticks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from vtkmodules.vtkRenderingCore import vtkRenderer

from app.mainwindow import MainWindow
from tests.helpers import ct_with_voi_lut, voi_lut_item
from tests.test_gui import SCREENSHOTS, open_first_volume
from viewer.dicom.windows import VoiLut
from viewer.render.colorbar import BAR_X, BAR_Y, LEVEL_TOLERANCE, ColorBar, voi_ticks
from viewer.render.overlay import style_text

# --------------------------------------------------------------------------- the phantom

FIRST, N, GAMMA, BITS = -200, 1024, 2.2, 16
#: the file's table, written out here: grey = ((HU + 200) / 1023) ** 2.2, 16-bit
TABLE = np.rint((2**BITS - 1) * (np.arange(N) / (N - 1)) ** GAMMA).astype(np.uint16)
LEVELS = (0.25, 0.5, 0.75)


def _inverse(p: float) -> float:
    """The HU the gamma curve brings to level ``p`` (analytic, not read from the table)."""
    return FIRST + (N - 1) * p ** (1 / GAMMA)


#: the expected ticks, from the table as written: the last HU still black, each inner level's
#: HU, the first HU at full white
BOTTOM = FIRST + int(np.flatnonzero(TABLE == 0).max())
TOP = FIRST + int(np.flatnonzero(TABLE.max() == TABLE).min())
STRIPES = (BOTTOM, *(round(_inverse(p)) for p in LEVELS), TOP)  # the image: one row band each


def _ct_with_gamma_lut(folder: Path) -> Path:
    img = np.zeros((64, 60), np.int16)
    for n, v in enumerate(STRIPES):  # five bands of rows, one HU each, bottom to top level
        img[n * 12 + 2 : n * 12 + 12, :] = v
    lut = voi_lut_item(TABLE, FIRST, "GAMMA 2.2", BITS)
    return ct_with_voi_lut(
        folder,
        img,
        lut,
        slices=3,
        patient=("Gamma^Lut", "VOI-G"),
        description="gamma VOI LUT phantom",
    )


def _pick_voi_lut(qtbot, w: MainWindow):
    w.reading.rebuild_windows(force=True)
    n = next(i for i, (name, _) in enumerate(w.reading.entries) if name.startswith("VOI LUT"))
    win = w.reading.entries[n][1]
    assert win.lut is not None
    qtbot.keyClick(w, str(n + 1))  # the window's number key, as the reader picks it
    qtbot.wait(50)
    return win


def _assert_gamma_ticks(bar: ColorBar) -> None:
    """The bar's labels against the table written into the file."""
    ticks = bar.ticks()
    assert [lv for lv, _ in ticks] == pytest.approx([0.0, *LEVELS, 1.0])
    values = [float(t) for _, t in ticks]
    assert values[0] == BOTTOM and values[-1] == TOP
    for p, v in zip(LEVELS, values[1:-1], strict=True):
        assert abs(v - _inverse(p)) <= 1.0, (p, v)  # the curve inverted, to one table entry
        assert abs(TABLE[int(v) - FIRST] / (2**BITS - 1) - p) <= LEVEL_TOLERANCE
    # not the linear window's numbers at those heights
    linear = [FIRST + p * N for p in LEVELS]
    assert min(abs(a - b) for a, b in zip(values[1:-1], linear, strict=True)) > 100
    assert (bar.text("low"), bar.text("high")) == (f"{BOTTOM}", f"{TOP}")


def _strip_grey(img: np.ndarray, level: float) -> float:
    """The bar's grey at a height (0 bottom … 1 top), a few pixels inside its ends."""
    h, wd = img.shape[:2]
    x = round((BAR_X[0] + BAR_X[1]) / 2 * wd)
    y = h - 1 - round((BAR_Y[0] + (BAR_Y[1] - BAR_Y[0]) * level) * h)
    y = min(max(y, h - 1 - round(BAR_Y[1] * h) + 3), h - 1 - round(BAR_Y[0] * h) - 3)
    return float(img[y, x - 1 : x + 2].mean())


def test_a_gamma_voi_lut_s_colour_bar_names_the_values_the_table_maps_to(qtbot, tmp_path) -> None:
    w = open_first_volume(qtbot, _ct_with_gamma_lut(tmp_path / "ct"))
    try:
        w.resize(1366, 768)
        qtbot.wait(50)
        vp = w.active
        assert vp is not None
        r = vp.renderer
        r.set_colorbar(True)
        win = _pick_voi_lut(qtbot, w)
        assert "VOI LUT: GAMMA 2.2" in r.corners.GetText(1)
        bar = r.colorbar
        assert bar.visible and bar.text("unit") == "HU"
        _assert_gamma_ticks(bar)
        img = r.grab().astype(np.int32)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        assert w.screenshot().save(str(SCREENSHOTS / "colorbar-voi-lut-gamma.png"))
        h, wd = img.shape[:2]
        grey = img.mean(axis=2)
        for (level, text), key in zip(
            bar.ticks(), ("low", "mid0", "mid1", "mid2", "high"), strict=True
        ):
            # the label sits beside its level, with a mark there
            actor = bar.labels[key]
            assert actor.GetInput() == text
            assert actor.GetPositionCoordinate().GetValue()[1] == pytest.approx(
                BAR_Y[0] + (BAR_Y[1] - BAR_Y[0]) * level
            )
            # its number is drawn left of the strip near that height
            y = h - 1 - round((BAR_Y[0] + (BAR_Y[1] - BAR_Y[0]) * level) * h)
            x0 = round(BAR_X[0] * wd)
            box = grey[max(0, y - 16) : y + 16, x0 - 70 : x0 - 4]
            assert (box > 150).sum() > 15, f"label {text!r} not drawn"
            # the strip's colour at that height is the colour the image shows that value in
            band = STRIPES.index(int(float(text)))
            col, row = 30, band * 12 + 7
            x, yy = r.image_to_display(col, row)
            pix = float(grey[h - 1 - int(yy) - 1 : h - int(yy) + 1, int(x) - 1 : int(x) + 2].mean())
            assert pix == pytest.approx(255 * float(TABLE[int(float(text)) - FIRST]) / 65535, abs=3)
            assert _strip_grey(img, level) == pytest.approx(pix, abs=6), (text, level)
        assert r.colorbar.marks.GetMapper().GetInput().GetNumberOfLines() == 5
        # a window drag leaves the table: linear, the window's bottom and top as before
        vp.model.set_window(win.center + 1, win.width)
        qtbot.wait(50)
        assert "VOI LUT" not in r.corners.GetText(1)
        lo, hi = win.center + 1 - win.width / 2, win.center + 1 + win.width / 2
        assert bar.ticks() == [(0.0, f"{lo:.0f}"), (1.0, f"{hi:.0f}")]
        assert (bar.text("low"), bar.text("high")) == (f"{lo:.0f}", f"{hi:.0f}")
        assert all(bar.text(k) == "" for k in ("mid0", "mid1", "mid2"))
        assert bar.labels["low"].GetPositionCoordinate().GetValue()[1] == pytest.approx(BAR_Y[0])
        assert bar.labels["high"].GetPositionCoordinate().GetValue()[1] == pytest.approx(BAR_Y[1])
        assert bar.marks.GetMapper().GetInput().GetNumberOfLines() == 0
        # in the MPR layout: the axial plane's bar through the table too
        panel = w.toggle_mpr(True)
        assert panel is not None
        qtbot.wait(50)
        view = panel.views["axial"].renderer
        view.set_colorbar(True)
        _pick_voi_lut(qtbot, w)
        assert "VOI LUT: GAMMA 2.2" in view.corners.GetText(1)
        _assert_gamma_ticks(view.colorbar)
        panel.model.set_window(win.center + 1, win.width)  # a drag: linear again
        qtbot.wait(50)
        assert [t for _, t in view.colorbar.ticks()] == [f"{lo:.0f}", f"{hi:.0f}"]
    finally:
        w.close()


# --------------------------------------------------------------------------- tables of every shape


def _bar() -> ColorBar:
    bar = ColorBar(vtkRenderer(), style_text)
    bar.show(True)
    return bar


def _reached(out: np.ndarray, level: float) -> np.ndarray:
    """Indices of the entries whose level is within the bar's tolerance of ``level``."""
    return np.flatnonzero(np.abs(out - level) <= LEVEL_TOLERANCE)


def test_a_decreasing_table_names_its_top_at_its_low_end() -> None:
    out = (TABLE / 65535.0)[::-1]  # an inverted gamma: bright below, dark above
    lut = VoiLut(float(FIRST), out)
    ticks = voi_ticks(lut)
    assert [lv for lv, _ in ticks] == pytest.approx([0.0, *LEVELS, 1.0])
    # bottom: the first HU that is black (all above too); top: the last HU that is white
    assert ticks[0][1] == (FIRST + int(np.flatnonzero(out == 0).min()),)
    assert ticks[-1][1] == (FIRST + int(np.flatnonzero(out == out.max()).max()),)
    for p, (_lv, (v,)) in zip(LEVELS, ticks[1:-1], strict=True):
        mirrored = FIRST + (N - 1) - (_inverse(p) - FIRST)
        assert abs(v - mirrored) <= 1.0


def test_a_non_monotonic_table_labels_only_what_it_reaches_once() -> None:
    # a V: dark in the middle, white at both ends; every inner level is reached twice
    x = np.arange(201)
    out = np.abs(x - 100) / 100.0
    ticks = voi_ticks(VoiLut(0.0, out))
    assert ticks == [(0.0, (100.0,)), (1.0, (0.0, 200.0))]  # the middle; both first and last
    for level, values in ticks:
        assert set(_reached(out, level)) == {int(v) for v in values}  # and no other value
    for p in LEVELS:
        assert len(_reached(out, p)) >= 2  # why they carry no number
    bar = _bar()
    bar.set_voi(VoiLut(0.0, out))
    bar.update("grey", False, 0.0, 201.0, "HU")
    assert bar.ticks() == [(0.0, "100"), (1.0, "0 / 200")]
    assert (bar.text("low"), bar.text("high")) == ("100", "0 / 200")


def test_a_flat_stretch_and_a_jump_carry_no_number() -> None:
    # a ramp in steps of 0.01 with 40 entries held at mid-grey
    plateau = np.concatenate(
        [np.linspace(0.0, 0.5, 51), np.full(40, 0.5), np.linspace(0.5, 1.0, 51)[1:]]
    )
    ticks = dict(voi_ticks(VoiLut(0.0, plateau)))
    assert 0.5 not in ticks  # 41 values show mid-grey: no one value to name
    assert ticks[0.25] == (25.0,) and ticks[0.75] == (115.0,)
    assert ticks[0.0] == (0.0,) and ticks[1.0] == (140.0,)
    # a hard step: black up to 99, white from 100 — the thresholds, no inner level reached
    step = np.repeat([0.0, 1.0], 100)
    assert voi_ticks(VoiLut(-50.0, step)) == [(0.0, (49.0,)), (1.0, (50.0,))]
    # a constant table shows one grey for every value: no number at all
    bar = _bar()
    bar.set_voi(VoiLut(0.0, np.full(64, 0.4)))
    bar.update("grey", False, 0.0, 64.0, "HU")
    assert bar.ticks() == [] and bar.text("low") == bar.text("high") == ""
    assert bar.text("unit") == "HU"


def test_a_window_that_is_not_the_table_s_keeps_the_linear_ticks() -> None:
    bar = _bar()
    lut = VoiLut(float(FIRST), TABLE / 65535.0)
    bar.set_voi(lut)
    bar.update("hot", False, 0.0, 5.0, "SUVbw (g/ml)")  # a fused overlay's window, say
    assert bar.ticks() == [(0.0, "0"), (1.0, "5")]
    bar.update("grey", False, float(FIRST), float(FIRST + N), "HU")  # the table's own window
    assert bar.ticks()[0][1] == f"{BOTTOM}" and len(bar.ticks()) == 5
    bar.set_voi(None)
    bar.update("grey", False, -160.0, 240.0, "HU")
    assert bar.ticks() == [(0.0, "-160"), (1.0, "240")]
    assert bar.marks.GetMapper().GetInput().GetNumberOfLines() == 0
