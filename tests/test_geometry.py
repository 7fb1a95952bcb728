"""Patient-space geometry on known phantoms: mapping, order, spacing, tilt, HU and nodules."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pydicom
import pytest

from phantoms import anatomy
from phantoms import series as S
from tests.helpers import copy_series, oriented, small_ct, true_hu
from viewer.dicom.geometry import direction_label, edge_labels, plan_stack
from viewer.dicom.scan import scan
from viewer.dicom.volume import ImageStack, Volume, load_series


def _load(folder: Path) -> Volume:
    res = scan(folder)
    assert not res.problems, res.problems
    (series,) = res.all_series()
    vol = load_series(series)
    assert isinstance(vol, Volume)
    return vol


def _random_voxels(vol: Volume, n: int = 400, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    nk, nj, ni = vol.shape
    return np.column_stack([rng.integers(0, ni, n), rng.integers(0, nj, n), rng.integers(0, nk, n)])


def _assert_mapping_exact(vol: Volume) -> None:
    """Every sampled voxel holds exactly the phantom's HU at the voxel's patient coordinate."""
    ijk = _random_voxels(vol)
    pts = vol.index_to_patient(ijk.astype(float))
    got = vol.array[ijk[:, 2], ijk[:, 1], ijk[:, 0]].astype(float)
    np.testing.assert_array_equal(got, true_hu(pts))
    # and the inverse mapping returns the indices
    np.testing.assert_allclose(vol.patient_to_index(pts), ijk, atol=1e-6)


PLANES = {
    "axial": ((1, 0, 0), (0, 1, 0)),
    "axial-feet-first-order": ((1, 0, 0), (0, 1, 0)),
    "coronal": ((1, 0, 0), (0, 0, -1)),
    "sagittal": ((0, 1, 0), (0, 0, -1)),
    "double-oblique": (
        tuple(S.rotation(20, 0, 25) @ np.array([1.0, 0, 0])),
        tuple(S.rotation(20, 0, 25) @ np.array([0.0, 0, -1])),
    ),
}


@pytest.mark.parametrize("plane", sorted(PLANES))
def test_voxel_to_patient_mapping_is_exact(tmp_path: Path, plane: str) -> None:
    row, col = PLANES[plane]
    spec = oriented(
        small_ct(plane, n_slices=24),
        np.array(row),
        np.array(col),
        np.array([-20.0, 5.0, 100.0]),
        4.0,
        key=plane,
    )
    if plane == "axial-feet-first-order":
        # written from the top down: instance 1 is the highest slice; files must still sort
        spec = replace(
            spec,
            first_position=tuple(spec.position(spec.n_slices - 1)),
            step=tuple(-np.asarray(spec.step)),
        )
    S.write_series(spec, str(tmp_path / plane), workers=1)
    vol = _load(tmp_path / plane)
    assert vol.shape == (24, spec.rows, spec.columns)
    assert not vol.resampled and not vol.warnings
    # direction: columns are row_dir, col_dir, normal — a right-handed frame
    np.testing.assert_allclose(vol.direction[:, 0], row, atol=1e-9)
    np.testing.assert_allclose(vol.direction[:, 1], col, atol=1e-9)
    assert np.linalg.det(vol.direction) == pytest.approx(1.0)
    assert vol.spacing == pytest.approx((3.5, 3.5, 4.0))
    _assert_mapping_exact(vol)


def test_demo_scan_is_clean(demo_scan) -> None:
    assert not demo_scan.problems
    (patient,) = demo_scan.patients
    assert patient.name == "Zhang^San=张^三"
    assert sorted(len(st.series) for st in patient.studies) == [1, 4]


def test_demo_ct_hu_is_bit_exact(demo_scan, demo_specs) -> None:
    spec = demo_specs["ct"]
    assert spec.rows == spec.columns == 512 and spec.n_slices >= 300
    assert 0.6 <= spec.pixel_spacing[0] <= 0.8 and 1.0 <= spec.slice_thickness <= 2.0
    vol = load_series(demo_scan.find_series(spec.series_uid))
    assert isinstance(vol, Volume)
    assert vol.array.dtype == np.int16
    assert vol.shape == (spec.n_slices, 512, 512)
    np.testing.assert_allclose(vol.origin, spec.first_position)
    assert vol.spacing == pytest.approx((0.7, 0.7, 1.25))
    for k in (0, 1, spec.n_slices // 2, spec.n_slices - 1):
        np.testing.assert_array_equal(vol.array[k], spec.expected_slice(k))


def test_tissue_hu_at_known_anatomy(demo_scan, demo_specs) -> None:
    vol = load_series(demo_scan.find_series(demo_specs["ct"].series_uid))
    assert isinstance(vol, Volume)
    for name, (point, hu) in anatomy.CT_TISSUE_PROBES.items():
        i, j, k = np.rint(vol.patient_to_index(point)).astype(int)
        patch = vol.array[k, j - 2 : j + 3, i - 2 : i + 3].astype(float)
        assert abs(np.median(patch) - hu) <= 4, f"{name}: {np.median(patch)} HU, expected {hu}"


def test_nodules_are_where_the_generator_put_them(demo_scan, demo_specs) -> None:
    vol = load_series(demo_scan.find_series(demo_specs["ct"].series_uid))
    assert isinstance(vol, Volume)
    for nod in anatomy.NODULES:
        c = np.asarray(nod.center)
        margin = nod.diameter / 2 + 3.0
        lo = np.floor(vol.patient_to_index(c - margin)).astype(int)
        hi = np.ceil(vol.patient_to_index(c + margin)).astype(int)
        box = vol.array[lo[2] : hi[2] + 1, lo[1] : hi[1] + 1, lo[0] : hi[0] + 1]
        mask = box > -400  # solid nodule in aerated lung
        kk, jj, ii = np.nonzero(mask)
        idx = np.column_stack([ii + lo[0], jj + lo[1], kk + lo[2]]).astype(float)
        centroid = vol.index_to_patient(idx.mean(axis=0))
        voxel_mm3 = float(np.prod(vol.spacing))
        diameter = (6 * mask.sum() * voxel_mm3 / np.pi) ** (1 / 3)
        assert np.linalg.norm(centroid - c) <= max(vol.spacing), (nod.name, centroid)
        assert abs(diameter - nod.diameter) <= max(vol.spacing), (nod.name, diameter)


def test_slice_order_ignores_instance_number_and_file_names(
    tmp_path: Path, light_dir: Path, light_specs
) -> None:
    src = light_dir / "ct"
    ref = _load(src)
    rng = np.random.default_rng(7)
    numbers = rng.permutation(200)

    def scramble(ds, n):
        ds.InstanceNumber = int(numbers[n]) + 1
        return ds

    copy_series(src, tmp_path / "scrambled", scramble)
    vol = _load(tmp_path / "scrambled")
    np.testing.assert_array_equal(vol.array, ref.array)
    np.testing.assert_allclose(vol.origin, ref.origin)


def test_gaps_are_reported_and_filled_on_the_true_grid(tmp_path: Path, light_dir: Path) -> None:
    ref = _load(light_dir / "ct")
    files = sorted((light_dir / "ct").glob("*.dcm"))
    z_of = {
        f.name: float(pydicom.dcmread(f, stop_before_pixels=True).ImagePositionPatient[2])
        for f in files
    }
    zs = sorted(z_of.values())
    drop = {zs[30], zs[31], zs[50]}
    copy_series(
        light_dir / "ct",
        tmp_path / "gappy",
        lambda ds, n: None if float(ds.ImagePositionPatient[2]) in drop else ds,
    )
    vol = _load(tmp_path / "gappy")
    assert any("3 slice(s) missing" in w for w in vol.warnings), vol.warnings
    assert vol.resampled and vol.shape == ref.shape
    assert vol.spacing == pytest.approx(ref.spacing)
    for k in (0, 10, 29, 32, 49, 51, ref.shape[0] - 1):  # slices that were present are unchanged
        np.testing.assert_array_equal(vol.array[k], ref.array[k])


def test_duplicates_and_non_uniform_spacing_are_reported(tmp_path: Path, light_dir: Path) -> None:
    ref = _load(light_dir / "ct")
    first = sorted((light_dir / "ct").glob("*.dcm"))[0]
    copy_series(light_dir / "ct", tmp_path / "dup")
    ds = pydicom.dcmread(first)
    ds.SOPInstanceUID = pydicom.uid.generate_uid()
    ds.InstanceNumber = 999
    ds.save_as(tmp_path / "dup" / "copy.dcm", enforce_file_format=True)
    vol = _load(tmp_path / "dup")
    assert any("duplicates" in w for w in vol.warnings)
    np.testing.assert_array_equal(vol.array, ref.array)

    def shift_one(ds, n):
        if n == 20:
            ipp = [float(v) for v in ds.ImagePositionPatient]
            ds.ImagePositionPatient = [ipp[0], ipp[1], ipp[2] + 1.0]
        return ds

    copy_series(light_dir / "ct", tmp_path / "uneven", shift_one)
    plan = plan_stack(scan(tmp_path / "uneven").all_series()[0].frames)
    assert not plan.uniform
    assert any("not uniform" in w for w in plan.warnings)


def test_mixed_orientations_are_split(tmp_path: Path, light_dir: Path, light_specs) -> None:
    ct_uid = light_specs["ct"].series_uid
    copy_series(light_dir / "ct", tmp_path / "mixed" / "a")

    def join(ds, n):
        ds.SeriesInstanceUID = ct_uid
        return ds

    copy_series(light_dir / "oblique", tmp_path / "mixed" / "b", join)
    res = scan(tmp_path / "mixed")
    parts = [s for s in res.all_series() if s.series_uid == ct_uid]
    assert sorted(len(p.frames) for p in parts) == [60, 80]
    assert all(any("2 parts" in n for n in p.notes) for p in parts)
    for p in parts:
        assert isinstance(load_series(p), Volume)


def test_gantry_tilt_is_detected_and_regularized(light_scan, light_specs) -> None:
    spec = light_specs["tilted"]
    series = light_scan.find_series(spec.series_uid)
    plan = plan_stack(series.frames)
    assert plan.tilt_deg == pytest.approx(15.0, abs=0.01)
    vol = load_series(series)
    assert isinstance(vol, Volume) and vol.resampled
    # orthogonal grid: k axis along the normal, spacing = table step × cos(tilt)
    assert vol.spacing[2] == pytest.approx(2.5 * np.cos(np.radians(15)), abs=1e-6)
    assert abs(float(vol.direction[:, 2] @ vol.direction[:, 1])) < 1e-9
    # where the anatomy is locally uniform, interpolation must return the exact phantom value
    ijk = _random_voxels(vol, 3000)
    pts = vol.index_to_patient(ijk.astype(float))
    got = vol.array[ijk[:, 2], ijk[:, 1], ijk[:, 0]].astype(float)
    want = true_hu(pts)
    offsets = np.array([[dx, dy, dz] for dx in (-2, 2) for dy in (-2, 2) for dz in (-3, 3)], float)
    uniform = np.all([true_hu(pts + o) == want for o in offsets], axis=0)
    # skip voxels the tilt pushed outside the acquired slab (filled with the minimum)
    inside = got > -1024
    check = uniform & inside
    assert check.sum() > 500
    np.testing.assert_array_equal(got[check], want[check])


def test_oblique_series_places_anatomy_exactly(light_scan, light_specs) -> None:
    vol = load_series(light_scan.find_series(light_specs["oblique"].series_uid))
    assert isinstance(vol, Volume)
    _assert_mapping_exact(vol)
    labels = edge_labels(light_specs["oblique"].row_dir + light_specs["oblique"].col_dir)
    assert len(labels["right"]) >= 2 and len(labels["bottom"]) >= 2  # oblique: two letters


def test_orientation_labels() -> None:
    axial = edge_labels((1, 0, 0, 0, 1, 0))
    assert axial == {"right": "L", "left": "R", "bottom": "P", "top": "A"}
    coronal = edge_labels((1, 0, 0, 0, 0, -1))
    assert coronal == {"right": "L", "left": "R", "bottom": "F", "top": "H"}
    sagittal = edge_labels((0, 1, 0, 0, 0, -1))
    assert sagittal == {"right": "P", "left": "A", "bottom": "F", "top": "H"}
    assert direction_label((0.8, -0.6, 0.0)) == "LA"
    assert direction_label((-0.1, 0.0, -0.99)) == "F"


def test_pet_shares_frame_of_reference_and_hot_spot_is_on_the_nodule(demo_scan, demo_specs) -> None:
    pet_spec, ct_spec = demo_specs["pet"], demo_specs["ct"]
    assert pet_spec.frame_of_reference_uid == ct_spec.frame_of_reference_uid
    pet = load_series(demo_scan.find_series(pet_spec.series_uid))
    assert isinstance(pet, Volume)
    assert pet.array.dtype == np.float32
    assert pet.shape == (134, 144, 144) and pet.spacing == pytest.approx((4.0, 4.0, 3.0))
    # exact rescale with per-slice float slopes
    for k in (0, 60, 133):
        np.testing.assert_allclose(pet.array[k], pet_spec.expected_slice(k), rtol=1e-6)
    kk, jj, ii = np.nonzero(pet.array >= 0.9 * pet.array.max())
    hot = pet.index_to_patient(np.column_stack([ii, jj, kk]).mean(axis=0))
    assert np.linalg.norm(hot - np.asarray(anatomy.PET_HOT_NODULE.center)) <= 2 * 4.0


def test_mr_has_anisotropic_voxels_and_exact_values(demo_scan, demo_specs) -> None:
    spec = demo_specs["mr"]
    vol = load_series(demo_scan.find_series(spec.series_uid))
    assert isinstance(vol, Volume)
    assert vol.spacing == pytest.approx((0.9375, 0.9375, 5.0))
    assert vol.array.dtype == np.uint16
    for k in range(spec.n_slices):
        np.testing.assert_array_equal(vol.array[k], spec.expected_slice(k))


def test_three_frames_or_fewer_make_a_stack_not_a_volume(tmp_path: Path, light_dir: Path) -> None:
    files = sorted((light_dir / "ct").glob("*.dcm"))[:2]
    (tmp_path / "two").mkdir()
    for f in files:
        (tmp_path / "two" / f.name).write_bytes(f.read_bytes())
    (series,) = scan(tmp_path / "two").all_series()
    assert isinstance(load_series(series), ImageStack)


def test_resampled_volume_keeps_the_acquired_thickness(
    tmp_path: Path, light_dir: Path, light_scan, light_specs
) -> None:
    spec = light_specs["tilted"]
    vol = load_series(light_scan.find_series(spec.series_uid))
    assert isinstance(vol, Volume)
    assert vol.reconstructed and vol.resampled
    assert vol.slice_thickness == pytest.approx(spec.slice_thickness, abs=1e-4)
    # overlapping 7 mm slices every 5 mm with a gap: resampled onto 5 mm, still 7 mm thick
    z = sorted(
        float(pydicom.dcmread(f, stop_before_pixels=True).ImagePositionPatient[2])
        for f in (light_dir / "ct").glob("*.dcm")
    )

    def thick_with_gap(ds, n):
        if float(ds.ImagePositionPatient[2]) == z[40]:
            return None
        ds.SliceThickness = "7"
        return ds

    copy_series(light_dir / "ct", tmp_path / "thick", thick_with_gap)
    gappy = _load(tmp_path / "thick")
    assert gappy.reconstructed
    assert gappy.spacing[2] == pytest.approx(5.0)
    assert gappy.slice_thickness == pytest.approx(7.0)
    straight = load_series(light_scan.find_series(light_specs["ct"].series_uid))
    assert isinstance(straight, Volume)
    assert not straight.reconstructed
    assert straight.slice_thickness == pytest.approx(light_specs["ct"].slice_thickness)
