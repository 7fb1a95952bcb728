"""The token endpoint's grants and the SMS sender of the national service.

* device code (RFC 8628), SMS code, doctor-assisted, index code;
* every failure counts against the workstation (``grant_failures``), and each grant has its own
  lockouts (see :class:`devcloud.oauth.Settings`);
* the same answer for known and unknown ID numbers (SMS: a request id and a phone hint either way;
  assisted: one refusal);
* **an index code alone gives nothing**: it names exams, it does not authorize. A workstation of
  the organisation that stored the exam (its ``orgs``) may open it by code (it holds the images
  already); any other workstation needs the patient's own authorization (``subject_token``, a
  patient token it holds for the same patient), which the code then only narrows to its exams.
  Unknown and not-allowed codes get the same refusal, and refusals lock out the workstation and
  (for other workstations only) the person the code names;
* the assisted grant names a doctor registered for the workstation's hospital (licence number or
  name) and is written to the event log with the doctor, the reason and the patient.
"""

# FastAPI reads these annotations at run time: no "from __future__ import annotations" here.
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form
from fastapi.responses import JSONResponse

from cloudclient.indexcode import IndexCodeError, parse
from devcloud.limits import Limiter, Limits, minutes
from devcloud.oauth import (
    ASSISTED_GRANT,
    DEVICE_GRANT,
    INDEX_CODE_GRANT,
    SMS_GRANT,
    OAuthError,
    Settings,
)
from devcloud.store import Store, sha

COUNTED = ("invalid_grant", "invalid_request")  # failures that count against a workstation
CODE_REFUSED = (
    "no exam this workstation may open is indexed under this code: an index code alone does "
    "not authorize; ask the patient to authorize (QR code or SMS)"
)


def _locked(lim: Limiter, key: str, what: str) -> None:
    left = lim.locked_for(key)
    if left:
        raise OAuthError(
            "invalid_grant", f"too many {what}; try again in {minutes(left)} minutes", 429
        )


