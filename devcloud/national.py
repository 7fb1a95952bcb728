"""The national service: the exam index and patient authorization (OAuth 2.0).

Endpoints (see ``/docs`` or ``/openapi.json`` of a running devcloud):

* ``POST /oauth/device_authorization`` — RFC 8628 §3.1: the workstation asks; the QR code shown
  to the patient carries ``verification_uri_complete``.
* ``GET/POST /device`` — the page the patient's phone opens: who asks, approve or deny
  (``devcloud.phone``: CSRF token, never framed, PIN lockouts).
* ``POST /oauth/token`` — RFC 6749 §5 / RFC 8628 §3.4 with four grants: the device code, an SMS
  code, doctor-assisted authorization, and an index code (``devcloud.grants``: an index code
  alone authorizes nothing; lockouts per workstation and per patient).
* ``POST /oauth/revoke`` — RFC 7009.
* ``POST /sms/send`` — sends a 6-digit code to the patient's phone (here: to an outbox).
* ``GET /index/records`` — the index records the bearer token may see, across provinces.
* ``GET /.well-known/oauth-authorization-server`` — RFC 8414 metadata.
* ``/consult/…`` — remote consultation sessions and their relay (see ``devcloud.consult``).

Workstations authenticate with HTTP Basic client credentials (RFC 6749 §2.3.1). Served over
TLS only (see ``devcloud.cloud``).
"""

# FastAPI reads these annotations at run time: no "from __future__ import annotations" here.
import base64
import math
import secrets
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Header, HTTPException
from fastapi.responses import JSONResponse

from cloudclient.indexcode import IndexCodeError, parse
from devcloud import consult, grants, phone
from devcloud.auth import check_bearer
from devcloud.oauth import (  # re-exported: tests and tools import them from here
    ASSISTED_GRANT,
    DEVICE_GRANT,
    INDEX_CODE_GRANT,
    SMS_GRANT,
    USER_CODE_ALPHABET,
    OAuthError,
    Settings,
    oauth_error,
)
from devcloud.store import Store, sha

__all__ = [
    "ASSISTED_GRANT",
    "DEVICE_GRANT",
    "INDEX_CODE_GRANT",
    "SMS_GRANT",
    "OAuthError",
    "Settings",
    "create_app",
]


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
    app.add_exception_handler(OAuthError, oauth_error)
    limits = settings.limits()
    app.state.limits = limits

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

    phone.add_routes(app, store, limits)
    grants.add_routes(app, store, settings, limits, client)

    @app.post("/oauth/revoke")
    def revoke(cl: Client, token: Annotated[str, Form()]) -> JSONResponse:
        tok = store.token(token)
        if tok is not None and tok.client_id == cl["client_id"]:
            store.revoke(token)
            store.event("token_revoked", cl["client_id"], {"how": tok.how})
        return JSONResponse({}, status_code=200)  # RFC 7009 §2.2: 200 either way

    # ------------------------------------------------------------------ index

    @app.get("/index/records")
    def records(tok: Annotated[Any, Depends(bearer)], code: str = "") -> dict[str, Any]:
        recs = store.records(code=tok.code) if tok.scope == "code" else store.records(psn=tok.psn)
        recs = [r for r in recs if tok.may_see(r["study_instance_uid"], r["psn"])]
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
        recs = [
            r for r in store.records(code=compact) if tok.may_see(r["study_instance_uid"], r["psn"])
        ]
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

    @app.post("/_dev/limits/reset", dependencies=[Depends(admin)])
    def reset_limits() -> dict[str, str]:
        """Lift every lockout (tests that prove a lockout clean up after themselves)."""
        limits.clear()
        return {"status": "reset"}

    @app.post("/_dev/tokens/expire", dependencies=[Depends(admin)])
    def expire_token(token: Annotated[str, Form()]) -> dict[str, str]:
        store.expire(token)
        return {"status": "expired"}

    consult.add_routes(
        app, store, base_url, with_root, admin_key, limits, settings.consult_presenter_grace
    )
    return app
