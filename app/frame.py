"""The main window's frame while the viewer loads: the note in its centre, and waiting (bounded)
until the frame is on screen. Light: imported before VTK and pydicom."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QThread
from PySide6.QtWidgets import QLabel, QWidget


class StartingNote(QLabel):
    """The frame's centre while the viewer loads; remembers when it was first painted."""

    def __init__(self, text: str, parent: QWidget) -> None:
        super().__init__(text, parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.painted_at: float | None = None  # time.perf_counter() of the first paint

    def paintEvent(self, ev: Any) -> None:
        super().paintEvent(ev)
        if self.painted_at is None:
            self.painted_at = time.perf_counter()


def wait_painted(note: StartingNote | None, timeout_s: float = 5.0) -> float | None:
    """Process events until ``note`` has been painted, at most ``timeout_s``; when it was
    (``time.perf_counter()``), None if it was not (or there is no note)."""
    app = QCoreApplication.instance()
    deadline = time.perf_counter() + timeout_s
    while note is not None and note.painted_at is None:
        if app is None or time.perf_counter() > deadline:
            break
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        QThread.msleep(1)
    return note.painted_at if note is not None else None
