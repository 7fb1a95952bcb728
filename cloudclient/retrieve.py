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

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
from cloudclient.multipart import MultipartError, boundary_of, iter_parts
from cloudclient.national import ExamRecord
from cloudclient.store import InstanceStore, verify_instance
from cloudclient.tokens import AccessToken

ANY_TS = 'multipart/related; type="application/dicom"; transfer-syntax=*'
CHUNK = 1 << 20
SOP_TAG, SERIES_TAG, NUMBER_TAG = "00080018", "0020000E", "00200013"


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
        self._root = ""

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
                headers={"Authorization": f"Bearer {self.token.access_token}", "Accept": accept},
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

    def _with_retries(self, what: str, fn: Callable[[], Any]) -> Any:
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                return fn()
            except _Retry as exc:
                if attempt == self.retries:
                    raise TransferFailed(
                        f"{what}: gave up after {self.retries + 1} attempts ({exc})"
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

    def enumerate(self, record: ExamRecord) -> dict[str, list[tuple[int, str]]]:
        """series UID → [(instance number, SOP UID)], checked against the index record."""
        self._root = record.dicomweb_root.rstrip("/")
        study = record.study_uid
        series_items = self._qido(f"studies/{study}/series")
        out: dict[str, list[tuple[int, str]]] = {}
        for item in series_items:
            se = str(self._value(item, SERIES_TAG))
            insts = self._qido(f"studies/{study}/series/{se}/instances?limit=100000")
            out[se] = sorted(
                (int(self._value(i, NUMBER_TAG) or 0), str(self._value(i, SOP_TAG))) for i in insts
            )
        n = sum(len(v) for v in out.values())
        if record.instance_count and n != record.instance_count:
            raise IncompleteStudy(
                f"the archive lists {n} images, the index record promises {record.instance_count}"
            )
        if record.series_count and len(out) != record.series_count:
            raise IncompleteStudy(
                f"the archive lists {len(out)} series, the index record "
                f"promises {record.series_count}"
            )
        return out

    # ------------------------------------------------------------------ transfer

    def _receive(
        self,
        r: requests.Response,
        study: str,
        expected: dict[str, str],
        progress: Progress,
        report: ProgressFn | None,
    ) -> Iterator[Path]:
        """Verify and store each part of a multipart answer; yields stored paths."""
        try:
            chunks = r.raw.stream(CHUNK, decode_content=False)
            for part in iter_parts(chunks, boundary_of(r.headers.get("Content-Type", ""))):
                header = verify_instance(part.body)
                if header.study_uid != study or expected.get(header.sop_uid) != header.series_uid:
                    raise InvalidInstance(f"received {header.sop_uid}, which was not asked for")
                if self.store.has(study, header.series_uid, header.sop_uid):
                    continue
                path = self.store.put(part.body, header)
                with self._lock:
                    progress.done += 1
                    progress.bytes += len(part.body)
                    progress.series[header.series_uid][0] += 1
                if report is not None:
                    report(progress)
                yield path
        except (
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
            MultipartError,
        ) as exc:
            raise _Retry(f"transfer cut ({type(exc).__name__})") from None
        except Exception as exc:
            if type(exc).__name__ in ("ProtocolError", "IncompleteRead", "ReadTimeoutError"):
                raise _Retry(f"transfer cut ({type(exc).__name__})") from None
            raise
        finally:
            r.close()

    def _fetch_series(
        self,
        study: str,
        series: str,
        sops: list[str],
        expected: dict[str, str],
        progress: Progress,
        report: ProgressFn | None,
    ) -> None:
        def missing() -> list[str]:
            return [s for s in sops if not self.store.has(study, series, s)]

        def attempt() -> None:
            todo = missing()
            if not todo:
                return
            if len(sops) - len(todo) <= 1:
                # nothing yet (or only the first image): one streamed answer for the series
                r = self._get(f"studies/{study}/series/{series}", ANY_TS, stream=True)
                for _ in self._receive(r, study, expected, progress, report):
                    pass
            else:  # resume: only what is missing, one instance at a time
                for sop in todo:
                    r = self._get(
                        f"studies/{study}/series/{series}/instances/{sop}", ANY_TS, stream=True
                    )
                    for _ in self._receive(r, study, expected, progress, report):
                        pass
            if missing():
                raise _Retry("series incomplete after transfer")

        self._with_retries(f"series {series}", attempt)

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
        study = record.study_uid
        layout = self.enumerate(record)
        expected = {sop: se for se, items in layout.items() for _, sop in items}
        prog = Progress(
            total=len(expected), series={se: [0, len(items)] for se, items in layout.items()}
        )
        already = sum(1 for sop, se in expected.items() if self.store.has(study, se, sop))
        prog.done = already
        for se, items in layout.items():
            prog.series[se][0] = sum(1 for _, sop in items if self.store.has(study, se, sop))
        chosen = series if series in layout else max(layout, key=lambda s: len(layout[s]))
        order = [chosen] + [s for s in layout if s != chosen]
        first_path: Path | None = None
        first_s: float | None = None
        # the middle image of the chosen series, alone, so a viewer can show it at once
        items = layout[chosen]
        mid_sop = items[len(items) // 2][1]
        if not self.store.has(study, chosen, mid_sop):

            def first() -> Path:
                r = self._get(
                    f"studies/{study}/series/{chosen}/instances/{mid_sop}", ANY_TS, stream=True
                )
                return next(iter(self._receive(r, study, expected, prog, progress)))

            first_path = self._with_retries("first image", first)
        else:
            first_path = self.store.path(study, chosen, mid_sop)
        first_s = time.perf_counter() - t0
        if on_first is not None:
            on_first(first_path)
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="wado") as pool:
            futures = [
                pool.submit(
                    self._fetch_series,
                    study,
                    se,
                    [sop for _, sop in layout[se]],
                    expected,
                    prog,
                    progress,
                )
                for se in order
            ]
            errors = []
            for f in futures:
                try:
                    f.result()
                except Exception as exc:
                    errors.append(exc)
        if errors:
            # an authorization problem is what the user must act on; report it first
            errors.sort(key=lambda e: not isinstance(e, ReauthorizationRequired | AccessDenied))
            raise errors[0]
        missing = [sop for sop, se in expected.items() if not self.store.has(study, se, sop)]
        if missing:
            raise IncompleteStudy(f"{len(missing)} images are still missing")
        self.store.mark_complete(
            study,
            {
                "study_uid": study,
                "code": record.code,
                "series": {se: [sop for _, sop in it] for se, it in layout.items()},
                "instances": len(expected),
                "fetched_at": time.time(),
                "source": urlsplit(self._root).netloc,
            },
        )
        return FetchResult(
            study,
            self.store.study_dir(study),
            len(expected),
            prog.done - already,
            prog.bytes,
            time.perf_counter() - t0,
            first_path,
            first_s,
        )
