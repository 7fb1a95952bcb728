"""Hostile and broken media: bounded memory and time, nothing silent, the good series opens.

Every case of :mod:`tests.hostile_corpus` lies beside a good 16-slice CT; each is scanned,
thumbnailed and loaded as the application does, under a deadline: the good series must load
whole and each bad file must be reported with its reason (or shown). The whole corpus is also
opened in a fresh interpreter whose peak memory above its own baseline is measured with psutil.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.hostile_corpus import CASE_NAMES, Case, build, good_spec
from tests.hostile_open import open_all, unmet
from viewer.dicom import codecs
from viewer.dicom.limits import MiB, restore_limits, set_limits
from viewer.dicom.scan import scan
from viewer.dicom.sources import close_archives
from viewer.dicom.thumbs import thumbnail
from viewer.dicom.volume import LoadError, Volume, load_series

ROOT = Path(__file__).resolve().parent.parent
MAX_EXTRA_RSS = 300 * MiB


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Case]]:
    root = tmp_path_factory.mktemp("hostile")
    good, cases = build(root)
    assert [c.name for c in cases] == CASE_NAMES
    return good, {c.name: c for c in cases}


@pytest.mark.timeout(60)  # a hang (a FIFO read, a bomb inflated whole) fails the case
@pytest.mark.parametrize("name", CASE_NAMES)
def test_each_case_is_reported_and_the_good_series_opens(
    corpus: tuple[Path, dict[str, Case]], name: str
) -> None:
    codecs.FAILED_FRAMES.clear()
    _good, cases = corpus
    case = cases[name]
    out = open_all(case.target, good_spec().series_uid)
    close_archives()
    assert isinstance(out.good, Volume), f"the good series did not open beside {name}"
    assert out.good.shape == (16, 64, 64)
    assert not out.good.problems
    assert unmet(case, out) == []


_MEMORY_SCRIPT = r"""
import json, resource, sys, threading, time
import psutil
from pathlib import Path
from tests.hostile_corpus import good_spec
from tests.hostile_open import open_all
from viewer.dicom.scan import scan
from viewer.dicom.thumbs import thumbnail
from viewer.dicom.volume import load_series, LoadError

proc = psutil.Process()
base = proc.memory_info().rss
peak = [base]
done = threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], proc.memory_info().rss)
        time.sleep(0.005)
threading.Thread(target=sample, daemon=True).start()
t = time.perf_counter()
for target in sys.argv[1:]:
    open_all(Path(target), good_spec().series_uid)
done.set()
peak[0] = max(peak[0], proc.memory_info().rss)
try:  # this process image's own peak (ru_maxrss would carry the parent's over fork + exec)
    maxrss = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
    maxrss *= 1024
except (OSError, StopIteration):
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"base": base, "peak": max(peak[0], maxrss), "sampled": peak[0],
                  "seconds": time.perf_counter() - t}))
