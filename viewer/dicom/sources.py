"""Where a DICOM object's bytes live: a plain file, or a member of a zip archive.

A :class:`FileRef` is small, hashable and picklable so that scan results can be kept in
catalogs and handed to worker threads or processes.
"""

from __future__ import annotations

import io
import os
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from typing import BinaryIO

#: Refuse zip members larger than this (a zip bomb must not exhaust memory).
MAX_ZIP_MEMBER_BYTES = 4 * 1024**3


@dataclass(frozen=True, slots=True)
class FileRef:
    """A DICOM object on disk (``member`` is None) or inside a zip archive at ``path``."""

    path: str
    member: str | None = None

    def __str__(self) -> str:
        return self.path if self.member is None else f"{self.path}!{self.member}"

    def open(self) -> BinaryIO:
        """A seekable binary stream over the object's bytes."""
        if self.member is None:
            return open(self.path, "rb")
        return io.BytesIO(self.read_bytes())

    def read_bytes(self) -> bytes:
        if self.member is None:
            with open(self.path, "rb") as f:
                return f.read()
        zf = _zip_cache.get(self.path)
        info = zf.getinfo(self.member)
        if info.file_size > MAX_ZIP_MEMBER_BYTES:
            raise ValueError(f"zip member is {info.file_size} bytes, larger than allowed")
        with _zip_cache.lock_for(self.path), zf.open(info) as f:
            return f.read()

    def read_range(self, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset`` (short if the object is truncated)."""
        if self.member is None:
            with open(self.path, "rb") as f:
                f.seek(offset)
                return f.read(length)
        return self.read_bytes()[offset : offset + length]

    def size(self) -> int:
        if self.member is None:
            return os.path.getsize(self.path)
        return _zip_cache.get(self.path).getinfo(self.member).file_size


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
