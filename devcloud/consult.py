"""The consultation service (远程会诊): sessions, invitations, the host's approval of each join,
and authorization delegated from the patient's (the relay itself is :mod:`devcloud.relay`).

* ``POST /consult/sessions`` — a workstation (HTTP Basic client credentials) that holds the
  patient's authorization (``subject_token``, as in RFC 8693 token exchange; never one that was
  itself delegated) opens a session on one study it covers. Answer: the session id, a first
  invitation (code and ``yunying://consult`` link) and the host's participant ticket.
* ``POST /consult/sessions/{id}/invitations`` — the host (credentials + ticket): one more
  invitation. Each invitation admits one workstation: the first that presents it.
* ``POST /consult/preview`` — with an invitation: who invites, for which patient (masked) and
  study, what is shared — for the invitee to confirm before asking to join.
* ``POST /consult/join`` — the invitee asks (its own credentials + the invitation); answered 202
  ``pending`` until the host decides, then once with the participant ticket, a token delegated
  from the patient's (that study only, ending with the session or with the patient's token) and
  the study's record; 403 if the host declined.
* ``POST /consult/sessions/{id}/requests`` and ``…/approve`` — the host lists and decides (it is
  also told on the relay: ``join_request``).

Wrong invitation codes lock out the workstation that sends them (``invite_attempts``), never the
session or its real guests. Joins are refused once the session ended or the patient's
authorization was revoked or expired. No patient data travels through the relay.
"""

# FastAPI reads these annotations at run time: no "from __future__ import annotations" here.
import base64
import secrets
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Header, HTTPException
from fastapi.responses import JSONResponse

from devcloud.limits import Limits, minutes
from devcloud.relay import (
    CLOSE_EXPIRED,
    JoinRequest,
    Participant,
    Session,
    add_relay,
    close_all,
    end_session,
    request_message,
    send_to,
)
from devcloud.store import Store, sha

INVITE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"  # no vowels, no look-alikes
MAX_MINUTES = 240
#: what leaves the invitee's workstation, and what it receives, once admitted
SHARES = {
    "sends": ["doctor name and hospital", "annotations", "pointer", "view while presenting"],
    "receives": ["this study's images, until the session ends", "the others' view and notes"],
}


