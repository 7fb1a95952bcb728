"""Background work for the GUI: scanning sources and loading series, reported by Qt signals."""

from __future__ import annotations

import traceback
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from viewer.dicom.model import ScanResult, SeriesInfo
from viewer.dicom.scan import scan
from viewer.dicom.thumbs import THUMB, thumbnail  # noqa: F401  (moved to viewer.dicom.thumbs)
from viewer.dicom.volume import LoadError, load_series


class LoaderSignals(QObject):
    scanned = Signal(object, object)  # ScanResult, {series key: thumbnail (h, w) uint8}
    first_image = Signal(str, object, int)  # series key, slice array, index
    loaded = Signal(str, object)  # series key, Volume | ImageStack
    failed = Signal(str, str)  # series key (or ""), message


class _Task(QRunnable):
    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn

    def run(self) -> None:
        self.fn()


class Loader:
    """Runs scans and series loads on a thread pool; results arrive as signals."""

    def __init__(self) -> None:
        self.signals = LoaderSignals()
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(2)

    def scan(self, paths: list[str]) -> None:
        def work() -> None:
            try:
                result: ScanResult = scan(paths)
                thumbs = {s.key: thumbnail(s) for s in result.all_series()}
                self.signals.scanned.emit(result, thumbs)
            except Exception as exc:  # reported, never a crash
                self.signals.failed.emit("", f"{type(exc).__name__}: {exc}")
                traceback.print_exc()

        self.pool.start(_Task(work))

    def load(self, series: SeriesInfo) -> None:
        key = series.key

        def first(arr: np.ndarray, k: int) -> None:
            self.signals.first_image.emit(key, np.array(arr, copy=True), k)

        def work() -> None:
            try:
                image = load_series(series, on_first=first)
                self.signals.loaded.emit(key, image)
            except LoadError as exc:
                detail = "; ".join(str(p) for p in exc.problems[:3])
                self.signals.failed.emit(key, f"{exc} {detail}".strip())
            except Exception as exc:
                self.signals.failed.emit(key, f"{type(exc).__name__}: {exc}")
                traceback.print_exc()

        self.pool.start(_Task(work))

    def wait(self, msecs: int = 60000) -> bool:
        return bool(self.pool.waitForDone(msecs))
