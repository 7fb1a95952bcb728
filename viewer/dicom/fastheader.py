"""The header of a plain, well-formed little-endian file read in one bounded read.

:func:`read_fast` is the fast path of :func:`viewer.dicom.scan.read_header`: the first bytes of
the file (16 KiB, at most :data:`MAX_FAST_BYTES`) are read at once and walked in memory, and
only the ~40 elements the scan uses are decoded, as pydicom would decode them. Anything it is
not sure about — no preamble, big endian, deflated, a private or missing transfer syntax, an
unknown VR, a VR other than the dictionary's for a used element, an encoding that disagrees
with the transfer syntax, functional-group sequences, an undefined length it cannot skip, a
character set other than Latin-1 / UTF-8 / GB18030 / GBK, a value it cannot decode strictly,
an element running past the buffer or the file — makes it answer ``None``, and the caller
reads the file with pydicom under the read limits instead (:func:`viewer.dicom.header.read`),
which gives the same result or the same refusal. So every hostile-file protection stays where
it was; this module only ever reads a bounded prefix and walks it with a loop that advances at
least 8 bytes per step.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from pydicom.multival import MultiValue

from viewer.dicom.header import MAX_TOP_ELEMENTS
from viewer.dicom.sources import special_kind
from viewer.dicom.syntaxes import DEFLATED, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE

FIRST_READ = 16 * 1024
MAX_FAST_BYTES = 1024 * 1024
_MAX_DEPTH = 8
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
PIXEL_TAGS = frozenset({0x7FE00010, 0x7FE00009, 0x7FE00008})

#: The elements the scan reads (tag → keyword, dictionary VR).
NEEDED: dict[int, tuple[str, str]] = {
    0x00080005: ("SpecificCharacterSet", "CS"),
    0x00080016: ("SOPClassUID", "UI"),
    0x00080018: ("SOPInstanceUID", "UI"),
    0x00080020: ("StudyDate", "DA"),
    0x00080030: ("StudyTime", "TM"),
    0x00080050: ("AccessionNumber", "SH"),
    0x00080060: ("Modality", "CS"),
    0x00080080: ("InstitutionName", "LO"),
    0x00081030: ("StudyDescription", "LO"),
    0x0008103E: ("SeriesDescription", "LO"),
    0x00100010: ("PatientName", "PN"),
    0x00100020: ("PatientID", "LO"),
    0x00100030: ("PatientBirthDate", "DA"),
    0x00100040: ("PatientSex", "CS"),
    0x00180015: ("BodyPartExamined", "CS"),
    0x00180050: ("SliceThickness", "DS"),
    0x00181164: ("ImagerPixelSpacing", "DS"),
    0x0020000D: ("StudyInstanceUID", "UI"),
    0x0020000E: ("SeriesInstanceUID", "UI"),
    0x00200011: ("SeriesNumber", "IS"),
    0x00200013: ("InstanceNumber", "IS"),
    0x00200032: ("ImagePositionPatient", "DS"),
    0x00200037: ("ImageOrientationPatient", "DS"),
    0x00200052: ("FrameOfReferenceUID", "UI"),
    0x00280002: ("SamplesPerPixel", "US"),
    0x00280004: ("PhotometricInterpretation", "CS"),
    0x00280006: ("PlanarConfiguration", "US"),
    0x00280008: ("NumberOfFrames", "IS"),
    0x00280010: ("Rows", "US"),
    0x00280011: ("Columns", "US"),
    0x00280030: ("PixelSpacing", "DS"),
    0x00280100: ("BitsAllocated", "US"),
    0x00280101: ("BitsStored", "US"),
    0x00280103: ("PixelRepresentation", "US"),
    0x00281050: ("WindowCenter", "DS"),
    0x00281051: ("WindowWidth", "DS"),
    0x00281052: ("RescaleIntercept", "DS"),
    0x00281053: ("RescaleSlope", "DS"),
}
#: Sequences the scan reads (enhanced multi-frame geometry): files holding one go to pydicom.
SEQUENCES: dict[int, str] = {
    0x52009229: "SharedFunctionalGroupsSequence",
    0x52009230: "PerFrameFunctionalGroupsSequence",
    0x00209113: "PlanePositionSequence",
    0x00209116: "PlaneOrientationSequence",
    0x00289110: "PixelMeasuresSequence",
    0x00289145: "PixelValueTransformationSequence",
    0x00209111: "FrameContentSequence",
}
#: Every keyword a :class:`FastHeader` answers for (absent or decoded).
KEYWORDS = frozenset(kw for kw, _ in NEEDED.values()) | frozenset(SEQUENCES.values())
_VRS = frozenset(
    b"AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL "
    b"UN UR US UT UV".split()
)
_LONG = frozenset(b"OB OD OF OL OV OW SQ SV UC UN UR UT UV".split())
#: Character sets decoded here, as pydicom names their Python codecs.
_CODECS = {
    "": "latin_1",
    "ISO_IR 6": "latin_1",
    "ISO_IR 100": "latin_1",
    "ISO_IR 192": "utf_8",
    "GB18030": "gb18030",
    "GBK": "gbk",
}
_INT_RE = re.compile(r"[ ]*[+-]?[0-9]+[ ]*\Z")
_FLOAT_RE = re.compile(r"[ ]*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ ]*\Z")
_TAG = struct.Struct("<HH")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_IMPLICIT_HEAD = struct.Struct("<HHI")
_EXPLICIT_HEAD = struct.Struct("<HH2sH")


class _Unsure(Exception):
    """Not a case for the fast path: pydicom reads the file."""


class _More(Exception):
    """The walk needs bytes beyond the buffer."""


class FastHeader:
    """The used elements of one header, decoded as pydicom decodes them, with the few
    :class:`pydicom.dataset.Dataset` methods the scan calls (``get``, ``in``, ``file_meta``,
    ``original_encoding``)."""

    __slots__ = ("file_meta", "original_encoding", "values")

    def __init__(self, values: dict[str, Any], meta: SimpleNamespace, implicit: bool) -> None:
        self.values = values
        self.file_meta = meta
        self.original_encoding = (implicit, True, None)

    def get(self, keyword: str, default: Any = None) -> Any:
        if keyword not in KEYWORDS:  # never a silent "absent" for an element it did not read
            raise LookupError(f"the fast header path does not read {keyword} (see NEEDED)")
        return self.values.get(keyword, default)

    def __contains__(self, keyword: object) -> bool:
        if keyword not in KEYWORDS:
            raise LookupError(f"the fast header path does not read {keyword} (see NEEDED)")
        return keyword in self.values


class FastResult:
    """What :func:`read_fast` found: the header, where the dataset starts, the file's size and
    the first 12 bytes of its Pixel Data element (``pixel_tell`` None when there is none)."""

    __slots__ = ("dataset_offset", "header", "pixel_head", "pixel_tell", "size")

    def __init__(
        self,
        header: FastHeader,
        dataset_offset: int,
        size: int,
        pixel_tell: int | None,
        pixel_head: bytes,
    ) -> None:
        self.header = header
        self.dataset_offset = dataset_offset
        self.size = size
        self.pixel_tell = pixel_tell
        self.pixel_head = pixel_head


def read_fast(path: str) -> FastResult | None:
    """The header of the plain file at ``path`` when it is a simple case, else None (then read
    it with pydicom). Raises OSError when the file cannot be opened (pydicom would too)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if special_kind(st.st_mode) is not None:
            return None  # the careful path says what it is
        return read_prefix(lambda n: os.read(fd, n), st.st_size)
    finally:
        os.close(fd)


