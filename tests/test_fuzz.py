"""Bad input never crashes or hangs the reader: it is reported with its path and a reason.

1,200 files are mutated from valid objects in several transfer syntaxes (truncation, random
bytes, absurd header values, wrong transfer syntax, corrupted compressed streams) and each is
scanned and loaded on its own; then a series with bad files among good ones still loads.
"""

from __future__ import annotations

import shutil
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
