"""Full-series, lossless retrieval of one study over DICOMweb into the local store.

1. Enumerate with QIDO-RS and check the counts against the index record.
2. Walk the retrieval order (``resources/retrieval/order.json``, :mod:`cloudclient.order`): by
   default the chosen series' middle image first (one small request, shown at once), then the
   chosen series, then the rest. A series with nothing stored yet comes as one streamed WADO-RS
   answer; a series that is partly stored (an earlier transfer was cut) fetches only its missing
   instances. Several requests run in parallel.
3. Always ``transfer-syntax=*``: the archive's stored lossless bytes, untouched.
4. Every instance is checked (:mod:`cloudclient.dicomheader`: parses, the UIDs asked for, not
   truncated) before it is written atomically; a part larger than the study the index announced
   (or the per-instance cap) is refused before it is allocated. Retries, deadlines and the
   token's one destination are :class:`cloudclient.dicomweb.Archive`'s.
   What the archive lists (QIDO-RS) is read, UIDs checked, by :mod:`cloudclient.listing`.
5. The token goes only to a DICOMweb root the configuration allows (:class:`HostPolicy`), over
   https unless on loopback; no redirects are followed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path

from cloudclient.dicomweb import Archive
from cloudclient.errors import (
    AccessDenied,
    IncompleteStudy,
    InvalidInstance,
    ReauthorizationRequired,
    TransferFailed,
)
from cloudclient.http import Deadline, HostPolicy
from cloudclient.listing import numbered_instance, series_counts, series_instances
from cloudclient.national import ExamRecord
from cloudclient.order import (
    InstanceRef,
    choose_series,
    done,
    load_order,
    middle,
    middle_number,
    ordered,
    walk,
)
from cloudclient.receive import MEMORY_BUDGET, InstanceFn, Progress, ProgressFn, Receiver, notify
from cloudclient.store import CodeHasher, InstanceStore, manifest, verify_instance
from cloudclient.tokens import AccessToken

__all__ = ["FetchResult", "InstanceFn", "Progress", "ProgressFn", "Retriever", "SeriesFn", "Source"]
#: called once the archive has listed the study: (the series shown first, images per series)
SeriesFn = Callable[[str, dict[str, int]], None]
ANY_TS = 'multipart/related; type="application/dicom"; transfer-syntax=*'
#: the largest single instance accepted when the index announces no study size
MAX_INSTANCE_BYTES = 2 << 30
#: a study's deadline: this much, plus its announced size at this many bytes a second
STUDY_BASE_S, MIN_RATE_BPS = 300.0, 256 << 10


class Source(StrEnum):
    """Where a study came from."""

    CACHE = "cache"  # this workstation's cache
    FRONTEND = "frontend"  # the hospital's front-end server (前置机)
    CLOUD = "cloud"  # the provincial cloud


@dataclass
class FetchResult:
    """What a retrieval delivered: where the study is, how much came now, how fast, from where."""

    study_uid: str
    folder: Path
    instances: int
    fetched: int  # instances transferred in this run (the rest were already stored)
    bytes: int
    seconds: float
    first_image: Path | None
    first_image_s: float | None
    source: Source = Source.CLOUD


class Retriever:
    """One study's transfer from a DICOMweb archive into an :class:`InstanceStore`: the order
    of requests, the check of each received instance, resume, and the completeness verdict."""

    def __init__(
        self,
        store: InstanceStore,
        token: AccessToken,
        *,
        workers: int = 4,
        retries: int = 8,
        backoff: float = 0.2,
        verify: bool | str = True,
        timeout: float = 60.0,
        authorization: str | None = None,
        policy: HostPolicy | None = None,
        max_instance_bytes: int = MAX_INSTANCE_BYTES,
        study_deadline: float | None = None,
        request_deadline: float = 600.0,
        code_hasher: CodeHasher | None = None,
        memory_budget: int = MEMORY_BUDGET,
    ) -> None:
        if verify is False:
            raise ValueError("TLS verification cannot be turned off")
        self.store = store
        self.token = token
        self.workers = workers
        self.retries = retries
        self.backoff = backoff
        self.verify = verify
        self.timeout = timeout
        #: which DICOMweb hosts may get the token (default: this machine's loopback only)
        self.policy = policy or HostPolicy()
        self.max_instance_bytes = max_instance_bytes
        self.memory_budget = memory_budget
        self.study_deadline = study_deadline
        self.request_deadline = request_deadline
        #: what stands for the index code in the manifest (None: nothing does)
        self.code_hasher = code_hasher
        self.order = load_order()
        #: wait for each instance to reach the disk as it is written; by default the writers
        #: only start its write-back (it overlaps the transfer) and the study is flushed
        #: before it is marked complete, which is what makes it count as cached
        self.sync_each = False
        #: threads verifying and writing received images, and how many received images may
        #: wait for them (each holds its buffer)
        self.writer_threads = 2
        self.in_flight = 8
        #: the Authorization header: the patient's bearer token, or a site credential for the
        #: hospital front-end
        self.authorization = authorization or f"Bearer {token.access_token}"

    # ------------------------------------------------------------------ transfer

    def _request_and_receive(
        self,
        path: str,
        study: str,
        series: str | None,
        expected: dict[str, str] | None,
        progress: Progress,
        report: ProgressFn | None,
    ) -> list[Path]:
        r = self._archive.get(path, ANY_TS)
        return self._receiver.receive(r, study, series, expected, progress, report)

    def _stream_series(
        self, study: str, series: str, progress: Progress, report: ProgressFn | None
    ) -> None:
        """One streamed answer for a whole series; a cut is left for the resume step."""
        # whatever arrives is stored and verified; after a cut the rest is fetched one by one
        with contextlib.suppress(TransferFailed):
            self._archive.with_retries(
                f"series {series}",
                partial(
                    self._request_and_receive,
                    f"studies/{study}/series/{series}",
                    study,
                    series,
                    None,
                    progress,
                    report,
                ),
                retries=1,
            )

    def _fetch_one(
        self,
        study: str,
        series: str,
        sop: str,
        expected: dict[str, str],
        progress: Progress,
        report: ProgressFn | None,
        what: str = "",
    ) -> None:
        if self.store.has(study, series, sop):
            return
        self._archive.with_retries(
            what or f"image {sop}",
            partial(
                self._request_and_receive,
                f"studies/{study}/series/{series}/instances/{sop}",
                study,
                series,
                expected,
                progress,
                report,
            ),
        )

    # ------------------------------------------------------------------ the study

    def fetch(
        self,
        record: ExamRecord,
        *,
        series: str | None = None,
        progress: ProgressFn | None = None,
        on_first: Callable[[Path], None] | None = None,
        on_series: SeriesFn | None = None,
        on_instance: InstanceFn | None = None,
    ) -> FetchResult:
        """Retrieve a whole study (``series`` first, if given); returns when all is stored.

        ``on_series`` hears the series counts before any image is asked for; ``on_instance``
        is called with (series UID, stored path) for each image as soon as it is stored (from
        a writer thread, so that the caller can decode it while the rest arrive), and for each
        image already stored by an earlier, cut transfer. Neither may block for long, and
        neither can fail the transfer."""
        t0 = time.perf_counter()
        root = self.policy.check(record.dicomweb_root)
        seconds = self.study_deadline or STUDY_BASE_S + record.size_bytes / MIN_RATE_BPS
        self._archive = Archive(
            root,
            self.authorization,
            verify=self.verify,
            timeout=self.timeout,
            retries=self.retries,
            backoff=self.backoff,
            deadline=Deadline(seconds, "the study's transfer"),
            request_deadline=self.request_deadline,
        )
        announced = record.size_bytes or self.max_instance_bytes
        self._receiver = Receiver(
            self.store,
            self._archive,
            min(self.max_instance_bytes, announced),  # no image is larger than its study
            writer_threads=self.writer_threads,
            in_flight=self.in_flight,
            sync_each=self.sync_each,
            memory_budget=self.memory_budget,
        )
        self._receiver.on_stored = on_instance
        self._on_series = on_series
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="wado")
        first_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wado-first")
        try:
            return self._fetch(record, series, progress, on_first, pool, first_pool, t0)
        finally:
            first_pool.shutdown(wait=True)
            pool.shutdown(wait=True)
            self._receiver.close()

    def _fetch(
        self,
        record: ExamRecord,
        series: str | None,
        report: ProgressFn | None,
        on_first: Callable[[Path], None] | None,
        pool: ThreadPoolExecutor,
        first_pool: ThreadPoolExecutor,
        t0: float,
    ) -> FetchResult:
        study = record.study_uid
        counts = series_counts(self._archive, study)
        if record.series_count and len(counts) != record.series_count:
            raise IncompleteStudy(
                f"the archive lists {len(counts)} series, the index record "
                f"promises {record.series_count}"
            )
        chosen = choose_series(counts, series)
        all_series = [chosen] + [s for s in counts if s != chosen]
        prog = Progress(
            total=record.instance_count or sum(counts.values()),
            series={se: [0, n] for se, n in counts.items()},
        )
        self.store.check_partial(study)  # an earlier, unfinished transfer: trust nothing unverified
        already = {se: self._stored(study, se) for se in all_series}
        self._receiver.have = {(se, sop) for se in all_series for sop in already[se]}
        if self._on_series is not None:
            self._on_series(chosen, dict(counts))
        if self._receiver.on_stored is not None:  # stored by an earlier transfer: told now
            for se in all_series:
                for sop in sorted(already[se]):
                    notify(self._receiver.on_stored, se, self.store.path(study, se, sop))
        prog.done = sum(len(v) for v in already.values())
        for se in all_series:
            prog.series[se][0] = len(already[se])
        listed: dict[str, list[InstanceRef]] = {}

        class Cloud:
            """The walk's source: requests to the archive (each returns a future at once)."""

            @staticmethod
            def middle_image(se: str) -> Future[Path | None]:
                return first_pool.submit(
                    self._first_image, study, se, counts[se], listed, prog, report
                )

            @staticmethod
            def series(se: str) -> Future[None]:
                if already[se]:  # partly stored: the resume step fetches what is missing
                    return done(None)
                return pool.submit(self._stream_series, study, se, prog, report)

        first_future, streams = walk(self.order, chosen, all_series, Cloud())
        errors: list[BaseException] = []
        first_path: Path | None = None
        first_s: float | None = None
        if first_future is not None:
            try:
                first_path = first_future.result()
                first_s = time.perf_counter() - t0
                if on_first is not None and first_path is not None:
                    on_first(first_path)
            except Exception as exc:
                errors.append(exc)
        for f in streams:
            try:
                f.result()
            except Exception as exc:
                errors.append(exc)
        layout: dict[str, list[InstanceRef]] = {}
        stored: dict[str, set[str]] = {}  # series → SOPs on disk (listed again after a resume)
        if not errors:
            # a series is complete when every image the archive counts is stored and verified;
            # otherwise list it and fetch only what is missing
            stored = {se: self._stored(study, se) for se in all_series}
            partial_series = [se for se in all_series if len(stored[se]) != counts[se]]
            for se in partial_series:
                layout[se] = listed.get(se) or series_instances(self._archive, study, se)
            expected = {ref.sop: se for se, refs in layout.items() for ref in refs}
            resumes = [
                pool.submit(self._fetch_missing, study, se, layout[se], expected, prog, report)
                for se in partial_series
            ]
            for f in resumes:
                try:
                    f.result()
                except Exception as exc:
                    errors.append(exc)
        if errors:
            # an authorization problem is what the user must act on; report it first
            errors.sort(key=lambda e: not isinstance(e, ReauthorizationRequired | AccessDenied))
            raise errors[0]
        parts = (layout, listed, stored, already)
        return self._finish(record, counts, all_series, *parts, prog, (first_path, first_s, t0))

    def _finish(
        self,
        record: ExamRecord,
        counts: dict[str, int],
        all_series: list[str],
        layout: dict[str, list[InstanceRef]],
        listed: dict[str, list[InstanceRef]],
        stored: dict[str, set[str]],
        already: dict[str, set[str]],
        prog: Progress,
        first: tuple[Path | None, float | None, float],
    ) -> FetchResult:
        """Check the study is whole, write its manifest (series in display order)."""
        study = record.study_uid
        for se in layout:  # the resumed series
            stored[se] = self._stored(study, se)
            unexpected = stored[se] - {ref.sop for ref in layout[se]}
            for sop in unexpected:
                self.store.path(study, se, sop).unlink(missing_ok=True)
            if unexpected:
                raise InvalidInstance(
                    f"{len(unexpected)} received images are not in the "
                    "archive's list; they were discarded"
                )
        total = sum(len(v) for v in stored.values())
        if any(len(stored[se]) != counts[se] for se in all_series):
            raise IncompleteStudy(f"{sum(counts.values()) - total} images are still missing")
        if record.instance_count and total != record.instance_count:
            raise IncompleteStudy(
                f"the archive holds {total} images, the index record "
                f"promises {record.instance_count}"
            )
        display = {
            se: self._display_order(study, se, stored[se], listed, layout) for se in all_series
        }
        first_path, first_s, t0 = first
        if first_path is None:
            ref = middle(display[all_series[0]])
            first_path = self.store.path(study, all_series[0], ref.sop) if ref else None
        self.store.mark_complete(
            study, manifest(record, display, total, self._archive.root, self.code_hasher)
        )
        before = sum(len(v) for v in already.values())
        return FetchResult(
            study,
            self.store.study_dir(study),
            total,
            prog.done - before,
            prog.bytes,
            time.perf_counter() - t0,
            first_path,
            first_s,
        )

    def _display_order(
        self,
        study: str,
        series: str,
        sops: set[str],
        listed: dict[str, list[InstanceRef]],
        layout: dict[str, list[InstanceRef]],
    ) -> list[InstanceRef]:
        """The series' instances in display order, from what this run learned (headers read,
        archive listings), the rest read from the stored files."""
        known = dict(self._receiver.refs.get(series, {}))
        for ref in [*listed.get(series, []), *layout.get(series, [])]:
            known.setdefault(ref.sop, ref)
        refs = []
        for sop in sops:
            found = known.get(sop)
            if found is None:
                header = verify_instance(self.store.path(study, series, sop).read_bytes())
                found = InstanceRef(sop, header.number, header.position)
            refs.append(found)
        return ordered(refs)

    def _first_image(
        self,
        study: str,
        series: str,
        count: int,
        listed: dict[str, list[InstanceRef]],
        progress: Progress,
        report: ProgressFn | None,
    ) -> Path | None:
        """The middle image of a series (:func:`cloudclient.order.middle`), fetched on its own:
        one small search for the instance numbered as the middle of 1..N finds it; only when
        that does not name exactly one image is the series listed."""
        if count == 0:
            return None
        ref = numbered_instance(self._archive, study, series, middle_number(count))
        if ref is None:
            ref = middle(listed.setdefault(series, series_instances(self._archive, study, series)))
        if ref is None:
            return None
        self._fetch_one(study, series, ref.sop, {ref.sop: series}, progress, report, "first image")
        return self.store.path(study, series, ref.sop)

    def _fetch_missing(
        self,
        study: str,
        series: str,
        refs: list[InstanceRef],
        expected: dict[str, str],
        progress: Progress,
        report: ProgressFn | None,
    ) -> None:
        """Resume: only the instances not stored yet, one request each."""
        for ref in refs:
            self._fetch_one(study, series, ref.sop, expected, progress, report)

    def _stored(self, study: str, series: str) -> set[str]:
        folder = self.store.study_dir(study) / series
        if not folder.is_dir():
            return set()
        return {p.stem for p in folder.glob("*.dcm")}
