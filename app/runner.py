"""The one way the application runs work off the GUI thread.

:class:`Runner` owns thread pools ("lanes": a small one for decoding, whose memory use grows
with each series in flight, a wider one for network waits such as a QR poll) and hands every
result, error or progress report back to the GUI thread through one queued signal, so callers
never touch widgets from a worker thread.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

T = TypeVar("T")

#: threads per lane: "load" decodes series (memory-bound), "net" waits on servers
LANES = {"load": 2, "net": 8}


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], None]) -> None:
        super().__init__()
        self.fn = fn

    def run(self) -> None:
        self.fn()


class Runner(QObject):
    """Runs callables on thread pools and delivers their outcome on the GUI thread."""

    _deliver = Signal(object)  # a callable to run on the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pools: dict[str, QThreadPool] = {}
        for lane, threads in LANES.items():
            pool = QThreadPool(self)
            pool.setMaxThreadCount(threads)
            self.pools[lane] = pool
        self._deliver.connect(self._call, Qt.ConnectionType.QueuedConnection)

    def submit(
        self,
        fn: Callable[[], T],
        done: Callable[[T], Any] | None = None,
        error: Callable[[BaseException], Any] | None = None,
        lane: str = "load",
    ) -> None:
        """Run ``fn()`` on a worker; then ``done(result)`` or ``error(exception)`` on the GUI
        thread (an error without a handler is printed, never raised into Qt)."""

        def work() -> None:
            try:
                result = fn()
            except BaseException as exc:  # reported on the GUI thread, never a crash
                if error is None:
                    traceback.print_exc()
                    return
                self.post(functools.partial(error, exc))
                return
            if done is not None:
                self.post(functools.partial(done, result))

        self.pools[lane].start(_Task(work))

    def post(self, fn: Callable[[], Any]) -> None:
        """Call ``fn()`` on the GUI thread (soon, in order); safe from any thread."""
        self._deliver.emit(fn)

    def _call(self, fn: Callable[[], Any]) -> None:
        fn()

    def wait(self, msecs: int = 60000, lane: str = "load") -> bool:
        """Wait until a lane's work is done (the network lane's waits may be long)."""
        return bool(self.pools[lane].waitForDone(msecs))
