"""Background work for the GUI: scanning sources and loading series, reported by Qt signals."""

from __future__ import annotations

import traceback
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from viewer.dicom.codecs import FrameReader
from viewer.dicom.model import ScanResult, SeriesInfo
from viewer.dicom.presets import robust_window
from viewer.dicom.scan import scan
from viewer.dicom.volume import LoadError, load_series

THUMB = 72


class LoaderSignals(QObject):
    scanned = Signal(object, object)  # ScanResult, {series key: thumbnail (h, w) uint8}
    first_image = Signal(str, object, int)  # series key, slice array, index
    loaded = Signal(str, object)  # series key, Volume | ImageStack
    failed = Signal(str, str)  # series key (or ""), message


def thumbnail(series: SeriesInfo) -> np.ndarray | None:
    """A small 8-bit picture of the series' middle frame (None if it cannot be decoded)."""
    if not series.frames:
        return None
    fr = sorted(series.frames, key=lambda f: (f.instance.instance_number or 0, f.index))[
        len(series.frames) // 2
    ]
    try:
        img = FrameReader(fr.instance).frame(fr.index).astype(np.float32)
    except Exception:
        return None
    if img.ndim == 3:
        img = img.mean(axis=2)
    g = fr.geometry
    img = img * g.rescale_slope + g.rescale_intercept
    if series.modality == "CT":
        c, w = 40.0, 400.0
    else:
        c, w = robust_window(img)
    step = max(1, max(img.shape) // THUMB)
    small = img[::step, ::step]
    return np.clip((small - (c - w / 2)) / w * 255, 0, 255).astype(np.uint8)


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
