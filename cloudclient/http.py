"""The one way this client speaks HTTP: sessions, URL rules, deadlines and error mapping.

Every HTTP session of the cloud client (national service, hospital front-end, retrieval,
prefetch, consultation) comes from :func:`make_session`: TLS always verified (``True`` or the
configured CA bundle; there is no switch to turn it off), no redirects followed (a 3xx is an
error: the credentials never go to a host nobody named), ``Accept-Encoding: identity`` where
pixel data flows. :func:`check_url` refuses plain ``http``/``ws`` for every host but this machine's
loopback, :class:`HostPolicy` holds the DICOMweb hosts the configuration allows, and
:func:`raise_for_status` is the one mapping of HTTP answers to :class:`CloudError`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import ipaddress
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

if TYPE_CHECKING:
    from requests.sessions import _Settings
from cloudclient.errors import (
    AccessDenied,
    CloudError,
    NotFound,
    ReauthorizationRequired,
    UntrustedHost,
)

USER_AGENT = "Yunying/0.1"
CONNECT_TIMEOUT = 10.0
#: the longest wait a ``Retry-After`` header may ask for; a longer one ends the transfer
RETRY_AFTER_CAP = 30.0
_SECURE = {"http": "https", "ws": "wss"}


class DeadlineExceeded(CloudError):
    """A request or a study took longer than its overall deadline (e.g. a server that trickles
    bytes to stay under every read timeout)."""


def is_loopback(host: str) -> bool:
    """True for this machine's own addresses (``localhost``, 127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, what: str) -> str:
    """``url`` if it may carry credentials: ``https``/``wss``, or plain ``http``/``ws`` to this
    machine's loopback only (the development cloud). Raises :class:`UntrustedHost` otherwise."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not parts.hostname:
        raise UntrustedHost(f"{what}: {url[:100]!r} is not a URL with a host")
    if scheme in _SECURE.values():
        return url
    if scheme in _SECURE and is_loopback(parts.hostname):
        return url
    if scheme in _SECURE:
        raise UntrustedHost(
            f"{what}: {parts.hostname} is reached over plain {scheme}; only "
            f"{_SECURE[scheme]} is allowed (credentials and images are never sent unencrypted)"
        )
    raise UntrustedHost(f"{what}: unsupported URL scheme {scheme!r}")


def host_of(url: str) -> str:
    """``host[:port]`` of a URL, lower case (what an allow-list names)."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


@dataclass(frozen=True)
class HostPolicy:
    """Which DICOMweb hosts may receive the patient's token.

    ``hosts`` are ``host`` or ``host:port`` entries from the configuration
    (``CloudConfig.dicomweb_hosts``); with ``loopback`` the machine's own addresses are allowed
    too (the development cloud). An index naming any other host is refused before anything is
    sent there."""

    hosts: frozenset[str] = field(default_factory=frozenset)
    loopback: bool = True

    @classmethod
    def of(cls, hosts: Iterable[str], loopback: bool) -> HostPolicy:
        return cls(frozenset(h.strip().lower() for h in hosts if h.strip()), loopback)

    def check(self, url: str) -> str:
        """``url`` (stripped of a trailing slash) when it may be used; else UntrustedHost."""
        check_url(url, "DICOMweb root")
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if self.loopback and is_loopback(host):
            return url.rstrip("/")
        if host in self.hosts or host_of(url) in self.hosts:
            return url.rstrip("/")
        raise UntrustedHost(
            f"the index names a DICOMweb archive at {host_of(url)}, which is not among the "
            "allowed archives (dicomweb_hosts in the cloud configuration); nothing was sent there"
        )


class _Session(requests.Session):
    """A session whose configured CA bundle is the one used: plain ``requests`` lets the
    ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` environment override ``session.verify``
    (psf/requests#3829), so a workstation configured for its national CA would check the
    servers against whatever the environment names instead."""

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> _Settings:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and self.verify is not True:
            settings["verify"] = self.verify
        return settings


