"""Undo and redo (Ctrl+Z / Ctrl+Shift+Z) of every measurement and annotation change, in the 2D
viewports and the MPR layout: one :class:`~viewer.state.undo.UndoStack` for the window.

The views open a step when a gesture starts (``undo.begin`` on a press) and close it when it ends
(``undo.commit`` once no measurement is left half drawn); *Delete* and *Clear All* are recorded
as one step each. A viewport that shows another image, or an MPR layout that closes, drops its
steps (they would restore measurements onto another picture) — except a reduced cloud volume
refined, or loaded from the stored files in its place (:mod:`app.cloud_stream`): the same
picture in other pixels, whose steps are carried over with their points converted to the new
pixels (the same patient mm).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject

from viewer.state.undo import Annotated, Convert, UndoStack
from viewer.state.viewport import ViewportEvent, ViewportModel


class UndoLink(QObject):
    """Owns the window's undo stack and hands it to each view (and to the cloud stream, which
    carries a viewport's steps across a refinement)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.win = window
        self.stack = UndoStack()
        self.stack.on_recorded.append(self.update)  # (a view commits its gesture's step)
        streaming = getattr(getattr(window, "cloud", None), "streaming", None)
        if streaming is not None:  # (app.cloud_stream.StreamingLoader)
            streaming.keepers.append(self.carry)

    def watch(self, w: Any) -> None:
        """A 2D viewport widget: its gestures are recorded."""
        w.undo = self.stack
        w.model.subscribe(lambda ev, m=w.model: self._image(m, ev))

    def _image(self, model: Any, ev: ViewportEvent) -> None:
        if ev is ViewportEvent.IMAGE:
            self.stack.forget(model)
            self.update()
        elif ev is ViewportEvent.MEASUREMENTS:
            self.update()

    def carry(self, model: ViewportModel) -> Callable[[Convert | None], None]:
        """A viewport about to show the same picture in other pixels (a cloud keeper): its
        steps held, then converted (or forgotten with None) by the function returned."""
        end = self.stack.carry(model)

        def done(convert: Convert | None) -> None:
            end(convert)
            self.update()

        return done

    def watch_mpr(self, panel: Any) -> None:
        for v in panel.views.values():
            v.undo = self.stack
        panel.model.subscribe(lambda _ev: self.update())

    def mpr_closed(self, panel: Any) -> None:
        self.stack.forget(panel.model)
        self.update()

    def record(self, model: Annotated, label: str, change: Callable[[], Any]) -> bool:
        done = self.stack.record(model, label, change)
        self.update()
        return done

    def undo(self) -> bool:
        done = self.stack.undo()
        self.update()
        return done

    def redo(self) -> bool:
        done = self.stack.redo()
        self.update()
        return done

    def update(self) -> None:
        acts = self.win.acts
        if "undo" not in acts:
            return
        acts["undo"].setEnabled(self.stack.can_undo)
        acts["redo"].setEnabled(self.stack.can_redo)
        acts["undo"].setText(
            QCoreApplication.translate("Reading", "&Undo {0}").format(self.stack.undo_label).strip()
            if self.stack.can_undo
            else QCoreApplication.translate("MainWindow", "&Undo")
        )
        acts["redo"].setText(
            QCoreApplication.translate("Reading", "&Redo {0}").format(self.stack.redo_label).strip()
            if self.stack.can_redo
            else QCoreApplication.translate("MainWindow", "&Redo")
        )
