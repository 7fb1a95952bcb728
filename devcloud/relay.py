"""The consultation relay (``WS /consult/ws/{session}?ticket=…``) and the sessions it serves.

Every operation gets a session-wide sequence number and is kept; a client that reconnects says the
last number it saw and gets the rest (``hello`` → ``welcome`` + replay). Operations carry the
sender's message id, so one resent after a drop is acknowledged, not applied twice. View state is
accepted from the presenter only; ``pointer`` is relayed live and not replayed.

Limits: a message is at most 64 KiB (the web server cuts frames above 256 KiB) and must follow
the schema of :mod:`cloudclient.consultschema`, each participant may send ``RATE`` messages a
second (bursts to ``BURST``), a session keeps at most ``LOG_BYTES`` of operations. Anything else
is answered with an error to its sender only and is neither relayed nor kept. Only its author (or
the host) edits or deletes an annotation. The session ends (sockets closed with 4410, delegated
tokens expired) when it expires or when the patient's authorization it came from is withdrawn.
"""

# FastAPI reads these annotations at run time: no "from __future__ import annotations" here.
import asyncio
import contextlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from cloudclient.consultschema import Malformed, check_op, loads
from devcloud.store import Store, sha

CLOSE_EXPIRED = 4410
CLOSE_REFUSED = 4403
RATE = 60.0  # messages a second per participant, sustained
BURST = 240.0
LOG_BYTES = 16 << 20


@dataclass
class Participant:
    """A doctor in a consultation session: role, and the rate-limit bucket of their messages."""

    id: str
    client_id: str
    doctor: str
    hospital: str
    ticket_hash: str
    role: str  # "host" or "guest"
    tokens: float = BURST  # rate-limit bucket
    refilled: float = field(default_factory=time.monotonic)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.refilled) * RATE)
        self.refilled = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


@dataclass
class JoinRequest:
    """A guest's request to join a consultation session, and how the host answered it."""

    id: str
    client_id: str
    doctor: str
    hospital: str
    status: str = "pending"  # pending → approved → delivered, or denied


@dataclass
class Session:
    """One consultation session on the relay: the study, the patient's authorization it is
    delegated from, its invitations, join requests and participants."""

    id: str
    study_uid: str
    psn: str
    expires: float
    record: dict[str, Any]
    subject: str  # the patient's authorization (raw token) the session is delegated from
    host_client: str
    invites: dict[str, str | None] = field(default_factory=dict)  # code hash → request id
    requests: dict[str, JoinRequest] = field(default_factory=dict)
    participants: dict[str, Participant] = field(default_factory=dict)
    presenter: str = ""
    log: list[dict[str, Any]] = field(default_factory=list)
    log_bytes: int = 0
    done: dict[tuple[str, str], int] = field(default_factory=dict)  # (sender, msg id) → seq
    sockets: dict[str, set[WebSocket]] = field(default_factory=dict)
    authors: dict[str, str] = field(default_factory=dict)  # annotation key → participant
    ended: bool = False
    delegated: list[str] = field(default_factory=list)  # tokens issued to guests
    watching: bool = False

    @property
    def seq(self) -> int:
        return self.log[-1]["seq"] if self.log else 0

    def open(self) -> bool:
        return not self.ended and time.time() < self.expires

    def roster(self) -> list[dict[str, str]]:
        return [
            {"id": p.id, "doctor": p.doctor, "hospital": p.hospital, "role": p.role}
            for p in self.participants.values()
        ]

    def by_ticket(self, ticket: str) -> Participant | None:
        h = sha(ticket)
        return next(
            (p for p in self.participants.values() if secrets.compare_digest(p.ticket_hash, h)),
            None,
        )


async def send_to(s: Session, pid: str, message: dict[str, Any]) -> None:
    text = json.dumps(message)
    for ws in list(s.sockets.get(pid, ())):
        try:
            await ws.send_text(text)
        except Exception:
            s.sockets.get(pid, set()).discard(ws)


