"""Reading one object's header within a budget of time and memory.

* Whether a file is DICOM at all is decided from a short prefix (a 100 MB file of zeros is
  refused after reading 4 KiB, not parsed to its end).
* The parser stops at the Pixel Data, at an element that declares more bytes than the file
  holds (a truncated file, or a private element declaring 500 MB), after too many elements or
  too many bytes; large values are skipped, not loaded.
* A deflated dataset is inflated only as far as its header needs, never as a whole: a 1 MB
  file that would inflate to 1 GiB costs at most :attr:`ReadLimits.max_header_bytes`.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filereader import _read_file_meta_info, read_dataset, read_partial, read_preamble
from pydicom.tag import BaseTag

from viewer.dicom.i18n import translate
from viewer.dicom.limits import MiB, human_bytes, limits
from viewer.dicom.syntaxes import DEFLATED

_PIXEL_TAGS = {0x7FE00010, 0x7FE00009, 0x7FE00008}
_LONG_VRS = {b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"OD", b"OL", b"OV", b"UC", b"UR"}
#: Groups a dataset without preamble may plausibly start with (little and big endian).
_FIRST_GROUPS = {0x0002, 0x0004, 0x0008, 0x0010, 0x0018, 0x0020, 0x0028, 0x0200, 0x0800}
MAX_TOP_ELEMENTS = 50_000
#: Values larger than this are skipped while parsing and read only if used (while the stream is
#: still open: see :func:`viewer.dicom.scan.read_header`).
DEFER_BYTES = 256 * 1024


class HeaderError(ValueError):
    """The header is readable but makes no sense (wrong sizes, invalid geometry...)."""


@dataclass(slots=True)
class Header:
    """A parsed header and where its Pixel Data element starts (in the dataset's own stream:
    the file, or the inflated stream of a deflated object)."""

    ds: Dataset
    pixel_tell: int | None  # start of the Pixel Data element, None when there is none
    stream: BinaryIO  # positioned anywhere; the stream ``pixel_tell`` refers to
    stream_size: int
    dataset_offset: int
    has_meta: bool
    inflated_complete: bool = True


class _Stopper:
    """``stop_when`` for pydicom: stop at pixels, and at anything that would read too much."""

    def __init__(self, f: BinaryIO, end: int, budget: int, streamed: bool = False) -> None:
        self.f = f
        self.streamed = streamed  # skipping a value costs inflating it (a zip member)
        self.end = end
        self.budget = budget
        self.count = 0
        self.at_pixels = False
        self.beyond: str | None = None  # an element runs past the end of the data
        self.need_end = 0  # where that element would end
        self.reason: str | None = None  # stopped for a budget

    def __call__(self, tag: BaseTag, vr: str | None, length: int) -> bool:
        if int(tag) in _PIXEL_TAGS:
            self.at_pixels = True
            return True
        self.count += 1
        pos = self.f.tell()
        if self.count > MAX_TOP_ELEMENTS:
            self.reason = f"header has more than {MAX_TOP_ELEMENTS} elements"
            return True
        if pos > self.budget:
            self.reason = f"header is larger than {human_bytes(self.budget)}"
            return True
        if self.streamed and length != 0xFFFFFFFF and pos + length > self.budget:
            self.reason = (
                f"element ({tag.group:04X},{tag.element:04X}) declares {human_bytes(length)}, "
                f"more than a header may hold ({human_bytes(self.budget)})"
            )
            return True
        if length != 0xFFFFFFFF and pos + length > self.end:
            self.need_end = pos + length
            self.beyond = (
                f"element ({tag.group:04X},{tag.element:04X}) declares {human_bytes(length)} but "
                f"only {human_bytes(max(0, self.end - pos))} follow"
            )
            return True
        return False


def check_start(head: bytes) -> bool:
    """Whether ``head`` (the first bytes of a file) can begin a DICOM object; True when it has
    the ``DICM`` preamble. Raises :class:`HeaderError` when it cannot be DICOM."""
    if len(head) >= 132 and head[128:132] == b"DICM":
        return True
    if len(head) < 8:
        raise HeaderError(
            translate("Problems", "not a DICOM file ({0} bytes, no DICOM header)").format(len(head))
        )
    group, elem = struct.unpack("<HH", head[:4])
    if group in _FIRST_GROUPS:
        return False
    if group == 0 and elem == 0 and head[4:8] in (b"\x04\x00\x00\x00", b"UL\x04\x00"):
        return False  # a command group length: old raw files
    if not head.strip(b"\0"):
        raise HeaderError(translate("Problems", "not a DICOM file (only zero bytes)"))
    raise HeaderError(translate("Problems", "not a DICOM file (no preamble and no DICOM header)"))


def read(f: BinaryIO, size: int, streamed: bool = False, defer: bool = True) -> Header:
    """Parse the header of the object in ``f`` (``size`` bytes) within the read limits;
    ``streamed``: ``f`` inflates as it is read (a zip member), so skipping is not free;
    ``defer``: skip large values (read when used, while ``f`` is open)."""
    lim = limits()
    head = f.read(lim.sniff_bytes)
    has_preamble = check_start(head)
    f.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_preamble(f, force=True)
        meta = _read_file_meta_info(f)
    data_at = f.tell()
    if has_preamble:
        peek = f.read(lim.sniff_bytes)
        if not peek.strip(b"\0"):
            raise HeaderError(
                translate(
                    "Problems", "not a DICOM file (nothing but zero bytes after the file header)"
                )
            )
    ts = str(meta.get("TransferSyntaxUID", "") or "")
    if ts == DEFLATED:
        return _read_deflated(f, data_at, meta)
    f.seek(0)
    stop = _Stopper(f, size, lim.max_header_bytes, streamed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = read_partial(f, stop_when=stop, defer_size=DEFER_BYTES if defer else None, force=True)
    # deferred values are read back from this very stream (its name may be a descriptor or a
    # zip member name, which pydicom would try to reopen and silently fail)
    ds.filename = f  # type: ignore[assignment]
    _raise_if_stopped(stop)
    if not has_preamble and "SOPInstanceUID" not in ds and "SOPClassUID" not in ds:
        # force=True reads anything; keep it only if it is recognisably DICOM
        raise HeaderError(
            translate("Problems", "not a DICOM file (no preamble and no DICOM header)")
        )
    return Header(
        ds=ds,
        pixel_tell=f.tell() if stop.at_pixels else None,
        stream=f,
        stream_size=size,
        dataset_offset=data_at,
        has_meta=bool(ts),
    )


def _raise_if_stopped(stop: _Stopper) -> None:
    if stop.beyond is not None:
        raise HeaderError(
            translate("Problems", "file ends inside its header: {0} (truncated or corrupt)").format(
                stop.beyond
            )
        )
    if stop.reason is not None:
        raise HeaderError(f"{stop.reason}: not read")


def inflate(f: BinaryIO, start: int, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the raw-deflate stream starting at ``start`` in ``f``;
    the flag says whether the stream ended within them."""
    f.seek(start)
    d = zlib.decompressobj(-zlib.MAX_WBITS)
    out = bytearray()
    while len(out) < limit:
        if d.unconsumed_tail:
            chunk = d.unconsumed_tail
        else:
            chunk = f.read(256 * 1024)
            if not chunk:
                return bytes(out), True
        try:
            out += d.decompress(chunk, limit - len(out))
        except zlib.error as exc:
            raise HeaderError(f"deflated data is corrupt ({exc})") from None
        if d.eof:
            return bytes(out), True
    # at the limit: is there more?
    more = d.unconsumed_tail or f.read(1)
    if not more:
        return bytes(out), True
    try:
        extra = d.decompress(more, 1)
    except zlib.error:
        extra = b""
    return bytes(out), not extra and d.eof


