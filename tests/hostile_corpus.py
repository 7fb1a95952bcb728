"""A corpus of hostile and broken media, each case in its own folder beside a good series.

``build(root)`` writes every case below ``root`` and returns what the reader must say about it:
for each case, the path to open and the problems expected (where, reason, severity). The good
series (16 CT slices of 64²) is in every case folder and must always open whole.

Classes covered (issue 16): inflation bombs (deflate, zip members), declared sizes far over the
limits (header, zip member, JPEG 2000 / JPEG-LS codestreams), RLE with a broken header,
FIFOs/sockets/devices, a 100 MB file of zeros, a zip member with 1 GiB of zeros as pixel data,
truncation inside the header, a private element declaring 500 MB, NaN/inf rescale, negative
spacing, pixel data twice as long as needed, DICOMDIRs with escaping, broken and missing records
or in a subfolder, duplicate SOP Instance UIDs, zip documents (.xlsx), objects without images,
symbolic link loops, zip slip names; and the fuzz test's classes (empty, garbage, truncated
pixels, corrupt zip, absurd frame counts and sizes, corrupt codestreams).
"""

from __future__ import annotations

import copy
import io
import os
import shutil
import socket
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset

from phantoms import series as S
from tests.helpers import small_ct
from tests.hostile_bytes import (
    crc_with_zeros,
    dataset_writer,
    deflate_piece,
    deflated_file,
    raw_zip,
    zero_stream,
)

#: The cases ``build`` writes, in order.
CASE_NAMES = [
    "deflate_bomb",
    "deflate_long_pixels",
    "zip_huge_image",
    "zip_zero_member",
    "header_huge",
    "codestream_huge",
    "rle_bad_header",
    "specials",
    "zeros_100mb",
    "truncated_header",
    "private_500mb",
    "implausible",
    "duplicate_sop",
    "documents",
    "no_image",
    "zip_slip_and_corrupt",
    "fuzz_classes",
    "dicomdir_partial",
    "dicomdir_missing",
    "dicomdir_subfolder",
]
GOOD_SLICES = 16
GOOD_MATRIX = 64


@dataclass(frozen=True)
class Expect:
    """A problem the reader must report: ``where`` ends with ``where_suffix`` (or contains it),
    ``reason`` contains ``reason`` (case-insensitive)."""

    where: str
    reason: str
    severity: str = "error"


@dataclass
class Case:
    name: str
    target: Path  # what is opened (the case folder, or a DICOMDIR)
    expect: list[Expect] = field(default_factory=list)
    #: the bad files of this case (each must be reported or shown: nothing disappears)
    bad: list[Path] = field(default_factory=list)


def good_spec(ts: str = "explicit") -> S.SeriesSpec:
    return small_ct("hostile-good", matrix=GOOD_MATRIX, n_slices=GOOD_SLICES, transfer_syntax=ts)


def _other_spec(key: str, ts: str = "explicit") -> S.SeriesSpec:
    return small_ct(f"hostile-{key}", matrix=GOOD_MATRIX, n_slices=3, transfer_syntax=ts)


def _save(ds: Dataset, path: Path) -> Path:
    from pydicom import config

    old = config.settings.writing_validation_mode
    config.settings.writing_validation_mode = config.IGNORE
    try:
        ds.save_as(path, enforce_file_format=True)
    finally:
        config.settings.writing_validation_mode = old
    return path


def _slice(scratch: Path, key: str, ts: str = "explicit") -> Dataset:
    """A valid slice of its own series (``key`` seeds its UIDs)."""
    path = scratch / f"{key}-{ts}.dcm"
    if not path.exists():
        S.write_slice(_other_spec(key, ts), 1, str(path))
    return pydicom.dcmread(path)


def _bytes(ds: Dataset) -> bytes:
    bio = io.BytesIO()
    from pydicom import config

    old = config.settings.writing_validation_mode
    config.settings.writing_validation_mode = config.IGNORE
    try:
        ds.save_as(bio, enforce_file_format=True)
    finally:
        config.settings.writing_validation_mode = old
    return bio.getvalue()


# --------------------------------------------------------------------------- the cases


