"""Where a DICOM object's bytes live: a plain file, or a member of a zip archive.

A :class:`FileRef` is small, hashable and picklable so that scan results can be kept in
catalogs and handed to worker threads or processes.
"""

from __future__ import annotations

import os
import stat
import threading
import zipfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import BinaryIO

from viewer.dicom.i18n import QT_TRANSLATE_NOOP, translate
from viewer.dicom.limits import human_bytes, limits


class NotRegularFile(OSError):
    """The path is a named pipe, socket or device: opening or reading it could block for ever."""


def special_kind(mode: int) -> str | None:
    """What a non-regular file is (``None`` for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return QT_TRANSLATE_NOOP("Problems", "a named pipe (FIFO)")
    if stat.S_ISSOCK(mode):
        return QT_TRANSLATE_NOOP("Problems", "a socket")
    if stat.S_ISCHR(mode):
        return QT_TRANSLATE_NOOP("Problems", "a character device")
    if stat.S_ISBLK(mode):
        return QT_TRANSLATE_NOOP("Problems", "a block device")
    if stat.S_ISDIR(mode):
        return QT_TRANSLATE_NOOP("Problems", "a folder")
    return QT_TRANSLATE_NOOP("Problems", "not a regular file")


def open_regular(path: str) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file; never blocks on a FIFO."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        kind = special_kind(os.fstat(fd).st_mode)
        if kind is not None:
            why = translate("Problems", "{0}, not a file: not read")
            raise NotRegularFile(why.format(translate("Problems", kind)))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def max_member_bytes() -> int:
    """Largest zip member accepted at all (its header must still justify what is read)."""
    lim = limits()
    return lim.max_series_bytes + lim.max_header_bytes


@dataclass(frozen=True, slots=True)
class FileRef:
    """A DICOM object on disk (``member`` is None) or inside a zip archive at ``path``."""

    path: str
    member: str | None = None

    def __str__(self) -> str:
        return self.path if self.member is None else f"{self.path}!{self.member}"

    def _info(self) -> tuple[zipfile.ZipFile, zipfile.ZipInfo]:
        assert self.member is not None
        zf = _zip_cache.get(self.path)
        info = zf.getinfo(self.member)
        if info.file_size > max_member_bytes():
            raise ValueError(
                f"zip member declares {human_bytes(info.file_size)}, more than allowed "
                f"({human_bytes(max_member_bytes())})"
            )
        return zf, info

    def open(self) -> BinaryIO:
        """A seekable binary stream over the object's bytes (a zip member is inflated as it is
        read, never as a whole)."""
        if self.member is None:
            return open_regular(self.path)
        zf, info = self._info()
        return zf.open(info)  # type: ignore[return-value]

    def read_bytes(self, limit: int | None = None) -> bytes:
        """The object's bytes, at most ``limit`` of them."""
        return self.read_range(0, limit if limit is not None else self.size())

    def read_range(self, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset`` (short if the object is truncated). A zip member is
        inflated only up to ``offset + length``."""
        if length <= 0:
            return b""
        if self.member is None:
            with open_regular(self.path) as f:
                f.seek(offset)
                return f.read(length)
        zf, info = self._info()
        try:
            with _zip_cache.lock_for(self.path), zf.open(info) as f:
                if offset:
                    f.seek(offset)
                return f.read(length)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise OSError(f"zip member is damaged ({exc})") from None

    def size(self) -> int:
        if self.member is None:
            return os.path.getsize(self.path)
        return self._info()[1].file_size


class _ZipCache:
    """A few open :class:`zipfile.ZipFile` objects, so that 500 members don't reparse the index."""

    def __init__(self, capacity: int = 8) -> None:
        self._capacity = capacity
        self._open: OrderedDict[str, zipfile.ZipFile] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, path: str) -> zipfile.ZipFile:
        with self._lock:
            zf = self._open.get(path)
            if zf is None:
                zf = zipfile.ZipFile(path)
                self._open[path] = zf
                self._locks.setdefault(path, threading.Lock())
                while len(self._open) > self._capacity:
                    _, old = self._open.popitem(last=False)
                    old.close()
            else:
                self._open.move_to_end(path)
            return zf

    def lock_for(self, path: str) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(path, threading.Lock())

    def close_all(self) -> None:
        with self._lock:
            for zf in self._open.values():
                zf.close()
            self._open.clear()


_zip_cache = _ZipCache()


def close_archives() -> None:
    """Close every zip archive kept open for reading."""
    _zip_cache.close_all()
