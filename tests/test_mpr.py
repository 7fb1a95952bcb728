"""MPR, thick slab and curved MPR geometry against phantoms of known geometry (no Qt).

Each check renders through the real VTK pipeline (vtkImageReslice on the shared volume) and
reads the resliced plane back, so a wrong matrix, sign or origin anywhere fails a test.
"""

from __future__ import annotations

import numpy as np
import pytest
from vtkmodules.util import numpy_support
from vtkmodules.vtkRenderingCore import vtkRenderWindow

from phantoms import anatomy
from phantoms.series import rotation
from tests.helpers import assert_sane_image
from viewer.dicom.measure import Measurement
from viewer.dicom.volume import Volume, load_series
from viewer.render.curved import straighten
from viewer.render.mpr_view import MprRenderer
from viewer.state.mpr import VIEWS, MprModel


def window(size: int = 300) -> vtkRenderWindow:
    w = vtkRenderWindow()
    w.SetOffScreenRendering(1)
    w.SetSize(size, size)
    return w


def sphere_volume(
    direction: np.ndarray,
    spacing: tuple[float, float, float] = (0.8, 0.9, 1.5),
    shape: tuple[int, int, int] = (70, 110, 100),
    radius: float = 9.0,
) -> tuple[Volume, np.ndarray, float]:
    """A volume acquired in ``direction`` holding a 1000 HU sphere at a known patient point."""
    origin = np.array([-40.0, -50.0, -60.0])
    vol = Volume(np.full(shape, -1000, np.int16), origin, spacing, direction, modality="CT")
    k, j, i = np.indices(shape)
    s = np.stack([i * spacing[0], j * spacing[1], k * spacing[2]], -1)
    p = origin + s @ direction.T
    center = vol.index_to_patient((47.3, 52.6, 33.2))  # deliberately off the voxel grid
    vol.array[np.linalg.norm(p - center, axis=-1) <= radius] = 1000
    return vol, center, radius


def disc(renderer: MprRenderer, threshold: float = 0.0) -> tuple[np.ndarray, float, float]:
    """Centre (patient) and extents along the plane's row and column (mm) of the bright disc."""
    a = renderer.plane_values()
    g = renderer.grid
    jj, ii = np.nonzero(a > threshold)
    assert len(ii), "the sphere is not on the plane"
    centre = g.pixel_to_patient(float(ii.mean()), float(jj.mean()))
    return centre, (ii.max() - ii.min() + 1) * g.spacing, (jj.max() - jj.min() + 1) * g.spacing


ORIENTATIONS = {
    "axial acquisition": np.eye(3),
    "double-oblique acquisition": rotation(20.0, 10.0, 30.0),
}


@pytest.mark.parametrize("acquired", list(ORIENTATIONS))
def test_sphere_at_its_place_and_size_in_every_plane(acquired: str) -> None:
    vol, center, radius = sphere_volume(ORIENTATIONS[acquired])
    voxel = max(vol.spacing)
    m = MprModel(vol)
    m.set_center(center)
    renderers = {view: MprRenderer(window(), m, view) for view in VIEWS}
    normals = {view: r.grid.normal.copy() for view, r in renderers.items()}

    def check(name: str, r: MprRenderer) -> None:
        c, w, h = disc(r)
        assert np.linalg.norm(c - center) <= voxel, f"{name}: sphere at {c}, expected {center}"
        assert abs(w - 2 * radius) <= voxel + r.grid.spacing, f"{name}: width {w} mm"
        assert abs(h - 2 * radius) <= voxel + r.grid.spacing, f"{name}: height {h} mm"
        assert_sane_image(r.grab())

    for view, r in renderers.items():
        check(view, r)
    m.rotate("axial", 30.0)  # oblique: coronal and sagittal turn about the axial normal
    check("oblique sagittal", renderers["sagittal"])
    assert not np.allclose(renderers["sagittal"].grid.normal, normals["sagittal"])
    m.rotate("coronal", -25.0)  # double oblique
    check("double-oblique axial", renderers["axial"])
    check("double-oblique sagittal", renderers["sagittal"])
    n = renderers["axial"].grid.normal
    assert all(abs(n[i]) > 0.05 for i in range(3)), "not a double-oblique plane"


