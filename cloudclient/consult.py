"""Remote consultation (远程会诊): open or join a session, and keep view state in step.

Qt-free. :class:`ConsultClient` talks to the consultation service over HTTPS (workstation
credentials; the host also shows the patient's authorization, the guest gets a token delegated
from it, restricted to the one study and ending with the session).
:class:`~cloudclient.consult_channel.ConsultChannel` is the live link to the relay.
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

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from cloudclient.audit import AuditLog
from cloudclient.consultstate import ConsultState, InvitationInfo, JoinRequest
from cloudclient.errors import CloudError
from cloudclient.national import ExamRecord, NationalClient
from cloudclient.tokens import AccessToken

__all__ = [
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
