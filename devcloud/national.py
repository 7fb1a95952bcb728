"""The national service: the exam index and patient authorization (OAuth 2.0).

Endpoints (see ``/docs`` or ``/openapi.json`` of a running devcloud):

* ``POST /oauth/device_authorization`` — RFC 8628 §3.1: the workstation asks; the QR code shown
  to the patient carries ``verification_uri_complete``.
* ``GET/POST /device`` — the page the patient's phone opens: who asks, approve or deny.
* ``POST /oauth/token`` — RFC 6749 §5 / RFC 8628 §3.4 with four grants: the device code, an SMS
  code, doctor-assisted authorization, and an index code (a token scoped to one code's exams).
* ``POST /oauth/revoke`` — RFC 7009.
* ``POST /sms/send`` — sends a 6-digit code to the patient's phone (here: to an outbox).
* ``GET /index/records`` — the index records the bearer token may see, across provinces.
* ``GET /.well-known/oauth-authorization-server`` — RFC 8414 metadata.
* ``/consult/…`` — remote consultation sessions and their relay (see ``devcloud.consult``).

Workstations authenticate with HTTP Basic client credentials (RFC 6749 §2.3.1).
"""

# FastAPI reads these annotations at run time: no "from __future__ import annotations" here.
import base64
import html
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Header, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse

from cloudclient.indexcode import IndexCodeError, parse
from devcloud import consult
from devcloud.auth import check_bearer
from devcloud.store import Store, sha

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SMS_GRANT = "urn:yunying:params:oauth:grant-type:sms-code"
ASSISTED_GRANT = "urn:yunying:params:oauth:grant-type:assisted"
INDEX_CODE_GRANT = "urn:yunying:params:oauth:grant-type:index-code"
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1: no vowels, no look-alikes


@dataclass
class Settings:
    token_ttl: float = 1800.0
    code_token_ttl: float = 900.0
    device_ttl: float = 600.0
    device_interval: float = 5.0
    slow_down_increment: float = 5.0  # RFC 8628 §3.5
    sms_ttl: float = 300.0
    sms_attempts: int = 5
    #: a presenter gone this long (no connection) passes the presentation on
    consult_presenter_grace: float = 20.0


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def _oauth_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OAuthError)
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="yunying-devcloud"'
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status,
        headers=headers,
    )