"""


@pytest.mark.timeout(240)
def test_whole_corpus_stays_within_memory_and_time(corpus: tuple[Path, dict[str, Case]]) -> None:
    _good, cases = corpus
    targets = [str(c.target) for c in cases.values()]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, *targets],
        capture_output=True,
        text=True,
        timeout=200,
        cwd=ROOT,
        env=env,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    m = json.loads(run.stdout.strip().splitlines()[-1])
    extra = m["peak"] - m["base"]
    print(f"whole corpus: {extra / MiB:.0f} MiB above the baseline, {m['seconds']:.1f} s")
    assert extra <= MAX_EXTRA_RSS, f"peak {extra / MiB:.0f} MiB above the baseline"


def test_deflated_series_loads_like_the_plain_one(tmp_path: Path, corpus) -> None:
    good, _ = corpus
    out = tmp_path / "deflated"
    out.mkdir()
    for f in sorted(good.glob("*.dcm")):
        ds = pydicom.dcmread(f)
        ds.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
        ds.save_as(out / f.name, enforce_file_format=True)
    (a,) = scan(good).all_series()
    (b,) = scan(out).all_series()
    va, vb = load_series(a), load_series(b)
    assert isinstance(va, Volume) and isinstance(vb, Volume)
    np.testing.assert_array_equal(va.array, vb.array)
    assert thumbnail(b) is not None


def test_zip_member_is_inflated_once_for_all_its_frames(
    tmp_path: Path, corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, _ = corpus
    ds = pydicom.dcmread(sorted(good.glob("*.dcm"))[0])
    n = 8
    ds.NumberOfFrames = n
    ds.PixelData = ds.PixelData * n
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = pydicom.uid.UID(
        "1.2.840.10008.5.1.4.1.1.7.2"
    )
    bio = tmp_path / "mf.dcm"
    ds.save_as(bio, enforce_file_format=True)
    archive = tmp_path / "mf.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(bio, "MF0001")
    (series,) = scan(archive).all_series()
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def counting_open(self: zipfile.ZipFile, name, *args, **kwargs):
        opened.append(str(name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", counting_open)
    img = load_series(series, workers=2)
    assert len(opened) == 1, opened  # not once per frame
    assert not img.problems
    close_archives()


def test_no_codec_is_tried_twice_on_a_frame(corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    _good, cases = corpus
    corrupt = cases["fuzz_classes"].target / "j2k-corrupt.dcm"
    codecs.FAILED_FRAMES.clear()
    calls: list[int] = []
    fast = codecs._FAST_COMPRESSED[codecs.JPEG2000_LOSSLESS]

    def counting(data: bytes, px):
        calls.append(len(data))
        return fast(data, px)

    def no_pydicom(*_a, **_k):
        calls.append(-1)
        raise AssertionError("pydicom fallback after the fast codec failed")

    monkeypatch.setitem(codecs._FAST_COMPRESSED, codecs.JPEG2000_LOSSLESS, counting)
    monkeypatch.setattr("pydicom.pixels.pixel_array", no_pydicom)
    (series,) = scan(corrupt).all_series()
    assert thumbnail(series) is None
    with pytest.raises(LoadError) as err:
        load_series(series)
    assert err.value.problems and err.value.problems[0].reason
    assert calls == [calls[0]]  # one decoder, once, for the thumbnail and the load together


def test_limits_are_configurable_and_refuse_before_allocating(corpus) -> None:
    good, _ = corpus
    old = set_limits(max_frame_bytes=4096)
    try:
        res = scan(good)
        assert not res.all_series()
        assert all("4.0 KiB allowed" in p.reason for p in res.problems), res.problems[:2]
    finally:
        restore_limits(old)
    (series,) = scan(good).all_series()
    old = set_limits(max_series_bytes=100_000)  # the series needs 16 × 8 KiB
    try:
        with pytest.raises(LoadError, match="allowed"):
            load_series(series)
    finally:
        restore_limits(old)


def test_thumbnail_never_copies_a_large_frame_to_float(tmp_path: Path, corpus) -> None:
    """A 4096² 16-bit frame (32 MiB): the thumbnail subsamples before converting, so the
    memory it allocates stays near the frame's own bytes (a float32 copy alone is 64 MiB)."""
    import tracemalloc

    good, _ = corpus
    ds = pydicom.dcmread(sorted(good.glob("*.dcm"))[0])
    ds.Rows = ds.Columns = 4096
    ds.BitsStored, ds.HighBit = 16, 15
    ds.PixelData = np.random.default_rng(1).integers(0, 4000, (4096, 4096), np.uint16).tobytes()
    ds.save_as(tmp_path / "big.dcm", enforce_file_format=True)
    del ds
    (series,) = scan(tmp_path / "big.dcm").all_series()
    tracemalloc.start()
    try:
        thumb = thumbnail(series)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert thumb is not None and 64 <= max(thumb.shape) <= 80 and thumb.dtype == np.uint8
    assert thumb.std() > 10  # a real picture, windowed
    assert peak < 48 * MiB, f"{peak / MiB:.0f} MiB allocated for a 32 MiB frame"
