"""What a consultation's participants agree on (:class:`ConsultState`, folded from the relay's
events the same way on every workstation), and what an invitation or a join request says. Qt-free,
no I/O.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from cloudclient.consultschema import Malformed, check_incoming


@dataclass(frozen=True)
class InvitationInfo:
    """What an invitation opens, for the invitee to confirm before asking to join."""

    session_id: str
    host_doctor: str
    host_hospital: str
    patient: str  # masked, e.g. "张*"
    sex: str
    birth_year: str
    study_uid: str
    description: str
    modality: str
    exam_datetime: str
    organisation: str
    sends: tuple[str, ...]  # what leaves this workstation once admitted
    receives: tuple[str, ...]
    expires_at: float

    @classmethod
    def from_json(cls, b: dict[str, Any]) -> InvitationInfo:
        host, patient, study, shares = (
            b.get("host", {}),
            b.get("patient", {}),
            b.get("study", {}),
            b.get("shares", {}),
        )
        return cls(
            str(b.get("session_id", "")),
            str(host.get("doctor", "")),
            str(host.get("hospital", "")),
            str(patient.get("name", "")),
            str(patient.get("sex", "")),
            str(patient.get("birth_year", "")),
            str(study.get("study_uid", "")),
            str(study.get("description", "")),
            str(study.get("modality", "")),
            str(study.get("exam_datetime", "")),
            str(study.get("organisation", "")),
            tuple(str(x) for x in shares.get("sends", [])),
            tuple(str(x) for x in shares.get("receives", [])),
            time.time() + float(b.get("expires_in", 0)),
        )

    def summary(self) -> str:
        """Plain text for a confirmation dialog."""
        return (
            f"{self.host_doctor} ({self.host_hospital}) invites this workstation to a "
            f"consultation on {self.patient} ({self.sex}, born {self.birth_year}): "
            f"{self.modality} {self.description} of {self.exam_datetime[:10]} "
            f"at {self.organisation}.\n"
            f"Leaves this workstation: {', '.join(self.sends)}.\n"
            f"Comes to it: {', '.join(self.receives)}."
        )


@dataclass(frozen=True)
class JoinRequest:
    """A workstation asking to join a session this workstation hosts."""

    request: str
    doctor: str
    hospital: str


@dataclass
class ConsultState:
    """What every participant agrees on, folded from the relay's events. A message that breaks
    the schema, or an annotation change by someone other than its author or the host, is
    dropped (counted in ``dropped``) — :meth:`apply` never raises on what a relay sends."""

    me: str = ""
    presenter: str = ""
    participants: list[dict[str, str]] = field(default_factory=list)
    view: dict[str, Any] = field(default_factory=dict)
    annotations: dict[str, dict[str, Any]] = field(default_factory=dict)
    authors: dict[str, str] = field(default_factory=dict)  # annotation key → participant
    pointers: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: dict[str, JoinRequest] = field(default_factory=dict)  # waiting for the host
    seq: int = 0
    errors: list[str] = field(default_factory=list)
    dropped: int = 0

    @property
    def presenting(self) -> bool:
        return bool(self.me) and self.me == self.presenter

    def _is_host(self, pid: str) -> bool:
        return any(p.get("id") == pid and p.get("role") == "host" for p in self.participants)

    def apply(self, msg: dict[str, Any]) -> str:
        """Fold one message in; returns its op (or type) for observers ("" if dropped)."""
        try:
            check_incoming(msg)
        except Malformed:
            self.dropped += 1
            return ""
        kind = msg.get("type")
        if kind == "welcome":
            self.me = msg["participant"]
            self.presenter = msg["presenter"]
            self.participants = list(msg.get("participants", []))
            return "welcome"
        if kind == "error":
            self.errors.append(str(msg.get("message", "")))
            return "error"
        if kind == "join_request":
            r = JoinRequest(msg["request"], msg.get("doctor", ""), msg.get("hospital", ""))
            self.requests[r.request] = r
            return "join_request"
        op, data, sender = msg["op"], msg["data"], msg["from"]
        if op != "pointer":
            self.seq = max(self.seq, int(msg["seq"]))
        if op == "joined":
            self.participants = list(data.get("participants", self.participants))
        elif op == "handover":
            self.presenter = str(data["to"])
        elif op == "view":
            if sender != self.presenter:
                self.dropped += 1
                return ""
            self.view.update(data)
        elif op == "pointer":
            self.pointers[sender] = dict(data)
        elif op.startswith("annotation."):
            key = data["key"]
            author = self.authors.get(key)
            if (
                author is not None
                and author != sender
                and not (op != "annotation.add" and self._is_host(sender))
            ):
                self.dropped += 1
                return ""
            if op == "annotation.delete":
                self.annotations.pop(key, None)
                self.authors.pop(key, None)
            else:
                self.annotations[key] = dict(data)
                self.authors.setdefault(key, sender)
        return op
