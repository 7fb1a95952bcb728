"""Bytes for the hostile corpus: inflation bombs made cheaply (a flushed deflate block of zeros
repeated), deflated DICOM files and hand-built zip archives of pre-deflated members."""

from __future__ import annotations

import copy
import io
import struct
import zlib
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset


def deflate_piece(data: bytes, final: bool) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(data) + c.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def zero_stream(n_bytes: int, chunk: int = 16 * 1024**2) -> bytes:
    """Raw deflate blocks (not final) inflating to ``n_bytes`` zeros: one fully flushed chunk
    repeated (a flushed block starts from an empty dictionary, so copies chain)."""
    assert n_bytes % chunk == 0
    return deflate_piece(bytes(chunk), final=False) * (n_bytes // chunk)


def crc_with_zeros(head: bytes, n_zeros: int, tail: bytes = b"") -> int:
    crc = zlib.crc32(head)
    zero = bytes(16 * 1024**2)
    left = n_zeros
    while left:
        n = min(left, len(zero))
        crc = zlib.crc32(zero[:n] if n < len(zero) else zero, crc)
        left -= n
    return zlib.crc32(tail, crc)


def deflated_file(path: Path, ds: Dataset, filler: int, *, in_pixels: bool) -> Path:
    """A Deflated Explicit VR Little Endian file whose dataset inflates past ``filler`` bytes
    of zeros: in a private element before the image (``in_pixels`` False) or as Pixel Data
    far longer than the image needs."""
    ds = copy.deepcopy(ds)
    pixels = ds.PixelData
    del ds.PixelData
    if not in_pixels:
        ds.add_new(0x00091010, "LO", "YUNYING")  # private creator
    ds.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
    meta = pydicom.filebase.DicomBytesIO()
    pydicom.filewriter.write_file_meta_info(meta, ds.file_meta, enforce_standard=True)
    body = io.BytesIO()
    plain = copy.deepcopy(ds)
    pydicom.filewriter.write_dataset(dataset_writer(body), plain)
    head = body.getvalue()
    zeros = zero_stream(filler)
    if in_pixels:
        elem = struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, filler + len(pixels))
        tail = deflate_piece(elem + pixels, final=False) + zeros + deflate_piece(b"", True)
        stream = deflate_piece(head, final=False) + tail
    else:
        elem = struct.pack("<HH2sHI", 0x0009, 0x1100, b"OB", 0, filler)
        px = struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, len(pixels)) + pixels
        stream = deflate_piece(head + elem, final=False) + zeros + deflate_piece(px, final=True)
    path.write_bytes(b"\0" * 128 + b"DICM" + meta.getvalue() + stream)
    return path


def dataset_writer(bio: io.BytesIO) -> pydicom.filebase.DicomFileLike:
    fp = pydicom.filebase.DicomFileLike(bio)
    fp.is_little_endian = True
    fp.is_implicit_VR = False
    return fp


def raw_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip of pre-deflated members: (name, raw deflate data, uncompressed size, CRC-32)."""
    out = bytearray()
    central = bytearray()
    for name, data, size, crc in members:
        nb = name.encode()
        off = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(nb), 0
        )
        out += nb + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(data),
            size,
            len(nb),
            0,
            0,
            0,
            0,
            0,
            off,
        )
        central += nb
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0
    )
    path.write_bytes(bytes(out + central + end))
    return path
