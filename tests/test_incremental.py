"""Decode while receiving: a volume assembled instance by instance equals ``load_series``."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from phantoms import series as S
from viewer.dicom.incremental import IncrementalVolume, _permute
from viewer.dicom.scan import scan
from viewer.dicom.volume import Volume, load_series


def _ct(folder: Path, syntax: str, n: int = 11) -> list[Path]:
    study = S.StudySpec(S.PatientSpec(), key="inc")
    spec = S.ct_chest(study, n_slices=n, spacing=2.5, matrix=64, pixel=3.0, transfer_syntax=syntax)
    return [Path(p) for p in S.write_series(spec, str(folder), workers=1)]


def _reference(files: list[Path]) -> Volume:
    (series,) = scan(files).all_series()
    vol = load_series(series)
    assert isinstance(vol, Volume)
    return vol


def _same(a: Volume, b: Volume) -> None:
    assert a.array.dtype == b.array.dtype
    assert np.array_equal(a.array, b.array)
    assert np.allclose(a.origin, b.origin)
    assert np.allclose(a.direction, b.direction)
    assert a.spacing == pytest.approx(b.spacing)
    assert a.window == b.window and a.modality == b.modality
    assert [str(f.instance.ref) for f in a.slice_sources] == [
        str(f.instance.ref) for f in b.slice_sources
    ]


@pytest.mark.parametrize("syntax", ["explicit", "j2k", "htj2k"])
def test_any_arrival_order_gives_the_load_series_volume(tmp_path: Path, syntax: str) -> None:
    files = _ct(tmp_path, syntax)
    ref = _reference(files)
    for seed in (0, 1, 2):
        order = list(files)
        random.Random(seed).shuffle(order)
        firsts: list[tuple[np.ndarray, str]] = []
        with IncrementalVolume(
            len(files), on_first=lambda a, inst: firsts.append((a, inst.sop_instance_uid))
        ) as asm:
            for f in order:
                asm.add(f)
            vol = asm.volume(timeout=60)
            assert isinstance(vol, Volume)
            _same(vol, ref)
            assert vol.reduced_level == 0
            # the first file to arrive was shown first, at full resolution and in HU
            ((shown, sop),) = firsts
            k = next(
                i for i, fr in enumerate(ref.slice_sources) if fr.instance.ref.path == str(order[0])
            )
            assert sop == ref.slice_sources[k].instance.sop_instance_uid
            assert np.array_equal(shown, ref.array[k])


def test_announced_count_unknown_until_the_end(tmp_path: Path) -> None:
    files = _ct(tmp_path, "explicit", n=5)
    with IncrementalVolume() as asm:
        for f in reversed(files):
            asm.add(f)
        asm.finish()
        vol = asm.volume(timeout=60)
    assert isinstance(vol, Volume)
    _same(vol, _reference(files))


def test_other_series_and_surplus_fall_back_to_load_series(tmp_path: Path) -> None:
    files = _ct(tmp_path / "a", "explicit", n=5)
    with IncrementalVolume() as asm:
        asm.attach(scan(files[0]).all_series()[0].series_uid, 4)  # one fewer than arrives
        for f in files:
            asm.offer(asm.series_uid or "", f)
        asm.offer("1.2.3.other", tmp_path / "nothing.dcm")  # not this series: not taken
        vol = asm.volume(timeout=60)
    assert isinstance(vol, Volume)
    _same(vol, _reference(files))


def test_permute_in_place() -> None:
    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 30):
        arr = rng.integers(0, 100, (n, 2, 2))
        order = list(rng.permutation(n))
        want = arr[order].copy()
        _permute(arr, order)
        assert np.array_equal(arr, want)