def _invite_code() -> str:
    raw = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _norm_invite(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def mask(dicom_name: str) -> str:
    groups = dicom_name.split("=")
    ideo = "".join(groups[1].split("^")) if len(groups) > 1 else ""
    if ideo:
        return ideo[0] + "*" * (len(ideo) - 1)
    return " ".join(p[0] + "*" * (len(p) - 1) for p in groups[0].split("^") if p)


def add_routes(
    app: FastAPI,
    store: Store,
    base_url: Callable[[], str],
    with_root: Callable[[dict[str, Any]], dict[str, Any]],
    admin_key: str,
    limits: Limits,
    presenter_grace: float = 20.0,
) -> None:
    sessions: dict[str, Session] = {}
    lock = threading.Lock()

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

    Client = Annotated[dict[str, Any], Depends(client)]

    def admin(x_devcloud_admin: Annotated[str | None, Header()] = None) -> None:
        if not x_devcloud_admin or not secrets.compare_digest(x_devcloud_admin, admin_key):
            raise HTTPException(403, "admin key required")

    def ws_url(sid: str) -> str:
        return base_url().replace("https://", "wss://").replace("http://", "ws://") + (
            f"/consult/ws/{sid}"
        )

    def new_invite(s: Session) -> dict[str, str]:
        code = _invite_code()
        s.invites[sha(_norm_invite(code))] = None
        return {
            "invitation": code,
            "link": f"yunying://consult?session={s.id}&invite={_norm_invite(code)}",
        }

    def host_of(sid: str, cl: dict[str, Any], ticket: str) -> Session:
        s = sessions.get(sid)
        who = s.by_ticket(ticket) if s is not None and ticket else None
        if s is None or who is None or who.role != "host" or who.client_id != cl["client_id"]:
            raise HTTPException(403, "only the host of this session may do this")
        if not s.open():
            raise HTTPException(410, "this consultation has ended or expired")
        return s

    def by_invitation(cid: str, invitation: str, session_id: str) -> tuple[Session, str]:
        """The session an invitation opens; wrong codes lock out the sender only."""
        left = limits.invite_client.locked_for(cid)
        if left:
            raise HTTPException(
                429, f"too many wrong invitation codes; try again in {minutes(left)} minutes"
            )
        code = sha(_norm_invite(invitation))
        s = next(
            (
                x
                for x in sessions.values()
                if code in x.invites and (not session_id or x.id == session_id)
            ),
            None,
        )
        if s is None:
            limits.invite_client.hit(cid)
            store.event("consult_wrong_invitation", cid, {})
            raise HTTPException(403, "unknown or wrong invitation code")
        if not s.open():
            raise HTTPException(410, "this consultation has ended or expired")
        if not store.token_valid(s.subject):
            raise HTTPException(410, "the patient's authorization was withdrawn or has expired")
        return s, code

    @app.post("/consult/sessions")
    def create(
        cl: Client,
        subject_token: Annotated[str, Form()],
        study_uid: Annotated[str, Form()],
        minutes: Annotated[float, Form()] = 60.0,
        doctor: Annotated[str, Form()] = "",
    ) -> dict[str, Any]:
        tok = store.token(subject_token)
        if tok is None or not store.alive(tok):
            raise HTTPException(401, "the patient's authorization is not valid; authorize again")
        if tok.client_id != cl["client_id"]:
            raise HTTPException(403, "this authorization was given to another workstation")
        if tok.parent is not None or tok.how == "consult":
            raise HTTPException(403, "a delegated authorization cannot be delegated again")
        owner = store.record_owner(study_uid)
        if owner is None or not tok.may_see(study_uid, owner):
            raise HTTPException(403, "the patient's authorization does not cover this study")
        if not 0 < minutes <= MAX_MINUTES:
            raise HTTPException(400, f"a session lasts 1 to {MAX_MINUTES} minutes")
        matches = [r for r in store.records(psn=owner) if r["study_instance_uid"] == study_uid]
        if not matches:
            raise HTTPException(404, "the study is not indexed")
        # a session never outlives the authorization it is delegated from
        expires = min(time.time() + minutes * 60, tok.expires)
        sid = secrets.token_urlsafe(12)
        s = Session(
            sid, study_uid, owner, expires, with_root(matches[0]), subject_token, cl["client_id"]
        )
        ticket = secrets.token_urlsafe(24)
        with lock:
            s.participants["p1"] = Participant(
                "p1", cl["client_id"], doctor.strip() or "?", cl["hospital"], sha(ticket), "host"
            )
            s.presenter = "p1"
            invite = new_invite(s)
            sessions[sid] = s
        store.event("consult_created", cl["client_id"], {"session": sid, "study": study_uid})
        return {
            "session_id": sid,
            **invite,
            "expires_in": round(expires - time.time()),
            "participant": "p1",
            "ticket": ticket,
            "ws_url": ws_url(sid),
        }

    @app.post("/consult/sessions/{sid}/invitations")
    def invite_more(sid: str, cl: Client, ticket: Annotated[str, Form()]) -> dict[str, Any]:
        with lock:
            s = host_of(sid, cl, ticket)
            invite = new_invite(s)
        return {"session_id": sid, **invite, "expires_in": round(s.expires - time.time())}

    @app.post("/consult/preview")
    def preview(
        cl: Client,
        invitation: Annotated[str, Form()],
        session_id: Annotated[str, Form()] = "",
    ) -> dict[str, Any]:
        with lock:
            s, _code = by_invitation(cl["client_id"], invitation, session_id)
        host = s.participants["p1"]
        p = store.patient(psn=s.psn)
        r = s.record
        return {
            "session_id": s.id,
            "host": {"doctor": host.doctor, "hospital": host.hospital},
            "patient": {
                "name": mask(p["name"]) if p is not None else "",
                "sex": p["sex"] if p is not None else "",
                "birth_year": (p["birth_date"] or "")[:4] if p is not None else "",
            },
            "study": {
                "study_uid": s.study_uid,
                "description": r.get("description", ""),
                "modality": r.get("modality", ""),
                "exam_datetime": r.get("exam_datetime", ""),
                "organisation": (r.get("organisation") or {}).get("name", ""),
            },
            "shares": SHARES,
            "expires_in": round(s.expires - time.time()),
        }

    @app.post("/consult/join", response_model=None)
    async def join(
        cl: Client,
        invitation: Annotated[str, Form()],
        doctor: Annotated[str, Form()] = "",
        session_id: Annotated[str, Form()] = "",
    ) -> JSONResponse | dict[str, Any]:
        cid = cl["client_id"]
        with lock:
            s, code = by_invitation(cid, invitation, session_id)
            rid = s.invites[code]
            req = s.requests.get(rid) if rid else None
            if req is not None and req.client_id != cid:
                raise HTTPException(403, "this invitation was already used by another workstation")
            if req is None:  # the first to present it: the host is asked
                req = JoinRequest(
                    secrets.token_urlsafe(9), cid, doctor.strip() or "?", cl["hospital"]
                )
                s.invites[code] = req.id
                s.requests[req.id] = req
                store.event("consult_join_requested", cid, {"session": s.id, "request": req.id})
                notify = True
            else:
                notify = False
            status = req.status
            if status == "approved":
                req.status = "delivered"
        if notify:
            await send_to(s, "p1", request_message(req))
        if status == "pending":
            return JSONResponse(
                {"status": "pending", "session_id": s.id, "request": req.id}, status_code=202
            )
        if status == "denied":
            raise HTTPException(403, "the host declined this workstation's request to join")
        if status == "delivered":
            raise HTTPException(403, "this invitation was already used")
        ticket = secrets.token_urlsafe(24)
        with lock:
            pid = f"p{len(s.participants) + 1}"
            s.participants[pid] = Participant(
                pid, cid, req.doctor, req.hospital, sha(ticket), "guest"
            )
        ttl = s.expires - time.time()
        token, _exp = store.issue_token(
            client_id=cid,
            scope="code",
            psn=s.psn,
            code=s.record["code"],
            studies=[s.study_uid],
            ttl=ttl,
            how="consult",
            parent=s.subject,
        )
        s.delegated.append(token)
        store.event("consult_joined", cid, {"session": s.id, "participant": pid})
        return {
            "status": "admitted",
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

    @app.post("/consult/sessions/{sid}/requests")
    def pending(sid: str, cl: Client, ticket: Annotated[str, Form()]) -> dict[str, Any]:
        s = host_of(sid, cl, ticket)
        return {
            "requests": [
                {k: v for k, v in request_message(r).items() if k != "type"}
                for r in s.requests.values()
                if r.status == "pending"
            ]
        }

    @app.post("/consult/sessions/{sid}/approve")
    def approve(
        sid: str,
        cl: Client,
        ticket: Annotated[str, Form()],
        request: Annotated[str, Form()],
        admit: Annotated[bool, Form()] = True,
    ) -> dict[str, str]:
        with lock:
            s = host_of(sid, cl, ticket)
            req = s.requests.get(request)
            if req is None or req.status != "pending":
                raise HTTPException(404, "no such pending request")
            req.status = "approved" if admit else "denied"
        store.event(
            "consult_join_" + req.status, cl["client_id"], {"session": sid, "request": req.id}
        )
        return {"request": req.id, "status": req.status}

    add_relay(app, sessions, store, presenter_grace)

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
        end_session(store, s, "expired")
        await close_all(s, CLOSE_EXPIRED, "the consultation has expired")
        return {"status": "expired"}
