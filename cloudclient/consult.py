"""Remote consultation (远程会诊): open or join a session, and keep view state in step.

Qt-free. :class:`ConsultClient` talks to the consultation service over HTTPS (workstation
credentials; the host also shows the patient's authorization, the guest gets a token delegated
from it, restricted to the one study and ending with the session). :class:`ConsultChannel` is the
live link: a WebSocket to the relay in a thread of its own that reconnects after a drop, says the
last sequence number it saw and gets what it missed, and resends its own operations that were
not yet acknowledged (the relay recognises them by id and does not apply them twice).
:class:`ConsultState` folds the events into the shared state (presenter, view, annotations,
pointers) — the same function on every participant, so all of them agree.

Only view state and annotations travel; images come through the cloud client (cache first).
Session events are written to this workstation's audit log; tickets, invitations, index codes and
tokens never are.

Consent and limits: an invitation can be described (:meth:`ConsultClient.describe`: who invites,
for which patient and study, what leaves this workstation) before asking to join; the host admits
each workstation (:meth:`ConsultClient.approve`, told by ``join_request`` messages); the relay is
``wss`` (plain ``ws`` only on loopback), TLS verified with the same CA setting as the national
service; messages follow :mod:`cloudclient.consultschema` both ways — an invalid one is never sent
and one received is dropped without harm; only its author or the host changes an annotation.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import json
import secrets
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from cloudclient.audit import AuditLog
from cloudclient.consult_outbox import Outbox, abort
from cloudclient.consultschema import MAX_MESSAGE, Malformed, check_data, check_incoming, loads
from cloudclient.consultstate import ConsultState, InvitationInfo, JoinRequest
from cloudclient.errors import CloudError
from cloudclient.national import ExamRecord, NationalClient
from cloudclient.tokens import AccessToken

CLOSE_EXPIRED = 4410
CLOSE_REFUSED = 4403
#: frames above this end the connection (the relay never sends one that large)
MAX_FRAME = 4 * MAX_MESSAGE
_ids = itertools.count(1)
__all__ = [
    "ConsultChannel",
    "ConsultClient",
    "ConsultError",
    "ConsultExpired",
    "ConsultState",
    "Invitation",
    "InvitationInfo",
    "JoinPending",
    "JoinRequest",
    "Membership",
    "parse_link",
]


class ConsultError(CloudError):
    """The consultation service refused (wrong invitation, expired session, …)."""


class ConsultExpired(ConsultError):
    """The session has ended or expired."""


@dataclass(frozen=True)
class Invitation:
    """An invitation to a consultation session: the code to read out, the link, when it expires."""

    session_id: str
    code: str  # to read out or type, e.g. "BCDF-2345"
    link: str  # yunying://consult?session=…&invite=…
    expires_at: float

    def __repr__(self) -> str:  # the code is a secret of the session
        return f"Invitation(session_id={self.session_id!r}, expires_at={self.expires_at:.0f})"


@dataclass
class Membership:
    """This workstation's place in a session."""

    session_id: str
    participant: str
    ws_url: str
    ticket: str
    expires_at: float
    role: str
    token: AccessToken | None = None  # a guest's delegated token
    record: ExamRecord | None = None
    study_uid: str = ""
    verify: bool | str = True  # TLS for the relay: as for the national service

    def __repr__(self) -> str:
        return (
            f"Membership(session_id={self.session_id!r}, participant={self.participant!r}, "
            f"role={self.role!r})"
        )

    @classmethod
    def from_answer(
        cls, b: dict[str, Any], expires_at: float, role: str, **extra: Any
    ) -> Membership:
        """From the service's answer to opening or joining a session."""
        return cls(
            b["session_id"], b["participant"], b["ws_url"], b["ticket"], expires_at, role, **extra
        )


def _loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_link(link: str) -> tuple[str, str]:
    """(session id, invitation code) of a ``yunying://consult?session=…&invite=…`` link."""
    u = urlparse(link)
    q = parse_qs(u.query)
    if u.scheme != "yunying" or u.netloc != "consult" or "invite" not in q:
        raise ConsultError("not a consultation link")
    return q.get("session", [""])[0], q["invite"][0]


class JoinPending(ConsultError):
    """The host has not admitted this workstation yet."""