def test_orientation_labels_follow_the_planes() -> None:
    vol, _center, _ = sphere_volume(np.eye(3))
    m = MprModel(vol)
    assert m.edge_labels("axial") == {"right": "L", "left": "R", "bottom": "P", "top": "A"}
    assert m.edge_labels("coronal") == {"right": "L", "left": "R", "bottom": "F", "top": "H"}
    assert m.edge_labels("sagittal") == {"right": "P", "left": "A", "bottom": "F", "top": "H"}
    m.rotate("axial", 30.0)  # the coronal plane turns towards the patient's left-posterior
    assert m.edge_labels("coronal")["right"] == "LP"
    assert m.edge_labels("axial")["right"] == "L"  # the axial image itself stays upright
    r = MprRenderer(window(), m, "coronal")
    assert r.edges.GetText(5) == "LP"


def test_crosshair_traces_are_the_other_planes() -> None:
    vol, _center, _ = sphere_volume(np.eye(3))
    m = MprModel(vol)
    traces = dict(m.crosshair("axial"))
    assert set(traces) == {"coronal", "sagittal"}
    assert abs(abs(traces["coronal"] @ np.array([1.0, 0, 0])) - 1) < 1e-9  # runs left-right
    m.rotate("axial", 90.0)
    traces = dict(m.crosshair("axial"))
    assert abs(abs(traces["coronal"] @ np.array([0, 1.0, 0])) - 1) < 1e-9


def test_clicking_a_view_moves_the_other_planes() -> None:
    vol, center, _ = sphere_volume(np.eye(3))
    m = MprModel(vol)
    ax, cor = MprRenderer(window(), m, "axial"), MprRenderer(window(), m, "coronal")
    u, v, _ = ax.grid.patient_to_uv(center)
    i, j = ax.grid.uv_to_pixel(u, v)
    m.set_center_pixel("axial", i, j)
    assert np.allclose(m.center[:2], center[:2], atol=1e-6)
    c, _, _ = disc(cor)  # the coronal plane now passes through the sphere
    assert abs(c[1] - center[1]) < 1e-6


def point_volume(value: int = 3000) -> tuple[Volume, np.ndarray]:
    vol = Volume(np.zeros((60, 64, 64), np.int16), np.zeros(3), (1.0, 1.0, 1.0), np.eye(3), "CT")
    vol.array[:] = np.random.default_rng(1).integers(0, 100, vol.array.shape)
    vol.array[30, 32, 33] = value
    vol.array[30, 20, 20] = -900
    return vol, vol.index_to_patient((33, 32, 30))


@pytest.mark.parametrize("view", VIEWS)
def test_slab_mip_of_a_bright_point_equals_its_value(view: str) -> None:
    vol, p = point_volume()
    m = MprModel(vol)
    m.set_center(p)
    r = MprRenderer(window(), m, view)
    assert r.plane_values().max() == 3000  # the thin plane through the point
    _, _, n = m.frame(view)
    m.set_center(p + 4.0 * n)  # 4 mm away: a thin plane misses it ...
    assert r.plane_values().max() < 100
    m.set_slab(view, "mip", 10.0)  # ... a 10 mm MIP around the plane does not
    assert r.plane_values().max() == 3000
    i, j = r.grid.patient_to_pixel(p)
    assert r.plane_values()[round(j), round(i)] == 3000  # and shows it where it is
    m.set_center(p + 6.0 * n)  # outside the slab
    assert r.plane_values().max() < 100
    assert "MIP 10.0 mm" in r.corners.GetText(0)


