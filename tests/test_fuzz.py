"""Bad input never crashes or hangs the reader: it is reported with its path and a reason.

1,200 files are mutated from valid objects in several transfer syntaxes (truncation, random
bytes, absurd header values, wrong transfer syntax, corrupted compressed streams) and each is
scanned and loaded on its own; then a series with bad files among good ones still loads.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
import pydicom
import pytest

from phantoms import series as S
from tests.conftest import corpus_file
from tests.helpers import small_ct
from viewer.dicom.scan import scan
from viewer.dicom.volume import LoadError, Volume, load_series

N_PER_SEED = 100


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("seeds")
    out = []
    for ts in ("explicit", "j2k", "rle", "jpegls", "htj2k"):
        spec = small_ct(
            f"fuzz-{ts}", matrix=48, pixel=7.0, n_slices=3, noise=True, transfer_syntax=ts
        )
        out.append(Path(S.write_slice(spec, 1, str(folder / f"seed-{ts}.dcm"))))
    for name in (
        "MR_small.dcm",
        "CT_small.dcm",
        "SC_rgb_jpeg_dcmtk.dcm",
        "SC_rgb_rle.dcm",
        "MR_small_implicit.dcm",
        "emri_small_jpeg_ls_lossless.dcm",
        "JPEG2000.dcm",
    ):
        try:
            src = corpus_file(name)
        except pytest.skip.Exception:
            continue
        shutil.copy(src, folder / name)
        out.append(folder / name)
    return out


def _header_edit(data: bytes, rng: np.random.Generator) -> bytes | None:
    import io

    try:
        ds = pydicom.dcmread(io.BytesIO(data))
    except Exception:
        return None
    choice = rng.integers(0, 9)
    if choice == 0:
        ds.Rows = int(rng.choice([0, 1, 7, 65535]))
    elif choice == 1:
        ds.Columns = int(rng.choice([0, 3, 65535]))
    elif choice == 2:
        ds.NumberOfFrames = int(rng.choice([0, 2, 1000, 99999999]))
    elif choice == 3:
        ds.BitsAllocated = int(rng.choice([0, 7, 12, 64]))
    elif choice == 4:
        ds.BitsStored = int(rng.choice([0, 17, 40]))
    elif choice == 5:
        ds.SamplesPerPixel = int(rng.choice([0, 2, 3, 9]))
    elif choice == 6:
        ds.file_meta.TransferSyntaxUID = str(
            rng.choice(
                [
                    "1.2.840.10008.1.2.1",
                    "1.2.840.10008.1.2.4.90",
                    "1.2.840.10008.1.2.5",
                    "1.2.840.10008.1.2.4.80",
                    "1.2.840.10008.1.2.2",
                    "1.2.3.4",
                ]
            )
        )
    elif choice == 7:
        ds.ImageOrientationPatient = [float(v) for v in rng.normal(0, 5, 6)]
    else:
        # non-numeric positions, written under a VR that lets the bad text through
        ds.add_new(0x00200032, "LO", "\\".join(["nan", "1e400", "x"][: int(rng.integers(1, 4))]))
    bio = io.BytesIO()
    try:
        ds.save_as(bio, enforce_file_format=False)
    except Exception:
        return None
    return bio.getvalue()


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    kind = rng.integers(0, 8)
    b = bytearray(data)
    if kind == 0:  # truncate
        return bytes(b[: int(rng.integers(0, len(b)))])
    if kind == 1:  # scattered byte flips anywhere
        for _ in range(int(rng.integers(1, 40))):
            b[int(rng.integers(0, len(b)))] = int(rng.integers(0, 256))
        return bytes(b)
    if kind == 2:  # byte flips in the header
        for _ in range(int(rng.integers(1, 12))):
            b[int(rng.integers(128, min(len(b), 1400)))] = int(rng.integers(0, 256))
        return bytes(b)
    if kind == 3:  # absurd header values written properly
        edited = _header_edit(data, rng)
        return edited if edited is not None else bytes(b[:200])
    if kind == 4:  # empty
        return b""
    if kind == 5:  # garbage after a valid-looking preamble
        return b"\0" * 128 + b"DICM" + rng.bytes(int(rng.integers(0, 4000)))
    if kind == 6:  # corrupt the tail (pixel data / compressed stream)
        start = max(0, len(b) - int(rng.integers(16, max(17, len(b) // 2))))
        for i in range(start, len(b), int(rng.integers(1, 9))):
            b[i] = int(rng.integers(0, 256))
        return bytes(b)
    # kind 7: a block of bytes moved elsewhere (length fields become wrong)
    i, j = sorted(int(x) for x in rng.integers(132, len(b), 2))
    return bytes(b[:i] + b[j:] + b[i:j])


@pytest.mark.timeout(300)  # a hang fails the test
def test_thousand_mutated_files_are_reported_not_crashed(tmp_path: Path, seeds: list[Path]) -> None:
    rng = np.random.default_rng(20261126)
    total = loaded = reported = 0
    for seed in seeds:
        data = seed.read_bytes()
        for n in range(N_PER_SEED):
            path = tmp_path / f"{seed.stem}-{n:03d}.dcm"
            path.write_bytes(mutate(data, rng))
            total += 1
            res = scan(path)  # must never raise
            if res.problems:
                assert all(p.where == str(path) and p.reason for p in res.problems)
                reported += 1
                continue
            for series in res.all_series():
                if not series.frames:
                    continue
                try:
                    img = load_series(series, workers=1)
                except LoadError as exc:
                    assert exc.problems and all(str(path) in p.where for p in exc.problems)
                    assert all(p.reason for p in exc.problems)
                    reported += 1
                    continue
                loaded += 1
                for p in img.problems:
                    assert str(path) in p.where and p.reason
            path.unlink()
    assert total >= 1000
    # both outcomes occur: the mutations hit real failures, and harmless ones still load
    assert reported > total // 3 and loaded > 50, (reported, loaded)


@pytest.mark.parametrize("kind", ["oblique", "ct"])  # Explicit VR LE, and RLE Lossless
def test_bad_files_among_good_ones_do_not_stop_the_series(
    tmp_path: Path, light_dir: Path, kind: str
) -> None:
    src = sorted((light_dir / kind).glob("*.dcm"))
    folder = tmp_path / "mixed"
    folder.mkdir()
    for f in src:
        shutil.copy(f, folder / f.name)
    # three files in the middle of the stack, damaged in different ways
    by_pos = sorted(
        src, key=lambda f: float(pydicom.dcmread(f, stop_before_pixels=True).SliceLocation)
    )
    truncated, zeroed, garbage = by_pos[20], by_pos[30], by_pos[40]
    data = truncated.read_bytes()
    (folder / truncated.name).write_bytes(data[: len(data) - 3000])  # pixel data cut short
    (folder / zeroed.name).write_bytes(b"")
    (folder / garbage.name).write_bytes(b"not a dicom file at all" * 10)
    (folder / "absurd.dcm").write_bytes(_absurd_rows(src[0]))
    res = scan(folder)
    reasons = {Path(p.where).name: p.reason for p in res.problems}
    assert "empty" in reasons[zeroed.name]
    assert "not a DICOM" in reasons[garbage.name]
    (series, *others) = sorted(res.all_series(), key=lambda s: -len(s.frames))
    vol = load_series(series)
    assert isinstance(vol, Volume)
    reasons.update({Path(p.where).name: p.reason for p in vol.problems})
    # the header promised more pixel bytes than present: caught by the scan (native) or the
    # decoder (RLE)
    assert truncated.name in reasons
    # a file claiming 4096 rows is refused by the scan, or split off as its own display set
    assert "absurd.dcm" in reasons or any(
        s.frames[0].instance.ref.path.endswith("absurd.dcm") for s in others
    )
    assert vol.shape[0] == len(src)  # the three holes are reported and bridged on the grid
    assert any("missing" in w for w in vol.warnings)


def _absurd_rows(src: Path) -> bytes:
    import io

    ds = pydicom.dcmread(src)
    ds.Rows = 4096
    ds.SOPInstanceUID = pydicom.uid.generate_uid()
    bio = io.BytesIO()
    ds.save_as(bio, enforce_file_format=True)
    return bio.getvalue()


# --------------------------------------------------------------------------- compressed, containers


class _PeakRss:
    """Peak resident memory of this process while the block runs (sampled every 5 ms)."""

    def __enter__(self) -> _PeakRss:
        import threading

        import psutil

        self._proc = psutil.Process()
        self.base = self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            self._stop.wait(0.005)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def extra(self) -> int:
        return self.peak - self.base


def _open_everything(target: Path) -> tuple[int, int]:
    """Scan, thumbnail and load like the application; (reported, loaded). Never raises."""
    from viewer.dicom.thumbs import thumbnail

    res = scan(target)
    reported = len(res.unreadable)
    loaded = 0
    for p in res.problems:
        assert p.where and p.reason, p
    for series in res.all_series():
        if not series.frames:
            continue
        thumbnail(series)
        try:
            img = load_series(series, workers=1)
        except LoadError as exc:
            assert exc.problems and all(p.reason for p in exc.problems)
            reported += 1
            continue
        loaded += 1
        assert all(p.where and p.reason for p in img.problems)
    return reported, loaded


_SIZ = b"\xff\x4f\xff\x51"


def mutate_codestream(data: bytes, rng: np.random.Generator) -> bytes:
    """Mutations aimed at the compressed stream: declared sizes, markers, segment tables."""
    b = bytearray(data)
    pix = data.rfind(b"\xe0\x7f\x10\x00")
    start = pix + 12 if pix > 0 else len(b) // 2
    kind = int(rng.integers(0, 5))
    siz = data.find(_SIZ, start)
    sof = data.find(b"\xff\xf7", start)
    if kind == 0 and siz > 0:  # JPEG 2000 image size: huge, zero, or off by a little
        w, h = (int(rng.choice([0, 1, 47, 49, 60000, 0x7FFFFFFF])) for _ in range(2))
        struct.pack_into(">II", b, siz + 8, w, h)
    elif kind == 0 and sof > 0:  # JPEG-LS frame header
        struct.pack_into(">HH", b, sof + 5, *(int(rng.choice([0, 1, 60000, 65535])) for _ in "xy"))
    elif kind == 1:  # a declared component count or precision gone wild
        at = siz + 40 if siz > 0 else (sof + 9 if sof > 0 else start + 64)
        if at + 2 <= len(b):
            b[at] = int(rng.integers(0, 256))
            b[at + 1] = int(rng.integers(0, 256))
    elif kind == 2:  # RLE segment table / basic offset table / fragment lengths
        item = data.find(b"\xfe\xff\x00\xe0", start)
        for _ in range(int(rng.integers(1, 6))):
            at = item + 4 + int(rng.integers(0, 72)) if item > 0 else start
            if at < len(b):
                b[at] = int(rng.integers(0, 256))
    elif kind == 3:  # flips all over the codestream
        for _ in range(int(rng.integers(1, 60))):
            b[int(rng.integers(start, len(b)))] = int(rng.integers(0, 256))
    else:  # cut inside the stream
        return bytes(b[: int(rng.integers(start, len(b)))])
    return bytes(b)


@pytest.mark.timeout(120)  # a hang fails the test
def test_compressed_streams_and_containers_mutated(tmp_path: Path, seeds: list[Path]) -> None:
    import zipfile

    from viewer.dicom import codecs
    from viewer.dicom.sources import close_archives

    rng = np.random.default_rng(20261130)
    compressed = [s for s in seeds if any(k in s.name for k in ("j2k", "rle", "jpegls", "htj2k"))]
    total = reported = loaded = 0
    with _PeakRss() as mem:
        for seed in compressed:
            data = seed.read_bytes()
            for n in range(30):
                path = tmp_path / f"{seed.stem}-cs{n:03d}.dcm"
                path.write_bytes(mutate_codestream(data, rng))
                r, ok = _open_everything(path)
                total, reported, loaded = total + 1, reported + r, loaded + ok
                path.unlink()
        # zip archives of seeds, the archive bytes damaged, sizes declared huge, names escaping
        for n in range(60):
            archive = tmp_path / f"a{n:03d}.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
                for k, seed in enumerate(rng.choice(seeds, 3, replace=False)):
                    name = ["IMG", "../../x", "DIR/IMG", "a" * 200][k % 4] + f"{k}"
                    zf.write(seed, name)
            b = bytearray(archive.read_bytes())
            kind = n % 4
            if kind == 0:  # flips
                for _ in range(int(rng.integers(1, 30))):
                    b[int(rng.integers(0, len(b)))] = int(rng.integers(0, 256))
            elif kind == 1:  # truncated archive
                b = b[: int(rng.integers(4, len(b)))]
            elif kind == 2:  # central directory claims huge uncompressed sizes
                at = b.find(b"PK\x01\x02")
                while at >= 0:
                    struct.pack_into("<I", b, at + 24, int(rng.choice([0, 0xFFFFFFF0, 0x7FFFFFFF])))
                    at = b.find(b"PK\x01\x02", at + 4)
            archive.write_bytes(bytes(b))
            r, ok = _open_everything(archive)
            total, reported, loaded = total + 1, reported + r, loaded + ok
            close_archives()
        # DICOMDIRs of seeds, the DICOMDIR damaged
        from pydicom.fileset import FileSet

        medium = tmp_path / "medium"
        fs = FileSet()
        for seed in seeds[:4]:
            fs.add(str(seed))
        fs.write(str(medium))
        good_dir = (medium / "DICOMDIR").read_bytes()
        for _n in range(40):
            (medium / "DICOMDIR").write_bytes(mutate(good_dir, rng))
            r, ok = _open_everything(medium / "DICOMDIR")
            total, reported, loaded = total + 1, reported + r, loaded + ok
    codecs.FAILED_FRAMES.clear()
    assert total >= 240
    assert reported > total // 4 and loaded > 50, (total, reported, loaded)
    print(f"{total} mutated, {reported} reported, {loaded} loaded, {mem.extra / 1024**2:.0f} MiB")
    assert mem.extra < 300 * 1024**2, f"{mem.extra / 1024**2:.0f} MiB above the start"