def add_routes(
    app: FastAPI,
    store: Store,
    settings: Settings,
    limits: Limits,
    client: Callable[..., dict[str, Any]],
) -> None:
    Client = Annotated[dict[str, Any], Depends(client)]
    hint_key = secrets.token_bytes(32)

    def phone_hint(phone: str | None, idn: str) -> str:
        """The masked phone number; for an unknown ID number a made-up one that stays the same."""
        if not phone:
            digits = hmac.new(hint_key, idn.encode(), hashlib.sha256).hexdigest()
            n = int(digits, 16)
            phone = f"1{3 + n % 7}{n // 7 % 10}****{n // 70 % 10000:04d}"
        return phone[:3] + "****" + phone[-4:]

    # ------------------------------------------------------------------ SMS

    @app.post("/sms/send")
    def sms_send(cl: Client, id_number: Annotated[str, Form()]) -> JSONResponse:
        cid, idn = cl["client_id"], id_number.strip().upper()
        _locked(limits.sms_send_client, cid, "SMS codes sent from this workstation")
        _locked(limits.sms_send_patient, idn, "SMS codes sent for this ID number")
        limits.sms_send_client.hit(cid)
        limits.sms_send_patient.hit(idn)
        patient = store.patient(id_number=idn)
        known = patient is not None and bool(patient["phone"])
        # an unknown ID number gets a request no code will ever match (the same answer)
        code = f"{secrets.randbelow(10**6):06d}" if known else secrets.token_urlsafe(16)
        request_id = secrets.token_urlsafe(16)
        now = time.time()
        with store.tx() as db:
            db.execute(
                "INSERT INTO sms_grants VALUES (?,?,?,?,?,?,?)",
                (
                    request_id,
                    cid,
                    patient["psn"] if known and patient is not None else None,
                    sha(code),
                    now + settings.sms_ttl,
                    0,
                    0,
                ),
            )
            if known and patient is not None:
                text = (
                    f"【医保影像云】验证码 {code}，用于授权{cl['hospital']}调阅您的检查影像，"
                    f"{int(settings.sms_ttl // 60)}分钟内有效。如非本人操作请忽略。"
                )
                db.execute(
                    "INSERT INTO sms_outbox (phone, text, sent) VALUES (?,?,?)",
                    (patient["phone"], text, now),
                )
        store.event("sms_sent", cid, {})
        return JSONResponse(
            {
                "request_id": request_id,
                "expires_in": int(settings.sms_ttl),
                "phone_hint": phone_hint(patient["phone"] if known and patient else None, idn),
            },
            headers={"Cache-Control": "no-store"},
        )

    # ------------------------------------------------------------------ token endpoint

    def token_response(
        token: str, expires: float, scope: str, extra: dict[str, Any]
    ) -> JSONResponse:
        body = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(expires - time.time()),
            "scope": scope,
        }
        body.update(extra)
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def patient_summary(psn: str) -> dict[str, Any]:
        p = store.patient(psn=psn)
        assert p is not None
        return {"patient": {"name": p["name"], "sex": p["sex"], "birth_date": p["birth_date"]}}

    def device_grant(cid: str, device_code: str) -> JSONResponse:
        now = time.time()
        rows = store.query("SELECT * FROM device_grants WHERE device_hash = ?", sha(device_code))
        if not rows or rows[0]["client_id"] != cid:
            raise OAuthError("invalid_grant", "unknown device code")
        g = rows[0]
        if g["expires"] < now:
            raise OAuthError("expired_token", "the device code has expired; start again")
        if g["status"] == "denied":
            raise OAuthError("access_denied", "the patient denied the request")
        if g["status"] == "void":
            raise OAuthError(
                "expired_token", "too many wrong PINs were entered on the phone; start again"
            )
        if g["status"] == "used":
            raise OAuthError("invalid_grant", "the device code was already used")
        if g["status"] == "pending":
            too_soon = g["last_poll"] and now - g["last_poll"] < g["interval"] - 0.05
            with store.tx() as db:
                db.execute(
                    "UPDATE device_grants SET last_poll=?, interval=interval+? WHERE device_hash=?",
                    (now, settings.slow_down_increment if too_soon else 0.0, g["device_hash"]),
                )
            if too_soon:
                raise OAuthError(
                    "slow_down",
                    f"poll no faster than every {g['interval'] + settings.slow_down_increment:g} s",
                )
            raise OAuthError("authorization_pending", "the patient has not answered yet")
        with store.tx() as db:
            db.execute(
                "UPDATE device_grants SET status='used' WHERE device_hash=?", (g["device_hash"],)
            )
        tok, exp = store.issue_token(
            client_id=cid, scope="patient", psn=g["psn"], ttl=settings.token_ttl, how="qr"
        )
        return token_response(tok, exp, "patient", patient_summary(g["psn"]))

    def sms_grant(cid: str, request_id: str, code: str) -> JSONResponse:
        rows = store.query("SELECT * FROM sms_grants WHERE request_id = ?", request_id)
        if not rows or rows[0]["client_id"] != cid:
            raise OAuthError("invalid_grant", "unknown SMS request")
        s = rows[0]
        who = s["psn"] or f"request:{request_id}"
        if s["used"]:
            raise OAuthError("invalid_grant", "this SMS code was already used")
        if s["expires"] < time.time():
            raise OAuthError("expired_token", "the SMS code has expired; send a new one")
        _locked(limits.sms_code_patient, who, "wrong SMS codes for this patient")
        if s["attempts"] >= settings.sms_attempts:
            raise OAuthError("invalid_grant", "too many wrong codes; send a new one")
        if not secrets.compare_digest(s["code_hash"], sha(code.strip())):
            with store.tx() as db:
                db.execute(
                    "UPDATE sms_grants SET attempts=attempts+1 WHERE request_id=?", (request_id,)
                )
            limits.sms_code_patient.hit(who)
            left = settings.sms_attempts - s["attempts"] - 1
            raise OAuthError("invalid_grant", f"wrong SMS code ({left} attempts left)")
        with store.tx() as db:
            db.execute("UPDATE sms_grants SET used=1 WHERE request_id=?", (request_id,))
        limits.sms_code_patient.clear(who)
        tok, exp = store.issue_token(
            client_id=cid, scope="patient", psn=s["psn"], ttl=settings.token_ttl, how="sms"
        )
        return token_response(tok, exp, "patient", patient_summary(s["psn"]))

    def assisted_grant(
        cl: dict[str, Any], id_number: str, name: str, doctor: str, reason: str
    ) -> JSONResponse:
        cid = cl["client_id"]
        if not cl["assisted"]:
            raise OAuthError(
                "unauthorized_client", "this workstation may not use doctor-assisted authorization"
            )
        if not doctor.strip() or not reason.strip():
            raise OAuthError("invalid_request", "doctor and reason are required")
        roster: dict[str, str] = json.loads(cl["doctors"] or "{}")
        doc = doctor.strip()
        licence = doc if doc in roster else next((k for k, v in roster.items() if v == doc), "")
        if not licence:
            store.event("assisted_refused", cid, {"doctor": doc, "why": "unregistered doctor"})
            raise OAuthError(
                "invalid_request",
                f"{doc!r} is not a doctor registered at {cl['hospital']} for doctor-assisted "
                "authorization",
                403,
            )
        idn = id_number.strip().upper()
        _locked(limits.assisted_client, cid, "refused assisted authorizations")
        _locked(limits.assisted_patient, idn, "refused assisted authorizations")
        p = store.patient(id_number=idn)
        if p is None or p["name"].split("=")[-1] != name.strip().split("=")[-1]:
            limits.assisted_client.hit(cid)
            limits.assisted_patient.hit(idn)
            store.event("assisted_refused", cid, {"doctor": licence, "reason": reason})
            raise OAuthError("invalid_grant", "ID number and name do not match an insured person")
        tok, exp = store.issue_token(
            client_id=cid, scope="patient", psn=p["psn"], ttl=settings.token_ttl, how="assisted"
        )
        store.event(
            "assisted",
            cid,
            {
                "doctor": licence,
                "doctor_name": roster[licence],
                "reason": reason,
                "patient": p["psn"],
                "token": sha(tok)[:16],
            },
        )
        return token_response(tok, exp, "patient", patient_summary(p["psn"]))

    def code_grant(cl: dict[str, Any], index_code: str, subject_token: str) -> JSONResponse:
        cid = cl["client_id"]
        _locked(limits.code_client, cid, "index codes refused for this workstation")
        try:
            compact = parse(index_code).compact
        except IndexCodeError as exc:
            limits.code_client.hit(cid)
            raise OAuthError("invalid_request", str(exc)) from None
        recs = store.records(code=compact)
        orgs = set(json.loads(cl["orgs"] or "[]"))
        subject = store.token(subject_token) if subject_token else None
        storing = bool(recs) and all(r["organisation"]["uscc"] in orgs for r in recs)
        consented = (
            bool(recs)
            and subject is not None
            and store.alive(subject)
            and subject.client_id == cid
            and subject.scope == "patient"
            and subject.psn == recs[0]["psn"]
        )
        if not (storing or consented):
            person = parse(compact).person
            _locked(limits.code_patient, person, "index codes refused for this person")
            limits.code_client.hit(cid)
            limits.code_patient.hit(person)
            store.event("code_refused", cid, {})
            raise OAuthError("invalid_grant", CODE_REFUSED)
        tok, exp = store.issue_token(
            client_id=cid,
            scope="code",
            psn=recs[0]["psn"],
            code=compact,
            studies=[r["study_instance_uid"] for r in recs],
            ttl=settings.code_token_ttl,
            how="index_code" if storing else "index_code+patient",
            parent=None if storing else subject_token,
        )
        return token_response(tok, exp, "code", {})

    @app.post("/oauth/token")
    def token(
        cl: Client,
        grant_type: Annotated[str, Form()],
        device_code: Annotated[str, Form()] = "",
        request_id: Annotated[str, Form()] = "",
        code: Annotated[str, Form()] = "",
        id_number: Annotated[str, Form()] = "",
        name: Annotated[str, Form()] = "",
        doctor: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
        index_code: Annotated[str, Form()] = "",
        subject_token: Annotated[str, Form()] = "",
    ) -> JSONResponse:
        cid = cl["client_id"]
        _locked(limits.grant_client, cid, "failed authorizations from this workstation")
        try:
            if grant_type == DEVICE_GRANT:
                return device_grant(cid, device_code)
            if grant_type == SMS_GRANT:
                return sms_grant(cid, request_id, code)
            if grant_type == ASSISTED_GRANT:
                return assisted_grant(cl, id_number, name, doctor, reason)
            if grant_type == INDEX_CODE_GRANT:
                return code_grant(cl, index_code, subject_token)
        except OAuthError as exc:
            if exc.error in COUNTED and exc.status != 429:
                limits.grant_client.hit(cid)
            raise
        raise OAuthError("unsupported_grant_type", f"grant type {grant_type!r} is not supported")
