"""Decode while receiving: a volume assembled instance by instance equals ``load_series``."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from phantoms import series as S
from viewer.dicom.incremental import IncrementalVolume
from viewer.dicom.model import InstanceInfo
from viewer.dicom.scan import scan
from viewer.dicom.volume import Volume, load_series, permute_slices


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

        def first(
            a: np.ndarray, inst: InstanceInfo, seen: list[tuple[np.ndarray, str]] = firsts
        ) -> None:
            seen.append((a, inst.sop_instance_uid))

        with IncrementalVolume(len(files), on_first=first) as asm:
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
        uid = scan(files[0]).all_series()[0].series_uid
        asm.attach(uid, {uid: 4})  # one fewer than arrives
        for f in files:
            asm.offer(asm.series_uid or "", f)
        asm.offer("1.2.3.other", tmp_path / "nothing.dcm")  # not this series: not taken
        vol = asm.volume(timeout=60)
    assert isinstance(vol, Volume)
    _same(vol, _reference(files))


def test_an_unreadable_arrival_falls_back_to_load_series(tmp_path: Path) -> None:
    files = _ct(tmp_path / "a", "j2k", n=5)
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"not DICOM at all" * 10)
    with IncrementalVolume(len(files) + 1) as asm:
        for f in [files[2], junk, *files[:2], *files[3:]]:
            asm.add(f)
        vol = asm.volume(timeout=60)
    assert isinstance(vol, Volume)
    _same(vol, _reference(files))
    assert any("junk.dcm" in p.where for p in asm.problems)


def test_permute_in_place() -> None:
    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 30):
        arr = rng.integers(0, 100, (n, 2, 2))
        order = list(rng.permutation(n))
        want = arr[order].copy()
        permute_slices(arr, order)
        assert np.array_equal(arr, want)


def test_retrieval_builds_the_volume_while_receiving(cloud_service, devcloud, tmp_path) -> None:
    """Through a real devcloud (TLS, gateway, Orthanc): the Retriever hands each stored image
    to the assembler as it lands; the volume is the one the stored files give, and the stored
    bytes are the archive's."""
    import dataclasses
    from urllib.parse import urlsplit

    from bench.shaper import Shaper
    from cloudclient.retrieve import Retriever
    from cloudclient.store import InstanceStore
    from tests.test_cloudclient import assert_store_sound, source_bytes

    svc = cloud_service
    rec_json = next(r for r in devcloud.records if r["modality"] == "CT\\PT")
    tok, (rec,) = svc.open_code(rec_json["code"])
    store = InstanceStore(tmp_path / "cache")
    # a link on which the study takes about a second, so that arrivals are spread out
    root = urlsplit(rec.dicomweb_root)
    mbit = max(8.0, rec.size_bytes * 8 / 1e6)
    link = Shaper((root.hostname or "127.0.0.1", root.port or 443), mbit, 0.005).start()
    rec = dataclasses.replace(
        rec, dicomweb_root=root._replace(netloc=f"{root.hostname}:{link.port}").geturl()
    )
    with link, IncrementalVolume() as asm:
        decoded_at_arrival: list[int] = []

        def on_instance(series: str, path: Path) -> None:
            decoded_at_arrival.append(asm.decoded)
            asm.offer(series, path)

        res = Retriever(store, tok, verify=svc.config.verify).fetch(
            rec, on_series=asm.attach, on_instance=on_instance
        )
        vol = asm.volume(timeout=120)
    assert asm.series_uid is not None and asm.expected is not None
    assert len(decoded_at_arrival) == rec.instance_count  # every image, of every series
    assert max(decoded_at_arrival) > 0, (
        asm._fallback,
        rec.size_bytes,
    )  # decoding had begun before the last image was stored
    sources = source_bytes(rec.study_uid)
    assert assert_store_sound(store.root, sources) == len(sources)  # byte for byte
    stored = sorted((res.folder / asm.series_uid).glob("*.dcm"))
    assert len(stored) == asm.expected
    assert isinstance(vol, Volume)
    _same(vol, _reference(stored))
    # a study already stored (a resumed transfer): each stored image is handed over too
    with IncrementalVolume() as again:
        Retriever(store, tok, verify=svc.config.verify).fetch(
            rec, on_series=again.attach, on_instance=again.offer
        )
        vol2 = again.volume(timeout=120)
    assert isinstance(vol2, Volume)
    _same(vol2, vol)


def test_integer_rescale_in_place_is_exact() -> None:
    """The one-pass rescale (a stored 12-bit CT read as int16 + intercept) gives exactly what
    wide integer arithmetic gives, at the edges of the range too."""
    from viewer.dicom.volume import _apply_integer_rescale

    rng = np.random.default_rng(5)
    for dtype, slope, intercept, top in (
        (np.uint16, 1, -1024, 4095),
        (np.uint16, 1, -32768, 65535),  # raw values beyond int16: the wide path
        (np.int16, 1, 1000, 30000),
        (np.uint16, 2, -1024, 4095),
    ):
        raw = rng.integers(0, top + 1, (4, 8, 8)).astype(dtype)
        raw[0, 0, 0], raw[0, 0, 1] = 0, top
        want = raw.astype(np.int64) * slope + intercept
        got = _apply_integer_rescale(raw.copy(), slope, intercept)
        assert got.dtype.kind == "i" or got.min() >= 0
        assert np.array_equal(got.astype(np.int64), want)


@pytest.mark.parametrize("signed", [False, True])
def test_uncompressed_frames_read_straight_in_clear_unused_bits(
    tmp_path: Path, signed: bool
) -> None:
    """load_series reads uncompressed frames straight into the volume: the same values as
    pydicom's decoder, with garbage in the unused high bits cleared (or sign-extended)."""
    import pydicom

    files = _ct(tmp_path / "src", "explicit", n=4)
    rng = np.random.default_rng(7)
    out_files = []
    for k, f in enumerate(files):
        ds = pydicom.dcmread(f)
        values = rng.integers(0, 1 << 12, (ds.Rows, ds.Columns)).astype(np.uint16)
        values |= rng.integers(0, 16, values.shape).astype(np.uint16) << 12  # garbage bits
        if signed:
            ds.PixelRepresentation = 1
            values = values.view(np.int16)
        ds.PixelData = values.tobytes()
        out = tmp_path / f"{k}.dcm"
        ds.save_as(out, enforce_file_format=True)
        out_files.append(out)
    vol = _reference(out_files)
    from viewer.dicom.direct import read_native_into

    buf = np.empty(vol.shape[1:], np.int16 if signed else np.uint16)
    assert read_native_into(buf, vol.slice_sources[0])  # (the direct path is the one taken)
    for k, fr in enumerate(vol.slice_sources):
        ds = pydicom.dcmread(fr.instance.ref.path)
        want = ds.pixel_array.astype(np.int64) * int(ds.RescaleSlope) + int(ds.RescaleIntercept)
        assert np.array_equal(vol.array[k].astype(np.int64), want)