def test_minip_and_mean_slabs() -> None:
    vol, _p = point_volume()
    dark = vol.index_to_patient((20, 20, 30))
    m = MprModel(vol)
    m.set_center(dark + np.array([0, 0, 3.0]))
    r = MprRenderer(window(), m, "axial")
    m.set_slab("axial", "minip", 8.0)
    assert r.plane_values().min() == -900
    # mean of a ramp along the normal is the ramp at the slab centre
    ramp = Volume(
        np.broadcast_to(np.arange(60, dtype=np.int16)[:, None, None] * 10, (60, 64, 64)).copy(),
        np.zeros(3),
        (1.0, 1.0, 1.0),
        np.eye(3),
        "CT",
    )
    m2 = MprModel(ramp)
    m2.set_center((32.0, 32.0, 25.0))
    m2.set_slab("axial", "mean", 10.0)
    r2 = MprRenderer(window(), m2, "axial")
    assert np.allclose(r2.plane_values()[10:-10, 10:-10], 250.0, atol=0.5)
    with pytest.raises(ValueError):
        m2.set_slab("axial", "sum", 5.0)
    m2.set_slab("axial", "mip", 500.0)
    assert m2.slabs["axial"].thickness == 50.0  # the thickest slab offered


def test_length_on_an_oblique_plane_is_true_mm() -> None:
    vol, center, radius = sphere_volume(rotation(20.0, 10.0, 30.0))
    m = MprModel(vol)
    m.set_center(center)
    m.rotate("axial", 35.0)
    r = MprRenderer(window(), m, "coronal")
    g = r.grid
    a, b = center - radius * g.row, center + radius * g.row
    pts = [g.patient_to_uv(a)[:2], g.patient_to_uv(b)[:2]]
    m.add_measurement("coronal", Measurement("length", []), pts)
    pm = m.visible_measurements("coronal")[0]
    assert r.describe(pm) == f"{2 * radius:.1f} mm"
    # an ellipse ROI inside the sphere reads the sphere's HU
    m.add_measurement(
        "coronal",
        Measurement("ellipse", []),
        [(pts[0][0] + 5, pts[0][1] - 4), (pts[1][0] - 5, pts[1][1] + 4)],
    )
    roi = m.visible_measurements("coronal")[1]
    assert "mean 1000.0" in r.describe(roi)
    m.scroll("coronal", 10)  # another plane: the measurements stay with theirs
    assert m.visible_measurements("coronal") == []
    m.scroll("coronal", -10)
    assert len(m.visible_measurements("coronal")) == 2


def test_nodules_of_the_acquired_oblique_series(light_scan, light_specs) -> None:
    """The double-oblique reformat from the phantom, as DICOM: nodules where anatomy put them."""
    vol = load_series(light_scan.find_series(light_specs["oblique"].series_uid))
    m = MprModel(vol)
    found = 0
    for nod in anatomy.NODULES:
        idx = vol.patient_to_index(nod.center)
        inside = all(3 <= x <= n - 4 for x, n in zip(idx, vol.shape[::-1], strict=True))
        if not inside or nod.diameter < 6:
            continue
        m.set_center(nod.center)
        for view in VIEWS:
            r = MprRenderer(window(200), m, view)
            a = r.plane_values()
            g = r.grid
            ci, cj = g.patient_to_pixel(np.asarray(nod.center))
            h = int(nod.diameter / g.spacing) + 4
            sub = a[round(cj) - h : round(cj) + h + 1, round(ci) - h : round(ci) + h + 1]
            jj, ii = np.nonzero(sub > -400)
            c = g.pixel_to_patient(ii.mean() + round(ci) - h, jj.mean() + round(cj) - h)
            assert np.linalg.norm(c - np.asarray(nod.center)) <= max(vol.spacing), (nod, view)
            width = (ii.max() - ii.min() + 1) * g.spacing
            assert abs(width - nod.diameter) <= max(vol.spacing), (nod, view, width)
        found += 1
    assert found >= 1