def create_app(
    store: Store,
    settings: Settings,
    base_url: Callable[[], str],
    gateways: Callable[[], dict[str, str]],
    admin_key: str,
) -> FastAPI:
    """``base_url()`` is this service's public URL; ``gateways()`` maps province code → DICOMweb
    root of that province's gateway."""
    app = FastAPI(title="Yunying devcloud — national index and authorization", version="1")
    app.add_exception_handler(OAuthError, _oauth_error)

    def client(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        if not authorization or not authorization.startswith("Basic "):
            raise OAuthError("invalid_client", "client credentials are required", 401)
        try:
            cid, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        except Exception:
            raise OAuthError("invalid_client", "malformed client credentials", 401) from None
        row = store.check_client(cid, secret)
        if row is None:
            raise OAuthError("invalid_client", "unknown client or wrong secret", 401)
        return dict(row)

    Client = Annotated[dict[str, Any], Depends(client)]

    def bearer(authorization: Annotated[str | None, Header()] = None) -> Any:
        return check_bearer(store, authorization, "yunying-devcloud")[0]

    def with_root(rec: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in rec.items() if k != "psn"}
        out["dicomweb_root"] = gateways().get(rec["organisation"]["province_code"])
        return out

    # ------------------------------------------------------------------ metadata

    @app.get("/.well-known/oauth-authorization-server")
    def metadata() -> dict[str, Any]:
        b = base_url()
        return {
            "issuer": b,
            "token_endpoint": f"{b}/oauth/token",
            "device_authorization_endpoint": f"{b}/oauth/device_authorization",
            "revocation_endpoint": f"{b}/oauth/revoke",
            "grant_types_supported": [DEVICE_GRANT, SMS_GRANT, ASSISTED_GRANT, INDEX_CODE_GRANT],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    # ------------------------------------------------------------------ device flow

    @app.post("/oauth/device_authorization")
    def device_authorization(
        cl: Client, doctor: Annotated[str, Form()] = "", scope: Annotated[str, Form()] = "patient"
    ) -> JSONResponse:
        if scope != "patient":
            raise OAuthError("invalid_scope", "only the 'patient' scope can be asked for here")
        device_code = secrets.token_urlsafe(32)
        raw = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
        user_code = f"{raw[:4]}-{raw[4:]}"
        now = time.time()
        with store.tx() as db:
            db.execute(
                "INSERT INTO device_grants VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    sha(device_code),
                    user_code,
                    cl["client_id"],
                    doctor,
                    now,
                    now + settings.device_ttl,
                    settings.device_interval,
                    0.0,
                    "pending",
                    None,
                ),
            )
        b = base_url()
        return JSONResponse(
            {
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri": f"{b}/device",
                "verification_uri_complete": f"{b}/device?user_code={user_code}",
                "expires_in": math.ceil(settings.device_ttl),
                "interval": settings.device_interval,
            },
            headers={"Cache-Control": "no-store"},
        )

    def _grant_by_user_code(user_code: str) -> dict[str, Any] | None:
        code = user_code.strip().upper().replace(" ", "")
        if len(code) == 8:
            code = f"{code[:4]}-{code[4:]}"
        rows = store.query(
            "SELECT g.*, c.hospital FROM device_grants g JOIN clients c USING (client_id) "
            "WHERE user_code = ?",
            code,
        )
        return dict(rows[0]) if rows else None

    @app.get("/device", response_class=HTMLResponse)
    def device_page(user_code: str = "") -> HTMLResponse:
        grant = _grant_by_user_code(user_code) if user_code else None
        if grant is None or grant["expires"] < time.time() or grant["status"] != "pending":
            body = _page("授权请求无效或已过期 / This request is invalid or has expired", "")
            return HTMLResponse(body, status_code=404 if user_code else 200)
        who = html.escape(grant["hospital"] or grant["client_id"])
        doctor = html.escape(grant["doctor"] or "")
        form = f"""
<p><b>{who}</b>{" · " + doctor if doctor else ""}</p>
<p>请求调阅您在各省医保影像云中的检查影像。<br>
asks to view your medical images held in the provincial imaging clouds.</p>
<form method="post" action="/device">
 <input type="hidden" name="user_code" value="{html.escape(grant["user_code"])}">
 <label>身份证号 / ID number <input name="id_number" autocomplete="off"></label><br>
 <label>医保密码 / PIN <input name="pin" type="password"></label><br>
 <button name="action" value="approve">同意 Approve</button>
 <button name="action" value="deny">拒绝 Deny</button>
</form>"""
        return HTMLResponse(_page("影像调阅授权 / Authorize image access", form))

    @app.post("/device", response_class=HTMLResponse)
    def device_decide(
        user_code: Annotated[str, Form()],
        action: Annotated[str, Form()],
        id_number: Annotated[str, Form()] = "",
        pin: Annotated[str, Form()] = "",
    ) -> HTMLResponse:
        grant = _grant_by_user_code(user_code)
        if grant is None or grant["expires"] < time.time() or grant["status"] != "pending":
            return HTMLResponse(
                _page("授权请求无效或已过期 / This request is invalid or has expired", ""),
                status_code=404,
            )
        if action == "deny":
            with store.tx() as db:
                db.execute(
                    "UPDATE device_grants SET status='denied' WHERE device_hash=?",
                    (grant["device_hash"],),
                )
            store.event("device_denied", grant["client_id"], {})
            return HTMLResponse(_page("已拒绝 / Denied", "<p>医生将无法查看您的影像。</p>"))
        patient = store.patient(id_number=id_number.strip().upper())
        if patient is None or not secrets.compare_digest(patient["pin"], pin):
            return HTMLResponse(
                _page("身份验证失败 / Identity not confirmed", "<p>请检查身份证号和密码。</p>"),
                status_code=403,
            )
        with store.tx() as db:
            db.execute(
                "UPDATE device_grants SET status='approved', psn=? WHERE device_hash=?",
                (patient["psn"], grant["device_hash"]),
            )
        store.event("device_approved", grant["client_id"], {})
        return HTMLResponse(_page("已授权 / Approved", "<p>医生现在可以查看您的影像。</p>"))

    # ------------------------------------------------------------------ SMS

    @app.post("/sms/send")
    def sms_send(cl: Client, id_number: Annotated[str, Form()]) -> JSONResponse:
        patient = store.patient(id_number=id_number.strip().upper())
        if patient is None or not patient["phone"]:
            raise OAuthError("invalid_request", "no insured person with this ID number", 404)
        code = f"{secrets.randbelow(10**6):06d}"
        request_id = secrets.token_urlsafe(16)
        now = time.time()
        with store.tx() as db:
            db.execute(
                "INSERT INTO sms_grants VALUES (?,?,?,?,?,?,?)",
                (
                    request_id,
                    cl["client_id"],
                    patient["psn"],
                    sha(code),
                    now + settings.sms_ttl,
                    0,
                    0,
                ),
            )
            text = (
                f"【医保影像云】验证码 {code}，用于授权{cl['hospital']}调阅您的检查影像，"
                f"{int(settings.sms_ttl // 60)}分钟内有效。如非本人操作请忽略。"
            )
            db.execute(
                "INSERT INTO sms_outbox (phone, text, sent) VALUES (?,?,?)",
                (patient["phone"], text, now),
            )
        phone = patient["phone"]
        return JSONResponse(
            {
                "request_id": request_id,
                "expires_in": int(settings.sms_ttl),
                "phone_hint": phone[:3] + "****" + phone[-4:],
            }
        )

    # ------------------------------------------------------------------ token endpoint

    def _token_response(
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

    def _patient_summary(psn: str) -> dict[str, Any]:
        p = store.patient(psn=psn)
        assert p is not None
        return {"patient": {"name": p["name"], "sex": p["sex"], "birth_date": p["birth_date"]}}

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
    ) -> JSONResponse:
        cid = cl["client_id"]
        now = time.time()
        if grant_type == DEVICE_GRANT:
            rows = store.query(
                "SELECT * FROM device_grants WHERE device_hash = ?", sha(device_code)
            )
            if not rows or rows[0]["client_id"] != cid:
                raise OAuthError("invalid_grant", "unknown device code")
            g = rows[0]
            if g["expires"] < now:
                raise OAuthError("expired_token", "the device code has expired; start again")
            if g["status"] == "denied":
                raise OAuthError("access_denied", "the patient denied the request")
            if g["status"] == "used":
                raise OAuthError("invalid_grant", "the device code was already used")
            if g["status"] == "pending":
                too_soon = g["last_poll"] and now - g["last_poll"] < g["interval"] - 0.05
                with store.tx() as db:
                    if too_soon:
                        db.execute(
                            "UPDATE device_grants SET last_poll=?, interval=interval+? "
                            "WHERE device_hash=?",
                            (now, settings.slow_down_increment, g["device_hash"]),
                        )
                    else:
                        db.execute(
                            "UPDATE device_grants SET last_poll=? WHERE device_hash=?",
                            (now, g["device_hash"]),
                        )
                if too_soon:
                    raise OAuthError(
                        "slow_down",
                        f"poll no faster than every "
                        f"{g['interval'] + settings.slow_down_increment:g} s",
                    )
                raise OAuthError("authorization_pending", "the patient has not answered yet")
            with store.tx() as db:
                db.execute(
                    "UPDATE device_grants SET status='used' WHERE device_hash=?",
                    (g["device_hash"],),
                )
            tok, exp = store.issue_token(
                client_id=cid, scope="patient", psn=g["psn"], ttl=settings.token_ttl, how="qr"
            )
            return _token_response(tok, exp, "patient", _patient_summary(g["psn"]))
        if grant_type == SMS_GRANT:
            rows = store.query("SELECT * FROM sms_grants WHERE request_id = ?", request_id)
            if not rows or rows[0]["client_id"] != cid:
                raise OAuthError("invalid_grant", "unknown SMS request")
            s = rows[0]
            if s["used"]:
                raise OAuthError("invalid_grant", "this SMS code was already used")
            if s["expires"] < now:
                raise OAuthError("expired_token", "the SMS code has expired; send a new one")
            if s["attempts"] >= settings.sms_attempts:
                raise OAuthError("invalid_grant", "too many wrong codes; send a new one")
            if not secrets.compare_digest(s["code_hash"], sha(code.strip())):
                with store.tx() as db:
                    db.execute(
                        "UPDATE sms_grants SET attempts=attempts+1 WHERE request_id=?",
                        (request_id,),
                    )
                left = settings.sms_attempts - s["attempts"] - 1
                raise OAuthError("invalid_grant", f"wrong SMS code ({left} attempts left)")
            with store.tx() as db:
                db.execute("UPDATE sms_grants SET used=1 WHERE request_id=?", (request_id,))
            tok, exp = store.issue_token(
                client_id=cid, scope="patient", psn=s["psn"], ttl=settings.token_ttl, how="sms"
            )
            return _token_response(tok, exp, "patient", _patient_summary(s["psn"]))
        if grant_type == ASSISTED_GRANT:
            if not cl["assisted"]:
                raise OAuthError(
                    "unauthorized_client",
                    "this workstation may not use doctor-assisted authorization",
                )
            if not doctor.strip() or not reason.strip():
                raise OAuthError("invalid_request", "doctor and reason are required")
            p = store.patient(id_number=id_number.strip().upper())
            if p is None or p["name"].split("=")[-1] != name.strip().split("=")[-1]:
                raise OAuthError(
                    "invalid_grant", "ID number and name do not match an insured person"
                )
            store.event("assisted", cid, {"doctor": doctor, "reason": reason})
            tok, exp = store.issue_token(
                client_id=cid, scope="patient", psn=p["psn"], ttl=settings.token_ttl, how="assisted"
            )
            return _token_response(tok, exp, "patient", _patient_summary(p["psn"]))
        if grant_type == INDEX_CODE_GRANT:
            try:
                parsed = parse(index_code)
            except IndexCodeError as exc:
                raise OAuthError("invalid_request", str(exc)) from None
            recs = store.records(code=parsed.compact)
            if not recs:
                raise OAuthError("invalid_grant", "no exam is indexed under this code")
            tok, exp = store.issue_token(
                client_id=cid,
                scope="code",
                psn=recs[0]["psn"],
                code=parsed.compact,
                studies=[r["study_instance_uid"] for r in recs],
                ttl=settings.code_token_ttl,
                how="index_code",
            )
            return _token_response(tok, exp, "code", {})
        raise OAuthError("unsupported_grant_type", f"grant type {grant_type!r} is not supported")

    @app.post("/oauth/revoke")
    def revoke(cl: Client, token: Annotated[str, Form()]) -> JSONResponse:
        tok = store.token(token)
        if tok is not None and tok.client_id == cl["client_id"]:
            store.revoke(token)
        return JSONResponse({}, status_code=200)  # RFC 7009 §2.2: 200 either way

    # ------------------------------------------------------------------ index

    @app.get("/index/records")
    def records(tok: Annotated[Any, Depends(bearer)], code: str = "") -> dict[str, Any]:
        recs = store.records(code=tok.code) if tok.scope == "code" else store.records(psn=tok.psn)
        if code:
            try:
                wanted = parse(code).compact
            except IndexCodeError as exc:
                raise HTTPException(400, str(exc)) from None
            recs = [r for r in recs if r["code"] == wanted]
        return {"records": [with_root(r) for r in recs]}

    @app.get("/index/codes/{code}")
    def by_code(code: str, tok: Annotated[Any, Depends(bearer)]) -> dict[str, Any]:
        try:
            compact = parse(code).compact
        except IndexCodeError as exc:
            raise HTTPException(400, str(exc)) from None
        if tok.scope == "code" and tok.code != compact:
            raise HTTPException(403, "this token is for another index code")
        recs = [r for r in store.records(code=compact) if r["psn"] == tok.psn]
        if not recs:
            raise HTTPException(404, "no exam of this patient is indexed under this code")
        return {"records": [with_root(r) for r in recs]}

    # ------------------------------------------------------------------ development helpers

    def admin(x_devcloud_admin: Annotated[str | None, Header()] = None) -> None:
        if not x_devcloud_admin or not secrets.compare_digest(x_devcloud_admin, admin_key):
            raise HTTPException(403, "admin key required")

    @app.get("/_dev/sms-outbox", dependencies=[Depends(admin)])
    def outbox(phone: str = "") -> dict[str, Any]:
        rows = store.query(
            "SELECT phone, text, sent FROM sms_outbox WHERE (? = '' OR phone = ?) ORDER BY id",
            phone,
            phone,
        )
        return {"messages": [dict(r) for r in rows]}

    @app.post("/_dev/tokens/expire", dependencies=[Depends(admin)])
    def expire_token(token: Annotated[str, Form()]) -> dict[str, str]:
        store.expire(token)
        return {"status": "expired"}

    consult.add_routes(app, store, base_url, with_root, admin_key, settings.consult_presenter_grace)
    return app


def _page(title: str, body: str) -> str:
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:28em;margin:2em auto;padding:0 1em}}
input{{margin:.3em 0;width:100%}}button{{margin:.5em .5em 0 0;padding:.6em 1.2em}}</style>
</head><body><h2>{html.escape(title)}</h2>{body}</body></html>"""
