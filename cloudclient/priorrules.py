"""Relevant-prior rules (``resources/priors/rules.json``): which earlier exams of a patient to
compare with an exam. Pure and free of the viewer, so that both the viewer (*Compare with prior*,
:mod:`viewer.state.priors`) and the hospital prefetch (:func:`relevant_records`) use one set.

:func:`relevant_priors` ranks the candidates: highest rule score, then the most modalities in
common and the fewest others (plain CTs of a CT chest before a PET/CT), then the most recent,
then the nearest copy (a candidate's ``where.rank``, when it has one). Probable matches (a
candidate with ``probable`` true) are never picked unless ``include_probable``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import resources
from cloudclient.national import ExamRecord

RULES_FILE = resources.path("priors", "rules.json")


class ExamLike(Protocol):
    """What the rules look at (the viewer's timeline entries are; :class:`RecordExam` wraps an
    index record)."""

    @property
    def study_uid(self) -> str: ...
    @property
    def modalities(self) -> tuple[str, ...]: ...
    @property
    def body_part(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def date(self) -> dt.date | None: ...


@dataclass(frozen=True)
class Region:
    """A body region: the Body Part Examined values and description pattern that name it."""

    name: str
    body_parts: frozenset[str]
    description: re.Pattern[str] | None
    includes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PriorRule:
    """One rule for choosing priors: which current and prior modalities, same region or not,
    how old at most, and the score a match earns."""

    name: str
    current: frozenset[str] | None  # None: any modality
    prior: frozenset[str] | None  # None: "same" (a modality the current exam has)
    same_region: bool
    max_years: float
    score: int
    name_zh: str = ""

    def applies(
        self, current: ExamLike, prior: ExamLike, regions: Callable[[ExamLike], frozenset[str]]
    ) -> bool:
        cur = set(current.modalities)
        if self.current is not None and not cur & self.current:
            return False
        wanted = cur if self.prior is None else set(self.prior)
        if not set(prior.modalities) & wanted:
            return False
        return not self.same_region or bool(regions(current) & regions(prior))


@dataclass(frozen=True)
class PriorRules:
    """The prior-selection rules and body regions, loaded from the rules file (data, not code)."""

    regions: dict[str, Region]
    rules: tuple[PriorRule, ...]

    @classmethod
    def load(cls, path: Path | None = None) -> PriorRules:
        data = json.loads((path or RULES_FILE).read_text(encoding="utf-8"))
        regions = {
            name: Region(
                name,
                frozenset(b.upper() for b in r.get("body_parts", [])),
                re.compile(r["description"]) if r.get("description") else None,
                frozenset(r.get("includes", [])),
            )
            for name, r in data["regions"].items()
        }
        rules = []
        for r in data["rules"]:
            if r.get("region", "same") not in ("same", "any"):
                raise ValueError(f"prior rule {r['name']!r}: region must be 'same' or 'any'")
            rules.append(
                PriorRule(
                    r["name"],
                    None if r["current"] == "*" else frozenset(m.upper() for m in r["current"]),
                    None if r["prior"] == "same" else frozenset(m.upper() for m in r["prior"]),
                    r.get("region", "same") == "same",
                    float(r["max_years"]),
                    int(r["score"]),
                    r.get("name_zh", ""),
                )
            )
        return cls(regions, tuple(rules))

    def regions_of(self, exam: ExamLike) -> frozenset[str]:
        """The body regions an exam covers (from its body part and its description)."""
        found: set[str] = set()
        part = re.sub(r"[\s_]+", "", exam.body_part.upper())
        for reg in self.regions.values():
            by_text = reg.description is not None and reg.description.search(exam.description)
            if (part and part in reg.body_parts) or by_text:
                found.add(reg.name)
        for name in list(found):
            found |= self.regions[name].includes
        return frozenset(found)


@dataclass(frozen=True)
class Relevance:
    """Why ``exam`` is a relevant prior of the current exam."""

    exam: ExamLike
    rule: PriorRule
    years: float  # how long before the current exam


def _years(current: dt.date | None, prior: dt.date | None) -> float | None:
    if current is None or prior is None:
        return None
    return (current - prior).days / 365.25


def relevant_priors(
    current: ExamLike,
    candidates: Iterable[ExamLike],
    rules: PriorRules | None = None,
    *,
    include_probable: bool = False,
) -> list[Relevance]:
    """The candidates that are relevant priors of ``current``, most relevant first.

    A prior is older than the current exam (or of the same day) and not the current exam itself;
    exams without a date are not ranked (their age is unknown).
    """
    rules = rules or PriorRules.load()
    out: list[tuple[tuple[Any, ...], Relevance]] = []
    cur_mods = set(current.modalities)
    for exam in candidates:
        if exam.study_uid == current.study_uid:
            continue
        if not include_probable and getattr(exam, "probable", False):
            continue
        years = _years(current.date, exam.date)
        if years is None or years < 0:
            continue
        best: PriorRule | None = None
        for rule in rules.rules:
            if years > rule.max_years or (best is not None and rule.score <= best.score):
                continue
            if rule.applies(current, exam, rules.regions_of):
                best = rule
        if best is None:
            continue
        shared = len(cur_mods & set(exam.modalities))
        extra = len(set(exam.modalities) - cur_mods)
        rank = int(getattr(getattr(exam, "where", None), "rank", 3))  # nearest copy first
        key = (-best.score, -shared, extra, years, rank)
        out.append((key, Relevance(exam, best, years)))
    out.sort(key=lambda kv: kv[0])
    return [r for _, r in out]


def most_relevant(
    current: ExamLike, candidates: Iterable[ExamLike], rules: PriorRules | None = None
) -> Relevance | None:
    found = relevant_priors(current, candidates, rules)
    return found[0] if found else None


@dataclass(frozen=True)
class RecordExam:
    """An index record as the rules see it."""

    record: ExamRecord

    @property
    def study_uid(self) -> str:
        return self.record.study_uid

    @property
    def modalities(self) -> tuple[str, ...]:
        parts = re.split(r"[\\/,\s]+", self.record.modality.upper())
        return tuple(sorted({p for p in parts if p}))

    @property
    def body_part(self) -> str:
        return self.record.body_part

    @property
    def description(self) -> str:
        return self.record.description

    @property
    def date(self) -> dt.date | None:
        try:
            return dt.datetime.fromisoformat(self.record.exam_datetime).date()
        except ValueError:
            return None


def relevant_records(
    records: Sequence[ExamRecord],
    current: ExamRecord | None = None,
    rules: PriorRules | None = None,
) -> list[ExamRecord]:
    """The index records that are relevant priors of ``current`` (default: the newest record),
    most relevant first — e.g. what a prefetch should fetch beside a patient's recent exams."""
    if not records:
        return []
    cur = current or max(records, key=lambda r: r.exam_datetime)
    found = relevant_priors(RecordExam(cur), [RecordExam(r) for r in records], rules)
    return [r.exam.record for r in found]  # type: ignore[attr-defined]
