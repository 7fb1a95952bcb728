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
    """Whether a codestream is one a decoder of plain HT code-blocks may take (OpenJPH): its CAP
    marker declares Part 15 alone with HT code-blocks only, one HT set, no region of interest
    (Ccap15's bits 15-11 clear); its main header codes losslessly (COD: the reversible 5/3
    wavelet; QCD: no quantisation), with no per-component coding, quantisation, region of
    interest or progression changes (COC, QCC, RGN, POC). False for anything else, a stream
    that does not start with its main header (e.g. in a JP2 box) included."""
    try:
        main = main_header(data)
    except DecodeError:
        return False
    cap, cod, qcd = (main.get(m, b"") for m in (b"\xff\x50", b"\xff\x52", b"\xff\x5c"))
    if len(cap) < 6 or len(cod) < 10 or len(qcd) < 1:
        return False
    (pcap, ccap15) = struct.unpack_from(">IH", cap)
    if pcap != _PART_15 or ccap15 & 0xF800:
        return False
    if cod[9] != 1 or qcd[0] & 0x1F != 0:  # 5/3 reversible; no quantisation
        return False
    return not any(m in main for m in _NOT_PLAIN)


def check_tile_parts(data: bytes) -> bool:
    """A JPEG 2000 codestream whole: its tile-parts, chained by their lengths (Psot) from the
    first SOT, end at its end marker (EOC; a DICOM fragment's pad byte may follow), every tile
    the image header (SIZ) implies is there, each tile's parts counted 0, 1, 2… in order and as
    many as it declares. A cut, spliced or reordered stream fails here (OpenJPEG fails a cut
    one; a missing tile it leaves blank) for decoders that would return a picture for it
    without a word (OpenJPH). True when the tile-part headers hold nothing but packet lengths
    and comments (PLT, COM): nothing that changes how a tile is coded."""
    main = main_header(data)
    siz = main[b"\xff\x51"]
    if len(siz) < 34:
        raise DecodeError("JPEG 2000 image header (SIZ) is truncated")
    xsiz, ysiz, _xo, _yo, xt, yt, xto, yto = struct.unpack_from(">8I", siz, 2)
    if not xt or not yt or xto > xsiz or yto > ysiz:
        raise DecodeError("JPEG 2000 image header (SIZ) declares no tiles")
    tiles = -(-(xsiz - xto) // xt) * -(-(ysiz - yto) // yt)
    if tiles > 65535:
        raise DecodeError("JPEG 2000 image header (SIZ) declares more tiles than a stream holds")
    parts: dict[int, int] = {}  # tile → its parts seen
    declared: dict[int, int] = {}  # tile → its parts declared (TNsot, when given)
    pos = int.from_bytes(main[_SOT], "big")
    plain = True
    while data[pos : pos + 2] == _SOT:
        if pos + 12 > len(data):
            raise DecodeError("JPEG 2000 codestream is cut short inside a tile-part header")
        lsot, tile, psot, part, count = struct.unpack_from(">HHIBB", data, pos + 2)
        if lsot != 10:
            raise DecodeError("JPEG 2000 tile-part header (SOT) is malformed")
        if tile >= tiles or part != parts.get(tile, 0):
            raise DecodeError("JPEG 2000 tile-parts are out of order or of a tile not in the image")
        parts[tile] = part + 1
        if count:
            declared[tile] = count
        plain = plain and _plain_tile_header(data, pos + 12, pos + psot if psot else len(data))
        if psot == 0:  # the last tile-part, up to the end marker
            if data[-2:] != _EOC and data[-3:-1] != _EOC:
                raise DecodeError("JPEG 2000 codestream is cut short: no end marker (EOC)")
            break
        if psot < 14:
            raise DecodeError("JPEG 2000 tile-part is shorter than its header")
        pos += psot
    else:
        if data[pos : pos + 2] != _EOC:
            what = "cut short" if pos + 2 > len(data) else "spliced"
            raise DecodeError(f"JPEG 2000 codestream is {what}: its tile-parts do not end at EOC")
    if len(parts) != tiles or any(parts[t] != n for t, n in declared.items()):
        raise DecodeError("JPEG 2000 codestream is missing a tile or a tile-part")
    return plain


def _plain_tile_header(data: bytes, pos: int, end: int) -> bool:
    """Whether a tile-part header (from after its SOT to its SOD) holds only PLT and COM."""
    while pos + 2 <= end and data[pos : pos + 2] != b"\xff\x93":
        if data[pos : pos + 2] not in (b"\xff\x58", b"\xff\x64") or pos + 4 > end:
            return False
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if length < 2:
            return False
        pos += 2 + length
    return True


_SOT, _EOC = b"\xff\x90", b"\xff\xd9"
_PART_15 = 1 << (32 - 15)  # Pcap: bit i (from the most significant, i = 1…32) flags Part i
#: main-header markers that change coding per component or region: COC, QCC, RGN, POC
_NOT_PLAIN = (b"\xff\x53", b"\xff\x5d", b"\xff\x5e", b"\xff\x5f")
