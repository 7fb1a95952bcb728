"""Streaming reader of ``multipart/related`` bodies (WADO-RS answers), one part at a time.

Parts are yielded as soon as their closing boundary arrives, so a series streams instance by
instance with memory bounded by the largest instance. A body that ends before its final boundary
raises :class:`TruncatedMultipart`, so a dropped connection can never pass for a complete answer.
With ``max_part``, a part that declares (or, without a Content-Length, reaches) more bytes is
refused with :class:`PartTooLarge` before anything that large is allocated.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO


class MultipartError(ValueError):
    pass


class TruncatedMultipart(MultipartError):
    """The body ended before the closing boundary: the transfer was cut."""


class PartTooLarge(MultipartError):
    """A part larger than the caller allows (what the archive announced, or a cap)."""

    def __init__(self, size: int | None, limit: int) -> None:
        said = f"of {size} bytes" if size is not None else "without a length, endless"
        super().__init__(f"a part {said} exceeds the {limit} bytes allowed")
        self.size = size
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a multipart body: its headers (lower-case names) and bytes."""

    headers: dict[str, str]
    body: bytes  # or a memoryview of a pooled buffer (see BufferPool)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)


def boundary_of(content_type: str) -> str:
    m = _BOUNDARY.search(content_type)
    if not m:
        raise MultipartError(f"no boundary in Content-Type {content_type!r}")
    return m.group(1) or m.group(2)


