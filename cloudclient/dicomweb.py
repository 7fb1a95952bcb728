"""One DICOMweb archive as the retrieval sees it: its root, the credential, HTTP and retries.

:class:`Archive` owns a session per thread (from :func:`cloudclient.http.make_session`), sends
the Authorization header only to the root the index named, maps answers to errors (401 stops at
once; 429 and 5xx are retried with backoff, honouring a ``Retry-After`` of at most
:data:`~cloudclient.http.RETRY_AFTER_CAP` seconds), and keeps the study's overall deadline:
every streamed answer is watched, and a server that trickles bytes is cut off when the request's
or the study's time is up (:class:`~cloudclient.http.DeadlineExceeded`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests

from cloudclient.errors import CloudError, InvalidInstance, TransferFailed, UntrustedHost
from cloudclient.http import (
    CONNECT_TIMEOUT,
    Deadline,
    DeadlineExceeded,
    Watchdog,
    make_session,
    raise_for_status,
    refuse_redirect,
    retry_after,
)

T = TypeVar("T")
QIDO_LIMIT = 64 << 20  # a QIDO answer larger than this is refused
WHAT = "the provincial cloud"


class Retry(Exception):
    """A failure worth another attempt (a cut, a 5xx, a 429), with the wait the server asked."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


class Archive:
    """The DICOMweb root of one study's archive and how to talk to it."""

    def __init__(
        self,
        root: str,
        authorization: str,
        *,
        verify: bool | str = True,
        timeout: float = 60.0,
        retries: int = 8,
        backoff: float = 0.2,
        deadline: Deadline | None = None,
        request_deadline: float = 600.0,
    ) -> None:
        make_session(verify)  # (refuses verify=False before anything else)
        self.root = root.rstrip("/")
        self.authorization = authorization
        self.verify = verify
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.deadline = deadline or Deadline(24 * 3600.0, "the transfer")
        self.request_deadline = request_deadline
        self._local = threading.local()

    def _session(self) -> requests.Session:
        s: requests.Session | None = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = make_session(self.verify, pixels=True)
        return s

    def url(self, path: str) -> str:
        url = f"{self.root}/{path.lstrip('/')}"
        if urlsplit(url).netloc != urlsplit(self.root).netloc:
            raise UntrustedHost("refusing to send the token to a host the index did not name")
        return url

    def time_left(self) -> float:
        """Seconds a request may take now: its own limit, within the study's."""
        self.deadline.check()
        return min(self.request_deadline, self.deadline.left)

    def get(self, path: str, accept: str) -> requests.Response:
        """A streamed GET; 200 → the response (the caller reads it under :meth:`watch`),
        anything else → an error or :class:`Retry`."""
        limit = self.time_left()
        try:
            r = self._session().get(
                self.url(path),
                stream=True,
                timeout=(min(CONNECT_TIMEOUT, limit), min(self.timeout, limit)),
                allow_redirects=False,
                headers={"Authorization": self.authorization, "Accept": accept},
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            self.deadline.check()
            raise Retry(f"connection failed ({type(exc).__name__})") from None
        if r.status_code == 200:
            return r
        r.close()
        refuse_redirect(r, WHAT)
        if r.status_code in (429, 500, 502, 503, 504):
            raise Retry(f"HTTP {r.status_code}", retry_after(r.headers.get("Retry-After")))
        raise_for_status(r, WHAT)
        raise CloudError(f"{WHAT} answered HTTP {r.status_code}")

    def watch(self, r: requests.Response) -> Watchdog:
        """A watchdog that cuts ``r`` off when the request's or the study's time is up."""
        return Watchdog(r, self.time_left())

    def expired(self, dog: Watchdog) -> DeadlineExceeded:
        return DeadlineExceeded(
            f"{WHAT} sent too slowly: the request was stopped after its time limit "
            f"({min(self.request_deadline, self.deadline.seconds):.0f} s)"
        )

    def with_retries(self, what: str, fn: Callable[[], T], retries: int | None = None) -> T:
        delay = self.backoff
        limit = self.retries if retries is None else retries
        for attempt in range(limit + 1):
            try:
                return fn()
            except Retry as exc:
                if attempt == limit:
                    raise TransferFailed(
                        f"{what}: gave up after {limit + 1} attempts ({exc})"
                    ) from None
                wait = exc.wait if exc.wait is not None else delay
                if wait >= self.deadline.left:
                    self.deadline.check()
                    raise DeadlineExceeded(
                        f"{what}: {self.deadline.what} would pass its time limit while "
                        f"waiting to retry ({exc})"
                    ) from None
                time.sleep(wait)
                delay = min(delay * 2, 5.0)
        raise AssertionError("unreachable")

    def qido(self, path: str) -> list[dict[str, Any]]:
        """A QIDO-RS search (JSON), read within the deadline and a size bound."""

        def run() -> list[dict[str, Any]]:
            r = self.get(path, "application/dicom+json")
            body = bytearray()
            with self.watch(r) as dog:
                try:
                    for chunk in r.iter_content(1 << 16):
                        body += chunk
                        if len(body) > QIDO_LIMIT:
                            raise InvalidInstance(f"{WHAT} sent a search answer over 64 MiB")
                except (requests.RequestException, OSError) as exc:
                    if dog.fired:
                        raise self.expired(dog) from None
                    raise Retry(f"search answer cut ({type(exc).__name__})") from None
                finally:
                    r.close()
                if dog.fired:
                    raise self.expired(dog)
            try:
                import json

                data = json.loads(bytes(body))
            except ValueError:
                raise Retry("QIDO answer was not JSON") from None
            if not isinstance(data, list):
                raise InvalidInstance(f"{WHAT} answered a search with something else than a list")
            return data

        return self.with_retries("search", run)

    @staticmethod
    def value(item: dict[str, Any], tag: str) -> Any:
        v = (item.get(tag) or {}).get("Value") or [None]
        return v[0]
