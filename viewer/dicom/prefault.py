"""Memory made ready ahead of use, on CPU time that would otherwise go unused.

A volume assembled while its images arrive is one large array, written slot by slot by the
decoders. The first write to each page of it costs the kernel a page fault and the zeroing of
that page (on this project's virtual machines also the host's first touch of the memory: about
0.35 s of CPU for a 262 MB CT volume, as much as a tenth of its HTJ2K decoding). While the
images still arrive, the CPU is partly idle waiting for the network: :func:`populate_idle`
faults the array's pages in there, from a thread at the lowest CPU priority, back to front
(the decoders fill it front to back), so that the decoders find the pages mapped.

Linux only (``madvise(MADV_POPULATE_WRITE)``, kernel 5.14 or later): it maps pages without
changing their contents, so it may run while the array is being written. Elsewhere, or when
the call is refused, nothing is done and the decoders fault the pages in themselves.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
from typing import Any

import numpy as np

_MADV_POPULATE_WRITE = 23
_STEP = 2 << 20  # one transparent huge page per call: stops soon when asked to
_PAGE = 4096
_libc: list[Any] = []


def _madvise() -> Any:
    if not _libc:
        fn = None
        if sys.platform.startswith("linux"):
            try:
                fn = ctypes.CDLL(None, use_errno=True).madvise
                fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
                fn.restype = ctypes.c_int
            except (OSError, AttributeError):
                fn = None
        _libc.append(fn)
    return _libc[0]


class Prefault:
    """One array's pages being faulted in by an idle-priority thread (owns the thread)."""

    def __init__(self, arr: np.ndarray) -> None:
        self._stop = threading.Event()
        self.populated = 0  # bytes faulted in so far
        self.idle_priority = False  # the thread runs at the lowest priority (nice 19)
        self.cpu_s = 0.0  # CPU seconds the thread took (set as it ends)
        self._thread = threading.Thread(target=self._run, args=(arr,), daemon=True)
        self._thread.name = "prefault"
        self._thread.start()

    def stop(self) -> None:
        """Stop soon (within one huge page); the array is not touched afterwards."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self, arr: np.ndarray) -> None:
        try:
            self._populate(arr)
        finally:
            self.cpu_s = time.thread_time()

    def _populate(self, arr: np.ndarray) -> None:
        fn = _madvise()
        if fn is None:
            return
        try:  # this thread only (Linux: a thread's nice value is its own)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except (OSError, AttributeError):
            return  # at the decoders' priority it would only take CPU from them
        self.idle_priority = os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == 19
        addr = int(arr.ctypes.data)
        start = -(-addr // _PAGE) * _PAGE
        pos = (addr + arr.nbytes) // _PAGE * _PAGE
        while pos > start and not self._stop.is_set():
            lo = max(start, pos - _STEP)
            if fn(lo, pos - lo, _MADV_POPULATE_WRITE) != 0:
                return  # an older kernel (EINVAL) or no memory: the decoders fault it in
            self.populated += pos - lo
            pos = lo


def populate_idle(arr: np.ndarray) -> Prefault | None:
    """Fault ``arr``'s pages in on idle CPU (see the module docstring); None where the
    platform cannot. The array is kept alive until the thread ends or is stopped."""
    if _madvise() is None or not arr.flags.c_contiguous or arr.nbytes < 4 * _STEP:
        return None
    return Prefault(arr)
