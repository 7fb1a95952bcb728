"""Frames at one position are split into labelled volumes, not dropped as duplicates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phantoms import multi
from viewer.dicom.scan import scan
from viewer.dicom.volume import Volume, load_series


def _load(folder: Path, progress: list[tuple[int, int]] | None = None) -> Volume:
    res = scan(folder)
    assert not res.problems, res.problems
    (series,) = res.all_series()
    vol = load_series(
        series, progress=None if progress is None else lambda d, t: progress.append((d, t))
    )
    assert isinstance(vol, Volume)
    return vol


def _assert_voxels(vols: list[Volume]) -> None:
    for v, vol in enumerate(vols):
        assert vol.shape == (multi.SLICES, multi.SIZE, multi.SIZE)
        assert not any("duplicate" in w for w in vol.warnings), vol.warnings
        for k in range(multi.SLICES):
            np.testing.assert_array_equal(vol.array[k], multi.value(v, k))
            # slice k lies where the generator put it
            z = vol.index_to_patient((0, 0, k))[2]
            assert z == pytest.approx(-20.0 + 5.0 * k)
        assert vol.subvolumes is vols


def test_multi_echo_is_one_volume_per_echo(tmp_path: Path) -> None:
    multi.multi_echo_mr(str(tmp_path))
    progress: list[tuple[int, int]] = []
    vol = _load(tmp_path, progress)
    assert [v.label for v in vol.subvolumes] == [
        "Echo 1 (TE 10 ms)",
        "Echo 2 (TE 30 ms)",
        "Echo 3 (TE 60 ms)",
    ]
    assert vol.label == "Echo 1 (TE 10 ms)"
    assert vol.sibling(1).label == "Echo 2 (TE 30 ms)"
    assert vol.sibling(-1).label == "Echo 3 (TE 60 ms)"
    assert vol.sibling(3) is vol
    _assert_voxels(vol.subvolumes)
    # one progress count over all echoes, ending at every frame decoded
    assert progress[-1] == (15, 15)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)


def test_diffusion_is_split_by_b_value_and_direction(tmp_path: Path) -> None:
    multi.diffusion_mr(str(tmp_path))
    vol = _load(tmp_path)
    labels = [v.label for v in vol.subvolumes]
    assert len(labels) == len(multi.diffusion_volumes()) == 10
    assert labels[0] == "b = 0 s/mm²"
    assert labels[1] == "b = 500 s/mm² (1.00, 0.00, 0.00)"
    assert labels[6] == "b = 1000 s/mm² (0.00, 0.00, 1.00)"
    assert {lbl.split(" s/mm²")[0] for lbl in labels} == {
        "b = 0",
        "b = 500",
        "b = 1000",
        "b = 2000",
    }
    _assert_voxels(vol.subvolumes)


@pytest.mark.parametrize("semantic", [True, False], ids=["temporal-attributes", "index-only"])
def test_enhanced_multiframe_is_split_by_its_dimension_index(
    tmp_path: Path, semantic: bool
) -> None:
    multi.enhanced_dynamic_mr(str(tmp_path), semantic=semantic)
    vol = _load(tmp_path)
    labels = [v.label for v in vol.subvolumes]
    if semantic:
        assert labels == ["Phase 1 (t = 0.0 s)", "Phase 2 (t = 4.0 s)", "Phase 3 (t = 8.0 s)"]
    else:
        assert labels == ["Phase 1", "Phase 2", "Phase 3"]
    _assert_voxels(vol.subvolumes)


def test_a_plain_series_has_no_sub_volumes(tmp_path: Path) -> None:
    from phantoms.pet import PetCase, write_case

    write_case(PetCase("plain"), str(tmp_path))
    vol = _load(tmp_path)
    assert vol.subvolumes == [] and vol.label == "" and vol.sibling(1) is vol


def test_true_duplicates_are_still_left_out_not_split(tmp_path: Path) -> None:
    import pydicom

    multi.multi_echo_mr(str(tmp_path))
    for f in tmp_path.glob("*.dcm"):
        ds = pydicom.dcmread(f)
        del ds.EchoNumbers, ds.EchoTime
        ds.TriggerTime = ds.ImagePositionPatient[2]  # varies per slice, not per volume
        ds.save_as(f, enforce_file_format=True)
    vol = _load(tmp_path)
    assert vol.subvolumes == [] and vol.shape[0] == multi.SLICES
    assert any("duplicates" in w for w in vol.warnings), vol.warnings


def test_a_sub_volume_is_swapped_in_only_on_the_same_grid() -> None:
    """The MPR layout's views read one shared image: a sibling volume takes its memory only
    when it lies on the same grid — same voxels, spacing, and place in the patient."""
    import dataclasses

    from viewer.render.overlay import share_volume, swap_volume

    base = Volume(np.zeros((4, 5, 6), np.int16), np.zeros(3), (1.0, 1.0, 2.0), np.eye(3), "MR")
    data, _keep = share_volume(base)
    twin = dataclasses.replace(base, array=np.ones((4, 5, 6), np.int16))
    swap_volume(data, twin, base)
    assert data.GetPointData().GetScalars().GetValue(0) == 1
    moved = dataclasses.replace(twin, origin=np.array([0.0, 0.0, 10.0]))
    turned = dataclasses.replace(twin, direction=np.array([[0.0, 1, 0], [1, 0, 0], [0, 0, 1]]))
    finer = dataclasses.replace(twin, spacing=(0.5, 1.0, 2.0))
    for other in (moved, turned, finer):
        with pytest.raises(ValueError, match="another grid"):
            swap_volume(data, other, base)
