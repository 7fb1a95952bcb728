"""Why a series could not be loaded, as the loader and the cloud stream's fallback both report
it (``app.loader.load_failed``): a LoadError with its first three problems, anything else by
its type."""

from __future__ import annotations

from app.loader import load_failed
from viewer.dicom.model import Problem
from viewer.dicom.volume import LoadError
from viewer.state.workspace import LoadFailed, Workspace


def _reported(exc: BaseException) -> list[LoadFailed]:
    ws = Workspace(layout="1x1")
    seen: list[LoadFailed] = []
    ws.events.subscribe(lambda e: seen.append(e) if isinstance(e, LoadFailed) else None)
    load_failed(ws, "1.2.3#0", exc)
    return seen


def test_a_load_error_is_reported_with_its_first_three_problems() -> None:
    problems = [Problem(f"f{n}.dcm", f"reason {n}") for n in range(4)]
    (event,) = _reported(LoadError("No image could be loaded", problems))
    assert event.key == "1.2.3#0"
    assert event.message.startswith("No image could be loaded ")
    assert all(str(p) in event.message for p in problems[:3])
    assert str(problems[3]) not in event.message


def test_another_error_is_reported_by_its_type() -> None:
    (event,) = _reported(ValueError("bad spacing"))
    assert (event.key, event.message) == ("1.2.3#0", "ValueError: bad spacing")
