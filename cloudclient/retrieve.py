"""Full-series, lossless retrieval of one study over DICOMweb into the local store.

1. Enumerate with QIDO-RS and check the counts against the index record.
2. The chosen series first, its middle image first (one small request, shown at once), then the
   rest: a series with nothing stored yet comes as one streamed WADO-RS answer; a series that is
   partly stored (an earlier transfer was cut) fetches only its missing instances. Several
   requests run in parallel.
3. Always ``transfer-syntax=*``: the archive's stored lossless bytes, untouched.
4. Every instance is verified (parses, the UIDs asked for, not truncated) before it is written
   atomically. Dropped connections, 5xx and 429 are retried with backoff (honouring Retry-After);
   401 stops at once: the patient must authorize again.
5. The token goes only to the DICOMweb root the index named (no redirects are followed).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from cloudclient.errors import (
    AccessDenied,
    CloudError,
    IncompleteStudy,
    InvalidInstance,
    NotFound,
    ReauthorizationRequired,
    TransferFailed,
    UntrustedHost,
)
from cloudclient.multipart import BufferPool, MultipartError, boundary_of, iter_parts_buffered
from cloudclient.national import ExamRecord
from cloudclient.store import InstanceStore, verify_instance
from cloudclient.tokens import AccessToken

ANY_TS = 'multipart/related; type="application/dicom"; transfer-syntax=*'
CHUNK = 1 << 20
HEADER_BUFFER = 1 << 16  # part headers and boundaries; bodies bypass it
SOP_TAG, SERIES_TAG, NUMBER_TAG = "00080018", "0020000E", "00200013"
UID_PATTERN = re.compile(r"^[0-9]+(\.[0-9]+)*$")


@dataclass
class Progress:
    """Counts for one study; ``series`` maps series UID → (done, total)."""

    total: int = 0
    done: int = 0
    bytes: int = 0
    series: dict[str, list[int]] = field(default_factory=dict)


ProgressFn = Callable[[Progress], None]


@dataclass
class FetchResult:
    study_uid: str
    folder: Path
    instances: int
    fetched: int  # instances transferred in this run (the rest were already stored)
    bytes: int
    seconds: float
    first_image: Path | None
    first_image_s: float | None
    source: str = "cloud"  # "cache", "frontend" (the hospital's 前置机) or "cloud"


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


class Retriever:
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
        self._local = threading.local()
        self._lock = threading.Lock()
        self._have: set[tuple[str, str]] = set()  # (series, SOP) stored or being stored now
        #: wait for each instance to reach the disk as it is written; by default the writers
        #: only start its write-back (it overlaps the transfer) and the study is flushed
        #: before it is marked complete, which is what makes it count as cached
        self.sync_each = False
        #: threads verifying and writing received images, and how many received images may
        #: wait for them (each holds its buffer)
        self.writer_threads = 2
        self.in_flight = 8
        self._root = ""
        #: the Authorization header: the patient's bearer token, or a site credential for the
        #: hospital front-end
        self.authorization = authorization or f"Bearer {token.access_token}"

    # ------------------------------------------------------------------ HTTP

    def _session(self) -> requests.Session:
        s: requests.Session | None = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.verify = self.verify
            s.headers["Accept-Encoding"] = "identity"  # never gzip pixel data
            s.headers["User-Agent"] = "Yunying/0.1"
            self._local.session = s
        return s

    def _url(self, path: str) -> str:
        url = f"{self._root}/{path.lstrip('/')}"
        if urlsplit(url).netloc != urlsplit(self._root).netloc:
            raise UntrustedHost("refusing to send the token to a host the index did not name")
        return url

    def _get(self, path: str, accept: str, stream: bool) -> requests.Response:
        try:
            r = self._session().get(
                self._url(path),
                stream=stream,
                timeout=(10, self.timeout),
                allow_redirects=False,
                headers={"Authorization": self.authorization, "Accept": accept},
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Retry(f"connection failed ({type(exc).__name__})") from None
        if r.status_code == 200:
            return r
        r.close()
        if r.status_code == 401:
            raise ReauthorizationRequired(
                "the authorization has expired or was revoked; ask the patient to authorize again"
            )
        if r.status_code == 403:
            raise AccessDenied(
                "the provincial cloud refused: this study is not covered by the "
                "patient's authorization"
            )
        if r.status_code == 404:
            raise NotFound("the provincial cloud does not hold this study")
        if r.status_code in (429, 500, 502, 503, 504):
            wait = r.headers.get("Retry-After")
            raise _Retry(f"HTTP {r.status_code}", float(wait) if wait and wait.isdigit() else None)
        if 300 <= r.status_code < 400:
            raise UntrustedHost("the gateway redirected; the token is not sent elsewhere")
        raise CloudError(f"the provincial cloud answered HTTP {r.status_code}")

    def _with_retries(self, what: str, fn: Callable[[], Any], retries: int | None = None) -> Any:
        delay = self.backoff
        limit = self.retries if retries is None else retries
        for attempt in range(limit + 1):
            try:
                return fn()
            except _Retry as exc:
                if attempt == limit:
                    raise TransferFailed(
                        f"{what}: gave up after {limit + 1} attempts ({exc})"
                    ) from None
                time.sleep(exc.wait if exc.wait is not None else delay)
                delay = min(delay * 2, 5.0)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ enumeration

    def _qido(self, path: str) -> list[dict[str, Any]]:
        def run() -> list[dict[str, Any]]:
            r = self._get(path, "application/dicom+json", stream=False)
            try:
                data: list[dict[str, Any]] = r.json()
            except ValueError:
                raise _Retry("QIDO answer was not JSON") from None
            return data

        result: list[dict[str, Any]] = self._with_retries("search", run)
        return result

    @staticmethod
    def _value(item: dict[str, Any], tag: str) -> Any:
        v = (item.get(tag) or {}).get("Value") or [None]
        return v[0]

    # ------------------------------------------------------------------ transfer

    def _receive(
        self,
        r: requests.Response,
        study: str,
        series: str | None,
        expected: dict[str, str] | None,
        progress: Progress,
        report: ProgressFn | None,
    ) -> list[Path]:
        """Verify and store each part of a multipart answer (writes run in a thread pool while
        the next parts are read); returns the stored paths."""
        futures = []
        try:
            r.raw.decode_content = False
            # Below urllib3 sits http.client's response (identity encoding was asked for, so
            # its bytes are the body): its readinto undoes chunked transfer straight into our
            # buffers, where urllib3's read would copy every byte twice more.
            raw = getattr(r.raw, "_fp", None)
            reader = io.BufferedReader(raw if raw is not None else r.raw, HEADER_BUFFER)
            boundary = boundary_of(r.headers.get("Content-Type", ""))
            for part in iter_parts_buffered(reader, boundary, self._buffers.take):
                self._slots.acquire()  # bound the memory held by parts not yet written
                futures.append(
                    self._writers.submit(
                        self._store_part, part.body, study, series, expected, progress, report
                    )
                )
        except (
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
            MultipartError,
            http.client.HTTPException,  # IncompleteRead and friends, read below urllib3
            OSError,  # a reset or timed-out socket (only reading happens in this block)
        ) as exc:
            raise _Retry(f"transfer cut ({type(exc).__name__})") from None
        except Exception as exc:
            if type(exc).__name__ in ("ProtocolError", "IncompleteRead", "ReadTimeoutError"):
                raise _Retry(f"transfer cut ({type(exc).__name__})") from None
            raise
        finally:
            r.close()
            done = [f.exception() or f.result() for f in futures]
        paths = []
        for item in done:
            if isinstance(item, BaseException):
                raise item
            if item is not None:
                paths.append(item)
        return paths

    def _request_and_receive(
        self,
        path: str,
        study: str,
        series: str | None,
        expected: dict[str, str] | None,
        progress: Progress,
        report: ProgressFn | None,
    ) -> list[Path]:
        return self._receive(
            self._get(path, ANY_TS, stream=True), study, series, expected, progress, report
        )

    def _store_part(
        self,
        data: bytes,
        study: str,
        series: str | None,
        expected: dict[str, str] | None,
        progress: Progress,
        report: ProgressFn | None,
    ) -> Path | None:
        try:
            header = verify_instance(data)
            if header.study_uid != study or (series is not None and header.series_uid != series):
                raise InvalidInstance(f"received {header.sop_uid}, which was not asked for")
            if expected is not None and expected.get(header.sop_uid) != header.series_uid:
                raise InvalidInstance(f"received {header.sop_uid}, which was not asked for")
            key = (header.series_uid, header.sop_uid)
            with self._lock:  # claimed once: two answers carrying one image write it once
                if key in self._have:
                    return None
                self._have.add(key)
            try:
                path = self.store.put(data, header, sync=self.sync_each)
            except BaseException:
                with self._lock:
                    self._have.discard(key)
                raise
            with self._lock:
                progress.done += 1
                progress.bytes += len(data)
                progress.series.setdefault(header.series_uid, [0, 0])[0] += 1
            if report is not None:
                report(progress)
            return path
        finally:
            if isinstance(data, memoryview):
                self._buffers.give(data)  # written (or refused): its buffer serves again
            self._slots.release()

    def _stream_series(
        self, study: str, series: str, progress: Progress, report: ProgressFn | None
    ) -> None:
        """One streamed answer for a whole series; a cut is left for the resume step."""
        # whatever arrives is stored and verified; after a cut the rest is fetched one by one
        with contextlib.suppress(TransferFailed):
            self._with_retries(
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

    def _fetch_missing(
        self,
        study: str,
        series: str,
        sops: list[str],
        expected: dict[str, str],
        progress: Progress,
        report: ProgressFn | None,
    ) -> None:
        """Resume: only the instances not stored yet, one request each."""
        for sop in sops:
            if self.store.has(study, series, sop):
                continue
            self._with_retries(
                f"image {sop}",
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

    def fetch(
        self,
        record: ExamRecord,
        *,
        series: str | None = None,
        progress: ProgressFn | None = None,
        on_first: Callable[[Path], None] | None = None,
    ) -> FetchResult:
        """Retrieve a whole study (``series`` first, if given); returns when all is stored."""
        t0 = time.perf_counter()
        self._root = record.dicomweb_root.rstrip("/")
        study = record.study_uid
        self._writers = ThreadPoolExecutor(self.writer_threads, thread_name_prefix="store")
        self._slots = threading.BoundedSemaphore(self.in_flight)
        self._buffers = BufferPool()
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="wado")
        try:
            return self._fetch(record, study, series, progress, on_first, pool, t0)
        finally:
            pool.shutdown(wait=True)
            self._writers.shutdown(wait=True)

    def _fetch(
        self,
        record: ExamRecord,
        study: str,
        series: str | None,
        report: ProgressFn | None,
        on_first: Callable[[Path], None] | None,
        pool: ThreadPoolExecutor,
        t0: float,
    ) -> FetchResult:
        series_items = self._qido(f"studies/{study}/series")
        counts = {
            str(self._value(i, SERIES_TAG)): int(self._value(i, "00201209") or 0)
            for i in series_items
        }
        bad = [uid for uid in counts if not UID_PATTERN.match(uid)]
        if bad or not UID_PATTERN.match(study):
            raise InvalidInstance("the archive answered with malformed UIDs; nothing was fetched")
        if record.series_count and len(counts) != record.series_count:
            raise IncompleteStudy(
                f"the archive lists {len(counts)} series, the index record "
                f"promises {record.series_count}"
            )
        chosen = series if series in counts else max(counts, key=lambda s: counts[s])
        order = [chosen] + [s for s in counts if s != chosen]
        prog = Progress(
            total=record.instance_count or sum(counts.values()),
            series={se: [0, n] for se, n in counts.items()},
        )
        self.store.check_partial(study)  # an earlier, unfinished transfer: trust nothing unverified
        already = {se: self._stored(study, se) for se in order}
        self._have = {(se, sop) for se in order for sop in already[se]}
        prog.done = sum(len(v) for v in already.values())
        for se in order:
            prog.series[se][0] = len(already[se])
        # series with nothing stored stream at once, the chosen one first, in parallel
        streams = [
            pool.submit(self._stream_series, study, se, prog, report)
            for se in order
            if not already[se]
        ]
        # meanwhile: the chosen series' middle image, alone, for the first view (a QIDO match on
        # the instance number is cheap; the full list is only needed to resume a cut transfer)
        first_path = self._first_image(study, chosen, counts[chosen], prog, report)
        first_s = time.perf_counter() - t0
        if on_first is not None and first_path is not None:
            on_first(first_path)
        errors: list[BaseException] = []
        for f in streams:
            try:
                f.result()
            except Exception as exc:
                errors.append(exc)
        layout: dict[str, list[tuple[int, str]]] = {}
        stored: dict[str, set[str]] = {}  # series → SOPs on disk (listed again after a resume)
        if not errors:
            # a series is complete when every image the archive counts is stored and verified;
            # otherwise list it and fetch only what is missing
            stored = {se: self._stored(study, se) for se in order}
            partial = [se for se in order if len(stored[se]) != counts[se]]
            for se in partial:
                layout[se] = self._instances(study, se)
            expected = {sop: se for se, items in layout.items() for _, sop in items}
            resumes = [
                pool.submit(
                    self._fetch_missing,
                    study,
                    se,
                    [s for _, s in layout[se]],
                    expected,
                    prog,
                    report,
                )
                for se in partial
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
        for se in layout:  # the resumed series
            stored[se] = self._stored(study, se)
            unexpected = stored[se] - {sop for _, sop in layout[se]}
            for sop in unexpected:
                self.store.path(study, se, sop).unlink(missing_ok=True)
            if unexpected:
                raise InvalidInstance(
                    f"{len(unexpected)} received images are not in the "
                    "archive's list; they were discarded"
                )
        total = sum(len(v) for v in stored.values())
        if any(len(stored[se]) != counts[se] for se in order):
            raise IncompleteStudy(f"{sum(counts.values()) - total} images are still missing")
        if record.instance_count and total != record.instance_count:
            raise IncompleteStudy(
                f"the archive holds {total} images, the index record "
                f"promises {record.instance_count}"
            )
        if first_path is None:
            first_path = self.store.path(study, chosen, sorted(stored[chosen])[0])
        self.store.mark_complete(
            study,
            {
                "study_uid": study,
                "code": record.code,
                "series": {se: sorted(stored[se]) for se in order},
                "instances": total,
                "fetched_at": time.time(),
                "source": urlsplit(self._root).netloc,
            },
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

    def _first_image(
        self, study: str, series: str, count: int, progress: Progress, report: ProgressFn | None
    ) -> Path | None:
        """The middle image of a series (by Instance Number), fetched on its own."""
        if count == 0:
            return None
        items = self._qido(
            f"studies/{study}/series/{series}/instances?InstanceNumber={count // 2 + 1}"
        )
        if not items:  # numbering is not 1..N: list the series to find its middle
            listed = self._instances(study, series)
            sop = listed[len(listed) // 2][1]
        else:
            sop = str(self._value(items[0], SOP_TAG))
            if not UID_PATTERN.match(sop):
                raise InvalidInstance("the archive answered with a malformed UID")
        if not self.store.has(study, series, sop):
            self._with_retries(
                "first image",
                partial(
                    self._request_and_receive,
                    f"studies/{study}/series/{series}/instances/{sop}",
                    study,
                    series,
                    {sop: series},
                    progress,
                    report,
                ),
            )
        return self.store.path(study, series, sop)

    def _instances(self, study: str, series: str) -> list[tuple[int, str]]:
        """(instance number, SOP UID) of a series, UIDs checked before they become URLs."""
        items = self._qido(f"studies/{study}/series/{series}/instances?limit=100000")
        listed = sorted(
            (int(self._value(i, NUMBER_TAG) or 0), str(self._value(i, SOP_TAG))) for i in items
        )
        if any(not UID_PATTERN.match(sop) for _, sop in listed):
            raise InvalidInstance("the archive answered with malformed UIDs; nothing was fetched")
        return listed

    def _stored(self, study: str, series: str) -> set[str]:
        folder = self.store.study_dir(study) / series
        if not folder.is_dir():
            return set()
        return {p.stem for p in folder.glob("*.dcm")}
