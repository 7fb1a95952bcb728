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


def main_header(data: bytes) -> dict[bytes, bytes]:
    """The marker segments of a JPEG 2000 codestream's main header (marker → its first
    segment's bytes after the length), read up to the first tile-part (SOT)."""
    if data[:4] != b"\xff\x4f\xff\x51":
        raise DecodeError("JPEG 2000 codestream does not start with its SOC and SIZ markers")
    segments: dict[bytes, bytes] = {}
    pos = 2
    while data[pos : pos + 2] != _SOT:
        if pos + 4 > len(data) or data[pos] != 0xFF:
            raise DecodeError("JPEG 2000 main header is truncated or malformed")
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if length < 2:
            raise DecodeError("JPEG 2000 main header has a marker segment shorter than its length")
        segments.setdefault(data[pos : pos + 2], data[pos + 4 : pos + 2 + length])
        pos += 2 + length
    segments[_SOT] = pos.to_bytes(4, "big")  # (where the first tile-part starts)
    return segments


def ht_only(data: bytes) -> bool:
    """Whether a codestream declares (in its CAP marker) that all its code-blocks are HTJ2K
    (Part 15, "HTONLY"): the codestreams a decoder of HT code-blocks only may take. False for
    anything else, a stream that does not start with its main header (e.g. in a JP2 box)
    included."""
    try:
        cap = main_header(data).get(b"\xff\x50", b"")
    except DecodeError:
        return False
    if len(cap) < 4:
        return False
    (pcap,) = struct.unpack_from(">I", cap)
    if not pcap & _PART_15:
        return False
    # one Ccap per Part flagged in Pcap, in order of the Part: Part 15's comes after those
    # of Parts 1-14 (none defined; counted all the same)
    at = 4 + 2 * bin(pcap >> 18).count("1")
    if len(cap) < at + 2:
        return False
    (ccap15,) = struct.unpack_from(">H", cap, at)
    return ccap15 >> 14 == 0


def check_tile_parts(data: bytes) -> None:
    """A JPEG 2000 codestream whole: its tile-parts, chained by their lengths (Psot) from the
    first SOT, end at its end marker (EOC; a DICOM fragment's pad byte may follow). A cut or
    spliced stream fails here, as OpenJPEG fails it, for decoders that would return a picture
    for it without a word (OpenJPH)."""
    pos = int.from_bytes(main_header(data)[_SOT], "big")
    while data[pos : pos + 2] == _SOT:
        if pos + 12 > len(data):
            raise DecodeError("JPEG 2000 codestream is cut short inside a tile-part header")
        lsot, _tile, psot = struct.unpack_from(">HHI", data, pos + 2)
        if lsot != 10:
            raise DecodeError("JPEG 2000 tile-part header (SOT) is malformed")
        if psot == 0:  # the last tile-part, up to the end marker
            if data[-2:] != _EOC and data[-3:-1] != _EOC:
                raise DecodeError("JPEG 2000 codestream is cut short: no end marker (EOC)")
            return
        if psot < 14:
            raise DecodeError("JPEG 2000 tile-part is shorter than its header")
        pos += psot
    if data[pos : pos + 2] != _EOC:
        what = "cut short" if pos + 2 > len(data) else "spliced"
        raise DecodeError(f"JPEG 2000 codestream is {what}: its tile-parts do not end at EOC")


_SOT, _EOC = b"\xff\x90", b"\xff\xd9"
_PART_15 = 1 << (32 - 15)  # Pcap: bit i (from the most significant, i = 1…32) flags Part i
