"""Relevant priors: which of a patient's earlier exams to compare with today's, and how to get it.

The rules are data (``resources/priors/rules.json``, see its comment): same modality and body
region within N years, PET/CT ↔ CT, MG ↔ MG, … :func:`relevant_priors` ranks the candidates:
highest rule score, then the most modalities in common and the fewest others (plain CTs of a CT
chest before a PET/CT), then the most recent, then the nearest copy. Probable matches (same name,
birth date and sex but no identifier) are never picked on their own: the reader must confirm
them first (``include_probable``).

:func:`plan_retrieval` says where to read the chosen prior from — a local folder as it is, else
through the cloud client, which tries the workstation cache, then the hospital front-end, then
the provincial cloud (with the patient's authorization); :func:`execute` runs such a plan.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import resources
from cloudclient.national import ExamRecord
from cloudclient.tokens import AccessToken
from viewer.dicom.model import StudyInfo
from viewer.state.origin import Origin
from viewer.state.timeline import TimelineEntry

RULES_FILE = resources.path("priors", "rules.json")


class ExamLike(Protocol):
    """What the rules look at (a :class:`~viewer.state.timeline.TimelineEntry` is one)."""

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
    name: str
    body_parts: frozenset[str]
    description: re.Pattern[str] | None
    includes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PriorRule:
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
        origin = getattr(exam, "where", Origin.CLOUD)
        shared = len(cur_mods & set(exam.modalities))
        extra = len(set(exam.modalities) - cur_mods)
        rank = origin.rank if isinstance(origin, Origin) else 3
        key = (-best.score, -shared, extra, years, rank)
        out.append((key, Relevance(exam, best, years)))
    out.sort(key=lambda kv: kv[0])
    return [r for _, r in out]


def most_relevant(
    current: ExamLike, candidates: Iterable[ExamLike], rules: PriorRules | None = None
) -> Relevance | None:
    found = relevant_priors(current, candidates, rules)
    return found[0] if found else None


# --------------------------------------------------------------------------- retrieval


@dataclass(frozen=True)
class RetrievalPlan:
    """Where to read a study from, nearest first. ``steps`` are the places to try in order."""

    study_uid: str
    steps: tuple[Origin, ...]
    local: StudyInfo | None = None  # LOCAL: the scanned study, opened as it is
    record: ExamRecord | None = None  # the index record the cloud client fetches by
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def needs_authorization(self) -> bool:
        """True when the plan may have to go to the provincial cloud (the patient's token)."""
        return self.local is None and Origin.CLOUD in self.steps

    def describe(self) -> str:
        return " → ".join(o.value for o in self.steps) or "nowhere"


def plan_retrieval(entry: TimelineEntry) -> RetrievalPlan:
    """The retrieval path of a timeline entry: local as it is; else cache → front-end → cloud."""
    study = entry.study
    if Origin.LOCAL in entry.origins and study is not None:
        return RetrievalPlan(entry.study_uid, (Origin.LOCAL,), local=study)
    record = entry.record
    steps = {o for o in entry.origins if o is not Origin.LOCAL}
    notes: list[str] = []
    if record is not None:
        # the cloud client checks the cache and the front-end itself before the cloud
        steps |= {Origin.CACHE, Origin.FRONTEND, Origin.CLOUD}
    elif steps - {Origin.CACHE}:
        notes.append("no index record: only a copy already on this workstation can be opened")
        steps &= {Origin.CACHE}
    return RetrievalPlan(
        entry.study_uid,
        tuple(sorted(steps, key=lambda o: o.rank)),
        record=record,
        notes=tuple(notes),
    )


class CloudFetcher(Protocol):
    """The part of :class:`cloudclient.service.CloudService` a plan needs."""

    def cached(self, study_uid: str) -> list[Path]: ...

    def fetch(
        self,
        record: ExamRecord,
        token: AccessToken | None = None,
        *,
        series: str | None = None,
        progress: Any = None,
        on_first: Callable[[Path], None] | None = None,
        workers: int = 4,
    ) -> Any: ...


@dataclass(frozen=True)
class Retrieved:
    origin: Origin
    files: Sequence[Path] = ()  # what to scan (empty for a local study)
    local: StudyInfo | None = None


def execute(
    plan: RetrievalPlan,
    service: CloudFetcher,
    token: AccessToken | None = None,
    on_first: Callable[[Path], None] | None = None,
) -> Retrieved:
    """Run a plan: blocking (call it off the UI thread). Cloud errors propagate as they are
    (:class:`~cloudclient.errors.ReauthorizationRequired` means: ask the patient again)."""
    if plan.local is not None:
        return Retrieved(Origin.LOCAL, local=plan.local)
    if plan.record is not None:
        result = service.fetch(plan.record, token, on_first=on_first)
        source = getattr(result, "source", "cloud")
        origin = Origin(str(getattr(source, "value", source)))
        files = service.cached(plan.study_uid) or sorted(Path(result.folder).rglob("*.dcm"))
        return Retrieved(origin, sorted(files))
    files = service.cached(plan.study_uid) if Origin.CACHE in plan.steps else []
    if not files:
        raise LookupError(f"study {plan.study_uid} is on no reachable source ({plan.describe()})")
    return Retrieved(Origin.CACHE, files)
