"""Errors a compiled decoder can only report to Python's hooks (an exception in a callback it
cannot raise: ``sys.unraisablehook``, or ``sys.excepthook``), caught for the thread that is
decoding, so that it fails instead of returning a picture."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class _Caught(threading.local):
    errors: list[BaseException] | None = None


_CAUGHT = _Caught()
_LOCK = threading.Lock()
_USERS = 0
_SAVED: dict[str, Any] = {}


def _unraisable(u: Any) -> None:
    if _CAUGHT.errors is not None:
        _CAUGHT.errors.append(u.exc_value)
    else:
        _SAVED["unraisablehook"](u)


def _excepthook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
    if _CAUGHT.errors is not None:
        _CAUGHT.errors.append(value)
    else:
        _SAVED["excepthook"](kind, value, tb)


@contextmanager
def callback_errors() -> Iterator[list[BaseException]]:
    """Collect the errors reported to the hooks by this thread inside the block (other threads'
    go to the hooks that were installed: ours stand in front of them while any thread is in
    such a block, and step back after the last one leaves)."""
    global _USERS
    with _LOCK:
        if _USERS == 0:
            if sys.unraisablehook is not _unraisable:  # (never ours as "the one before")
                _SAVED["unraisablehook"] = sys.unraisablehook
            if sys.excepthook is not _excepthook:
                _SAVED["excepthook"] = sys.excepthook
            sys.unraisablehook, sys.excepthook = _unraisable, _excepthook
        _USERS += 1
    caught: list[BaseException] = []
    outer, _CAUGHT.errors = _CAUGHT.errors, caught
    try:
        yield caught
        if sys.unraisablehook is not _unraisable or sys.excepthook is not _excepthook:
            # replaced meanwhile: an error may have gone elsewhere
            caught.append(RuntimeError("Python's error hooks were replaced during the call"))
    finally:
        _CAUGHT.errors = outer
        if outer is not None:
            outer.extend(caught)
        with _LOCK:
            _USERS -= 1
            if _USERS == 0:
                if sys.unraisablehook is _unraisable:
                    sys.unraisablehook = _SAVED["unraisablehook"]
                if sys.excepthook is _excepthook:
                    sys.excepthook = _SAVED["excepthook"]
