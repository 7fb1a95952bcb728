"""Offscreen pixel tests of colour and fusion: a fused PET/CT (2D and MPR) shows the hot nodule
hotter than its background in hue and luminance; colour bars carry the unit; colour maps on 2D and
MPR views; overlay text readable on white; labels apart; linear interpolation by default."""

from __future__ import annotations

import colorsys
import itertools
from typing import Any

import numpy as np
import pytest
from vtkmodules.vtkRenderingCore import vtkRenderWindow

from phantoms import anatomy
from tests.helpers import assert_sane_image
from viewer.dicom.colormaps import luminance
from viewer.dicom.measure import Measurement
from viewer.dicom.volume import Volume, load_series
from viewer.render.colorbar import BAR_X, BAR_Y
from viewer.render.labels import Box
from viewer.render.mpr_view import MprRenderer
from viewer.render.slice_view import SliceRenderer
from viewer.state.fusion import fusion_for
from viewer.state.mpr import MprModel
from viewer.state.viewport import ViewportModel

SIZE = 360
#: soft tissue between the lungs, PET background (checked against the phantom in the test)
BACKGROUND = np.array([0.0, -80.0, 150.0])


def window(size: int = SIZE) -> vtkRenderWindow:
    w = vtkRenderWindow()
    w.SetOffScreenRendering(1)
    w.SetSize(size, size)
    return w


@pytest.fixture(scope="module")
def pet_ct(light_scan, light_specs) -> tuple[Volume, Volume]:
    ct = load_series(light_scan.find_series(light_specs["ct"].series_uid))
    pet = load_series(light_scan.find_series(light_specs["pet"].series_uid))
    assert isinstance(ct, Volume) and isinstance(pet, Volume)
    return ct, pet


def patch(frame: np.ndarray, x: float, y: float, r: int = 2) -> np.ndarray:
    """Median RGB (0-1) of a small patch around a display point (VTK y up)."""
    row = frame.shape[0] - 1 - round(y)
    col = round(x)
    p = frame[row - r : row + r + 1, col - r : col + r + 1].reshape(-1, 3)
    return np.median(p, axis=0) / 255.0


def hue(rgb: np.ndarray) -> float:
    h = colorsys.rgb_to_hsv(*rgb)[0] * 360
    return h - 360 if h > 300 else h  # reds just below 0 stay next to red


def assert_hotter(hot: np.ndarray, cold: np.ndarray) -> None:
    """Hotter on a hot map: yellower (hue towards 60 degrees) and brighter, and saturated."""
    assert luminance(hot) > luminance(cold) + 0.1, (hot, cold)
    assert hue(hot) > hue(cold) + 10, (hot, cold)
    assert 20 < hue(hot) <= 70, hot  # orange to yellow, not a neutral grey/white
    assert colorsys.rgb_to_hsv(*hot)[1] > 0.5, hot


def assert_colorbar(frame: np.ndarray) -> None:
    """The bar strip: its top a saturated warm colour, its bottom dark."""
    h = frame.shape[0]
    x = round((BAR_X[0] + BAR_X[1]) / 2 * frame.shape[1])
    top = frame[h - 1 - round(BAR_Y[1] * h) + 3, x].astype(int)
    bottom = frame[h - 1 - round(BAR_Y[0] * h) - 3, x].astype(int)
    assert top[0] > 200 and top[1] > 150 and top[2] < 90, top
    assert bottom.max() < 60, bottom


def test_fused_2d_view_shows_the_hot_nodule_hotter(pet_ct) -> None:
    ct, pet = pet_ct
    nod = np.asarray(anatomy.PET_HOT_NODULE.center)
    assert anatomy.pet_activity(BACKGROUND) == anatomy.PET_BACKGROUND
    assert anatomy.pet_activity(nod) > 5 * anatomy.PET_BACKGROUND
    m = ViewportModel()
    r = SliceRenderer(window(), m)
    m.set_image(ct, {"modality": "CT"})
    k = m.index_nearest(nod)
    assert k is not None
    m.set_index(k)
    r.set_fusion(fusion_for(ct, pet, opacity=0.6))
    frame = r.grab()
    assert_sane_image(frame, min_std=10)
    assert frame[:20, :20].max() < 30  # air outside the body stays black (transparent overlay)
    g = m.geometry()
    nod_px, bg_px = g.patient_to_pixel(nod), g.patient_to_pixel(BACKGROUND)
    assert nod_px is not None and bg_px is not None
    hot = patch(frame, *r.image_to_display(*nod_px))
    cold = patch(frame, *r.image_to_display(*bg_px))
    assert_hotter(hot, cold)
    # the colour bar shows the overlay's map, its window and its unit (PET in SUV)
    assert r.colorbar.visible
    assert r.colorbar.text("unit").startswith("SUVbw")
    assert (r.colorbar.text("low"), r.colorbar.text("high")) == ("0", "5")
    assert_colorbar(frame)
    assert "Fusion: PT" in r.corners.GetText(3)
    # flipped (the camera then looks from the other side) the overlay stays in front
    m.flip(horizontal=False)
    flipped = r.grab()
    assert_hotter(
        patch(flipped, *r.image_to_display(*nod_px)), patch(flipped, *r.image_to_display(*bg_px))
    )
    m.flip(horizontal=False)
    # without the overlay the same places are grey
    r.set_fusion(None)
    plain = r.grab()
    grey = patch(plain, *r.image_to_display(*nod_px))
    assert colorsys.rgb_to_hsv(*grey)[1] < 0.1
    assert not r.colorbar.visible