def test_curved_mpr_straightens_a_curved_tube() -> None:
    shape, sp = (40, 160, 160), (0.5, 0.5, 0.5)
    vol = Volume(np.full(shape, -1000, np.int16), np.array([-40.0, -40, -10]), sp, np.eye(3), "CT")
    k, j, i = np.indices(shape)
    p = np.stack([i * 0.5 - 40, j * 0.5 - 40, k * 0.5 - 10], -1)
    radius, tube = 30.0, 3.0
    rr = np.hypot(p[..., 0], p[..., 1])
    ang = np.arctan2(p[..., 1], p[..., 0])
    dist = np.where((ang >= -0.2) & (ang <= np.pi + 0.2), np.hypot(rr - radius, p[..., 2]), 1e9)
    vol.array[dist <= tube] = 300
    t = np.linspace(0, np.pi, 12)
    pts = np.stack([radius * np.cos(t), radius * np.sin(t), 0 * t], -1)
    s = straighten(vol, pts, (0, 0, 1), width_mm=20.0)
    assert abs(s.length_mm - np.pi * radius) < 0.5  # arc length, not the chord
    band = s.image > 0
    mid = s.image.shape[0] // 2
    for col in range(2, band.shape[1] - 2):  # a straight band of the tube's width on the centre row
        rows = np.nonzero(band[:, col])[0]
        assert len(rows), f"tube missing at column {col}"
        assert abs(rows.mean() - mid) <= 1
        assert abs(len(rows) * s.spacing - 2 * tube) <= 2 * max(sp)
    assert (s.image[:2] < -900).all() and (s.image[-2:] < -900).all()  # air above and below
    with pytest.raises(ValueError):
        straighten(vol, pts[:1], (0, 0, 1))
    with pytest.raises(ValueError):  # drawn along the direction it would sweep
        straighten(vol, [(0, 0, -5.0), (0, 0, 5.0)], (0, 0, 1))


def test_views_read_the_volume_memory_without_copies() -> None:
    vol, _, _ = sphere_volume(np.eye(3))
    m = MprModel(vol)
    r = MprRenderer(window(), m, "axial")
    scalars = numpy_support.vtk_to_numpy(r.source.GetPointData().GetScalars())
    assert scalars.__array_interface__["data"][0] == vol.array.__array_interface__["data"][0]
    vol.array[0, 0, 0] = 1234  # the same memory: VTK sees the change
    assert scalars[0] == 1234


def test_a_view_follows_rotation_and_reset_and_its_crosshair_follows_the_centre() -> None:
    """What a view keeps while scrolling (labels, extent, crosshair directions) is renewed when
    the planes turn or reset; the crosshair moves when the centre moves within the plane."""
    vol, _center, _ = sphere_volume(np.eye(3))
    m = MprModel(vol)
    r = MprRenderer(window(), m, "coronal")

    def crosshair() -> list[tuple[float, ...]]:
        return r.crosshair.points()

    assert r.edges.GetText(5) == "L" and "oblique" not in r.corners.GetText(0)
    before, cols = crosshair(), r.grid.cols
    m.scroll("coronal", 3)  # along the normal: the traces stay
    assert crosshair() == before
    m.set_center(m.center + np.array([7.0, 0.0, 0.0]))  # along the coronal plane's row
    assert crosshair() != before
    m.rotate("axial", 30.0)
    assert r.edges.GetText(5) == "LP" and "oblique" in r.corners.GetText(0)
    assert r.grid.cols != cols  # the turned plane covers the volume with another extent
    m.reset()
    assert r.edges.GetText(5) == "L" and "oblique" not in r.corners.GetText(0)
    assert r.grid.cols == cols


