"""One small observer for every Qt-free model: typed events, subscribe with unsubscribe.

A model owns an :class:`Observable` of its event type and calls :meth:`Observable.emit`; views,
widgets and other models :meth:`Observable.subscribe` and keep the returned callable to stop
listening. Emission walks a snapshot of the listeners and skips any that unsubscribed meanwhile,
so a listener may unsubscribe itself (or another) while an event is being delivered, and a
listener added during an emission first hears the next event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

E = TypeVar("E")

Unsubscribe = Callable[[], None]


class Observable(Generic[E]):
    """Owns the list of listeners of one model and delivers its events in subscription order."""

    __slots__ = ("_listeners", "_removals")

    def __init__(self) -> None:
        self._listeners: list[Callable[[E], None]] = []
        self._removals = 0  # counts unsubscriptions, so emit checks only after one

    def subscribe(self, fn: Callable[[E], None]) -> Unsubscribe:
        """Call ``fn(event)`` on every event from now on; returns what stops it (idempotent)."""
        self._listeners.append(fn)
        done = False

        def unsubscribe() -> None:
            nonlocal done
            if done:
                return
            done = True
            for i, f in enumerate(self._listeners):
                if f is fn:
                    del self._listeners[i]
                    self._removals += 1
                    return

        return unsubscribe

    def emit(self, event: E) -> None:
        listeners = self._listeners
        removals = self._removals
        for fn in tuple(listeners):
            # skip a listener unsubscribed by an earlier one during this emission
            if self._removals != removals and not any(f is fn for f in listeners):
                continue
            fn(event)

    def __len__(self) -> int:
        return len(self._listeners)