def _with_good(folder: Path, good: Path) -> None:
    """The good series beside the case (hard links: the corpus stays small on disk)."""
    dst = folder / "good"
    dst.mkdir(parents=True, exist_ok=True)
    for f in sorted(good.glob("*.dcm")):
        try:
            os.link(f, dst / f.name)
        except OSError:
            shutil.copy(f, dst / f.name)


def _patch_all(data: bytes, marker: bytes, at: int, fmt: str, *values: int) -> bytes:
    """Patch ``values`` at ``at`` bytes after every ``marker`` in ``data``."""
    b = bytearray(data)
    pos = b.find(marker)
    while pos >= 0:
        struct.pack_into(fmt, b, pos + at, *values)
        pos = b.find(marker, pos + 1)
    return bytes(b)


def build(root: Path, *, bomb_bytes: int = 1024**3) -> tuple[Path, list[Case]]:
    """Write the corpus below ``root``; returns the good series' folder and the cases."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _build(root, bomb_bytes)


def _build(root: Path, bomb_bytes: int) -> tuple[Path, list[Case]]:
    root.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(root / "cases", ignore_errors=True)  # written afresh each time
    scratch = root / ".scratch"
    scratch.mkdir(exist_ok=True)
    good = root / "good-series"
    if not good.exists():
        S.write_series(good_spec(), str(good), workers=1)
    cases: list[Case] = []

    def case(name: str, fn: Callable[[Path], tuple[list[Expect], list[Path]]]) -> None:
        folder = root / "cases" / name
        folder.mkdir(parents=True, exist_ok=True)
        _with_good(folder, good)
        expect, bad = fn(folder)
        cases.append(Case(name, folder, expect, bad))

    base = _slice(scratch, "base")
    need = len(base.PixelData)

    def deflate_bomb(d: Path) -> tuple[list[Expect], list[Path]]:
        f = deflated_file(d / "bomb.dcm", _slice(scratch, "deflate"), bomb_bytes, in_pixels=False)
        return [Expect("bomb.dcm", "inflated")], [f]

    def deflate_long_pixels(d: Path) -> tuple[list[Expect], list[Path]]:
        f = deflated_file(d / "long.dcm", _slice(scratch, "dlong"), bomb_bytes, in_pixels=True)
        return [Expect("long.dcm", "more than", "warning")], [f]

    def zip_huge_image(d: Path) -> tuple[list[Expect], list[Path]]:
        ds = _slice(scratch, "zhuge")
        ds.Rows = ds.Columns = 23170
        data = _bytes(ds)
        f = d / "huge.zip"
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("IMG0001", data)
        return [Expect("huge.zip!IMG0001", "needs")], [f]

    def zip_zero_member(d: Path) -> tuple[list[Expect], list[Path]]:
        ds = _slice(scratch, "zzero")
        pixels = ds.PixelData
        del ds.PixelData
        head = _bytes(ds) + struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, bomb_bytes + need)
        head += pixels
        data = deflate_piece(head, False) + zero_stream(bomb_bytes) + deflate_piece(b"", True)
        crc = crc_with_zeros(head, bomb_bytes)
        # and a member whose private element really holds 1 GiB of zeros before the image
        ds = _slice(scratch, "zpriv")
        ds.add_new(0x00090010, "LO", "YUNYING")
        before, after = copy.deepcopy(ds), copy.deepcopy(ds)
        for elem in list(ds):
            if elem.tag > 0x00090010:
                del before[elem.tag]
            else:
                del after[elem.tag]
        body = io.BytesIO()
        pydicom.filewriter.write_dataset(dataset_writer(body), after)
        phead = _bytes(before) + struct.pack("<HH2sHI", 0x0009, 0x1100, b"OB", 0, bomb_bytes)
        pdata = (
            deflate_piece(phead, False)
            + zero_stream(bomb_bytes)
            + deflate_piece(body.getvalue(), True)
        )
        pcrc = crc_with_zeros(phead, bomb_bytes, body.getvalue())
        size = len(phead) + bomb_bytes + len(body.getvalue())
        f = raw_zip(
            d / "zeros.zip",
            [
                ("IMG0001", data, len(head) + bomb_bytes, crc),
                ("PRIV0001", pdata, size, pcrc),
            ],
        )
        return [
            Expect("zeros.zip!IMG0001", "more than", "warning"),
            Expect("zeros.zip!PRIV0001", "more than a header may hold"),
        ], [f]

    def header_huge(d: Path) -> tuple[list[Expect], list[Path]]:
        ds = _slice(scratch, "hhuge")
        ds.Rows = ds.Columns = 60000
        return [Expect("huge.dcm", "allowed")], [_save(ds, d / "huge.dcm")]

    def codestream_huge(d: Path) -> tuple[list[Expect], list[Path]]:
        out = []
        for ts, marker, at, fmt in (
            ("j2k", b"\xff\x4f\xff\x51", 8, ">II"),
            ("htj2k", b"\xff\x4f\xff\x51", 8, ">II"),
            ("jpegls", b"\xff\xf7", 5, ">HH"),
        ):
            _slice(scratch, f"cs-{ts}", ts)
            src = (scratch / f"cs-{ts}-{ts}.dcm").read_bytes()
            data = _patch_all(src, marker, at, fmt, 60000, 60000)
            f = d / f"{ts}.dcm"
            f.write_bytes(data)
            out.append(f)
        return [Expect(f.name, "60000") for f in out], out

    def rle_bad_header(d: Path) -> tuple[list[Expect], list[Path]]:
        _slice(scratch, "rle", "rle")
        data = (scratch / "rle-rle.dcm").read_bytes()
        at = data.rfind(b"\xfe\xff\x00\xe0", 0, len(data) - 8)  # the frame's item
        b = bytearray(data)
        struct.pack_into("<I", b, at + 8, 15)  # 15 segments, offsets far beyond the frame
        for k in range(15):
            struct.pack_into("<I", b, at + 12 + 4 * k, 0x7FFFFFF0 - k)
        f = d / "rle.dcm"
        f.write_bytes(bytes(b))
        return [Expect("rle.dcm", "")], [f]

    def specials(d: Path) -> tuple[list[Expect], list[Path]]:
        out: list[Path] = []
        fifo = d / "pipe.dcm"
        os.mkfifo(fifo)
        out.append(fifo)
        expect = [Expect("pipe.dcm", "named pipe")]
        sock_path = d / "sock"
        if len(str(sock_path)) < 100:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(str(sock_path))
            s.close()
            out.append(sock_path)
            expect.append(Expect("sock", "socket"))
        os.symlink("/dev/null", d / "device.dcm")
        out.append(d / "device.dcm")
        expect.append(Expect("device.dcm", "device"))
        os.symlink("loop-b", d / "loop-a")  # relative: the loop survives a move
        os.symlink("loop-a", d / "loop-b")
        out += [d / "loop-a", d / "loop-b"]
        expect += [Expect("loop-a", "loop"), Expect("loop-b", "loop")]
        return expect, out

    def zeros_100mb(d: Path) -> tuple[list[Expect], list[Path]]:
        f = d / "zeros.dcm"
        with open(f, "wb") as fh:
            fh.truncate(100 * 1024**2)
        return [Expect("zeros.dcm", "not a DICOM")], [f]

    def truncated_header(d: Path) -> tuple[list[Expect], list[Path]]:
        data = _bytes(_slice(scratch, "trunc"))
        f = d / "cut.dcm"
        f.write_bytes(data[:700])
        return [Expect("cut.dcm", "truncated")], [f]

    def private_500mb(d: Path) -> tuple[list[Expect], list[Path]]:
        ds = _slice(scratch, "priv")
        ds.add_new(0x00090010, "LO", "YUNYING")
        ds.add_new(0x00091010, "OB", b"\x01\x02\x03\x04")
        data = bytearray(_bytes(ds))
        at = data.find(struct.pack("<HH2sH", 0x0009, 0x1010, b"OB", 0))
        struct.pack_into("<I", data, at + 8, 500 * 1024**2)
        f = d / "private.dcm"
        f.write_bytes(bytes(data))
        return [Expect("private.dcm", "500.0 MiB")], [f]

    def implausible(d: Path) -> tuple[list[Expect], list[Path]]:
        out, expect = [], []
        for name, edit, reason in (
            ("nan.dcm", lambda ds: setattr(ds, "RescaleSlope", "NaN"), "Rescale Slope is nan"),
            ("inf.dcm", lambda ds: setattr(ds, "RescaleIntercept", "inf"), "Intercept is inf"),
            (
                "negspacing.dcm",
                lambda ds: setattr(ds, "PixelSpacing", [-0.7, -0.7]),
                "not positive",
            ),
        ):
            ds = _slice(scratch, name)
            edit(ds)
            out.append(_save(ds, d / name))
            expect.append(Expect(name, reason, "warning"))
        ds = _slice(scratch, "long")
        ds.PixelData = ds.PixelData * 2
        out.append(_save(ds, d / "long.dcm"))
        expect.append(Expect("long.dcm", "more than", "warning"))
        return expect, out

    def duplicate_sop(d: Path) -> tuple[list[Expect], list[Path]]:
        # a truncated J2K copy of a good slice, with its SOP Instance UID, sorting first
        src = sorted((d / "good").glob("*.dcm"))[5]
        ds = pydicom.dcmread(src)
        S.encode(ds, pydicom.uid.JPEG2000Lossless)
        data = _bytes(ds)
        f = d / "aaa-copy.dcm"
        f.write_bytes(data[: len(data) - len(data) // 4])
        return [Expect("aaa-copy.dcm", "same SOP Instance UID", "note")], [f]

    def documents(d: Path) -> tuple[list[Expect], list[Path]]:
        f = d / "report.xlsx"
        with zipfile.ZipFile(f, "w") as zf:
            zf.writestr("[Content_Types].xml", "<Types/>")
            for k in range(15):
                zf.writestr(f"xl/worksheets/sheet{k}.xml", "<x/>")
        g = d / "photos.bin"
        with zipfile.ZipFile(g, "w") as zf:
            zf.writestr("a.jpg", b"\xff\xd8\xff" + bytes(200))
        return [Expect("report.xlsx", "Excel", "note"), Expect("photos.bin", "no DICOM", "note")], [
            f,
            g,
        ]

    def no_image(d: Path) -> tuple[list[Expect], list[Path]]:
        ds = _slice(scratch, "sr")
        for kw in (
            "PixelData",
            "Rows",
            "Columns",
            "BitsAllocated",
            "BitsStored",
            "HighBit",
            "PixelRepresentation",
            "SamplesPerPixel",
            "PhotometricInterpretation",
        ):
            if kw in ds:
                delattr(ds, kw)
        ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = pydicom.uid.UID(
            "1.2.840.10008.5.1.4.1.1.88.11"
        )
        ds.Modality = "SR"
        return [Expect("report.dcm", "no image", "note")], [_save(ds, d / "report.dcm")]

    def zip_slip_and_corrupt(d: Path) -> tuple[list[Expect], list[Path]]:
        f = d / "slip.zip"
        with zipfile.ZipFile(f, "w") as zf:
            zf.writestr("../../../etc/evil.dcm", b"not a dicom file" * 10)
        g = d / "broken.zip"
        g.write_bytes(b"PK\x03\x04" + bytes(100))
        return [Expect("evil.dcm", "not a DICOM"), Expect("broken.zip", "zip")], [f, g]

    def fuzz_classes(d: Path) -> tuple[list[Expect], list[Path]]:
        (d / "empty.dcm").write_bytes(b"")
        (d / "garbage.dcm").write_bytes(b"not a dicom file at all" * 10)
        data = _bytes(_slice(scratch, "tpix"))
        (d / "short.dcm").write_bytes(data[: len(data) - 3000])
        ds = _slice(scratch, "frames")
        ds.NumberOfFrames = 99999999
        _save(ds, d / "frames.dcm")
        _slice(scratch, "cs-j2k", "j2k")
        j2k = (scratch / "cs-j2k-j2k.dcm").read_bytes()
        b = bytearray(j2k)
        for i in range(len(b) - 400, len(b) - 8, 3):
            b[i] = (b[i] * 7 + 13) & 0xFF
        (d / "j2k-corrupt.dcm").write_bytes(bytes(b))
        names = ["empty.dcm", "garbage.dcm", "short.dcm", "frames.dcm", "j2k-corrupt.dcm"]
        return [
            Expect("empty.dcm", "empty"),
            Expect("garbage.dcm", "not a DICOM"),
            Expect("short.dcm", "truncated"),
            Expect("frames.dcm", "not plausible"),
            Expect("j2k-corrupt.dcm", ""),
        ], [d / n for n in names]

    for name, fn in (
        ("deflate_bomb", deflate_bomb),
        ("deflate_long_pixels", deflate_long_pixels),
        ("zip_huge_image", zip_huge_image),
        ("zip_zero_member", zip_zero_member),
        ("header_huge", header_huge),
        ("codestream_huge", codestream_huge),
        ("rle_bad_header", rle_bad_header),
        ("specials", specials),
        ("zeros_100mb", zeros_100mb),
        ("truncated_header", truncated_header),
        ("private_500mb", private_500mb),
        ("implausible", implausible),
        ("duplicate_sop", duplicate_sop),
        ("documents", documents),
        ("no_image", no_image),
        ("zip_slip_and_corrupt", zip_slip_and_corrupt),
        ("fuzz_classes", fuzz_classes),
    ):
        case(name, fn)
    cases += _dicomdir_cases(root, good)
    return good, cases


def _fileset(good: Path, dest: Path) -> Path:
    from pydicom.fileset import FileSet

    fs = FileSet()
    for f in sorted(good.glob("*.dcm")):
        fs.add(str(f))
    fs.write(str(dest))
    return dest / "DICOMDIR"


def _image_records(ddir: Path) -> tuple[Dataset, list[Dataset]]:
    ds = pydicom.dcmread(ddir)
    recs = ds.DirectoryRecordSequence
    return ds, [r for r in recs if r.DirectoryRecordType == "IMAGE"]


def _dicomdir_cases(root: Path, good: Path) -> list[Case]:
    cases = []
    # good records open when others escape the medium or are broken
    d = root / "cases" / "dicomdir_partial"
    ddir = _fileset(good, d)
    ds, images = _image_records(ddir)
    escaping = copy.deepcopy(images[0])
    escaping.ReferencedFileID = ["..", "..", "etc", "passwd"]
    broken = copy.deepcopy(images[1])
    broken.ReferencedFileID = ["PT000000", ""]
    garbage = copy.deepcopy(images[2])
    garbage.ReferencedFileID = ["JUNK"]
    (d / "JUNK").write_bytes(b"not a dicom file at all" * 10)
    ds.DirectoryRecordSequence.extend([escaping, broken, garbage])
    _save(ds, ddir)
    cases.append(
        Case(
            "dicomdir_partial",
            ddir,
            [
                Expect("DICOMDIR [record", "leaves the medium"),
                Expect("DICOMDIR [record", "empty"),
                Expect("JUNK", "not a DICOM"),
            ],
            [d / "JUNK"],
        )
    )
    # files missing: named, counted, then the folder is scanned
    d = root / "cases" / "dicomdir_missing"
    ddir = _fileset(good, d)
    ds, images = _image_records(ddir)
    for k in range(3):
        gone = copy.deepcopy(images[k])
        gone.ReferencedFileID = ["PT000000", "ST000000", "SE000000", f"GONE{k:04d}"]
        ds.DirectoryRecordSequence.append(gone)
    extra = d / "EXTRA"
    extra.mkdir()
    (extra / "notes.txt").write_text("not dicom")
    _save(ds, ddir)
    cases.append(
        Case(
            "dicomdir_missing",
            ddir,
            [
                Expect("GONE0000", "missing"),
                Expect("DICOMDIR", "3 of the 19 files it lists are missing"),
                Expect("notes.txt", "not a DICOM"),  # the folder was scanned
            ],
            [extra / "notes.txt"],
        )
    )
    # a DICOMDIR in a subfolder whose file IDs start at the medium's root
    d = root / "cases" / "dicomdir_subfolder"
    ddir = _fileset(good, d)
    (d / "SUB").mkdir()
    moved = d / "SUB" / "DICOMDIR"
    ddir.rename(moved)
    cases.append(Case("dicomdir_subfolder", moved, [], []))
    return cases
