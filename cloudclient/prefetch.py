"""Hospital prefetch (零等待): registered patients' recent exams are pulled from the provincial
clouds onto the hospital's front-end server (前置机) before the doctor asks.

Registrations come as JSON files in a watched folder or as a JSON worklist::

    {"patient": {"id_number": "…", "name": "Zhang^San=张^三"},
     "appointment": "2026-11-26",
     "authorization": {"type": "code", "codes": ["…78 characters…"]}}
    (or {"type": "assisted", "doctor": "…", "reason": "…"})

Each registration brings the patient's recent exams and each one's most relevant prior however
old (:func:`choose_exams`). Jobs wait in a bounded queue ordered by appointment (today first,
then by date, then by arrival); each exam is fetched (verified, like any retrieval), sent to the
front-end with STOW-RS and checked there; failures are retried with backoff. The state of every
registration is kept in a status file (no patient names in it) for
``yunying-cloud prefetch status``.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import json
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from cloudclient.errors import CloudError
from cloudclient.frontend import FrontEnd
from cloudclient.national import ExamRecord
from cloudclient.priorrules import relevant_records
from cloudclient.service import CloudService
from cloudclient.store import InstanceStore
from cloudclient.tokens import AccessToken


class Authorization(StrEnum):
    """How a registration says the patient authorized the prefetch."""

    CODE = "code"
    ASSISTED = "assisted"


@dataclass(order=True)
class _Job:
    priority: tuple[int, str, int]
    registration: dict[str, Any] = field(compare=False)
    id: str = field(compare=False, default="")


def choose_exams(
    records: list[ExamRecord], today: dt.date, recent_days: int, priors_per_exam: int = 1
) -> list[ExamRecord]:
    """What a registration brings to the front-end: the recent exams (the last ``recent_days``),
    newest first, then for each its most relevant priors however old (the rules in
    ``resources/priors/rules.json``): the reader compares with them, so they must be there too."""
    since = today - dt.timedelta(days=recent_days)
    recent = sorted(
        (r for r in records if dt.date.fromisoformat(r.exam_datetime[:10]) >= since),
        key=lambda r: r.exam_datetime,
        reverse=True,
    )
    chosen, seen = list(recent), {r.study_uid for r in recent}
    for current in recent:
        for prior in relevant_records(records, current)[:priors_per_exam]:
            if prior.study_uid not in seen:
                seen.add(prior.study_uid)
                chosen.append(prior)
    return chosen


class QueueFull(CloudError):
    pass


class Prefetcher:
    """The prefetch queue of one hospital: registrations waiting, their status file, and the
    work of moving each exam from a provincial cloud onto the front-end."""

    def __init__(
        self,
        service: CloudService,
        frontend: FrontEnd,
        status_file: Path,
        *,
        max_queue: int = 200,
        recent_days: int = 365,
        priors_per_exam: int = 1,
        retries: int = 3,
        backoff: float = 1.0,
        today: dt.date | None = None,
    ) -> None:
        self.service = service
        self.frontend = frontend
        self.status_file = Path(status_file)
        self.max_queue = max_queue
        self.recent_days = recent_days
        self.priors_per_exam = priors_per_exam
        self.retries = retries
        self.backoff = backoff
        self.today = today or dt.date.today()
        self._queue: list[_Job] = []
        self._seq = itertools.count()
        self.status: dict[str, Any] = (
            json.loads(self.status_file.read_text()) if self.status_file.exists() else {}
        )

    # ------------------------------------------------------------------ registrations

    def submit(self, registration: dict[str, Any]) -> str:
        if len(self._queue) >= self.max_queue:
            raise QueueFull(f"the prefetch queue is full ({self.max_queue} registrations)")
        when = str(registration.get("appointment") or "9999-12-31")
        today = self.today.isoformat()
        rank = 0 if when == today else 1 if when > today else 2
        job_id = registration.get("id") or uuid.uuid4().hex[:12]
        heapq.heappush(self._queue, _Job((rank, when, next(self._seq)), registration, job_id))
        self._set(job_id, state="queued", appointment=when)
        return str(job_id)

    def watch_folder(self, folder: Path) -> int:
        """Queue every ``*.json`` registration in ``folder``; accepted files move to
        ``accepted/``, unreadable ones to ``rejected/``. Returns how many were queued."""
        n = 0
        for f in sorted(Path(folder).glob("*.json")):
            try:
                data = json.loads(f.read_text(encoding="utf-8"))
                regs = data if isinstance(data, list) else [data]
                for reg in regs:
                    self.submit(reg)
                    n += 1
                target = f.parent / "accepted"
            except (ValueError, TypeError):
                target = f.parent / "rejected"
            target.mkdir(exist_ok=True)
            shutil.move(str(f), target / f.name)
        return n

    # ------------------------------------------------------------------ work

    def run(self) -> dict[str, Any]:
        """Work through the queue, highest priority first; returns the status."""
        while self._queue:
            job = heapq.heappop(self._queue)
            for attempt in range(self.retries + 1):
                try:
                    self._set(job.id, state="running", attempt=attempt + 1)
                    done = self._prefetch(job)
                    self._set(job.id, state="done", exams=done, error="")
                    break
                except CloudError as exc:
                    self._set(
                        job.id,
                        state="retrying" if attempt < self.retries else "failed",
                        error=str(exc),
                    )
                    if attempt < self.retries:
                        time.sleep(self.backoff * 2**attempt)
        return self.status

    def _records(self, reg: dict[str, Any]) -> list[tuple[ExamRecord, AccessToken]]:
        auth = reg.get("authorization") or {}
        try:
            kind = Authorization(str(auth.get("type")))
        except ValueError:
            raise CloudError(
                f"registration has no usable authorization ({auth.get('type')!r})"
            ) from None
        out: list[tuple[ExamRecord, AccessToken]] = []
        if kind is Authorization.CODE:
            for code in auth.get("codes", []):
                tok, recs = self.service.open_code(code)
                out += [(r, tok) for r in recs]
        else:
            p = reg.get("patient") or {}
            tok = self.service.national.assisted_token(
                p.get("id_number", ""),
                p.get("name", ""),
                auth.get("doctor", "registration desk"),
                auth.get("reason", "prefetch for a registered appointment"),
            )
            out += [(r, tok) for r in self.service.national.exams(tok)]
        token_of = {r.study_uid: t for r, t in out}
        wanted = choose_exams(
            [r for r, _ in out], self.today, self.recent_days, self.priors_per_exam
        )
        return [(r, token_of[r.study_uid]) for r in wanted]

    def _prefetch(self, job: _Job) -> list[str]:
        done = []
        for record, token in self._records(job.registration):
            if self.frontend.instance_count(record.study_uid) >= record.instance_count:
                done.append(record.study_uid)
                continue
            with tempfile.TemporaryDirectory(prefix="yunying-prefetch-") as tmp:
                store = InstanceStore(Path(tmp))
                # the configured CA bundle, allowed hosts and limits, as for any retrieval
                result = self.service.retriever(token, store=store).fetch(record)
                files = sorted(result.folder.rglob("*.dcm"))
                self.frontend.stow(files)
            held = self.frontend.instance_count(record.study_uid)
            if held < record.instance_count:
                raise CloudError(f"the front-end holds {held} of {record.instance_count} images")
            self.service.audit.record(
                "prefetch",
                "stored on front-end",
                code=record.code,
                study=record.study_uid,
                instances=held,
            )
            done.append(record.study_uid)
        return done

    def _set(self, job_id: str, **values: Any) -> None:
        entry = self.status.setdefault(job_id, {})
        entry.update(values, updated=time.strftime("%Y-%m-%dT%H:%M:%S"))
        tmp = self.status_file.with_suffix(".tmp")
        self.status_file.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(self.status, indent=1))
        os.replace(tmp, self.status_file)
