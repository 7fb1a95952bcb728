"""Resolution-progressive JPEG 2000 / HTJ2K: a reduced level first, then the full volume."""

from __future__ import annotations

from pathlib import Path

import imagecodecs
import numpy as np
import pytest

from phantoms import series as S
from viewer.dicom.codecs import FrameReader
from viewer.dicom.incremental import IncrementalVolume
from viewer.dicom.progressive import (
    HTJ2K_SYNTAXES,
    Pace,
    decode_reduced,
    reduced_shape,
    supports_reduced,
)
from viewer.dicom.scan import scan
from viewer.dicom.volume import Volume, load_series

HTJ2K_LOSSLESS = "1.2.840.10008.1.2.4.201"
J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"


def _series(folder: Path, syntax: str, n: int = 9, matrix: int = 64) -> list[Path]:
    study = S.StudySpec(S.PatientSpec(), key="prog")
    spec = S.ct_chest(
        study, n_slices=n, spacing=2.5, matrix=matrix, pixel=3.0, transfer_syntax=syntax
    )
    return [Path(p) for p in S.write_series(spec, str(folder), workers=1)]


def _load(files: list[Path]) -> Volume:
    (series,) = scan(files).all_series()
    vol = load_series(series)
    assert isinstance(vol, Volume)
    return vol


def test_htj2k_phantom_is_lossless(tmp_path: Path) -> None:
    plain = _load(_series(tmp_path / "raw", "explicit"))
    files = _series(tmp_path / "ht", "htj2k")
    (series,) = scan(files).all_series()
    inst = series.frames[0].instance
    assert inst.transfer_syntax_uid == HTJ2K_LOSSLESS
    data = FrameReader(inst).codestream(0)
    assert data[:2] == b"\xff\x4f" and b"\xff\x50" in data[:200]  # a codestream with CAP (HT)
    ht = _load(files)
    assert np.array_equal(ht.array, plain.array)  # decoded == the original voxels


@pytest.mark.parametrize("syntax", ["j2k", "htj2k"])
def test_reduced_level_zero_is_the_full_decode(tmp_path: Path, syntax: str) -> None:
    files = _series(tmp_path, syntax, n=3)
    (series,) = scan(files).all_series()
    inst = series.frames[1].instance
    reader = FrameReader(inst)
    data = reader.codestream(0)
    full = reader.frame(0)
    assert np.array_equal(decode_reduced(data, inst.transfer_syntax_uid, 0), full)
    for level in (1, 2, 3):
        small = decode_reduced(data, inst.transfer_syntax_uid, level, 12)
        assert small.shape == reduced_shape(64, 64, level) == (64 >> level, 64 >> level)
        assert small.max() <= 4095  # clamped to the stored range, never wrapped


def test_reduced_shape_rounds_up() -> None:
    assert reduced_shape(512, 511, 2) == (128, 128)
    assert reduced_shape(5, 3, 1) == (3, 2)
    assert supports_reduced(J2K_LOSSLESS) and supports_reduced(HTJ2K_LOSSLESS)
    assert not supports_reduced("1.2.840.10008.1.2.1")
    assert HTJ2K_LOSSLESS in HTJ2K_SYNTAXES


def test_openjpeg_reduced_clamps_an_undershoot() -> None:
    img = np.zeros((64, 64), np.uint16)
    img[np.random.default_rng(0).random((64, 64)) < 0.1] = 4095  # the low-pass undershoots 0
    data = imagecodecs.jpeg2k_encode(img, level=0, reversible=True, codecformat="j2k")
    for level in (1, 2):
        small = decode_reduced(bytes(data), J2K_LOSSLESS, level, 12)
        assert small.dtype == np.uint16 and small.max() <= 4095
        assert (small == 0).any()  # (there was an undershoot to clamp)


