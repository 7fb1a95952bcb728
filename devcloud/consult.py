"""The consultation service (远程会诊): sessions, invitations, delegated authorization and a
WebSocket relay of view state between the participants' workstations.

* ``POST /consult/sessions`` — a workstation (HTTP Basic client credentials) that holds the
  patient's authorization (``subject_token``, as in RFC 8693 token exchange) opens a session on
  one study it may see, for ``minutes``. Answer: the session id, a one-time-readable invitation
  code and ``yunying://consult`` link, and the host's participant ticket.
* ``POST /consult/join`` — another workstation (its own client credentials) with the invitation:
  it gets a token delegated from the patient's authorization, restricted to that study and
  expiring with the session, the study's index record, and a participant ticket.
* ``WS /consult/ws/{session}?ticket=…`` — the relay. Every operation gets a session-wide sequence
  number and is kept; a client that reconnects says the last number it saw and gets the rest
  (``hello`` → ``welcome`` + replay). Operations carry the sender's message id, so one resent after
  a drop is acknowledged, not applied twice. View state (``view``) is accepted from the presenter
  only; the presenter hands over with ``handover``; a presenter gone longer than a grace period
  hands over to the host (else to whoever is still there); ``pointer`` is relayed live and not
  replayed.
* An expired session refuses joins (410) and closes its sockets (code 4410).

No patient data travels through the relay, only view state and annotations.
"""

# FastAPI reads these annotations at run time: no "from __future__ import annotations" here.
import asyncio
import base64
import contextlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Header, HTTPException, WebSocket, WebSocketDisconnect

from devcloud.store import Store, sha

INVITE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"  # no vowels, no look-alikes
MAX_MINUTES = 240
MAX_JOIN_ATTEMPTS = 10
VIEW_OPS = {"view"}
FREE_OPS = {"pointer", "annotation.add", "annotation.edit", "annotation.delete"}
CLOSE_EXPIRED = 4410
CLOSE_REFUSED = 4403


@dataclass
class Participant:
    id: str
    client_id: str
    doctor: str
    hospital: str
    ticket_hash: str
    role: str  # "host" or "guest"


@dataclass
class Session:
    id: str
    invite_hash: str
    study_uid: str
    psn: str
    expires: float
    record: dict[str, Any]
    participants: dict[str, Participant] = field(default_factory=dict)
    presenter: str = ""
    log: list[dict[str, Any]] = field(default_factory=list)
    done: dict[tuple[str, str], int] = field(default_factory=dict)  # (sender, msg id) → seq
    sockets: dict[str, set[WebSocket]] = field(default_factory=dict)
    join_attempts: int = 0
    ended: bool = False
    delegated: list[str] = field(default_factory=list)  # tokens issued to guests (expire with it)

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