def read_prefix(read: Callable[[int], bytes], size: int) -> FastResult | None:
    """The header of an object of ``size`` bytes whose bytes ``read(n)`` returns in order (at
    most ``n`` at a time, :data:`MAX_FAST_BYTES` in all); None when it is not a simple case."""
    want = FIRST_READ
    buf = read(want)
    while True:
        try:
            return _parse(buf, size, complete=len(buf) >= size)
        except _Unsure:
            return None
        except _More:
            if len(buf) >= size or want >= MAX_FAST_BYTES:
                return None
            want = min(want * 8, MAX_FAST_BYTES)
            buf += read(want - len(buf))


def _parse(buf: bytes, size: int, complete: bool) -> FastResult:
    n = len(buf)
    if n < 132 + 8 or buf[128:132] != b"DICM":
        raise _Unsure
    # File Meta Information: explicit VR little endian, group 0002
    raw_meta: dict[int, bytes] = {}
    p = 132
    while True:
        if p + 8 > n:
            if complete:
                raise _Unsure  # ends inside the meta, or nothing after it
            raise _More
        group, elem, mvr, length = _EXPLICIT_HEAD.unpack_from(buf, p)
        if group != 2:
            break
        if mvr not in _VRS:
            raise _Unsure
        if mvr in _LONG:
            if p + 12 > n:
                raise _More
            (length,) = _U32.unpack_from(buf, p + 8)
            at = p + 12
        else:
            at = p + 8
        if length == _UNDEFINED:
            raise _Unsure
        end = at + length
        if end > n:
            raise _Unsure if complete or end > size else _More
        raw_meta[elem] = buf[at:end]
        p = end
    data_at = p
    ts = _ui(raw_meta.get(0x0010, b""))
    if not ts or ts in (EXPLICIT_BE, DEFLATED) or group == 0:
        raise _Unsure
    implicit = ts == IMPLICIT_LE
    if not implicit and ts != EXPLICIT_LE:
        from pydicom.uid import PrivateTransferSyntaxes

        if ts in PrivateTransferSyntaxes:
            raise _Unsure
    # pydicom checks the first element against the transfer syntax (and switches when they
    # disagree): leave such files to it
    looks_explicit = 0x40 < buf[p + 4] < 0x5B and 0x40 < buf[p + 5] < 0x5B
    if looks_explicit == implicit:
        raise _Unsure
    raw: dict[int, tuple[bytes, bytes | None]] = {}
    pixel_tell: int | None = None
    count = 0
    while True:
        count += 1
        if count > MAX_TOP_ELEMENTS:
            raise _Unsure  # the careful path refuses it, naming the bound
        if p >= n:
            if complete and p == n:
                break  # a header without pixels, ending on an element boundary
            raise _Unsure if complete else _More
        if p + 8 > n:
            raise _Unsure if complete else _More
        tag = (buf[p + 1] << 24) | (buf[p] << 16) | (buf[p + 3] << 8) | buf[p + 2]
        if tag in PIXEL_TAGS:
            # pydicom reads the whole element header before it stops
            if not implicit and (buf[p + 4 : p + 6] not in _VRS or buf[p + 4 : p + 6] in _LONG):
                _need(p, 12, n, complete)
            if p + 12 > n and not complete:
                raise _More
            pixel_tell = p
            break
        if tag >> 16 in (0, 2, 0xFFFE):
            raise _Unsure
        _g, _e, vr, length, at = _element_head(buf, p, implicit, complete)
        if tag in SEQUENCES:
            raise _Unsure
        if length == _UNDEFINED:
            p = _skip_undefined(buf, tag, vr, at, implicit, 0, complete)
            continue
        end = at + length
        if end > size:
            raise _Unsure  # runs past the end of the file: pydicom reports it
        if tag in NEEDED:
            if end > n:
                raise _More
            raw[tag] = (buf[at:end], vr)
        p = end
    values = _decode(raw)
    meta = SimpleNamespace(TransferSyntaxUID=ts)
    if 0x0002 in raw_meta:
        meta.MediaStorageSOPClassUID = _ui(raw_meta[0x0002])
    head = buf[pixel_tell : pixel_tell + 12] if pixel_tell is not None else b""
    return FastResult(FastHeader(values, meta, implicit), data_at, size, pixel_tell, head)