async def broadcast(s: Session, message: dict[str, Any]) -> None:
    for pid in list(s.sockets):
        await send_to(s, pid, message)


async def close_all(s: Session, code: int, reason: str) -> None:
    for socks in list(s.sockets.values()):
        for ws in list(socks):
            with contextlib.suppress(Exception):
                await ws.close(code=code, reason=reason)
        socks.clear()


def append(s: Session, sender: str, op: str, data: Any, msg_id: str) -> dict[str, Any]:
    event = {
        "type": "event",
        "seq": s.seq + 1,
        "from": sender,
        "op": op,
        "data": data,
        "id": msg_id,
        "at": time.time(),
    }
    s.log.append(event)
    if msg_id:
        s.done[(sender, msg_id)] = event["seq"]
    return event


def end_session(store: Store, s: Session, why: str) -> None:
    """No more joins, and every token delegated to a guest expires now."""
    s.ended = True
    for token in s.delegated:
        store.expire(token)
    store.event("consult_ended", None, {"session": s.id, "why": why})


def refusal(s: Session, who: Participant, op: str, data: Any) -> str:
    """Why an operation (already valid by the schema) is refused, or ''."""
    if op == "view" and who.id != s.presenter:
        return "not the presenter"
    if op == "handover" and (who.id != s.presenter or data["to"] not in s.participants):
        return "cannot hand over"
    if op.startswith("annotation."):
        author = s.authors.get(data["key"])
        if op == "annotation.add" and author is not None and author != who.id:
            return "this annotation key belongs to another participant"
        changes_other = op != "annotation.add" and author is not None and author != who.id
        if changes_other and who.role != "host":
            return "only its author or the host may change an annotation"
    return ""


