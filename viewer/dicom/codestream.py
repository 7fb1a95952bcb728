"""What a compressed frame's codestream declares (JPEG 2000 SIZ, JPEG / JPEG-LS SOF), checked
against the header's Rows × Columns and the frame limit before any decoder allocates for it."""

from __future__ import annotations

import struct

from viewer.dicom.limits import limits
from viewer.dicom.model import PixelFormat
from viewer.dicom.syntaxes import J2K_FAMILY, DecodeError


def check_codestream(data: bytes, ts: str, px: PixelFormat) -> None:
    """Compare the size a JPEG 2000 / JPEG-LS / JPEG codestream declares with the header's
    Rows × Columns before any decoder allocates it."""
    dims = codestream_size(data, ts)
    if dims is None:
        return
    rows, cols, comps = dims
    if rows * cols * comps * max(1, px.bits_allocated // 8) > limits().max_frame_bytes:
        raise DecodeError(
            f"codestream declares {cols}×{rows}×{comps}, over the frame limit: not decoded"
        )
    if (rows and rows != px.rows) or cols != px.columns:
        raise DecodeError(
            f"codestream declares {cols}×{rows}, the header says {px.columns}×{px.rows}: "
            "not decoded"
        )


def codestream_size(data: bytes, ts: str) -> tuple[int, int, int] | None:
    """(rows, columns, components) a codestream declares; None when it is not one we parse
    (rows 0: given later in the stream)."""
    if ts in J2K_FAMILY:
        at = data.find(b"\xff\x4f\xff\x51", 0, 65536)
        if at < 0:
            raise DecodeError("no JPEG 2000 image header (SIZ) in the frame")
        siz = data[at + 4 : at + 42]
        if len(siz) < 38:
            raise DecodeError("JPEG 2000 image header (SIZ) is truncated")
        xsiz, ysiz, xo, yo = struct.unpack(">IIII", siz[4:20])
        (csiz,) = struct.unpack(">H", siz[36:38])
        if xo > xsiz or yo > ysiz:
            raise DecodeError("JPEG 2000 image header (SIZ) has offsets beyond the image")
        return ysiz - yo, xsiz - xo, csiz
    if ts.startswith("1.2.840.10008.1.2.4.") and data[:2] == b"\xff\xd8":
        pos = 2
        while pos + 4 <= len(data) and pos < 1 << 20:
            if data[pos] != 0xFF:
                pos += 1
                continue
            marker = data[pos + 1]
            if marker in (0xFF, 0x01) or 0xD0 <= marker <= 0xD7:
                pos += 1 if marker == 0xFF else 2
                continue
            (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
            if marker in _SOF_MARKERS:
                seg = data[pos + 4 : pos + 10]
                if len(seg) < 6:
                    raise DecodeError("JPEG frame header is truncated")
                _p, rows, cols, comps = struct.unpack(">BHHB", seg)
                return rows, cols, comps
            if marker == 0xDA:
                break
            pos += 2 + length
        raise DecodeError("no JPEG frame header (SOF) before the image data")
    return None


_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7}