def _read_deflated(f: BinaryIO, data_at: int, meta: FileMetaDataset) -> Header:
    lim = limits()
    size = MiB
    while True:
        size = min(size, lim.max_header_bytes)
        body, complete = inflate(f, data_at, size)
        bio = io.BytesIO(body)
        stop = _Stopper(bio, len(body), lim.max_header_bytes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ds = read_dataset(bio, False, True, stop_when=stop)  # in memory: nothing to defer
            except EOFError:
                ds = None
        if ds is not None and (stop.at_pixels or complete) and stop.beyond is None:
            break
        if not complete and stop.beyond is not None and stop.need_end > lim.max_header_bytes:
            raise HeaderError(
                f"deflated header needs more than {human_bytes(lim.max_header_bytes)} once "
                f"inflated ({stop.beyond}): not read"
            )
        if complete or size >= lim.max_header_bytes:
            if stop.beyond is not None and complete:
                raise HeaderError(
                    f"deflated data ends inside its header: {stop.beyond} (truncated or corrupt)"
                )
            if stop.reason is not None:
                raise HeaderError(f"{stop.reason}: not read")
            if not complete:
                raise HeaderError(
                    f"deflated header needs more than {human_bytes(lim.max_header_bytes)} "
                    "once inflated: not read"
                )
            raise HeaderError("deflated data cannot be parsed")
        size = max(size * 8, stop.need_end + 64 * 1024)
    _raise_if_stopped(stop)
    ds.file_meta = meta
    ds.set_original_encoding(False, True, None)
    return Header(
        ds=ds,
        pixel_tell=bio.tell() if stop.at_pixels else None,
        stream=bio,
        stream_size=len(body) if complete else 1 << 62,
        dataset_offset=data_at,
        has_meta=True,
        inflated_complete=complete,
    )


def pixel_element(
    f: BinaryIO, encoding: tuple[bool, bool], tell: int
) -> tuple[int | None, int | None]:
    """Offset and length (None when undefined) of the Pixel Data value after a header stop at
    ``tell`` in ``f``; ``encoding``: (implicit VR, little endian) as the dataset was read."""
    implicit, little = encoding
    if not little:
        return None, None
    f.seek(tell)
    return pixel_value(f.read(12), tell, implicit)


def pixel_value(head: bytes, tell: int, implicit: bool) -> tuple[int | None, int | None]:
    """Offset and length of a little-endian Pixel Data value from its element's first bytes
    (``head``, read at ``tell``); (None, None) when they are not a Pixel Data element."""
    if len(head) < 8 or head[:4] != b"\xe0\x7f\x10\x00":
        return None, None
    if implicit:
        (length,) = struct.unpack("<I", head[4:8])
        value_at = tell + 8
    elif head[4:6] in _LONG_VRS:
        if len(head) < 12:
            return None, None
        (length,) = struct.unpack("<I", head[8:12])
        value_at = tell + 12
    else:
        (length,) = struct.unpack("<H", head[6:8])
        value_at = tell + 8
    if length == 0xFFFFFFFF:
        return value_at, None
    return value_at, length