def _parse_headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.decode("latin-1").split("\r\n"):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise MultipartError(f"malformed part header {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    return headers


def iter_parts(chunks: Iterable[bytes], boundary: str) -> Iterator[Part]:
    """Parts of a multipart body given as an iterable of byte chunks."""
    delim = b"--" + boundary.encode("latin-1")
    buf = bytearray()
    it = iter(chunks)
    started = False
    done = False

    def fill() -> bool:
        try:
            chunk = next(it)
        except StopIteration:
            return False
        buf.extend(chunk)
        return True

    # skip the preamble up to the first delimiter
    while not started:
        i = buf.find(delim)
        if i >= 0:
            del buf[: i + len(delim)]
            started = True
        elif not fill():
            raise TruncatedMultipart("no multipart boundary found in the body")
    while not done:
        # after a delimiter: "--" ends the body, else CRLF then headers
        while len(buf) < 2:
            if not fill():
                raise TruncatedMultipart("body ended after a boundary")
        if buf[:2] == b"--":
            done = True
            break
        sep_at = -1
        while sep_at < 0:
            sep_at = buf.find(b"\r\n\r\n")
            if sep_at < 0 and not fill():
                raise TruncatedMultipart("body ended inside part headers")
        headers = _parse_headers(bytes(buf[:sep_at]).lstrip(b"\r\n"))
        del buf[: sep_at + 4]
        length = headers.get("content-length")
        end_marker = b"\r\n" + delim
        if length is not None and length.isdigit():
            n = int(length)
            while len(buf) < n + len(end_marker):
                if not fill():
                    raise TruncatedMultipart(f"part ended after {len(buf)} of {n} bytes")
            if buf[n : n + len(end_marker)] != end_marker:
                raise MultipartError("part is longer than its Content-Length")
            body = bytes(buf[:n])
            del buf[: n + len(end_marker)]
        else:
            search_from = 0
            while True:
                j = buf.find(end_marker, search_from)
                if j >= 0:
                    break
                search_from = max(0, len(buf) - len(end_marker))
                if not fill():
                    raise TruncatedMultipart("body ended inside a part")
            body = bytes(buf[:j])
            del buf[: j + len(end_marker)]
        yield Part(headers, body)


class BufferPool:
    """Part buffers used again once their part is handled.

    A new ``bytearray`` of half a megabyte is zero-filled and faulted in page by page: receiving
    a series into new buffers spent a fifth of the reading thread there. The pool hands out a
    view of a free buffer at least as large (the caller bounds how many are out at once) and
    takes it back with :meth:`give`, after which the view must no longer be used.
    """

    GRAIN = 1 << 16

    def __init__(self) -> None:
        self._free: list[bytearray] = []
        self._lock = threading.Lock()

    def take(self, n: int) -> memoryview:
        with self._lock:
            for i, buf in enumerate(self._free):
                if len(buf) >= n:
                    del self._free[i]
                    return memoryview(buf)[:n]
            if self._free:
                self._free.pop()  # too small for this part: let it go
        # with room to spare, so that the next images (a few bytes longer, say) fit too
        return memoryview(bytearray(n + (-n) % self.GRAIN))[:n]

    def give(self, view: memoryview) -> None:
        buf = view.obj
        try:
            view.release()
        except BufferError:  # still lent out: never reuse it
            return
        # reused only when nothing else holds it any more (another view of it would see the
        # next image's bytes): the one reference left is ours (and getrefcount's argument)
        if isinstance(buf, bytearray) and sys.getrefcount(buf) == 2:
            with self._lock:
                self._free.append(buf)


def _read_exactly(
    reader: BinaryIO, n: int, alloc: Callable[[int], memoryview] | None = None
) -> bytes:
    """``n`` bytes read straight into one buffer (``readinto``: a body larger than the reader's
    buffer skips it, and no bytes object is built and copied again); the buffer is new, or
    ``alloc(n)``'s."""
    view = memoryview(bytearray(n)) if alloc is None else alloc(n)
    buf = view
    got = 0
    while got < n:
        k = reader.readinto(view[got:])  # type: ignore[attr-defined]
        if not k:
            raise TruncatedMultipart(f"part ended after {got} of {n} bytes")
        got += k
    # bytes-like: verified and written as it is, never copied into bytes
    return buf  # type: ignore[return-value]


def _read_to_boundary(reader: BinaryIO, delim: bytes, limit: int) -> tuple[bytes, bool]:
    """A part without a Content-Length: its bytes up to the next delimiter line, read line by
    line and never more than ``limit`` of them (else :class:`PartTooLarge`); and whether that
    delimiter was the final one. The reader is left just after the delimiter line."""
    body = bytearray()
    after_newline = True
    while True:
        line = reader.readline(65536)
        if not line:
            raise TruncatedMultipart("body ended inside a part")
        if after_newline and line.startswith(delim):
            rest = line[len(delim) :].rstrip(b"\r\n")
            if rest in (b"", b"--"):
                if body.endswith(b"\r\n"):
                    del body[-2:]
                elif body.endswith(b"\n"):
                    del body[-1:]
                return bytes(body), rest == b"--"
        body += line
        if len(body) > limit + 2:
            raise PartTooLarge(None, limit)
        after_newline = line.endswith(b"\n")


def iter_parts_buffered(
    reader: BinaryIO,
    boundary: str,
    alloc: Callable[[int], memoryview] | None = None,
    max_part: int = 1 << 40,
) -> Iterator[Part]:
    """Parts read from a buffered binary stream (``readline``/``read``): fast when each part
    carries a Content-Length (as Orthanc's do), otherwise read up to the boundary with a bound.
    With ``alloc`` (e.g. :meth:`BufferPool.take`), bodies land in the buffers it gives. A part
    over ``max_part`` bytes raises :class:`PartTooLarge` before it is allocated or read."""
    delim = b"--" + boundary.encode("latin-1")
    # preamble: lines up to the first delimiter
    seen = 0
    while True:
        line = reader.readline(65536)
        if not line:
            raise TruncatedMultipart("no multipart boundary found in the body")
        if line.rstrip(b"\r\n") == delim:
            break
        seen += len(line)
        if seen > 1 << 20:
            raise MultipartError("no multipart boundary in the first megabyte")
    while True:
        headers_raw = bytearray()
        while True:
            line = reader.readline(65536)
            if not line:
                raise TruncatedMultipart("body ended inside part headers")
            if line in (b"\r\n", b"\n"):
                break
            headers_raw += line
            if len(headers_raw) > 1 << 16:
                raise MultipartError("part headers longer than 64 KiB")
        headers = _parse_headers(bytes(headers_raw))
        length = headers.get("content-length")
        if length is None or not length.isdigit():
            data, last = _read_to_boundary(reader, delim, max_part)
            yield Part(headers, data)
            if last:
                return
            continue
        n = int(length)
        if n > max_part:
            raise PartTooLarge(n, max_part)
        body = _read_exactly(reader, n, alloc)
        yield Part(headers, body)
        sep = reader.readline(65536)
        if sep not in (b"\r\n", b"\n"):
            raise MultipartError("part is longer than its Content-Length")
        line = reader.readline(65536)
        if not line:
            raise TruncatedMultipart("body ended after a part")
        marker = line.rstrip(b"\r\n")
        if marker == delim + b"--":
            return
        if marker != delim:
            raise MultipartError("expected a boundary after a part")