def _check_implicit_sequence(tag: int) -> None:
    """An undefined length in implicit VR is skipped only where pydicom reads a sequence."""
    from pydicom.datadict import dictionary_VR

    try:
        vr = dictionary_VR(tag)
    except KeyError:
        return  # private or unknown: pydicom takes it for a sequence when items follow
    if vr not in ("SQ", "UN"):
        raise _Unsure


def _need(p: int, k: int, n: int, complete: bool) -> None:
    if p + k > n:
        raise _Unsure if complete else _More


def _skip_sequence(buf: bytes, p: int, implicit: bool, depth: int, complete: bool) -> int:
    """Past the sequence delimiter of an undefined-length sequence whose items start at ``p``."""
    if depth > _MAX_DEPTH:
        raise _Unsure
    n = len(buf)
    while True:
        _need(p, 8, n, complete)
        group, elem, length = _IMPLICIT_HEAD.unpack_from(buf, p)
        tag = group << 16 | elem
        p += 8
        if tag == _SEQ_END:
            return p
        if tag != _ITEM:
            raise _Unsure
        end = None if length == _UNDEFINED else p + length
        p = _skip_item(buf, p, implicit, depth + 1, complete, end)


def _skip_item(
    buf: bytes, p: int, implicit: bool, depth: int, complete: bool, end: int | None = None
) -> int:
    """Past an item whose elements start at ``p``: to its item delimiter (undefined length),
    or to ``end``, where its last element must end exactly (pydicom reads inside items too)."""
    n = len(buf)
    while True:
        if end is not None:
            if p == end:
                return p
            if p > end:
                raise _Unsure  # an element runs past its item
        _need(p, 8, n, complete)
        group, elem, vr, length, at = _element_head(buf, p, implicit, complete)
        tag = group << 16 | elem
        if tag == _ITEM_END:
            if end is not None:
                raise _Unsure
            return at
        if group == 0xFFFE:
            raise _Unsure
        if length == _UNDEFINED:
            p = _skip_undefined(buf, tag, vr, at, implicit, depth, complete)
        else:
            p = at + length