def test_fused_mpr_view_shows_the_hot_nodule_hotter(pet_ct) -> None:
    ct, pet = pet_ct
    nod = np.asarray(anatomy.PET_HOT_NODULE.center)
    m = MprModel(ct)
    m.set_center(nod)
    m.set_fusion(fusion_for(ct, pet, opacity=0.6))
    r = MprRenderer(window(), m, "axial")
    frame = r.grab()
    assert_sane_image(frame, min_std=10)
    g = r.grid
    hot = patch(frame, *r.uv_to_display(*g.patient_to_uv(nod)[:2]))
    cold = patch(frame, *r.uv_to_display(*g.patient_to_uv(BACKGROUND)[:2]))
    assert_hotter(hot, cold)
    assert r.colorbar.visible and r.colorbar.text("unit").startswith("SUVbw")
    assert_colorbar(frame)


def test_colour_map_on_a_2d_view_with_a_colour_bar_in_hu(pet_ct) -> None:
    ct, _ = pet_ct
    m = ViewportModel()
    r = SliceRenderer(window(), m)
    m.set_image(ct)
    grey = r.grab()
    assert not r.colorbar.visible  # plain grey: no bar
    r.set_colormap("hot_iron")
    hot = r.grab()
    assert_sane_image(hot, min_std=10)
    centre = hot[SIZE // 2 - 30 : SIZE // 2 + 30, SIZE // 2 - 30 : SIZE // 2 + 30].astype(int)
    assert np.median(centre[..., 0] - centre[..., 2]) > 80  # soft tissue is red, not grey
    g = grey[SIZE // 2 - 30 : SIZE // 2 + 30, SIZE // 2 - 30 : SIZE // 2 + 30].astype(int)
    assert np.abs(g[..., 0] - g[..., 2]).max() < 3
    assert r.colorbar.visible and r.colorbar.text("unit") == "HU"
    assert (r.colorbar.text("low"), r.colorbar.text("high")) == ("-160", "240")
    assert_colorbar(hot)
    # the unit is drawn: bright text pixels just above the bar
    h = hot.shape[0]
    top = h - 1 - round(BAR_Y[1] * h)
    label = hot[top - 22 : top - 2, round(0.8 * SIZE) :]
    assert (label.min(axis=-1) > 180).sum() > 10
    assert "W: 400 L: 40 HU" in r.corners.GetText(1)
    m.set_window(40, 800)
    assert r.colorbar.text("high") == "440"  # the bar follows the window


def test_colour_map_and_invert_on_an_mpr_view(pet_ct) -> None:
    ct, _ = pet_ct
    m = MprModel(ct)
    r = MprRenderer(window(), m, "coronal")
    plain = r.grab()
    r.set_colormap("rainbow")
    colour = r.grab()
    assert_sane_image(colour, min_std=10)
    c = colour[SIZE // 2 - 20 : SIZE // 2 + 20, SIZE // 2 - 20 : SIZE // 2 + 20].astype(int)
    assert (c.max(axis=-1) - c.min(axis=-1)).mean() > 100  # saturated colours, not greys
    assert r.colorbar.visible and r.colorbar.text("unit") == "HU"
    r.set_colormap("grey", invert=True)
    inv = r.grab()
    # air beside the body (inside the image) turns from black to white; soft tissue stays mid
    air = np.array([-172.0, m.center[1], 150.0])
    assert anatomy.ct_hu(air) <= -990
    xy = r.uv_to_display(*r.grid.patient_to_uv(air)[:2])
    assert patch(plain, *xy).max() < 0.1 and patch(inv, *xy).min() > 0.9


def screen_box(actor, renderer) -> Box:
    """A text actor's rectangle on screen (display pixels, y up)."""
    bb = [0.0] * 4
    actor.GetBoundingBox(renderer, bb)  # relative to the actor's position
    x, y = actor.GetPositionCoordinate().GetComputedDisplayValue(renderer)
    return Box(x + bb[0], y + bb[2], bb[1] - bb[0], bb[3] - bb[2])


def white_volume() -> Volume:
    arr = np.full((3, 64, 64), 1000, np.int16)
    return Volume(arr, np.zeros(3), (4.0, 4.0, 4.0), np.eye(3), "CT")


def test_overlay_text_stays_readable_on_white() -> None:
    m = ViewportModel()
    r = SliceRenderer(window(), m)
    m.set_image(white_volume(), {"patient_name": "TEST^WHITE", "patient_id": "WHITE01"})
    frame = r.grab().astype(int)
    assert frame[SIZE // 2, SIZE // 2].min() > 250  # the image is white
    # the lower-left corner text (Im/Loc/Thk) sits on a dark plate: its glyphs stand out
    b = screen_box(r.corners._actors[0], r.renderer)
    x0, x1, y0, y1 = round(b.x), round(b.x + b.w), round(b.y), round(b.y + b.h)
    assert x1 - x0 > 30 and y1 - y0 > 20 and x0 >= 0 and y0 >= 0
    region = frame[SIZE - y1 : SIZE - y0, x0:x1].min(axis=-1)
    assert np.median(region) < 130, "text has no dark plate behind it"
    glyph = region > 200
    assert glyph.sum() > 40, "no text drawn"
    # glyph pixels differ from the white background by being surrounded by dark pixels
    assert (region < 120).sum() > glyph.sum()


def test_linear_interpolation_by_default_nearest_as_an_option() -> None:
    arr = np.zeros((1, 8, 8), np.int16)
    arr[0, ::2, ::2] = arr[0, 1::2, 1::2] = 1000  # a checkerboard
    vol = Volume(arr, np.zeros(3), (1.0, 1.0, 1.0), np.eye(3), "CT")
    m = ViewportModel()
    r = SliceRenderer(window(), m)
    m.set_image(vol)
    m.set_window(500, 1000)
    assert r.interpolation == "linear"
    centre = (slice(SIZE // 2 - 60, SIZE // 2 + 60), slice(SIZE // 2 - 60, SIZE // 2 + 60))
    smooth = r.grab()[centre][..., 0]
    r.set_interpolation("nearest")
    blocks = r.grab()[centre][..., 0]
    mid = lambda a: ((a > 40) & (a < 215)).mean()  # noqa: E731
    assert mid(smooth) > 0.3  # ramps between the squares
    assert mid(blocks) < 0.02  # only black and white
    assert blocks.min() < 10 and blocks.max() > 245
    with pytest.raises(ValueError):
        r.set_interpolation("cubic")


def test_measurement_labels_do_not_overlap_on_screen() -> None:
    arr = np.zeros((1, 128, 128), np.int16)
    vol = Volume(arr, np.zeros(3), (1.0, 1.0, 1.0), np.eye(3), "CT")
    m = ViewportModel()
    r = SliceRenderer(window(), m)
    m.set_image(vol)
    for dx in (0, 3, 6):  # three ROIs ending next to each other: labels would pile up
        m.add_measurement(Measurement("ellipse", [(40.0 + dx, 40.0), (70.0 + dx, 70.0 + dx)]))
    frame = r.grab()
    assert_sane_image(frame)
    boxes = [screen_box(actor, r.renderer) for actor, _anchor in r._labels]
    assert len(boxes) == 3 and all(b.w > 20 for b in boxes)
    assert sum(a.overlap(b) for a, b in itertools.combinations(boxes, 2)) == 0
    assert all(b.outside(SIZE, SIZE) == 0 for b in boxes)
    m.set_zoom(2.0)  # placed again when the camera moves
    r.grab()
    boxes2 = [screen_box(actor, r.renderer) for actor, _anchor in r._labels]
    assert boxes2 != boxes
    assert sum(a.overlap(b) for a, b in itertools.combinations(boxes2, 2)) == 0


def test_pet_values_are_shown_in_suv_with_their_unit(pet_ct) -> None:
    _, pet = pet_ct
    assert pet.suv is not None and pet.suv.available
    m = ViewportModel()
    r = SliceRenderer(window(), m)
    m.set_image(pet, {"modality": "PT"})
    nod = np.asarray(anatomy.PET_HOT_NODULE.center)
    k = m.index_nearest(nod)
    assert k is not None
    m.set_index(k)
    px = m.geometry().patient_to_pixel(nod)
    assert px is not None
    m.add_measurement(Measurement("probe", [px]))
    (label,) = [a.GetInput() for a, _ in r._labels]
    raw = float(m.pixels()[round(px[1]), round(px[0])])
    factor = float(pet.suv.slice_factors()[k])
    value, unit = label.split()
    assert unit == "SUVbw" and float(value) == pytest.approx(raw * factor, abs=0.06)
    assert 2 < float(value) < 50  # a hot spot in SUV, not Bq/ml
    assert "SUVbw" in r.corners.GetText(1) and r.colorbar.text("unit") == "SUVbw (g/ml)"
    assert r.colormap == "grey_inverted" and m.window == (2.5, 5.0)
    # the image property's window is in Bq/ml: SUV window / this slice's factor
    assert r.prop.GetColorWindow() == pytest.approx(5.0 / factor)
    frame = r.grab()
    assert_sane_image(frame)
    air = frame[SIZE // 6 - 3 : SIZE // 6 + 3, SIZE // 6 - 3 : SIZE // 6 + 3]
    assert air.min() > 240  # inverted grey: empty air is white


def test_fused_2d_view_outside_the_overlay_is_the_plain_view() -> None:
    """The fused view blends the overlay into the base slice's own colours: where the overlay is
    transparent it shows exactly what the plain view shows, through scrolling, window changes, a
    colour map, invert and nearest interpolation; where it is hot it is coloured."""
    from viewer.state.mpr import Fusion

    ramp = np.tile(np.linspace(-600, 600, 96, dtype=np.float32), (4, 96, 1)).astype(np.int16)
    ramp += (np.arange(4, dtype=np.int16) * 150)[:, None, None]  # each slice its own values
    base = Volume(ramp, np.zeros(3), (1.0, 1.0, 2.0), np.eye(3), "CT")
    hot = np.zeros((4, 24, 24), np.float32)
    hot[:, 10:14, 10:14] = 1000.0  # a 16 mm hot square in the middle
    overlay = Volume(hot, np.zeros(3), (4.0, 4.0, 2.0), np.eye(3), "PT")
    models = [ViewportModel(), ViewportModel()]
    plain, fused = (SliceRenderer(window(), m) for m in models)
    for m in models:
        m.set_image(base, {"modality": "CT"})
        m.set_index(1)
        m.set_window(0, 1400)
    fused.set_fusion(Fusion(overlay, np.eye(4), "hot_iron", 0.8, (500.0, 1000.0)))
    centre = fused.image_to_display(47.5, 47.5)
    # left third of the image, away from the overlay and the overlay texts
    x0, x1 = round(fused.image_to_display(5, 0)[0]), round(fused.image_to_display(30, 0)[0])
    y0, y1 = round(fused.image_to_display(0, 30)[1]), round(fused.image_to_display(0, 65)[1])
    rows = slice(SIZE - 1 - y0, SIZE - 1 - y1) if y0 > y1 else slice(SIZE - 1 - y1, SIZE - 1 - y0)
    region = (rows, slice(min(x0, x1), max(x0, x1)))

    def same_outside() -> None:
        a, b = plain.grab()[region].astype(int), fused.grab()[region].astype(int)
        assert a.std() > 10  # the ramp is there
        assert np.abs(a - b).max() <= 3

    same_outside()
    warm = patch(fused.grab(), *centre)
    assert 20 < hue(warm) <= 70 and colorsys.rgb_to_hsv(*warm)[1] > 0.5, warm
    for m in models:
        m.set_index(2)
    same_outside()
    for m in models:
        m.set_window(-350, 500)
    same_outside()
    for r in (plain, fused):
        r.set_colormap("hot_iron")
    same_outside()
    for m in models:
        m.set_invert(True)
    same_outside()
    for r in (plain, fused):
        r.set_interpolation("nearest")
    same_outside()
    fused.set_fusion(None)
    same_outside()


def _rotation_z(degrees: float, centre: np.ndarray) -> np.ndarray:
    """4×4: a rotation about the patient z axis through ``centre``."""
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    m = np.eye(4)
    m[:2, :2] = [[c, -s], [s, c]]
    m[:3, 3] = centre - m[:3, :3] @ centre
    return m


@pytest.mark.parametrize("case", ["parallel", "turned", "turned_30", "tipped", "tilted"])
def test_fused_2d_overlay_blended_only_where_it_can_show_misses_none_of_it(case: str) -> None:
    """The overlay is blended only over the box where it can be visible: found from its slices'
    voxels for a plane (nearly) parallel to them ("parallel", "turned" 90° or 30° in plane,
    "tipped" 0.7°: from the slices it crosses), by a coarse pass otherwise ("tilted" 4°). The
    frame is the one blending it over the whole slice, on slices between the overlay's and half
    a slice beyond its last (VTK samples that far), with hot voxels at its edges; scrolling back
    shows the same frame again (boxes are remembered)."""
    from viewer.state.mpr import Fusion

    ramp = np.tile(np.linspace(-600, 600, 96, dtype=np.float32), (8, 96, 1)).astype(np.int16)
    base = Volume(ramp, np.zeros(3), (1.0, 1.0, 1.0), np.eye(3), "CT")
    hot = np.zeros((4, 24, 24), np.float32)  # z 0-6 mm: the base's last slice is half beyond
    hot[0, 0, 5] = hot[1, 12, 23] = hot[2, 23, 0] = hot[3, 7, 9] = 1000.0  # edges, corners
    hot[1, 3:6, 15:18] = 400.0  # a fainter spot
    overlay = Volume(hot, np.zeros(3), (4.0, 4.0, 2.0), np.eye(3), "PT")
    centre = np.array([47.5, 47.5, 3.5])
    transform = {
        "parallel": np.eye(4),
        "turned": _rotation_z(90.0, centre),
        "turned_30": _rotation_z(30.0, centre),
        "tipped": np.eye(4),
        "tilted": np.eye(4),
    }[case]
    if case in ("tipped", "tilted"):  # tilted about the x axis: the plane crosses overlay slices
        angle = np.radians(0.7 if case == "tipped" else 4.0)  # (within a slice or two, or more)
        c, s = np.cos(angle), np.sin(angle)
        transform[1:3, 1:3] = [[c, -s], [s, c]]
    models = [ViewportModel(), ViewportModel()]
    cropped, whole = (SliceRenderer(window(), m) for m in models)
    for m in models:
        m.set_image(base, {"modality": "CT"})
        m.set_window(0, 1400)
    for r in (cropped, whole):
        r.set_fusion(Fusion(overlay, transform, "hot_iron", 0.8, (500.0, 1000.0)))
        r._fused.gpu = False  # (the CPU blend's box; the quad draws the whole plane anyway)
    layer = whole._fused
    assert layer is not None
    # the reference: the overlay sampled and blended over the whole slice
    layer._visible_box = lambda: (0.0, layer._extent[0], 0.0, layer._extent[1])  # type: ignore[method-assign]
    layer._boxes.clear()  # (the box of the slice shown when the overlay was fused)
    frames: dict[int, np.ndarray] = {}
    coloured = 0
    for k in [*range(8), 2]:
        for m in models:
            m.set_index(k)
        a, b = cropped.grab().astype(int), whole.grab().astype(int)
        assert np.abs(a - b).max() <= 1, (case, k)
        if k in frames:
            assert np.array_equal(a, frames[k]), (case, k)  # scrolled back: the same frame
        frames[k] = a
        coloured += int(((a[..., 0] - a[..., 2]) > 60).sum())  # the overlay shows (hot iron)
    assert coloured > 200
    assert cropped._fused is not None and cropped._fused._box != (0.0, 0.0, 0.0, 0.0)


def test_fused_2d_threads_follow_what_is_faster(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fused slice's filters run on the thread count that has been faster lately: one run in
    EXPLORE tries the other, so when the machine's load changes which is faster, the choice
    follows (a clock that advances by a set cost per thread count stands for the timing)."""
    from viewer.render.fusion_threads import ThreadChoice

    monkeypatch.setattr("viewer.render.fusion_threads._CPUS", 2)

    class Filter:
        threads = 0

        def GetNumberOfThreads(self) -> int:
            return self.threads

        def SetNumberOfThreads(self, n: int) -> None:
            self.threads = n

    now = [0.0]
    cost = {1: 2.0, 2: 1.0}  # idle machine: two threads faster
    f = Filter()
    choice = ThreadChoice([f], clock=lambda: now[0])

    def run() -> None:
        now[0] += cost[f.threads]

    used = []
    for _ in range(3 * ThreadChoice.EXPLORE):
        choice.run(run)
        used.append(f.threads)
    assert choice.best == 2 and used[-ThreadChoice.EXPLORE :].count(2) == ThreadChoice.EXPLORE - 1
    cost.update({1: 1.0, 2: 3.0})  # busy machine: threads cost more than they save
    for _ in range(3 * ThreadChoice.EXPLORE):
        choice.run(run)
    assert choice.best == 1 and f.threads in (1, 2)
    used = []
    for _ in range(ThreadChoice.EXPLORE):
        choice.run(run)
        used.append(f.threads)
    assert used.count(1) == ThreadChoice.EXPLORE - 1  # one run in EXPLORE tries the other


def _blended_over_whole_slice(r: SliceRenderer) -> tuple[np.ndarray, np.ndarray]:
    """The way the fused slice was made before: the overlay sampled over the WHOLE slice by
    vtkImageResliceToColors through its table (alpha not scaled) and vtkImageBlend with the
    fusion's opacity over the base slice's colours; RGBA rows, and the base slice's colours."""
    from vtkmodules.util import numpy_support
    from vtkmodules.vtkImagingCore import (
        vtkImageBlend,
        vtkImageMapToColors,
        vtkImageResliceToColors,
    )

    from viewer.render.colorbar import overlay_table
    from viewer.render.fusion2d import fusion_style

    layer, image, k = r._fused, r._image_data, r.model.index
    assert layer is not None and image is not None
    cols, rows, _ = image.GetDimensions()
    ext = (0, cols - 1, 0, rows - 1, k, k)
    base = vtkImageMapToColors()
    base.SetInputData(image)
    base.SetLookupTable(layer.base_lut)  # the base view's window and map (set_window)
    base.SetOutputFormatToRGBA()
    cmap, threshold, ramp = fusion_style(r.fusion, r.model.modality)
    c, w = r.fusion.window
    over = vtkImageResliceToColors()
    over.SetInputData(layer.data)
    over.SetOutputDimensionality(3)
    over.SetInterpolationModeToLinear()
    over.SetBackgroundLevel(float(layer.volume.array.min()))
    over.AutoCropOutputOff()
    over.SetResliceAxes(layer._axes)
    over.SetOutputSpacing(image.GetSpacing())
    over.SetOutputOrigin(0.0, 0.0, 0.0)
    over.SetOutputExtent(ext)
    over.SetLookupTable(overlay_table(cmap, c - w / 2, c + w / 2, threshold, ramp))
    over.SetOutputFormatToRGBA()
    blend = vtkImageBlend()
    blend.AddInputConnection(base.GetOutputPort())
    blend.AddInputConnection(over.GetOutputPort())
    blend.SetOpacity(1, float(r.fusion.opacity))
    blend.UpdateExtent(ext)
    out = numpy_support.vtk_to_numpy(blend.GetOutput().GetPointData().GetScalars())
    plain = numpy_support.vtk_to_numpy(base.GetOutput().GetPointData().GetScalars())
    return out.reshape(rows, cols, 4).astype(int), plain.reshape(rows, cols, 4).astype(int)


def _fused_case(case: str, seed: int) -> tuple[SliceRenderer, ViewportModel, Volume, np.ndarray]:
    """A 96-pixel CT of noise with a PET-like overlay (a square of random values, 4 × coarser in
    plane, 2 × along z, z 0-4 mm: slices 5-7 of the base are beyond it) fused in hot iron at
    60 %, on its slice for ``case``: "middle" (an overlay slice), "between" (two), "edge" (the
    hot square from x, y = -6 to 42 mm, cut by the image's edge), "turned_30" (the fusion
    turned 30° in plane), "outside" (beyond it). (renderer, model, overlay, transform)."""
    from viewer.state.mpr import Fusion

    rng = np.random.default_rng(seed)
    arr = rng.integers(-600, 600, (8, 96, 96)).astype(np.int16)  # texture in every channel
    base = Volume(arr, np.zeros(3), (1.0, 1.0, 1.0), np.eye(3), "CT")
    hot = np.zeros((3, 24, 24), np.float32)
    hot[:, 6:18, 6:18] = rng.uniform(0.0, 1200.0, (3, 12, 12))  # a ramp of values, all windows
    origin = np.array([-30.0, -30.0, 0.0]) if case == "edge" else np.zeros(3)
    overlay = Volume(hot, origin, (4.0, 4.0, 2.0), np.eye(3), "PT")
    transform = np.eye(4)
    if case == "turned_30":
        transform = _rotation_z(30.0, np.array([47.5, 47.5, 2.0]))
    m = ViewportModel()
    r = SliceRenderer(window(96), m)
    m.set_image(base, {"modality": "CT"})
    m.set_index({"middle": 2, "between": 1, "edge": 2, "turned_30": 2, "outside": 6}[case])
    m.set_window(0, 1400)
    r.set_fusion(Fusion(overlay, transform, "hot_iron", 0.6, (500.0, 1000.0)))
    return r, m, overlay, transform


@pytest.mark.parametrize(
    ("case", "threads"),
    [(c, 1) for c in ("middle", "between", "edge", "turned_30", "outside")]
    + [("middle", 2), ("edge", 2)],
)
def test_fused_2d_blend_in_the_box_is_the_blend_over_the_whole_slice(
    case: str, threads: int
) -> None:
    """The fused slice (the overlay blended in place, by Pillow, over the box where it can show)
    is what vtkImageBlend makes over the whole slice, within one grey level: on an overlay slice
    ("middle"), between two ("between"), with the box cut by the slice's edge ("edge", the hot
    voxels beyond the image's left and top), turned 30° in plane, with a colour map, inverted,
    and other opacities; where the overlay does not reach the plane ("outside") nothing of it is
    visible and the view shows its own slice. On two threads the two halves of the box are
    pasted at once, to the same pixels."""
    from vtkmodules.util import numpy_support

    from viewer.state.mpr import Fusion

    r, m, overlay, transform = _fused_case(case, 15)
    layer = r._fused
    assert layer is not None
    layer.gpu = False  # (blended here, not drawn by the quad: see the quad's own test)
    layer.threads.best, layer.threads.cost = threads, {}  # this count throughout:
    layer.threads.EXPLORE = 10**9
    for step in range(4):
        if step == 0:
            m.set_window(0, 1300)  # (blended again, on that thread count)
        elif step == 1:
            r.set_colormap("hot_iron")
        elif step == 2:
            m.set_invert(True)
        elif step == 3:
            r.set_fusion(Fusion(overlay, transform, "rainbow", 1.0, (400.0, 600.0)))
        expected, plain = _blended_over_whole_slice(r)
        if case == "outside":
            assert not layer.slice.GetVisibility() and r.slice.GetVisibility()
            assert np.array_equal(expected, plain)  # (blending it would change nothing)
            continue
        assert layer.slice.GetVisibility() and not r.slice.GetVisibility()
        scalars = layer.image.GetPointData().GetScalars()
        shown = numpy_support.vtk_to_numpy(scalars).reshape(96, 96, 4).astype(int)
        diff = np.abs(shown - expected)
        assert diff.max() <= 1, (case, step, np.unravel_index(diff.argmax(), diff.shape))
        assert layer.threads.now == threads
        assert (shown[..., 3] == 255).all()  # opaque (the image's own alpha, not the overlay's)
        coloured = np.abs(shown[..., 0] - shown[..., 2]) > 40
        assert coloured.sum() > 100, (case, step)  # the overlay shows
        x0, x1, y0, y1 = layer._box_px
        assert (x1 - x0 + 1) * (y1 - y0 + 1) < 0.7 * 96 * 96  # blended over a box, not the slice
        if case == "edge":
            assert x0 == 0 and y0 == 0  # the box cut by the slice's edges


def test_fused_2d_over_a_colour_image_blends_a_copy_not_the_image() -> None:
    """Over a colour (RGB) base image, which passes through uncoloured, the overlay is blended
    into a copy of the slice (the image's own pixels untouched), as vtkImageBlend blends it."""
    from vtkmodules.util import numpy_support
    from vtkmodules.vtkCommonDataModel import vtkImageData
    from vtkmodules.vtkImagingCore import vtkImageBlend, vtkImageResliceToColors

    from viewer.render.colorbar import overlay_table
    from viewer.render.fusion2d import FusedLayer
    from viewer.state.mpr import Fusion
    from viewer.state.viewport import SliceGeometry

    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, (3, 64, 64, 3)).astype(np.uint8)
    image = vtkImageData()
    image.SetDimensions(64, 64, 3)
    image.GetPointData().SetScalars(numpy_support.numpy_to_vtk(rgb.reshape(-1, 3)))
    before = rgb.copy()
    hot = np.zeros((3, 16, 16), np.float32)
    hot[:, 4:12, 4:12] = rng.uniform(0.0, 1200.0, (3, 8, 8))
    fusion = Fusion(
        Volume(hot, np.zeros(3), (4.0, 4.0, 1.0), np.eye(3), "PT"),
        np.eye(4),
        "hot_iron",
        0.7,
        (500.0, 1000.0),
    )
    layer = FusedLayer(fusion)
    g = SliceGeometry(np.array([0.0, 0.0, 1.0]), np.eye(3)[0], np.eye(3)[1], (1.0, 1.0), 1.0)
    assert layer.place(g, 1.0, (63.0, 63.0), 1.0, np.eye(4))
    layer.style(fusion, "OT")
    assert layer.crop()
    layer.show_slice(image, 1)
    layer.update()
    shown = numpy_support.vtk_to_numpy(layer.image.GetPointData().GetScalars())
    shown = shown.reshape(64, 64, 4).astype(int)
    assert np.array_equal(rgb, before)  # the image itself is not written into
    over = vtkImageResliceToColors()
    over.SetInputData(layer.data)
    over.SetOutputDimensionality(3)
    over.SetInterpolationModeToLinear()
    over.SetBackgroundLevel(0.0)
    over.SetResliceAxes(layer._axes)
    over.SetOutputSpacing(1.0, 1.0, 1.0)
    over.SetOutputOrigin(0.0, 0.0, 0.0)
    over.SetOutputExtent(0, 63, 0, 63, 1, 1)
    over.SetLookupTable(overlay_table("hot_iron", 0.0, 1000.0, *fusion_style_of(fusion)))
    over.SetOutputFormatToRGBA()
    blend = vtkImageBlend()
    blend.AddInputData(image)
    blend.AddInputConnection(over.GetOutputPort())
    blend.SetOpacity(1, 0.7)
    blend.UpdateExtent((0, 63, 0, 63, 1, 1))
    expected = numpy_support.vtk_to_numpy(blend.GetOutput().GetPointData().GetScalars())
    expected = expected.reshape(64, 64, 3).astype(int)
    assert np.abs(shown[..., :3] - expected).max() <= 1
    assert (shown[..., 3] == 255).all()
    assert (np.abs(shown[..., :3] - rgb[1]).max(axis=-1) > 30).sum() > 200  # the overlay shows


def fusion_style_of(fusion) -> tuple[float, float]:
    """(threshold, ramp) of a fusion over an image of no particular modality."""
    from viewer.render.fusion2d import fusion_style

    return fusion_style(fusion, "OT")[1:]


@pytest.mark.parametrize("gpu", [False, True])
def test_fused_2d_scroll_blends_once_over_a_pet_base(pet_ct, gpu: bool) -> None:
    """A PET base's window changes with each slice's SUV factor: scrolling blends the new slice
    once (not the old slice first in the new window, then the new one), on the CPU as by the
    quad."""
    import dataclasses

    from viewer.state.mpr import Fusion

    ct, pet = pet_ct
    m = ViewportModel()
    r = SliceRenderer(window(96), m)
    m.set_image(pet, {"modality": "PT"})
    factors = r.display.factors
    assert factors
    # (each slice its own factor, as when decay is corrected to each slice's start)
    varied = tuple(f * (1 + 0.01 * k) for k, f in enumerate(factors))
    r.display = dataclasses.replace(r.display, factors=varied)
    m.set_index(pet.array.shape[0] // 2)
    r.set_fusion(Fusion(ct, np.eye(4), "hot_iron", 0.5, (40.0, 400.0)))
    layer = r._fused
    assert layer is not None
    layer.gpu = gpu
    blended: list[int] = []
    blend, show = layer._blend, layer.quad.show

    def counted() -> bool:
        done = blend()
        if done:
            blended.append(layer.index)
        return done

    def shown(*args: Any) -> None:
        show(*args)
        blended.append(layer.index)

    layer._blend = counted  # type: ignore[method-assign]
    layer.quad.show = shown  # type: ignore[method-assign]
    for k in range(m.index + 1, m.index + 4):
        m.set_index(k)
        assert blended == [k], blended
        blended.clear()
    assert layer.on_gpu == gpu


@pytest.mark.parametrize("case", ["middle", "between", "edge", "outside", "turned_30"])
def test_fused_2d_quad_draws_what_the_blend_shows(case: str) -> None:
    """The fused slice drawn by the graphics pipeline in one pass (a quad whose shader colours
    the overlay's interpolated values) shows what the CPU blend shows, on screen: on an overlay
    slice, between two, cut by the image's edge, with a colour map, inverted, another opacity
    and map, nearest interpolation; where the overlay does not reach the plane, the plain
    slice. A plane turned in the overlay's plane is blended on the CPU."""
    from viewer.state.mpr import Fusion

    r, m, overlay, transform = _fused_case(case, 16)
    layer = r._fused
    assert layer is not None
    m.set_zoom(r.fit_scale() / 48.0)  # one screen pixel an image pixel, centres on centres

    def frame(gpu: bool) -> np.ndarray:
        layer.gpu = gpu
        r._update_fusion()
        r.render()
        return r.grab().astype(int)

    def plain() -> np.ndarray:  # the same view without the overlay
        layer.show(False)
        r.slice.SetVisibility(True)
        r.render()
        shown = r.grab().astype(int)
        r._update_fusion()
        return shown

    for step in range(5):
        if step == 1:
            r.set_colormap("hot_iron")
        elif step == 2:
            m.set_invert(True)
        elif step == 3:
            r.set_fusion(Fusion(overlay, transform, "rainbow", 1.0, (400.0, 600.0)))
        elif step == 4:
            r.set_interpolation("nearest")
        drawn = frame(True)
        assert layer.on_gpu == (case not in ("turned_30", "outside")), (case, step)
        if case == "outside":
            assert not layer.quad.actor.GetVisibility() and r.slice.GetVisibility()
            continue
        assert layer.quad.actor.GetVisibility() != layer.slice.GetVisibility()
        blended = frame(False)
        assert not layer.quad.actor.GetVisibility() and layer.slice.GetVisibility()
        diff = np.abs(drawn - blended).max(axis=-1)
        shows = np.abs(drawn - plain()).max(axis=-1) > 40
        assert shows.sum() > 100, (case, step)  # the overlay shows
        # the same to a grey level or so with hot iron (3 levels an entry of its table); under
        # rainbow at full opacity (4 levels an entry) about 2.5 % of the pixels are one entry
        # apart: values a few hundredths apart (float against double) on either side of an
        # entry's edge, an entry being 2.3 units of that window
        steep = step >= 3
        assert (diff > 3).mean() < (0.04 if steep else 0.001), (case, step)
        assert diff.max() <= (10 if steep else 6), (case, step, diff.max())


@pytest.mark.parametrize(
    ("flip_x", "flip_z", "shift", "depth"),
    [
        (False, False, (0.0, 0.0, 0.0), 1.3),
        (True, False, (3.1, -2.2, 0.4), 2.71),
        (False, True, (-5.0, 7.5, -0.9), 0.37),
        (True, True, (1.0, 1.0, 1.0), 5.9),
    ],
)
def test_fused_quad_values_are_the_reslice(flip_x, flip_z, shift, depth) -> None:
    """The overlay's values the quad interpolates (its two slices around the plane mixed by
    depth, bilinear between voxel centres, transparent beyond half a voxel out) are VTK's
    trilinear reslice at every base pixel, which the CPU blend samples: overlay axes flipped,
    the fusion's transform shifting it, an overlay origin of its own, non-square pixels on both
    sides, depths between its slices and beyond its last."""
    from vtkmodules.util import numpy_support

    from viewer.render.fusion2d import FusedLayer
    from viewer.render.fusion_quad import along_axes, slab
    from viewer.state.mpr import Fusion
    from viewer.state.viewport import SliceGeometry

    rng = np.random.default_rng(3)
    hot = rng.uniform(0.0, 1000.0, (5, 14, 11)).astype(np.float32)
    direction = np.diag([-1.0 if flip_x else 1.0, 1.0, -1.0 if flip_z else 1.0])
    origin = np.array([20.0 if flip_x else -4.0, -3.0, 9.0 if flip_z else -1.0])
    overlay = Volume(hot, origin, (3.3, 2.1, 2.7), direction, "PT")
    transform = np.eye(4)
    transform[:3, 3] = shift
    fusion = Fusion(overlay, transform, "hot_iron", 0.6, (500.0, 1000.0))
    layer = FusedLayer(fusion)
    cols, rows, sx, sy = 40, 33, 0.7, 1.3
    g = SliceGeometry(np.array([0.0, 0.0, depth]), np.eye(3)[0], np.eye(3)[1], (sx, sy), 1.0)
    assert layer.place(g, depth, ((cols - 1) * sx, (rows - 1) * sy), min(sx, sy), transform)
    assert along_axes(layer._plane)
    plane, (x0, dx, y0, dy) = slab(overlay, layer._plane, depth, (cols, rows), (sx, sy))
    # what the shader does at each base pixel's centre
    tx, ty = np.meshgrid(np.arange(cols) / (cols - 1), np.arange(rows) / (rows - 1))
    ax, ay = x0 + tx * dx, y0 + ty * dy
    ny, nx = plane.shape
    inside = (ax >= -0.5) & (ax <= nx - 0.5) & (ay >= -0.5) & (ay <= ny - 0.5)
    cx, cy = np.clip(ax, 0, nx - 1), np.clip(ay, 0, ny - 1)
    fx, fy = np.floor(cx).astype(int), np.floor(cy).astype(int)
    wx, wy = cx - fx, cy - fy
    gx, gy = np.minimum(fx + 1, nx - 1), np.minimum(fy + 1, ny - 1)
    top = plane[fy, fx] * (1 - wx) + plane[fy, gx] * wx
    bottom = plane[gy, fx] * (1 - wx) + plane[gy, gx] * wx
    quad = np.where(inside, top * (1 - wy) + bottom * wy, np.nan)
    # VTK's reslice at the same pixels (the CPU blend's sampling, before its table)
    reslice = layer._reslice()
    reslice.SetResliceAxes(layer._axes)
    reslice.SetBackgroundLevel(np.nan)
    reslice.SetOutputSpacing(sx, sy, 1.0)
    reslice.SetOutputOrigin(0.0, 0.0, depth)
    reslice.SetOutputExtent(0, cols - 1, 0, rows - 1, 0, 0)
    reslice.Update()
    out = reslice.GetOutput().GetPointData().GetScalars()
    vtk = numpy_support.vtk_to_numpy(out).reshape(rows, cols)
    assert np.array_equal(np.isnan(quad), np.isnan(vtk))
    shown = ~np.isnan(vtk)
    assert shown.sum() > 100 or depth > 5  # (beyond its last slice: none of it)
    assert np.allclose(quad[shown], vtk[shown], atol=0.02)


def test_fused_2d_quad_that_cannot_compile_falls_back_to_the_blend(monkeypatch) -> None:
    """A driver that cannot compile the quad's shader (here: a broken shader) never runs it:
    the view notices after its render and blends the slice on the CPU, so the overlay shows
    all the same."""
    from vtkmodules.vtkCommonCore import vtkObject

    import viewer.render.fusion_quad as fq

    monkeypatch.setattr(fq, "_SHADER", "  this is not GLSL;\n")
    warnings = vtkObject.GetGlobalWarningDisplay()
    vtkObject.GlobalWarningDisplayOff()  # (VTK's own report of the failed compile)
    try:
        r, _m, _overlay, _transform = _fused_case("middle", 17)
        layer = r._fused
        assert layer is not None
        frame = r.grab().astype(int)
    finally:
        vtkObject.SetGlobalWarningDisplay(warnings)
    assert not layer.gpu and not layer.on_gpu and not layer.quad.drawn
    assert layer.slice.GetVisibility() and not layer.quad.actor.GetVisibility()
    assert (np.abs(frame[..., 0] - frame[..., 2]) > 40).sum() > 100  # the overlay shows


def test_fused_2d_quad_runs_its_shader() -> None:
    """(The same check on a working shader: the quad is drawn, nothing falls back.)"""
    r, _m, _overlay, _transform = _fused_case("middle", 18)
    layer = r._fused
    assert layer is not None
    r.grab()
    assert layer.gpu and layer.on_gpu and layer.quad.drawn and layer.quad.actor.GetVisibility()
