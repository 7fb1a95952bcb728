"""The one way the application runs work off the GUI thread.

:class:`Runner` runs work in "lanes": ``load`` is a small thread pool for decoding (memory grows
with each series in flight); ``audit`` is one thread writing audit lines in order (keyring calls
and an fsync each; the window waits for it when it closes); ``net`` gives each network wait (a QR
poll, a study fetch, waiting to be admitted to a consultation) its own daemon thread, since such
a wait may last minutes and must never hold the application open when it quits. Every result,
error or progress report comes back to the GUI thread through one queued signal, so callers never
touch widgets from a worker.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

T = TypeVar("T")

#: threads of the pooled lanes ("net" work gets a daemon thread each)
POOLS = {"load": 2, "audit": 1}


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], None]) -> None:
        super().__init__()
        self.fn = fn

    def run(self) -> None:
        self.fn()


class Runner(QObject):
    """Owns the worker lanes; runs callables there and delivers their outcome on the GUI
    thread."""

    _deliver = Signal(object)  # a callable to run on the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pools: dict[str, QThreadPool] = {}
        for lane, threads in POOLS.items():
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

        if lane == "net":
            threading.Thread(target=work, daemon=True, name="runner-net").start()
        else:
            self.pools[lane].start(_Task(work))

    def post(self, fn: Callable[[], Any]) -> None:
        """Call ``fn()`` on the GUI thread (soon, in order); safe from any thread."""
        with contextlib.suppress(RuntimeError):  # the runner (its window) is gone: nobody to tell
            self._deliver.emit(fn)

    def _call(self, fn: Callable[[], Any]) -> None:
        fn()

    def wait(self, msecs: int = 60000, lane: str = "load") -> bool:
        """Wait until a pooled lane's work is done."""
        return bool(self.pools[lane].waitForDone(msecs))
