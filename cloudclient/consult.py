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
Session events are written to this workstation's audit log; tickets, invitations and tokens never
are.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from cloudclient.audit import AuditLog
from cloudclient.errors import CloudError
from cloudclient.national import ExamRecord, NationalClient
from cloudclient.tokens import AccessToken

CLOSE_EXPIRED = 4410
CLOSE_REFUSED = 4403
_ids = itertools.count(1)


class ConsultError(CloudError):
    """The consultation service refused (wrong invitation, expired session, …)."""


class ConsultExpired(ConsultError):
    """The session has ended or expired."""


@dataclass(frozen=True)
class Invitation:
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


def parse_link(link: str) -> tuple[str, str]:
    """(session id, invitation code) of a ``yunying://consult?session=…&invite=…`` link."""
    u = urlparse(link)
    q = parse_qs(u.query)
    if u.scheme != "yunying" or u.netloc != "consult" or "invite" not in q:
        raise ConsultError("not a consultation link")
    return q.get("session", [""])[0], q["invite"][0]


class ConsultClient:
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
        self.audit = audit

    def _post(self, path: str, data: dict[str, str]) -> dict[str, Any]:
        try:
            r = self.national.post(path, data)
        except CloudError as exc:
            raise ConsultError(str(exc)) from None  # (it is the national service's host)
        if r.status_code == 200:
            body: dict[str, Any] = r.json()
            return body
        try:
            detail = str(r.json().get("detail", ""))
        except ValueError:
            detail = r.text[:200]
        if r.status_code == 410:
            raise ConsultExpired(detail or "the consultation has ended")
        raise ConsultError(detail or f"the consultation service answered {r.status_code}")

    def _record(self, action: str, outcome: str, **what: Any) -> None:
        if self.audit is not None:
            self.audit.record(action, outcome, **what)

    def create(
        self, token: AccessToken, study_uid: str, *, minutes: float = 60.0, doctor: str = ""
    ) -> tuple[Invitation, Membership]:
        """Open a session on a study the patient's authorization covers."""
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
        me = Membership.from_answer(b, expires, "host", study_uid=study_uid)
        self._record("consult_create", "ok", session=inv.session_id, study=study_uid)
        return inv, me

    def join(self, invitation: str, *, doctor: str = "", session_id: str = "") -> Membership:
        """Join with an invitation code (or the code of a link); this workstation's own
        credentials are checked, and a token for just that study comes back."""
        if invitation.startswith("yunying://"):
            session_id, invitation = parse_link(invitation)
        try:
            b = self._post(
                "/consult/join",
                {"invitation": invitation, "doctor": doctor, "session_id": session_id},
            )
        except ConsultError as exc:
            self._record("consult_join", f"refused: {exc}", session=session_id)
            raise
        expires = time.time() + float(b["expires_in"])
        record = ExamRecord.from_json(b["record"])
        tok = AccessToken(b["access_token"], expires, b.get("scope", "code"), "consult")
        me = Membership.from_answer(
            b, expires, "guest", token=tok, record=record, study_uid=record.study_uid
        )
        self._record(
            "consult_join", "ok", session=me.session_id, study=record.study_uid, code=record.code
        )
        return me


# --------------------------------------------------------------------------- the live link

EventFn = Callable[[dict[str, Any]], None]
StatusFn = Callable[[str, str], None]


class ConsultChannel:
    """The reconnecting WebSocket link to the relay (its own thread).

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
        self._thread = threading.Thread(target=self._run, daemon=True, name="consult-channel")

    def start(self) -> ConsultChannel:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                ws.close()
        self._thread.join(timeout=5)
        if self.audit is not None:
            self.audit.record("consult_leave", "ok", session=self.me.session_id)

    def send(self, op: str, data: Any) -> str:
        """Queue an operation; it is sent now if connected, else after the reconnect, until the
        relay acknowledges it. Pointer moves are live only (dropped while disconnected)."""
        msg_id = f"{self.me.participant}-{next(_ids)}-{secrets.token_hex(3)}"
        msg = {"type": "op", "op": op, "data": data, "id": msg_id}
        text = json.dumps(msg)  # not JSON: the caller's mistake, raised here
        with self._lock:
            if op != "pointer":
                self.pending[msg_id] = msg
            ws = self._ws if self.connected.is_set() else None
            if ws is not None:
                with contextlib.suppress(ConnectionClosed, OSError):  # else resent after reconnect
                    ws.send(text)
        return msg_id

    def _set_status(self, status: str, detail: str = "") -> None:
        self.status = status
        self.on_status(status, detail)

    def _run(self) -> None:
        delay = self.backoff[0]
        url = f"{self.me.ws_url}?{urlencode({'ticket': self.me.ticket})}"
        while not self._closed.is_set():
            try:
                with connect(url, open_timeout=10, close_timeout=2) as ws:
                    self._ws = ws
                    ws.send(json.dumps({"type": "hello", "last_seq": self.last_seq}))
                    welcome = json.loads(ws.recv(timeout=10))
                    if welcome.get("type") != "welcome":
                        raise ConsultError("the relay did not welcome this participant")
                    with self._lock:
                        self.connected.set()
                        for msg in list(self.pending.values()):  # unacknowledged: send again
                            ws.send(json.dumps(msg))
                    self.on_event(welcome)
                    self._set_status("connected")
                    delay = self.backoff[0]
                    for raw in ws:
                        self._receive(json.loads(raw))
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


# --------------------------------------------------------------------------- shared state


@dataclass
class ConsultState:
    """What every participant agrees on, folded from the relay's events."""

    me: str = ""
    presenter: str = ""
    participants: list[dict[str, str]] = field(default_factory=list)
    view: dict[str, Any] = field(default_factory=dict)
    annotations: dict[str, dict[str, Any]] = field(default_factory=dict)
    pointers: dict[str, dict[str, Any]] = field(default_factory=dict)
    seq: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def presenting(self) -> bool:
        return bool(self.me) and self.me == self.presenter

    def apply(self, msg: dict[str, Any]) -> str:
        """Fold one message in; returns its op (or type) for observers."""
        kind = msg.get("type")
        if kind == "welcome":
            self.me = msg["participant"]
            self.presenter = msg["presenter"]
            self.participants = list(msg.get("participants", []))
            return "welcome"
        if kind == "error":
            self.errors.append(str(msg.get("message", "")))
            return "error"
        if kind != "event":
            return ""
        op, data, sender = msg.get("op", ""), msg.get("data") or {}, msg.get("from", "")
        if op != "pointer":
            self.seq = max(self.seq, int(msg.get("seq", 0)))
        if op == "joined":
            self.participants = list(data.get("participants", self.participants))
        elif op == "handover":
            self.presenter = str(data.get("to", self.presenter))
        elif op == "view":
            self.view.update(data)
        elif op == "pointer":
            self.pointers[sender] = dict(data)
        elif op in ("annotation.add", "annotation.edit"):
            self.annotations[str(data["key"])] = dict(data)
        elif op == "annotation.delete":
            self.annotations.pop(str(data.get("key", "")), None)
        return op