class ConsultClient:
    """The workstation's side of a remote consultation: opening a session, inviting, joining and
    answering join requests, through the national service's host and credentials; every call
    audited when an :class:`AuditLog` is given."""

    def __init__(
        self,
        national_url: str,
        client_id: str,
        client_secret: str,
        *,
        verify: bool | str = True,
        audit: AuditLog | None = None,
        timeout: float = 30.0,
    ) -> None:
        # the consultation service is part of the national service: same host, same credentials
        self.national = NationalClient(
            national_url, client_id, client_secret, verify=verify, timeout=timeout
        )
        self.verify = verify
        self.audit = audit

    def _post(self, path: str, data: dict[str, str], *, pending_ok: bool = False) -> dict[str, Any]:
        try:
            r = self.national.post(path, data)
        except CloudError as exc:
            raise ConsultError(str(exc)) from None  # (it is the national service's host)
        if r.status_code == 200 or (pending_ok and r.status_code == 202):
            try:
                body: dict[str, Any] = r.json()
            except ValueError:
                raise ConsultError("the consultation service answered nonsense") from None
            if not isinstance(body, dict):
                raise ConsultError("the consultation service answered nonsense")
            return body
        try:
            detail = str(r.json().get("detail", ""))
        except (ValueError, AttributeError):
            detail = r.text[:200]
        if r.status_code == 410:
            raise ConsultExpired(detail or "the consultation has ended")
        raise ConsultError(detail or f"the consultation service answered {r.status_code}")

    def _record(self, action: str, outcome: str, **what: Any) -> None:
        if self.audit is not None:
            self.audit.record(action, outcome, **what)

    # ------------------------------------------------------------------ host

    def create(
        self, token: AccessToken, study_uid: str, *, minutes: float = 60.0, doctor: str = ""
    ) -> tuple[Invitation, Membership]:
        """Open a session on a study the patient's authorization covers (with a first
        invitation, for one guest)."""
        try:
            b = self._post(
                "/consult/sessions",
                {
                    "subject_token": token.access_token,
                    "study_uid": study_uid,
                    "minutes": str(minutes),
                    "doctor": doctor,
                },
            )
        except ConsultError as exc:
            self._record("consult_create", f"refused: {exc}", study=study_uid)
            raise
        expires = time.time() + float(b["expires_in"])
        inv = Invitation(b["session_id"], b["invitation"], b["link"], expires)
        me = Membership.from_answer(b, expires, "host", study_uid=study_uid, verify=self.verify)
        self._record("consult_create", "ok", session=inv.session_id, study=study_uid)
        return inv, me

    def invite(self, me: Membership) -> Invitation:
        """One more invitation (each admits one workstation)."""
        b = self._post(f"/consult/sessions/{me.session_id}/invitations", {"ticket": me.ticket})
        self._record("consult_invite", "ok", session=me.session_id)
        return Invitation(
            me.session_id, b["invitation"], b["link"], time.time() + float(b["expires_in"])
        )

    def requests(self, me: Membership) -> list[JoinRequest]:
        """Workstations waiting for this host's decision."""
        b = self._post(f"/consult/sessions/{me.session_id}/requests", {"ticket": me.ticket})
        return [
            JoinRequest(str(r["request"]), str(r.get("doctor", "")), str(r.get("hospital", "")))
            for r in b.get("requests", [])
        ]

    def approve(self, me: Membership, request: str, *, admit: bool = True) -> None:
        """Admit (or decline) a workstation that asked to join."""
        self._post(
            f"/consult/sessions/{me.session_id}/approve",
            {"ticket": me.ticket, "request": request, "admit": "true" if admit else "false"},
        )
        self._record("consult_admit" if admit else "consult_decline", "ok", session=me.session_id)

    # ------------------------------------------------------------------ guest

    @staticmethod
    def _split(invitation: str, session_id: str) -> tuple[str, str]:
        if invitation.startswith("yunying://"):
            return parse_link(invitation)
        return session_id, invitation

    def describe(self, invitation: str, *, session_id: str = "") -> InvitationInfo:
        """Who invites, for which patient and study, and what would be shared — nothing is
        joined and nothing leaves this workstation but the question."""
        session_id, code = self._split(invitation, session_id)
        b = self._post("/consult/preview", {"invitation": code, "session_id": session_id})
        return InvitationInfo.from_json(b)

    def request_join(
        self, invitation: str, *, doctor: str = "", session_id: str = ""
    ) -> Membership:
        """Ask once: the membership if the host has admitted this workstation, else
        :class:`JoinPending` (ask again later with the same invitation)."""
        session_id, code = self._split(invitation, session_id)
        try:
            b = self._post(
                "/consult/join",
                {"invitation": code, "doctor": doctor, "session_id": session_id},
                pending_ok=True,
            )
        except ConsultError as exc:
            self._record("consult_join", f"refused: {exc}", session=session_id)
            raise
        if b.get("status") == "pending":
            raise JoinPending("waiting for the host to admit this workstation")
        expires = time.time() + float(b["expires_in"])
        record = ExamRecord.from_json(b["record"])
        tok = AccessToken(b["access_token"], expires, b.get("scope", "code"), "consult")
        me = Membership.from_answer(
            b,
            expires,
            "guest",
            token=tok,
            record=record,
            study_uid=record.study_uid,
            verify=self.verify,
        )
        self._record("consult_join", "ok", session=me.session_id, study=record.study_uid)
        return me

    def join(
        self,
        invitation: str,
        *,
        doctor: str = "",
        session_id: str = "",
        wait: float = 120.0,
        poll: float = 1.0,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Membership:
        """Ask to join with an invitation code (or link) and wait up to ``wait`` seconds for the
        host to admit this workstation; a token for just that study comes back."""
        deadline = time.monotonic() + wait
        session_id, code = self._split(invitation, session_id)
        while True:
            try:
                return self.request_join(code, doctor=doctor, session_id=session_id)
            except JoinPending:
                if cancelled() or time.monotonic() + poll > deadline:
                    raise JoinPending(
                        "the host did not admit this workstation in time; ask again"
                    ) from None
                time.sleep(poll)


# --------------------------------------------------------------------------- the live link

EventFn = Callable[[dict[str, Any]], None]
StatusFn = Callable[[str, str], None]


class ConsultChannel:
    """The reconnecting WebSocket link to the relay: a thread that reads (and reconnects) and
    an :class:`~cloudclient.consult_outbox.Outbox` that writes, so that sending never waits on
    the relay; a connection whose writes the relay has stopped taking is dropped.

    ``on_event(event)`` gets every relayed event once, in sequence order (and ``welcome`` /
    ``error`` messages); ``on_status(status, detail)`` gets ``connected``, ``reconnecting``,
    ``expired``, ``refused`` and ``closed``. Both run on the channel's thread.
    """

    def __init__(
        self,
        membership: Membership,
        on_event: EventFn,
        on_status: StatusFn | None = None,
        *,
        audit: AuditLog | None = None,
        backoff: tuple[float, float] = (0.1, 3.0),
    ) -> None:
        self.me = membership
        self.on_event = on_event
        self.on_status = on_status or (lambda _s, _d: None)
        self.audit = audit
        self.backoff = backoff
        self.last_seq = 0
        self.status = "new"
        self.pending: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._ws: ClientConnection | None = None
        self._closed = threading.Event()
        self.connected = threading.Event()
        self.reconnects = 0
        self.dropped = 0  # received messages dropped as malformed
        #: writes to the relay on a thread of its own: a relay that stops reading never blocks
        #: the sender (the GUI thread)
        self._outbox = Outbox()
        self._thread = threading.Thread(target=self._run, daemon=True, name="consult-channel")

    def start(self) -> ConsultChannel:
        self._outbox.start()
        self._thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        self._outbox.stop()
        ws = self._ws
        if ws is not None:
            if self._outbox.busy_s() > 0.5:  # a relay not taking a write: no closing handshake
                abort(ws)
            with contextlib.suppress(Exception):
                ws.close()
        self._thread.join(timeout=5)
        if self.audit is not None:
            self.audit.record("consult_leave", "ok", session=self.me.session_id)

    def send(self, op: str, data: Any) -> str:
        """Queue an operation; it is sent now if connected, else after the reconnect, until the
        relay acknowledges it. Pointer moves are live only (dropped while disconnected). One
        the relay would refuse (schema, size) is not sent: ``on_event`` gets an ``error`` for it
        and "" is returned."""
        msg_id = f"{self.me.participant}-{next(_ids)}-{secrets.token_hex(3)}"
        msg = {"type": "op", "op": op, "data": data, "id": msg_id}
        try:
            check_data(op, data)
            text = json.dumps(msg, allow_nan=False)
            if len(text.encode()) > MAX_MESSAGE:
                raise Malformed(f"{op}: {len(text.encode())} bytes (at most {MAX_MESSAGE})")
        except (Malformed, TypeError, ValueError) as exc:
            self.on_event({"type": "error", "id": "", "message": f"not sent: {exc}"})
            return ""
        with self._lock:
            if op != "pointer":
                self.pending[msg_id] = msg
            if self.connected.is_set():  # (else sent after the reconnect: it is pending)
                self._outbox.put(text, live_only=op == "pointer")
        return msg_id

    def _set_status(self, status: str, detail: str = "") -> None:
        self.status = status
        self.on_status(status, detail)

    def _tls(self) -> ssl.SSLContext | None:
        """The TLS context for a ``wss`` relay (verification always on), None for loopback
        ``ws``; a plain ``ws`` relay elsewhere is refused."""
        u = urlparse(self.me.ws_url)
        if u.scheme == "wss":
            verify = self.me.verify
            return ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
        if u.scheme == "ws" and _loopback(u.hostname or ""):
            return None
        raise ConsultError(
            f"the relay {u.hostname} is not reached over wss: nothing is sent to it unencrypted"
        )

    def _run(self) -> None:
        delay = self.backoff[0]
        url = f"{self.me.ws_url}?{urlencode({'ticket': self.me.ticket})}"
        try:
            tls = self._tls()
        except ConsultError as exc:
            self._stop("refused", str(exc))
            return
        while not self._closed.is_set():
            try:
                with connect(
                    url, ssl=tls, open_timeout=10, close_timeout=2, max_size=MAX_FRAME
                ) as ws:
                    self._ws = ws
                    ws.send(json.dumps({"type": "hello", "last_seq": self.last_seq}))
                    welcome = loads(ws.recv(timeout=10))
                    check_incoming(welcome)
                    if welcome.get("type") != "welcome":
                        raise ConsultError("the relay did not welcome this participant")
                    with self._lock:  # unacknowledged: sent again, first
                        self.connected.set()
                        self._outbox.attach(ws, [json.dumps(m) for m in self.pending.values()])
                    self.on_event(welcome)
                    self._set_status("connected")
                    delay = self.backoff[0]
                    while True:
                        try:
                            raw = ws.recv(timeout=1.0)
                        except TimeoutError:
                            if self._outbox.stalled():  # the relay has stopped reading
                                abort(ws)
                                raise ConsultError("the relay does not read") from None
                            continue
                        try:
                            msg = loads(raw)
                            check_incoming(msg)
                        except Malformed:
                            self.dropped += 1  # a broken or hostile relay: ignore, go on
                            continue
                        self._receive(msg)
            except ssl.SSLCertVerificationError as exc:  # a certificate not trusted here
                why = exc.verify_message or exc.reason
                self._stop("refused", f"the relay's certificate is not trusted ({why})")
                return
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd is not None else None
                if code == CLOSE_EXPIRED:
                    self._stop("expired", "the consultation has ended or expired")
                    return
                if code == CLOSE_REFUSED:
                    self._stop("refused", exc.rcvd.reason if exc.rcvd else "")
                    return
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI, ValueError, ConsultError):
                pass
            finally:
                self.connected.clear()
                self._outbox.detach()
                self._ws = None
            if self._closed.is_set():
                break
            self.reconnects += 1
            self._set_status("reconnecting")
            self._closed.wait(delay)
            delay = min(self.backoff[1], delay * 2)
        self._set_status("closed")

    def _stop(self, status: str, detail: str) -> None:
        self._closed.set()
        self.connected.clear()
        if self.audit is not None:
            self.audit.record(f"consult_{status}", detail, session=self.me.session_id)
        self._set_status(status, detail)

    def _receive(self, msg: dict[str, Any]) -> None:
        if msg.get("type") == "event":
            seq = int(msg["seq"])
            if msg.get("from") == self.me.participant:
                with self._lock:
                    self.pending.pop(str(msg.get("id", "")), None)
            if seq <= self.last_seq and msg.get("op") != "pointer":
                return  # already seen (a replay overlapping the live stream)
            if msg.get("op") != "pointer":
                self.last_seq = seq
            if msg.get("op") == "handover" and self.audit is not None:
                to = (msg.get("data") or {}).get("to", "")
                self.audit.record("consult_presenter", to, session=self.me.session_id)
        elif msg.get("type") == "error":
            with self._lock:
                self.pending.pop(str(msg.get("id", "")), None)
        self.on_event(msg)