def add_relay(
    app: FastAPI, sessions: dict[str, Session], store: Store, presenter_grace: float
) -> None:
    async def presenter_gone(s: Session, pid: str) -> None:
        """The presenter lost every connection: after a grace period, the presentation passes
        to the host, else the longest in the session still connected."""
        await asyncio.sleep(presenter_grace)
        if not s.open() or s.presenter != pid or s.sockets.get(pid):
            return
        connected = [p for p in s.participants.values() if s.sockets.get(p.id)]
        if not connected:
            return
        target = next((p for p in connected if p.role == "host"), connected[0])
        s.presenter = target.id
        store.event("consult_presenter", None, {"session": s.id, "to": target.id, "why": "left"})
        await broadcast(s, append(s, pid, "handover", {"to": target.id, "reason": "left"}, ""))

    async def watch(s: Session) -> None:
        """End the session at its expiry, or as soon as the patient's authorization goes."""
        why = "expired"
        while s.open():
            await asyncio.sleep(min(1.0, max(0.05, s.expires - time.time())))
            if not store.token_valid(s.subject):
                why = "the patient's authorization was withdrawn"
                break
        if not s.ended:
            end_session(store, s, why)
        await close_all(s, CLOSE_EXPIRED, f"the consultation has ended ({why})")

    async def error(ws: WebSocket, msg_id: str, message: str) -> None:
        await ws.send_text(json.dumps({"type": "error", "id": msg_id, "message": message}))

    @app.websocket("/consult/ws/{sid}")
    async def relay(ws: WebSocket, sid: str, ticket: str = "") -> None:
        s = sessions.get(sid)
        who = s.by_ticket(ticket) if s is not None and ticket else None
        await ws.accept()
        if s is None or who is None:
            await ws.close(code=CLOSE_REFUSED, reason="unknown session or ticket")
            return
        if not s.open() or not store.token_valid(s.subject):
            await ws.close(code=CLOSE_EXPIRED, reason="the consultation has ended or expired")
            return
        if not s.watching:
            s.watching = True
            asyncio.get_running_loop().create_task(watch(s))
        s.sockets.setdefault(who.id, set()).add(ws)
        try:
            try:
                hello = loads(await ws.receive_text())
                last = hello.get("last_seq", 0) if hello.get("type") == "hello" else 0
                last = last if isinstance(last, int) and not isinstance(last, bool) else 0
            except Malformed:
                last = 0
            await ws.send_text(
                json.dumps(
                    {
                        "type": "welcome",
                        "participant": who.id,
                        "presenter": s.presenter,
                        "participants": s.roster(),
                        "seq": s.seq,
                        "study_uid": s.study_uid,
                        "expires_in": round(s.expires - time.time()),
                    }
                )
            )
            for event in s.log:
                if event["seq"] > last and event["op"] != "pointer":
                    await ws.send_text(json.dumps(event))
            if who.role == "host":
                for r in s.requests.values():
                    if r.status == "pending":
                        await ws.send_text(json.dumps(request_message(r)))
            first = not any(e["op"] == "joined" and e["from"] == who.id for e in s.log)
            if first:
                await broadcast(s, append(s, who.id, "joined", {"participants": s.roster()}, ""))
            while True:
                text = await ws.receive_text()
                if not s.open():
                    break
                msg: Any = None
                try:
                    msg = loads(text)
                    op, data, msg_id = check_op(msg)
                except Malformed as exc:  # dropped: never applied, relayed or kept
                    await error(ws, _id_of(msg, text), f"refused: {exc}")
                    continue
                if not who.take():
                    if op != "pointer":
                        await error(ws, msg_id, "too many messages: slow down")
                    continue
                done = s.done.get((who.id, msg_id)) if msg_id else None
                if done is not None:  # resent after a drop: acknowledge, do not apply twice
                    await ws.send_text(json.dumps(s.log[done - 1]))
                    continue
                why = refusal(s, who, op, data)
                if not why and op != "pointer" and s.log_bytes + len(text) > LOG_BYTES:
                    why = "the session's record is full"
                if why:
                    await error(ws, msg_id, why)
                    continue
                if op == "handover":
                    s.presenter = data["to"]
                    store.event(
                        "consult_presenter", who.client_id, {"session": s.id, "to": s.presenter}
                    )
                elif op == "annotation.add":
                    s.authors.setdefault(data["key"], who.id)
                elif op == "annotation.delete":
                    s.authors.pop(data["key"], None)
                if op != "pointer":
                    s.log_bytes += len(text)
                    await broadcast(s, append(s, who.id, op, data, msg_id))
                else:
                    await broadcast(s, append_live(s, who.id, data))
        except (WebSocketDisconnect, RuntimeError, KeyError):  # (KeyError: a binary frame)
            pass
        finally:
            s.sockets.get(who.id, set()).discard(ws)
        if s.open() and s.presenter == who.id and not s.sockets.get(who.id):
            asyncio.get_running_loop().create_task(presenter_gone(s, who.id))
        if not s.open():
            with contextlib.suppress(Exception):
                await ws.close(code=CLOSE_EXPIRED, reason="the consultation has expired")


def _id_of(msg: Any, text: str) -> str:
    """The sender's message id of a refused message, if it has a usable one (so that the
    sender stops resending it)."""
    if msg is None:
        try:  # an oversize one (the web server already capped the frame)
            msg = json.loads(text)
        except ValueError:
            return ""
    raw_id = msg.get("id") if isinstance(msg, dict) else None
    return raw_id if isinstance(raw_id, str) and len(raw_id) <= 100 else ""


def append_live(s: Session, sender: str, data: Any) -> dict[str, Any]:
    """A pointer move: relayed with the current sequence number, never kept or replayed."""
    return {
        "type": "event",
        "seq": max(1, s.seq),
        "from": sender,
        "op": "pointer",
        "data": data,
        "id": "",
        "at": time.time(),
    }


def request_message(r: JoinRequest) -> dict[str, Any]:
    """What the host is told of a workstation asking to join."""
    return {"type": "join_request", "request": r.id, "doctor": r.doctor, "hospital": r.hospital}
