"""Relevant priors: which of a patient's earlier exams to compare with today's, and how to get it.

The rules are data (``resources/priors/rules.json``, see its comment): same modality and body
region within N years, PET/CT ↔ CT, MG ↔ MG, … The rule engine lives in
:mod:`cloudclient.priorrules` (the hospital prefetch uses it too) and is re-exported here:
:func:`relevant_priors` ranks timeline entries — highest rule score, then the most modalities in
common and the fewest others, then the most recent, then the nearest copy. Probable matches (same
name, birth date and sex but no identifier) are never picked on their own: the reader must
confirm them first (``include_probable``).

:func:`plan_retrieval` says where to read the chosen prior from — a local folder as it is, else
through the cloud client, which tries the workstation cache, then the hospital front-end, then
the provincial cloud (with the patient's authorization); :func:`execute` runs such a plan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cloudclient.national import ExamRecord
from cloudclient.priorrules import (
    RULES_FILE,
    ExamLike,
    PriorRule,
    PriorRules,
    Region,
    Relevance,
    most_relevant,
    relevant_priors,
)
from cloudclient.tokens import AccessToken
from viewer.dicom.model import StudyInfo
from viewer.state.origin import Origin
from viewer.state.timeline import TimelineEntry

__all__ = [
    "RULES_FILE",
    "CloudFetcher",
    "ExamLike",
    "PriorRule",
    "PriorRules",
    "Region",
    "Relevance",
    "RetrievalPlan",
    "Retrieved",
    "execute",
    "most_relevant",
    "plan_retrieval",
    "relevant_priors",
]

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
    """Where a retrieved prior study came from and what to scan of it."""

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
