"""3D volume rendering, isosurface/STL and fusion, against phantoms with known answers (no Qt)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from vtkmodules.util import numpy_support
from vtkmodules.vtkFiltersCore import vtkMassProperties
from vtkmodules.vtkIOGeometry import vtkSTLReader
from vtkmodules.vtkRenderingCore import vtkRenderWindow

from phantoms import anatomy
from tests.helpers import assert_sane_image
from viewer.dicom.volume import Volume, load_series
from viewer.render.mpr_view import MprRenderer
from viewer.render.vr import VolumeRenderer, export_stl, vr_preset, vr_presets
from viewer.state.fusion import fusion_for, register_rigid
from viewer.state.mpr import MprModel


def window(size: int = 240) -> vtkRenderWindow:
    w = vtkRenderWindow()
    w.SetOffScreenRendering(1)
    w.SetSize(size, size)
    return w


@pytest.fixture(scope="module")
def spheres() -> Volume:
    """Air with a bone sphere on the patient's left and a soft-tissue sphere on the right."""
    shape, sp = (64, 96, 96), (1.0, 1.0, 1.5)
    origin = np.array([-48.0, -48.0, -48.0])
    vol = Volume(np.full(shape, -1000, np.int16), origin, sp, np.eye(3), "CT")
    k, j, i = np.indices(shape)
    p = origin + np.stack([i * 1.0, j * 1.0, k * 1.5], -1)
    vol.array[np.linalg.norm(p - (22.0, 0, 0), axis=-1) <= 18] = 1000  # left: bone
    vol.array[np.linalg.norm(p - (-22.0, 0, 0), axis=-1) <= 14] = 50  # right: soft tissue
    return vol


def scene(img: np.ndarray) -> np.ndarray:
    """The frame without the bottom rows, where the preset's caption is written."""
    return img[: img.shape[0] - 30]


def bright_columns(img: np.ndarray, level: int = 40) -> np.ndarray:
    return np.nonzero(scene(img).max(axis=2) > level)[1]


def test_presets_are_data_and_complete() -> None:
    ids = {p.id for p in vr_presets()}
    assert {"ct_bone", "ct_soft", "ct_lung", "ct_angio", "mr_default"} <= ids
    for p in vr_presets():
        values = [c[0] for c in p.color]
        assert values == sorted(values) and all(0 <= a <= 1 for _, a in p.opacity)
        assert p.name_zh and p.name
    with pytest.raises(KeyError):
        vr_preset("nope")


def test_anterior_view_shows_the_patients_left_on_the_right(spheres: Volume) -> None:
    vr = VolumeRenderer(window(), spheres, mapper="cpu")
    img = vr.grab()
    assert_sane_image(img)
    cols = bright_columns(img)
    assert cols.mean() > img.shape[1] / 2, "the bone sphere (patient's left) must be on the right"