def make_session(
    verify: bool | str = True, *, auth: tuple[str, str] | None = None, pixels: bool = False
) -> requests.Session:
    """A session with this client's TLS settings (``verify``: True or a CA bundle path; False is
    refused), its User-Agent, and — for ``pixels`` — ``Accept-Encoding: identity`` (pixel data
    is never gzipped, so what arrives is the archive's bytes)."""
    if verify is False or verify == "":
        raise ValueError("TLS verification cannot be turned off")
    s = _Session()
    s.verify = verify
    s.headers["User-Agent"] = USER_AGENT
    if pixels:
        s.headers["Accept-Encoding"] = "identity"
    if auth is not None:
        s.auth = auth
    return s


def request(
    session: requests.Session,
    method: str,
    url: str,
    what: str,
    *,
    timeout: float | tuple[float, float] = 30.0,
    **kw: Any,
) -> requests.Response:
    """One request with redirects off; unreachable → :class:`CloudError` naming ``what``, a
    redirect → :class:`UntrustedHost` (the response is closed)."""
    try:
        r = session.request(method, url, timeout=timeout, allow_redirects=False, **kw)
    except requests.exceptions.SSLError as exc:
        raise CloudError(f"{what}: {_tls_reason(exc)}; the connection was refused") from None
    except requests.RequestException as exc:
        raise CloudError(f"{what} cannot be reached ({type(exc).__name__})") from None
    refuse_redirect(r, what)
    return r


def _tls_reason(exc: BaseException) -> str:
    """What was wrong with the server's certificate, in words (never the server's own text)."""
    text = str(exc)
    if "hostname mismatch" in text or "doesn't match" in text or "IP address mismatch" in text:
        return "its certificate names another host"
    if "certificate has expired" in text:
        return "its certificate has expired"
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "its certificate is not trusted (not issued by a configured authority)"
    return "the secure (TLS) connection failed"


def refuse_redirect(r: requests.Response, what: str) -> None:
    if r.is_redirect or 300 <= r.status_code < 400:
        r.close()
        raise UntrustedHost(f"{what} redirected elsewhere; redirects are never followed")


def raise_for_status(r: requests.Response, what: str) -> None:
    """The one mapping of an HTTP answer to an error (nothing for 2xx)."""
    if 200 <= r.status_code < 300:
        return
    r.close()
    refuse_redirect(r, what)
    if r.status_code == 401:
        raise ReauthorizationRequired(
            "the authorization has expired or was revoked; ask the patient to authorize again"
        )
    if r.status_code == 403:
        raise AccessDenied(
            f"{what} refused: this study is not covered by the patient's authorization"
        )
    if r.status_code == 404:
        raise NotFound(f"{what} does not hold this study")
    raise CloudError(f"{what} answered HTTP {r.status_code}")


def retry_after(value: str | None, cap: float = RETRY_AFTER_CAP) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date); None when
    absent or unreadable. More than ``cap`` → :class:`CloudError` saying so (this workstation
    does not wait that long)."""
    if not value:
        return None
    value = value.strip()
    seconds: float | None
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
    if seconds > cap:
        raise CloudError(
            f"the archive is busy and asks to wait {seconds:.0f} s (this workstation waits at "
            f"most {cap:.0f} s); try again later"
        )
    return seconds


def _socket_of(r: requests.Response) -> socket.socket | None:
    """The socket under a streamed response (urllib3 2 / http.client internals), or None."""
    raw = r.raw
    conn = getattr(raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if isinstance(sock, socket.socket):
        return sock
    fp = getattr(getattr(raw, "_fp", None), "fp", None)
    sock = getattr(getattr(fp, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


class Watchdog:
    """Ends a streamed response when its deadline passes: the socket is shut down, so a read
    blocked on a server that trickles bytes returns at once. ``fired`` says it did."""

    def __init__(self, r: requests.Response, seconds: float) -> None:
        self.fired = False
        self._sock = _socket_of(r)
        self._r = r
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
        else:  # pragma: no cover - other transports
            self._r.close()

    def cancel(self) -> None:
        self._timer.cancel()

    def __enter__(self) -> Watchdog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()


@dataclass
class Deadline:
    """An overall time limit (``time.monotonic`` based)."""

    seconds: float
    what: str
    start: float = field(default_factory=time.monotonic)

    @property
    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.start)

    def check(self) -> None:
        if self.left <= 0:
            raise DeadlineExceeded(
                f"{self.what} took longer than its {self.seconds:.0f} s limit and was stopped"
            )