def _invite_code() -> str:
    raw = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _norm_invite(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def add_routes(
    app: FastAPI,
    store: Store,
    base_url: Callable[[], str],
    with_root: Callable[[dict[str, Any]], dict[str, Any]],
    admin_key: str,
    presenter_grace: float = 20.0,
) -> None:
    sessions: dict[str, Session] = {}
    lock = threading.Lock()
    wrong: dict[str, list[float]] = {}  # client id → times of wrong invitation codes

    def client(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        if not authorization or not authorization.startswith("Basic "):
            raise HTTPException(401, "workstation credentials are required")
        try:
            cid, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        except Exception:
            raise HTTPException(401, "malformed workstation credentials") from None
        row = store.check_client(cid, secret)
        if row is None:
            raise HTTPException(401, "unknown workstation or wrong secret")
        return dict(row)

    def admin(x_devcloud_admin: Annotated[str | None, Header()] = None) -> None:
        if not x_devcloud_admin or not secrets.compare_digest(x_devcloud_admin, admin_key):
            raise HTTPException(403, "admin key required")

    def ws_url(sid: str) -> str:
        return base_url().replace("http://", "ws://").replace("https://", "wss://") + (
            f"/consult/ws/{sid}"
        )

    def participant(s: Session, row: dict[str, Any], doctor: str, role: str) -> tuple[str, str]:
        pid = f"p{len(s.participants) + 1}"
        ticket = secrets.token_urlsafe(24)
        s.participants[pid] = Participant(
            pid, row["client_id"], doctor.strip() or "?", row["hospital"], sha(ticket), role
        )
        return pid, ticket

    @app.post("/consult/sessions")
    def create(
        cl: Annotated[dict[str, Any], Depends(client)],
        subject_token: Annotated[str, Form()],
        study_uid: Annotated[str, Form()],
        minutes: Annotated[float, Form()] = 60.0,
        doctor: Annotated[str, Form()] = "",
    ) -> dict[str, Any]:
        tok = store.token(subject_token)
        if tok is None or tok.revoked or tok.expires < time.time():
            raise HTTPException(401, "the patient's authorization is not valid; authorize again")
        if tok.client_id != cl["client_id"]:
            raise HTTPException(403, "this authorization was given to another workstation")
        owner = store.record_owner(study_uid)
        if owner is None or not tok.may_see(study_uid, owner):
            raise HTTPException(403, "the patient's authorization does not cover this study")
        if not 0 < minutes <= MAX_MINUTES:
            raise HTTPException(400, f"a session lasts 1 to {MAX_MINUTES} minutes")
        matches = [r for r in store.records(psn=owner) if r["study_instance_uid"] == study_uid]
        if not matches:
            raise HTTPException(404, "the study is not indexed")
        record = matches[0]
        # a session never outlives the authorization it is delegated from
        expires = min(time.time() + minutes * 60, tok.expires)
        invite = _invite_code()
        sid = secrets.token_urlsafe(12)
        s = Session(sid, sha(_norm_invite(invite)), study_uid, owner, expires, with_root(record))
        with lock:
            pid, ticket = participant(s, cl, doctor, "host")
            s.presenter = pid
            sessions[sid] = s
        store.event("consult_created", cl["client_id"], {"session": sid, "study": study_uid})
        return {
            "session_id": sid,
            "invitation": invite,
            "link": f"yunying://consult?session={sid}&invite={_norm_invite(invite)}",
            "expires_in": round(expires - time.time()),
            "participant": pid,
            "ticket": ticket,
            "ws_url": ws_url(sid),
        }

    @app.post("/consult/join")
    def join(
        cl: Annotated[dict[str, Any], Depends(client)],
        invitation: Annotated[str, Form()],
        doctor: Annotated[str, Form()] = "",
        session_id: Annotated[str, Form()] = "",
    ) -> dict[str, Any]:
        code = sha(_norm_invite(invitation))
        with lock:
            candidates = [
                s
                for s in sessions.values()
                if secrets.compare_digest(s.invite_hash, code)
                and (not session_id or s.id == session_id)
            ]
            recent = [t for t in wrong.get(cl["client_id"], []) if t > time.time() - 600]
            if len(recent) >= MAX_JOIN_ATTEMPTS:  # no guessing invitations, for any session
                raise HTTPException(429, "too many wrong invitation codes; wait ten minutes")
            if session_id and not candidates and session_id in sessions:
                sessions[session_id].join_attempts += 1
            if not candidates:
                wrong[cl["client_id"]] = [*recent, time.time()]
                raise HTTPException(403, "unknown or wrong invitation code")
            s = candidates[0]
            if not s.open():
                raise HTTPException(410, "this consultation has ended or expired")
            if s.join_attempts >= MAX_JOIN_ATTEMPTS:
                raise HTTPException(429, "too many wrong invitation codes for this session")
            pid, ticket = participant(s, cl, doctor, "guest")
        ttl = s.expires - time.time()
        token, _exp = store.issue_token(
            client_id=cl["client_id"],
            scope="code",
            psn=s.psn,
            code=s.record["code"],
            studies=[s.study_uid],
            ttl=ttl,
            how="consult",
        )
        s.delegated.append(token)
        store.event("consult_joined", cl["client_id"], {"session": s.id, "participant": pid})
        return {
            "session_id": s.id,
            "participant": pid,
            "ticket": ticket,
            "ws_url": ws_url(s.id),
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": round(ttl),
            "scope": "code",
            "record": s.record,
        }

    async def broadcast(s: Session, message: dict[str, Any]) -> None:
        text = json.dumps(message)
        for socks in list(s.sockets.values()):
            for ws in list(socks):
                try:
                    await ws.send_text(text)
                except Exception:
                    socks.discard(ws)

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

    def end_delegation(s: Session) -> None:
        for token in s.delegated:
            store.expire(token)
        store.event("consult_expired", None, {"session": s.id})

    async def presenter_gone(s: Session, pid: str) -> None:
        """The presenter lost every connection: after a grace period (a dropped link comes
        back within it), the presentation passes to the host, else the longest in the session
        still connected, so that the others are not left following no one."""
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

    async def watch_expiry(s: Session) -> None:
        while s.open():
            await asyncio.sleep(min(1.0, max(0.05, s.expires - time.time())))
        end_delegation(s)
        await close_all(s, CLOSE_EXPIRED, "the consultation has expired")

    @app.websocket("/consult/ws/{sid}")
    async def relay(ws: WebSocket, sid: str, ticket: str = "") -> None:
        s = sessions.get(sid)
        who = None
        if s is not None and ticket:
            who = next(
                (
                    p
                    for p in s.participants.values()
                    if secrets.compare_digest(p.ticket_hash, sha(ticket))
                ),
                None,
            )
        await ws.accept()
        if s is None or who is None:
            await ws.close(code=CLOSE_REFUSED, reason="unknown session or ticket")
            return
        if not s.open():
            await ws.close(code=CLOSE_EXPIRED, reason="the consultation has ended or expired")
            return
        if not s.sockets:
            asyncio.get_running_loop().create_task(watch_expiry(s))
        s.sockets.setdefault(who.id, set()).add(ws)
        try:
            hello = json.loads(await ws.receive_text())
            last = int(hello.get("last_seq", 0)) if hello.get("type") == "hello" else 0
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
            first = not any(e["op"] == "joined" and e["from"] == who.id for e in s.log)
            if first:
                await broadcast(s, append(s, who.id, "joined", {"participants": s.roster()}, ""))
            while True:
                msg = json.loads(await ws.receive_text())
                if not s.open():
                    break
                op, data, msg_id = msg.get("op", ""), msg.get("data"), str(msg.get("id", ""))
                done = s.done.get((who.id, msg_id)) if msg_id else None
                if done is not None:  # resent after a drop: acknowledge, do not apply twice
                    await ws.send_text(json.dumps(s.log[done - 1]))
                    continue
                if op in VIEW_OPS and who.id != s.presenter:
                    await ws.send_text(
                        json.dumps({"type": "error", "id": msg_id, "message": "not the presenter"})
                    )
                    continue
                if op == "handover":
                    target = str((data or {}).get("to", ""))
                    if who.id != s.presenter or target not in s.participants:
                        await ws.send_text(
                            json.dumps(
                                {"type": "error", "id": msg_id, "message": "cannot hand over"}
                            )
                        )
                        continue
                    s.presenter = target
                    store.event("consult_presenter", who.client_id, {"session": s.id, "to": target})
                elif op not in VIEW_OPS and op not in FREE_OPS:
                    await ws.send_text(
                        json.dumps({"type": "error", "id": msg_id, "message": f"unknown op {op}"})
                    )
                    continue
                await broadcast(s, append(s, who.id, op, data, msg_id))
        except (WebSocketDisconnect, RuntimeError, ValueError):
            pass
        finally:
            s.sockets.get(who.id, set()).discard(ws)
        if s.open() and s.presenter == who.id and not s.sockets.get(who.id):
            asyncio.get_running_loop().create_task(presenter_gone(s, who.id))
        if not s.open():
            with contextlib.suppress(Exception):
                await ws.close(code=CLOSE_EXPIRED, reason="the consultation has expired")

    # ------------------------------------------------------------------ development helpers

    @app.post("/_dev/consult/{sid}/drop", dependencies=[Depends(admin)])
    async def drop(sid: str) -> dict[str, Any]:
        """Cut every participant's connection (as a network drop would)."""
        s = sessions.get(sid)
        if s is None:
            raise HTTPException(404, "no such session")
        n = sum(len(v) for v in s.sockets.values())
        await close_all(s, 1012, "dropped by the test harness")
        return {"dropped": n}

    @app.post("/_dev/consult/{sid}/expire", dependencies=[Depends(admin)])
    async def expire(sid: str) -> dict[str, str]:
        s = sessions.get(sid)
        if s is None:
            raise HTTPException(404, "no such session")
        s.expires = time.time() - 1
        end_delegation(s)
        await close_all(s, CLOSE_EXPIRED, "the consultation has expired")
        return {"status": "expired"}