def test_the_crosshair_is_drawn_in_the_other_planes_colours_around_a_free_centre() -> None:
    """On a black coronal plane the axial trace is a red horizontal line and the sagittal one a
    yellow vertical line, both broken around the centre; all four half-lines are one prop, and
    moving the centre within the plane moves the lines on screen."""
    shape = (60, 80, 70)
    vol = Volume(np.full(shape, -1000, np.int16), np.zeros(3), (1.0, 1.0, 1.0), np.eye(3), "CT")
    m = MprModel(vol)
    r = MprRenderer(window(), m, "coronal")
    props = r.renderer.GetViewProps()
    before = props.GetNumberOfItems()

    def frame_at_centre() -> tuple[np.ndarray, int, int]:
        u, v, _ = r.grid.patient_to_uv(m.center)
        x, y = r.uv_to_display(u, v)
        img = r.grab()
        return img, round(x), img.shape[0] - 1 - round(y)  # grab's row 0 is the top

    img, x, y = frame_at_centre()
    assert_sane_image(img)

    def colour(px: np.ndarray) -> str:
        red, green, blue = (int(c) for c in px)
        if red > 200 and green > 180 and blue < 120:
            return "yellow"
        if red > 200 and green < 120 and blue < 120:
            return "red"
        return "other"

    gap = round(12 * r.grid.spacing / r.mm_per_screen_pixel())  # 12 grid pixels, on screen
    far = gap + 20
    for dx in (-far, far):  # along the row: the axial plane's trace
        assert colour(img[y - 1 : y + 2, x + dx].max(axis=0)) == "red"
    for dy in (-far, far):  # along the column: the sagittal plane's trace
        assert colour(img[y + dy, x - 1 : x + 2].max(axis=0)) == "yellow"
    free = gap - 3
    assert img[y - free : y + free + 1, x - free : x + free + 1].max() < 60  # the centre is free
    loc, wl = r.corners.GetText(0), r.corners.GetText(1)
    m.scroll("coronal", 2)  # along the normal: the position line follows, the window stays
    assert r.corners.GetText(0) != loc and r.corners.GetText(1) == wl
    m.set_center(m.center + np.array([0.0, 0.0, 10.0]))  # 10 mm up: the axial trace moves
    img2, x2, y2 = frame_at_centre()
    assert y2 < y - 5 and colour(img2[y2 - 1 : y2 + 2, x2 + far].max(axis=0)) == "red"
    assert colour(img2[y - 1 : y + 2, x + far].max(axis=0)) != "red"
    assert props.GetNumberOfItems() == before  # the same one crosshair prop, only moved


def test_swap_to_another_resolution_keeps_everything_where_it_was_in_patient_mm() -> None:
    """A reduced-resolution preview (1/4 in-plane, same first voxel and axes) refined to the
    full volume: crosshair, planes, window, the patient point in each view's centre and the
    plane measurements' patient points stay, though the box (and its centre) moved a little."""
    full, _, _ = sphere_volume(rotation(20.0, 10.0, 30.0), (0.8, 0.8, 1.5), (40, 66, 66))
    small = Volume(
        np.ascontiguousarray(full.array[:, ::4, ::4]),
        full.origin,
        (3.2, 3.2, 1.5),
        full.direction,
        modality="CT",
        reduced_level=2,
    )
    m = MprModel(small)
    m.set_center(m.center + np.array([6.0, -4.0, 3.0]))
    m.rotate("axial", 25.0)
    m.rotate("coronal", -10.0)
    m.set_window(50.0, 350.0)
    m.set_zoom("sagittal", 2.0)
    m.set_pan("coronal", 5.0, -3.0)
    g = m.grid("coronal")
    u, v, _ = g.patient_to_uv(m.center)
    m.add_measurement("coronal", Measurement("length", []), [(u - 9.0, v), (u + 7.0, v + 4.0)])

    def seen() -> tuple[np.ndarray, ...]:
        (pm,) = m.measurements
        g = m.grid(pm.view)
        drawn = [g.uv_to_patient(*p) for p in pm.points_uv]
        centres = []
        for view in VIEWS:
            umin, umax, vmin, vmax = m.extent(view)
            du, dv = m.pan[view]
            centres.append(
                m.grid(view).uv_to_patient((umin + umax) / 2 + du, (vmin + vmax) / 2 + dv)
            )
        return (m.center.copy(), m.orientation.copy(), *drawn, *centres)

    before, box = seen(), m.volume_center.copy()
    undo = m.snapshot_measurements()  # an undo step recorded on the reduced volume
    events = []
    m.subscribe(events.append)
    m.swap_volume(full)
    assert m.volume is full and m.spacing == pytest.approx(0.8)
    assert np.linalg.norm(m.volume_center - box) > 0.3  # the box did move
    for a, b in zip(before, seen(), strict=True):
        assert np.allclose(a, b, atol=1e-9)
    m.restore_measurements(undo)  # undone after the swap: where it was drawn
    for a, b in zip(before, seen(), strict=True):
        assert np.allclose(a, b, atol=1e-9)
    events = events[:1]
    assert m.window == (50.0, 350.0) and m.zoom["sagittal"] == 2.0
    assert [e.kind for e in events] == ["volume"]
    elsewhere = Volume(full.array, full.origin + 2.0, full.spacing, full.direction, modality="CT")
    with pytest.raises(ValueError, match="elsewhere"):
        m.swap_volume(elsewhere)
    assert m.volume is full