def test_presets_and_transfer_function_window(spheres: Volume) -> None:
    vr = VolumeRenderer(window(), spheres, mapper="cpu")
    bone = vr.grab()
    vr.set_preset("ct_soft")
    soft = vr.grab()
    # soft tissue preset shows the 50 HU sphere on the screen's left; bone does not
    left = slice(0, bone.shape[1] // 2)
    assert scene(soft)[:, left].max() > 60 > scene(bone)[:, left].max()
    vr.set_preset("ct_bone")
    assert np.abs(vr.grab().astype(int) - bone.astype(int)).max() <= 2
    vr.set_tf_window(2600.0, 1000.0)  # the ramp above the bone's 1000 HU: nothing is opaque
    assert scene(vr.grab()).max() < 30
    _colors, opac = vr.tf_points()
    assert opac[2][0] == pytest.approx(2600 + (300 - 500))  # shifted with the window
    assert "W: 1000 L: 2600 HU" in vr.text.GetText(0)  # the 3D window with its unit


def test_the_3d_window_of_a_pet_is_said_in_suv(spheres: Volume, monkeypatch) -> None:
    """A PET shown in SUV: its 3D window in SUV too (the stored values × the SUV factor)."""
    from viewer.dicom import windows

    pet = dataclasses.replace(spheres, modality="PT")
    suv = windows.DisplayValues("SUVbw", (0.001,) * pet.shape[0], "")
    monkeypatch.setattr(windows, "_providers", [lambda im: suv if im is pet else None])
    vr = VolumeRenderer(window(), pet, mapper="cpu")
    vr.set_tf_window(3000.0, 2000.0)
    assert "W: 2 L: 3 SUVbw" in vr.text.GetText(0)


def test_clip_box_shading_and_level_of_detail(spheres: Volume) -> None:
    vr = VolumeRenderer(window(), spheres, mapper="cpu")
    full = vr.grab()
    b = vr.bounds()
    vr.set_clip_box((b[0], (b[0] + b[1]) / 2, b[2], b[3], b[4], b[5]))  # keep the right half
    clipped = vr.grab()
    assert bright_columns(clipped, 60).size == 0 or bright_columns(clipped, 60).max() < 130
    assert scene(full)[:, 130:].max() > 60
    vr.set_clip_box(None)
    assert vr.shading is False  # software renderer: off until asked (memory, speed)
    vr.set_shading(True)
    shaded = vr.grab()
    assert_sane_image(shaded)
    assert np.abs(shaded.astype(int) - full.astype(int)).mean() > 1.0
    vr.set_shading(False)
    vr.set_interactive(True)
    coarse = vr.grab()
    vr.set_interactive(False)
    still = vr.grab()
    assert np.abs(still.astype(int) - full.astype(int)).max() <= 2
    # the coarse frame is the same picture at lower resolution
    assert abs(int(coarse.max()) - int(still.max())) < 60
    assert abs(bright_columns(coarse).mean() - bright_columns(still).mean()) < 4


def test_camera_moves(spheres: Volume) -> None:
    vr = VolumeRenderer(window(), spheres, mapper="cpu")
    front = bright_columns(vr.grab()).mean()
    vr.rotate(180.0, 0.0)  # from behind, the left sphere is on the screen's left
    assert bright_columns(vr.grab()).mean() < front - 20
    vr.reset_camera("anterior")
    vr.zoom(2.0)
    assert bright_columns(vr.grab()).size > 0
    vr.pan(0.2, 0.0)


def test_isosurface_and_stl_export(spheres: Volume, tmp_path: Path) -> None:
    vr = VolumeRenderer(window(), spheres, mapper="cpu")
    poly = vr.isosurface(300.0)
    mp = vtkMassProperties()
    mp.SetInputData(poly)
    mp.Update()
    assert mp.GetVolume() == pytest.approx(4 / 3 * np.pi * 18**3, rel=0.05)
    pts = numpy_support.vtk_to_numpy(poly.GetPoints().GetData())
    assert np.allclose(pts.mean(axis=0), (22.0, 0.0, 0.0), atol=0.5)  # patient mm, LPS
    path = export_stl(poly, tmp_path / "bone.stl")
    reader = vtkSTLReader()
    reader.SetFileName(str(path))
    reader.Update()
    assert reader.GetOutput().GetNumberOfPolys() == poly.GetNumberOfPolys()
    vr.show_surface(poly)
    assert_sane_image(vr.grab())
    with pytest.raises(ValueError):
        export_stl(vr.isosurface(5000.0), tmp_path / "empty.stl")
    assert not list(tmp_path.glob("empty.stl*"))


def test_pet_hot_spot_lands_on_its_ct_nodule(light_scan, light_specs) -> None:
    ct = load_series(light_scan.find_series(light_specs["ct"].series_uid))
    pet = load_series(light_scan.find_series(light_specs["pet"].series_uid))
    f = fusion_for(ct, pet)
    assert np.array_equal(f.transform, np.eye(4)) and "same frame" in f.note
    m = MprModel(ct)
    nod = anatomy.PET_HOT_NODULE
    m.set_center(nod.center)
    m.set_fusion(f)
    r = MprRenderer(window(320), m, "coronal")
    fr, _slice, _keep = r._fusion  # type: ignore[misc]
    fr.Update()
    g = r.grid
    pet_plane = numpy_support.vtk_to_numpy(fr.GetOutput().GetPointData().GetScalars())
    pet_plane = pet_plane.reshape(g.rows, g.cols)
    jj, ii = np.nonzero(pet_plane > 0.6 * pet_plane.max())
    hot = g.pixel_to_patient(ii.mean(), jj.mean())
    assert np.linalg.norm(hot - np.asarray(nod.center)) <= max(pet.spacing)
    fused = r.grab().astype(int)
    assert_sane_image(fused)
    m.set_fusion_opacity(0.0)
    plain = r.grab().astype(int)
    # hot colour map: only the hottest uptake turns yellow-white (green rises); its place on
    # screen is the nodule's
    jj, ii = np.nonzero(fused[..., 1] - plain[..., 1] > 100)
    assert len(ii) > 20
    x, y = r.uv_to_display(*g.patient_to_uv(np.asarray(nod.center))[:2])
    px_mm = r.mm_per_screen_pixel()
    assert abs(ii.mean() - x) * px_mm <= max(pet.spacing)
    assert abs(jj.mean() - (fused.shape[0] - 1 - y)) * px_mm <= max(pet.spacing)


def test_shifted_pet_is_registered_back(light_scan, light_specs) -> None:
    ct = load_series(light_scan.find_series(light_specs["ct"].series_uid))
    pet = load_series(light_scan.find_series(light_specs["pet"].series_uid))
    shift = np.array([12.0, -8.0, 6.0])
    moved = dataclasses.replace(pet, origin=pet.origin + shift, frame_of_reference_uid="1.2.3.4")
    reg = register_rigid(ct, moved)
    assert np.linalg.norm(reg.translation - shift) <= min(pet.spacing), reg
    assert reg.rotation_deg < 1.0
    assert reg.consistency_mm < min(pet.spacing)
    f = fusion_for(ct, moved)
    assert "registered" in f.note and "consistency" in f.note
    # the hot spot is back on the nodule through the registration's transform
    p = f.transform @ np.array([*anatomy.PET_HOT_NODULE.center, 1.0])
    assert moved.value_at(tuple(p[:3])) > 0.8 * float(moved.array.max())


def test_mr_presets_fit_the_data_window(spheres: Volume) -> None:
    """MR values have no fixed scale: the ramp follows the series' own window."""
    mr = dataclasses.replace(
        spheres, array=np.where(spheres.array > 0, 3000, 0).astype(np.int16), modality="MR"
    )
    mr.window = (1500.0, 3000.0)
    vr = VolumeRenderer(window(), mr, mapper="cpu")
    assert vr.preset.id == "mr_default" and vr.tf_window == (1500.0, 3000.0)
    vr.set_preset("ct_soft")
    assert vr.tf_window == (1500.0, 3000.0)
    img = vr.grab()
    assert_sane_image(img)
    assert bright_columns(img).size > 0  # the 3000-unit spheres show