@pytest.mark.parametrize("syntax", ["j2k", "htj2k"])
@pytest.mark.parametrize("level", [1, 2])
def test_reduced_volume_first_then_the_full_one(tmp_path: Path, syntax: str, level: int) -> None:
    files = _series(tmp_path, syntax)
    ref = _load(files)
    seen: list[Volume] = []
    # (a full volume never counts as soon: the reduced levels are decoded whenever behind)
    kw = {"level": level, "on_reduced": seen.append, "full_within_s": 0.0}
    with IncrementalVolume(len(files), **kw) as asm:  # type: ignore[arg-type]
        for path in files[::-1]:
            asm.add(path)
        small = asm.reduced_volume(timeout=60)
        vol = asm.volume(timeout=60)
    assert small is not None and seen == [small]
    assert isinstance(vol, Volume)
    f = 1 << level
    assert small.reduced_level == level and vol.reduced_level == 0
    assert small.shape == (len(files), 64 // f, 64 // f)
    assert small.spacing == pytest.approx((3.0 * f, 3.0 * f, 2.5))
    assert np.allclose(small.origin, ref.origin) and np.allclose(small.direction, ref.direction)
    # the same anatomy in HU: close to the full volume sampled on the reduced grid
    sub = ref.array[:, ::f, ::f].astype(float)
    assert np.corrcoef(sub.ravel(), small.array.ravel().astype(float))[0, 1] > 0.9
    # the refined volume is exactly the full decode
    assert np.array_equal(vol.array, ref.array) and vol.spacing == ref.spacing


def test_no_reduced_volume_for_uncompressed(tmp_path: Path) -> None:
    files = _series(tmp_path, "explicit", n=4)
    with IncrementalVolume(len(files)) as asm:
        for f in files:
            asm.add(f)
        assert asm.reduced_volume(timeout=60) is None
        assert isinstance(asm.volume(timeout=60), Volume)


def test_reduced_levels_are_decoded_only_while_the_decoders_fall_behind(
    tmp_path: Path, monkeypatch
) -> None:
    """On a slow link (each image decoded before the next arrives) every image is decoded once,
    at full resolution, its reduced slice sampled from it; when images arrive faster than they
    are decoded, the reduced levels come first (MPR usable early) and the full ones behind."""
    import time

    from viewer.dicom import incremental

    files = _series(tmp_path, "j2k", n=12)
    ref = _load(files)
    calls: list[int] = []
    real = incremental.decode_reduced

    def counted(*a, **k):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(incremental, "decode_reduced", counted)
    with IncrementalVolume(len(files), workers=2) as slow:
        for path in files:
            slow.add(path)
            deadline = time.monotonic() + 30
            while slow.decoded < files.index(path) + 1 and time.monotonic() < deadline:
                time.sleep(0.005)
        small = slow.reduced_volume(timeout=60)
        vol = slow.volume(timeout=60)
    assert calls == []  # never decoded twice
    assert small is not None and small.reduced_level == 2
    assert np.array_equal(small.array, ref.array[:, ::4, ::4])  # sampled from the full images
    assert isinstance(vol, Volume) and np.array_equal(vol.array, ref.array)
    # all at once: the decoders fall behind (any wait counts as behind with catch_up_s=0)
    with IncrementalVolume(len(files), workers=2, catch_up_s=0.0, full_within_s=0.0) as fast:
        for path in files:
            fast.add(path)
        assert fast.reduced_volume(timeout=60) is not None
        assert np.array_equal(fast.volume(timeout=60).array, ref.array)  # type: ignore[union-attr]
    assert len(calls) >= len(files) // 2
    calls.clear()  # all at once, but a wait the decoders clear at once is not falling behind
    with IncrementalVolume(len(files), workers=2, catch_up_s=1e9) as quick:
        for path in files:
            quick.add(path)
        assert quick.reduced_volume(timeout=60) is not None
        assert np.array_equal(quick.volume(timeout=60).array, ref.array)  # type: ignore[union-attr]
    assert calls == []
    # behind, but the full volume predicted within full_within_s: no reduced pass either
    with IncrementalVolume(len(files), workers=2, catch_up_s=0.0, full_within_s=1e9) as soon:
        for path in files:
            soon.add(path)
        assert soon.reduced_volume(timeout=60) is not None  # sampled from the full images
        assert np.array_equal(soon.volume(timeout=60).array, ref.array)  # type: ignore[union-attr]
    assert calls == []


def test_pace_skips_the_reduced_pass_when_the_full_volume_comes_soon() -> None:
    """The rule on a clock of its own: 2 workers, images arriving every 10 ms, full decodes of
    20 ms; 100 images announced."""
    clock = [100.0]
    pace = Pace(workers=2, catch_up_s=0.05, full_within_s=1.5, clock=lambda: clock[0])
    assert not pace.reduce(waiting=50, expected=100, decoded=0)  # no decode timed yet
    clock[0] += 0.2  # request and first answer
    pace.arrived()
    clock[0] += 0.01
    pace.arrived()
    pace.decoded(0.02)
    # keeping up: 4 waiting x 20 ms / 2 workers = 40 ms <= catch_up_s
    assert not pace.reduce(waiting=4, expected=100, decoded=1)
    # behind (6 waiting: 60 ms); the last image in at 0.21 + 98 x 10 ms = 1.19 s, by when
    # 98 decodes are done (2 workers, 20 ms each), the last at 1.2 s <= 1.5 s: decoded in full
    assert pace.full_soon(100, 1) and not pace.reduce(waiting=6, expected=100, decoded=1)
    # a slower link (arrivals 30 ms apart): 0.23 + 98 x 30 ms ... > 1.5 s: reduced first
    clock[0] += 0.02
    assert not pace.full_soon(100, 1) and pace.reduce(waiting=6, expected=100, decoded=1)
    # a slower decoder (40 ms a decode): 98 ms of arrivals, then 94 decodes left x 40 ms / 2
    # = 1.98 s: reduced first
    slow = Pace(workers=2, catch_up_s=0.05, full_within_s=1.5, clock=lambda: clock[0])
    slow.arrived()
    clock[0] += 0.001
    slow.arrived()
    slow.decoded(0.04)
    assert not slow.full_soon(100, 1) and slow.reduce(waiting=6, expected=100, decoded=1)
    # the same with more time allowed: soon enough
    slow.full_within_s = 2.5
    assert slow.full_soon(100, 1) and not slow.reduce(waiting=6, expected=100, decoded=1)
    assert not slow.full_soon(None, 1)  # no count announced: nothing to predict from
    # decodes of 40 ms wall but 10 ms CPU (the cores shared with receiving while images arrive):
    # 490 ms of arrivals (24 decodes done meanwhile), then 75 left at 10 ms / 2 = 0.37 s: soon
    shared = Pace(workers=2, catch_up_s=0.05, full_within_s=1.5, clock=lambda: clock[0])
    shared.arrived()
    clock[0] += 0.005
    shared.arrived()
    shared.decoded(0.04, 0.01)
    assert shared.full_soon(100, 1)
    # no CPU time known
    wall_only = Pace(workers=2, catch_up_s=0.05, full_within_s=1.5, clock=lambda: clock[0])
    wall_only.arrived()
    clock[0] += 0.005
    wall_only.arrived()
    wall_only.decoded(0.04)
    assert not wall_only.full_soon(100, 1)  # 0.49 s + 75 x 40 ms / 2 = 1.98 s
