"""Undo and redo of the reader's annotations: one stack per workstation, any model that can
snapshot and restore its measurements.

A change is recorded as the model's snapshot before and after it (measurements are small), so
every kind of change — add, delete, move a point, edit a text, *Clear All* — is undone the same
way. Continuous edits (a drag) are one step: :meth:`UndoStack.begin` when it starts,
:meth:`UndoStack.commit` when it ends; nothing is recorded when nothing changed.

A model that goes on to show the same picture in other pixels (a reduced-resolution volume
refined) keeps its steps: :meth:`UndoStack.carry` holds them while its image changes, then
converts their snapshots to the new pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

#: a snapshot → the same measurements in another image's pixels
Convert = Callable[[Any], Any]


class Annotated(Protocol):
    """What the undo stack needs of a model (a 2D viewport, an MPR layout)."""

    def snapshot_measurements(self) -> Any: ...

    def restore_measurements(self, snapshot: Any) -> None: ...


@dataclass
class _Step:
    model: Annotated
    label: str
    before: Any
    after: Any


class UndoStack:
    """Owns the history of annotation changes (bounded), the redo branch, open edits and the
    models whose steps are held while their picture is swapped for the same in other pixels."""

    def __init__(self, limit: int = 200) -> None:
        self.limit = limit
        self._done: list[_Step] = []
        self._undone: list[_Step] = []
        self._open: dict[int, tuple[Annotated, Any]] = {}
        self._held: dict[int, int] = {}  # id(model) → carries not yet ended
        #: called after a step is recorded (what can be undone or redone changed)
        self.on_recorded: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ recording

    def begin(self, model: Annotated) -> None:
        """A change of ``model`` starts (the first begin of nested ones counts)."""
        self._open.setdefault(id(model), (model, model.snapshot_measurements()))

    def commit(self, model: Annotated, label: str) -> bool:
        """The change ends; recorded (and the redo branch dropped) if anything changed."""
        opened = self._open.pop(id(model), None)
        if opened is None:
            return False
        before = opened[1]
        after = model.snapshot_measurements()
        if after == before:
            return False
        self._done.append(_Step(model, label, before, after))
        del self._done[: -self.limit]
        self._undone.clear()
        for fn in self.on_recorded:
            fn()
        return True

    def record(self, model: Annotated, label: str, change: Any) -> bool:
        """Run ``change()`` (a callable) on ``model`` as one step."""
        self.begin(model)
        try:
            change()
        finally:
            recorded = self.commit(model, label)
        return recorded

    def forget(self, model: Annotated) -> None:
        """The model is gone (its series closed): its steps can no longer be undone (unless
        held by :meth:`carry`)."""
        if id(model) in self._held:
            return
        self._done = [s for s in self._done if s.model is not model]
        self._undone = [s for s in self._undone if s.model is not model]
        self._open.pop(id(model), None)

    def carry(self, model: Annotated) -> Callable[[Convert | None], None]:
        """``model`` is about to show the same picture in other pixels (a refined volume): its
        steps are held (:meth:`forget` leaves them) until the returned function is called with
        ``convert`` (a snapshot → the same measurements in the new pixels), which converts every
        snapshot of its steps and open edit; called with None, the steps are forgotten (the
        picture was not swapped as expected). Only the first call counts."""
        key = id(model)
        self._held[key] = self._held.get(key, 0) + 1
        ended = False

        def end(convert: Convert | None) -> None:
            nonlocal ended
            if ended:
                return
            ended = True
            self._held[key] -= 1
            if not self._held[key]:
                del self._held[key]
            if convert is None:
                self.forget(model)
                return
            for s in (*self._done, *self._undone):
                if s.model is model:
                    s.before, s.after = convert(s.before), convert(s.after)
            opened = self._open.get(key)
            if opened is not None:
                self._open[key] = (model, convert(opened[1]))

        return end

    # ------------------------------------------------------------------ undo / redo

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_label(self) -> str:
        return self._done[-1].label if self._done else ""

    @property
    def redo_label(self) -> str:
        return self._undone[-1].label if self._undone else ""

    def undo(self) -> bool:
        if not self._done:
            return False
        step = self._done.pop()
        step.model.restore_measurements(step.before)
        self._undone.append(step)
        return True

    def redo(self) -> bool:
        if not self._undone:
            return False
        step = self._undone.pop()
        step.model.restore_measurements(step.after)
        self._done.append(step)
        return True