def _element_head(
    buf: bytes, p: int, implicit: bool, complete: bool
) -> tuple[int, int, bytes | None, int, int]:
    """(group, element, VR or None, value length, where the value starts) of the element at
    ``p`` (its first 8 bytes are in ``buf``); item tags have no VR in either syntax."""
    if implicit:
        group, elem, length = _IMPLICIT_HEAD.unpack_from(buf, p)
        return group, elem, None, length, p + 8
    group, elem, vr, length = _EXPLICIT_HEAD.unpack_from(buf, p)
    if group == 0xFFFE:
        (length,) = _U32.unpack_from(buf, p + 4)
        return group, elem, None, length, p + 8
    if vr not in _VRS:
        raise _Unsure
    if vr in _LONG:
        _need(p, 12, len(buf), complete)
        (length,) = _U32.unpack_from(buf, p + 8)
        return group, elem, vr, length, p + 12
    return group, elem, vr, length, p + 8


def _skip_undefined(
    buf: bytes, tag: int, vr: bytes | None, at: int, implicit: bool, depth: int, complete: bool
) -> int:
    """Past an element of undefined length whose items start at ``at``: only a sequence may
    have one (in implicit VR, where pydicom reads a sequence)."""
    if vr is not None and vr != b"SQ":
        raise _Unsure
    if implicit:
        _check_implicit_sequence(tag)
    return _skip_sequence(buf, at, implicit, depth, complete)


# --------------------------------------------------------------------------- values


def _ui(b: bytes) -> str:
    return _ascii(b).rstrip("\0 ")


def _ascii(b: bytes) -> str:
    # pydicom decodes these VRs with its default encoding (Latin-1); keep to plain ASCII
    if not b.isascii():
        raise _Unsure
    return b.decode("ascii")


def _decode(raw: dict[int, tuple[bytes, bytes | None]]) -> dict[str, Any]:
    codec = "latin_1"
    if 0x00080005 in raw:
        charset = _ascii(raw[0x00080005][0]).rstrip(" \0")
        if charset not in _CODECS:  # several, an ISO 2022 one, or a spelling pydicom corrects
            raise _Unsure
        codec = _CODECS[charset]
    values: dict[str, Any] = {}
    for tag, (b, vr) in raw.items():
        keyword, dict_vr = NEEDED[tag]
        if vr is not None and vr.decode("ascii") != dict_vr:
            raise _Unsure  # pydicom would read it differently (UN, or a VR the file invents)
        values[keyword] = _value(dict_vr, b, codec)
    return values


def _value(vr: str, b: bytes, codec: str) -> Any:
    if vr == "US":
        if not b:
            return None
        if len(b) != 2:
            raise _Unsure
        return _U16.unpack(b)[0]
    if vr in ("DS", "IS"):
        if not b:
            return None
        s = _ascii(b)
        parts = (s.strip() if vr == "DS" else s).rstrip(" \0").split("\\")
        rx, conv = (_FLOAT_RE, float) if vr == "DS" else (_INT_RE, int)
        if not all(rx.match(x) for x in parts):
            raise _Unsure
        nums = [conv(x) for x in parts]
        return nums[0] if len(nums) == 1 else nums
    if vr in ("CS", "DA", "TM", "UI"):
        s = _ascii(b)
        if vr == "UI":
            s = s.rstrip("\0 ")
        items = s.rstrip(" \0").split("\\")
        return items[0] if len(items) == 1 else MultiValue(str, items)
    if b"\x1b" in b:
        raise _Unsure  # ISO 2022 escapes: pydicom's decoder
    if vr == "PN":
        b = b.rstrip(b"\0 ")
    try:
        s = b.decode(codec)
    except UnicodeDecodeError:
        raise _Unsure from None
    items = s.split("\\")
    if vr != "PN":
        items = [x.rstrip("\0 ") for x in items]
    return items[0] if len(items) == 1 else MultiValue(str, items)
