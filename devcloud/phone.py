"""The page the patient's phone opens from the QR code (``GET/POST /device``): who asks, the ID
number and PIN, approve or deny.

Hardened as a real one must be: a CSRF token (a random value in the form and in a
``SameSite=Strict`` cookie, bound to the request), never framed (``Content-Security-Policy:
frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), PINs checked against scrypt hashes in the
same time for known and unknown ID numbers, the same answer for both, and lockouts: per ID number,
per QR request (which is then void) and per phone.
"""

# FastAPI reads these annotations at run time: no "from __future__ import annotations" here.
import html
import secrets
import threading
import time
from typing import Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse

from devcloud.limits import Limits, minutes
from devcloud.store import Store

CSRF_COOKIE = "yy_csrf"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
INVALID = "授权请求无效或已过期 / This request is invalid or has expired"
NOT_CONFIRMED = "身份验证失败 / Identity not confirmed"


def page(title: str, body: str) -> str:
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:28em;margin:2em auto;padding:0 1em}}
input{{margin:.3em 0;width:100%}}button{{margin:.5em .5em 0 0;padding:.6em 1.2em}}</style>
</head><body><h2>{html.escape(title)}</h2>{body}</body></html>"""


def answer(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(page(title, body), status_code=status, headers=SECURITY_HEADERS)


def norm_user_code(user_code: str) -> str:
    code = user_code.strip().upper().replace(" ", "")
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def add_routes(app: FastAPI, store: Store, limits: Limits) -> None:
    csrf: dict[str, tuple[str, float]] = {}  # token → (user code, expiry)
    lock = threading.Lock()

    def grant_of(user_code: str) -> dict[str, Any] | None:
        rows = store.query(
            "SELECT g.*, c.hospital FROM device_grants g JOIN clients c USING (client_id) "
            "WHERE user_code = ?",
            norm_user_code(user_code),
        )
        if not rows:
            return None
        g = dict(rows[0])
        return g if g["expires"] >= time.time() and g["status"] == "pending" else None

    def new_csrf(user_code: str, expires: float) -> str:
        token = secrets.token_urlsafe(24)
        with lock:
            now = time.time()
            for k in [k for k, (_c, exp) in csrf.items() if exp < now]:
                del csrf[k]
            csrf[token] = (user_code, expires)
        return token

    def csrf_ok(request: Request, form_token: str, user_code: str) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not form_token or not secrets.compare_digest(cookie, form_token):
            return False
        with lock:
            bound = csrf.get(form_token)
        return bound is not None and bound[0] == user_code and bound[1] >= time.time()

    @app.get("/device", response_class=HTMLResponse)
    def device_page(user_code: str = "") -> HTMLResponse:
        grant = grant_of(user_code) if user_code else None
        if grant is None:
            return answer(INVALID, "", 404 if user_code else 200)
        token = new_csrf(grant["user_code"], grant["expires"])
        who = html.escape(grant["hospital"] or grant["client_id"])
        doctor = html.escape(grant["doctor"] or "")
        form = f"""
<p><b>{who}</b>{" · " + doctor if doctor else ""}</p>
<p>请求调阅您在各省医保影像云中的检查影像。<br>
asks to view your medical images held in the provincial imaging clouds.</p>
<form method="post" action="/device">
 <input type="hidden" name="user_code" value="{html.escape(grant["user_code"])}">
 <input type="hidden" name="csrf_token" value="{token}">
 <label>身份证号 / ID number <input name="id_number" autocomplete="off"></label><br>
 <label>医保密码 / PIN <input name="pin" type="password"></label><br>
 <button name="action" value="approve">同意 Approve</button>
 <button name="action" value="deny">拒绝 Deny</button>
</form>"""
        resp = answer("影像调阅授权 / Authorize image access", form)
        resp.set_cookie(
            CSRF_COOKIE,
            token,
            max_age=max(1, int(grant["expires"] - time.time())),
            path="/device",
            secure=True,
            httponly=True,
            samesite="strict",
        )
        return resp

    @app.post("/device", response_class=HTMLResponse)
    def device_decide(
        request: Request,
        user_code: Annotated[str, Form()],
        action: Annotated[str, Form()],
        csrf_token: Annotated[str, Form()] = "",
        id_number: Annotated[str, Form()] = "",
        pin: Annotated[str, Form()] = "",
    ) -> HTMLResponse:
        grant = grant_of(user_code)
        if grant is None:
            return answer(INVALID, "", 404)
        if not csrf_ok(request, csrf_token, grant["user_code"]):
            return answer(
                "请求已失效 / This form has expired",
                "<p>请重新扫描二维码。Scan the QR code again.</p>",
                403,
            )
        if action == "deny":
            with store.tx() as db:
                db.execute(
                    "UPDATE device_grants SET status='denied' WHERE device_hash=?",
                    (grant["device_hash"],),
                )
            store.event("device_denied", grant["client_id"], {})
            return answer("已拒绝 / Denied", "<p>医生将无法查看您的影像。</p>")
        idn = id_number.strip().upper()
        phone = request.client.host if request.client else "?"
        locked = max(
            limits.pin_patient.locked_for(idn),
            limits.pin_grant.locked_for(grant["user_code"]),
            limits.phone_client.locked_for(phone),
        )
        if locked:
            store.event("pin_locked", grant["client_id"], {})
            return answer(
                "尝试次数过多 / Too many attempts",
                f"<p>请{minutes(locked)}分钟后再试。Try again in {minutes(locked)} minutes.</p>",
                429,
            )
        patient = store.check_pin(idn, pin)
        if patient is None:
            limits.pin_patient.hit(idn)
            limits.phone_client.hit(phone)
            if limits.pin_grant.hit(grant["user_code"]):  # this QR request is void now
                with store.tx() as db:
                    db.execute(
                        "UPDATE device_grants SET status='void' WHERE device_hash=?",
                        (grant["device_hash"],),
                    )
            store.event("pin_wrong", grant["client_id"], {})
            return answer(NOT_CONFIRMED, "<p>请检查身份证号和密码。</p>", 403)
        limits.pin_patient.clear(idn)
        with store.tx() as db:
            db.execute(
                "UPDATE device_grants SET status='approved', psn=? WHERE device_hash=?",
                (patient["psn"], grant["device_hash"]),
            )
        store.event("device_approved", grant["client_id"], {})
        return answer("已授权 / Approved", "<p>医生现在可以查看您的影像。</p>")
