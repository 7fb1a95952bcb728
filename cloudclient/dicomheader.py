"""The DICOM header check: is a received object whole, and which instance is it?

:func:`verify_instance` reads a Part 10 object's UIDs, transfer syntax, instance number and
position with a fast walk over its little-endian header (pydicom reads anything unusual), and
checks that its pixel data ends where the header says — a truncated object never passes.
:func:`valid_uid` is DICOM's UID grammar (PS3.5 §9.1), checked before a UID becomes a file name
or a URL.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass

import pydicom
from pydicom.uid import (
    UID,
    AllTransferSyntaxes,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from cloudclient.errors import InvalidInstance

# components of digits, no leading zero but for "0" itself, separated by single dots
_UID_GRAMMAR = re.compile(r"(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*")
_ENCAPSULATED = frozenset(ts for ts in AllTransferSyntaxes if UID(ts).is_encapsulated)


def valid_uid(uid: str) -> bool:
    """DICOM's UID grammar: at most 64 characters, dot-separated components of digits without
    leading zeros ("0" alone is allowed); ".", "..", a trailing newline and the like are not."""
    return isinstance(uid, str) and 0 < len(uid) <= 64 and _UID_GRAMMAR.fullmatch(uid) is not None


def safe_uid(uid: str) -> str:
    """``uid`` when it follows the grammar (so it can name a file or a URL path segment); else
    :class:`InvalidInstance`."""
    if not valid_uid(uid):
        raise InvalidInstance(f"not a valid UID: {str(uid)[:70]!r}")
    return uid


@dataclass(frozen=True)
class InstanceHeader:
    """What the header check learned about one instance."""

    study_uid: str
    series_uid: str
    sop_uid: str
    transfer_syntax: str
    number: int | None = None  # Instance Number
    position: tuple[float, ...] | None = None  # Image Position (Patient)


def _number(text: str | None) -> int | None:
    try:
        return int(str(text).strip()) if text not in (None, "") else None
    except ValueError:
        return None


def _position(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    try:
        values = tuple(float(v) for v in str(text).split("\\"))
    except ValueError:
        return None
    return values if len(values) == 3 else None


_LONG_VRS = {b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"OD", b"OL", b"OV", b"UC", b"UR"}


_WANTED = {
    0x00020010: "ts",
    0x0020000D: "study",
    0x0020000E: "series",
    0x00080018: "sop",
    0x00200013: "number",
    0x00200032: "position",
}
_ITEM, _ITEM_END, _SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD


class _Unusual(Exception):
    """The fast header walk met something it leaves to pydicom."""


def _element(data: bytes, pos: int, explicit: bool) -> tuple[int, int, int]:
    """(tag, value length, value offset) of the element at ``pos`` (little endian)."""
    group, elem = struct.unpack_from("<HH", data, pos)
    tag = group << 16 | elem
    if group == 0xFFFE:
        (length,) = struct.unpack_from("<I", data, pos + 4)
        return tag, length, pos + 8
    if explicit or group == 2:
        vr = bytes(data[pos + 4 : pos + 6])
        if vr in _LONG_VRS:
            (length,) = struct.unpack_from("<I", data, pos + 8)
            return tag, length, pos + 12
        (length,) = struct.unpack_from("<H", data, pos + 6)
        return tag, length, pos + 8
    (length,) = struct.unpack_from("<I", data, pos + 4)
    return tag, length, pos + 8


def _skip_undefined(data: bytes, pos: int, explicit: bool, depth: int = 0) -> int:
    """Position after an undefined-length sequence starting at ``pos`` (its first item)."""
    if depth > 16:
        raise _Unusual("sequences nested too deep")
    while True:
        tag, length, at = _element(data, pos, explicit)
        if tag == _SEQ_END:
            return at
        if tag != _ITEM:
            raise _Unusual("malformed sequence")
        if length != 0xFFFFFFFF:
            pos = at + length
            continue
        pos = at
        while True:  # an item of undefined length: elements up to the item delimiter
            tag, length, at = _element(data, pos, explicit)
            if tag == _ITEM_END:
                pos = at
                break
            pos = (
                _skip_undefined(data, at, explicit, depth + 1)
                if length == 0xFFFFFFFF
                else at + length
            )
        if pos > len(data):
            raise _Unusual("truncated sequence")


_EXPLICIT_HEAD = struct.Struct("<HH2sH")
_IMPLICIT_HEAD = struct.Struct("<HHI")
_U32 = struct.Struct("<I")


def _fast_header(data: bytes) -> tuple[dict[str, str], int, int]:
    """UIDs, transfer syntax and the Pixel Data element (offset of its value and its length) of
    a little-endian Part 10 object, without building a dataset (pydicom does the rest)."""
    if bytes(data[128:132]) != b"DICM":
        raise _Unusual("no preamble")
    found: dict[str, str] = {}
    size = len(data)
    pos, explicit, meta = 132, True, True
    explicit_head, implicit_head, u32 = _EXPLICIT_HEAD, _IMPLICIT_HEAD, _U32
    while pos + 8 <= size:
        if explicit:
            group, elem, vr, length = explicit_head.unpack_from(data, pos)
            if group == 0xFFFE:
                raise _Unusual("item outside a sequence")
            if vr in _LONG_VRS:
                (length,) = u32.unpack_from(data, pos + 8)
                at = pos + 12
            else:
                at = pos + 8
        else:
            group, elem, length = implicit_head.unpack_from(data, pos)
            at = pos + 8
        if meta and group != 2:
            meta = False
            ts = found.get("ts")
            if ts is None:
                raise _Unusual("no transfer syntax")
            if ts == ImplicitVRLittleEndian:
                explicit = False
                continue  # read this element again, the implicit way
            if ts != ExplicitVRLittleEndian and ts not in _ENCAPSULATED:
                raise _Unusual(f"transfer syntax {ts}")
        tag = group << 16 | elem
        if tag == 0x7FE00010:
            return found, at, length
        if length == 0xFFFFFFFF:
            pos = _skip_undefined(data, at, explicit)
            continue
        name = _WANTED.get(tag)
        if name is not None:
            found[name] = str(data[at : at + length], "ascii", "replace").strip("\x00 ")
        pos = at + length
    raise _Unusual("no pixel data")


def verify_instance(data: bytes) -> InstanceHeader:
    """Parse a received object and check it is whole: its pixel data must end where it says.

    Raises :class:`InvalidInstance` for anything unparsable or truncated.
    """
    try:
        found, start, length = _fast_header(data)
        if {"study", "series", "sop", "ts"} <= found.keys():
            _check_pixels(data, start, length)
            return InstanceHeader(
                found["study"],
                found["series"],
                found["sop"],
                found["ts"],
                _number(found.get("number")),
                _position(found.get("position")),
            )
    except (_Unusual, struct.error, UnicodeError):
        pass  # unusual encodings go through pydicom below
    return _verify_with_pydicom(data)


def _check_pixels(data: bytes, start: int, length: int) -> None:
    if length == 0xFFFFFFFF:
        # every fragment item must be whole, and the sequence delimiter must follow the last
        pos = start
        while True:
            if pos + 8 > len(data):
                raise InvalidInstance("encapsulated pixel data is truncated (no end delimiter)")
            group, elem, item_len = struct.unpack_from("<HHI", data, pos)
            tag = group << 16 | elem
            if tag == _SEQ_END:
                return
            if tag != _ITEM:
                raise InvalidInstance(f"encapsulated pixel data is corrupt (tag {tag:08X})")
            pos += 8 + item_len
            if pos > len(data):
                raise InvalidInstance("encapsulated pixel data is truncated (a fragment is cut)")
    elif start + length > len(data):
        raise InvalidInstance(
            f"pixel data truncated: {len(data) - start} of {length} bytes present"
        )


def _verify_with_pydicom(data: bytes) -> InstanceHeader:
    data = bytes(data)  # (a received body may be a view of a reused buffer)
    bio = io.BytesIO(data)
    try:
        ds = pydicom.dcmread(bio, stop_before_pixels=True)
    except Exception as exc:
        raise InvalidInstance(f"not a readable DICOM object ({type(exc).__name__})") from None
    tell = bio.tell()
    ts = str(getattr(ds.file_meta, "TransferSyntaxUID", ""))
    head = data[tell : tell + 12]
    if len(head) >= 8 and head[:4] == b"\xe0\x7f\x10\x00":
        implicit = ts == ImplicitVRLittleEndian
        if implicit:
            (length,) = struct.unpack("<I", head[4:8])
            start = tell + 8
        elif head[4:6] in _LONG_VRS:
            (length,) = struct.unpack("<I", head[8:12])
            start = tell + 12
        else:
            (length,) = struct.unpack("<H", head[6:8])
            start = tell + 8
        _check_pixels(data, start, length)
    elif "PixelData" not in ds and ds.get("Rows"):
        raise InvalidInstance("image without pixel data (truncated?)")
    try:
        return InstanceHeader(
            str(ds.StudyInstanceUID),
            str(ds.SeriesInstanceUID),
            str(ds.SOPInstanceUID),
            ts,
            _number(str(ds.get("InstanceNumber", "") or "")),
            _position("\\".join(str(v) for v in ds.get("ImagePositionPatient", None) or [])),
        )
    except AttributeError as exc:
        raise InvalidInstance(f"object lacks its UIDs ({exc})") from None
