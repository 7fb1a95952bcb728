"""The order in which a study's images are asked for, as data, and the one loop that walks it.

``resources/retrieval/order.json`` lists the stages (:class:`Stage`): by default the chosen
series' middle image (shown at once), then the chosen series, then the other series. :func:`walk`
goes through them for any :class:`StageSource` — the workstation cache and the provincial cloud
alike — and :func:`middle` is the one rule for "the middle image" (by Instance Number, then
Image Position, then SOP UID), whoever asks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol, TypeVar

import resources

ORDER_FILE = resources.path("retrieval", "order.json")


class Stage(StrEnum):
    """One step of the retrieval order (the names ``order.json`` uses)."""

    CHOSEN_MIDDLE = "chosen_middle"
    CHOSEN_SERIES = "chosen_series"
    OTHER_SERIES = "other_series"


def load_order(path: Path | None = None) -> tuple[Stage, ...]:
    """The stages of ``order.json``, checked: each known stage at most once, and both series
    stages present (without them a study would never be whole)."""
    data = json.loads((path or ORDER_FILE).read_text(encoding="utf-8"))
    try:
        stages = tuple(Stage(s["stage"]) for s in data["stages"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path or ORDER_FILE}: not a retrieval order ({exc})") from None
    if len(set(stages)) != len(stages):
        raise ValueError(f"{path or ORDER_FILE}: a stage is listed twice")
    if not {Stage.CHOSEN_SERIES, Stage.OTHER_SERIES} <= set(stages):
        raise ValueError(f"{path or ORDER_FILE}: the series stages are missing")
    return stages


@dataclass(frozen=True)
class InstanceRef:
    """An instance as the ordering sees it."""

    sop: str
    number: int | None = None
    position: tuple[float, ...] | None = None


def sort_key(ref: InstanceRef) -> tuple[int, int, tuple[float, ...], str]:
    return (
        ref.number is None,
        ref.number if ref.number is not None else 0,
        ref.position or (),
        ref.sop,
    )


def ordered(refs: Iterable[InstanceRef]) -> list[InstanceRef]:
    """Instances in display order: Instance Number, then position, then UID."""
    return sorted(refs, key=sort_key)


def middle_number(count: int) -> int:
    """The Instance Number of the middle image of a series numbered 1..``count``."""
    return count // 2 + 1


def middle(refs: Iterable[InstanceRef]) -> InstanceRef | None:
    """The middle instance of a series: the one numbered :func:`middle_number` of the series'
    size when exactly one has that number (a series numbered 1..N: its middle, which an archive
    finds with one small search), else the middle in display order. None for an empty one."""
    items = list(refs)
    if not items:
        return None
    k = middle_number(len(items))
    hits = [r for r in items if r.number == k]
    if len(hits) == 1:
        return hits[0]
    return ordered(items)[len(items) // 2]


def choose_series(counts: Mapping[str, int], wanted: str | None) -> str:
    """The series shown first: the one asked for if the study has it, else the largest."""
    if wanted is not None and wanted in counts:
        return wanted
    return max(counts, key=lambda s: counts[s])


class StageSource(Protocol):
    """Where a walk gets images from; each call starts the work and returns at once."""

    def middle_image(self, series: str) -> Future[Path | None]: ...

    def series(self, series: str) -> Future[None]: ...


def walk(
    order: Sequence[Stage], chosen: str, all_series: Sequence[str], source: StageSource
) -> tuple[Future[Path | None] | None, list[Future[None]]]:
    """Start each stage in order; returns the first image's future (None when the order has no
    such stage) and the series' futures."""
    first: Future[Path | None] | None = None
    pending: list[Future[None]] = []
    for stage in order:
        if stage is Stage.CHOSEN_MIDDLE:
            first = source.middle_image(chosen)
        elif stage is Stage.CHOSEN_SERIES:
            pending.append(source.series(chosen))
        else:
            pending += [source.series(s) for s in all_series if s != chosen]
    return first, pending


T = TypeVar("T")


def done(value: T) -> Future[T]:
    """A future that is already resolved (for a source that has everything at hand)."""
    f: Future[T] = Future()
    f.set_result(value)
    return f
