"""Finding 9 (server side): the phone page carries a CSRF token and cannot be framed."""

from __future__ import annotations

import re

import requests

from devcloud.national import DEVICE_GRANT
from tests.security.devcloud_helpers import patient, workstation
from tests.test_devcloud import Phone


def _flow(devcloud, ws) -> dict:
    r = requests.post(f"{devcloud.national_url}/oauth/device_authorization", auth=ws.auth)
    return r.json()


def _frame_guarded(r: requests.Response) -> None:
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Cache-Control"] == "no-store"


def test_the_phone_page_cannot_be_framed(devcloud) -> None:
    ws = workstation(devcloud)
    flow = _flow(devcloud, ws)
    r = requests.get(flow["verification_uri_complete"])
    assert r.status_code == 200
    _frame_guarded(r)
    cookie = r.headers["Set-Cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    _frame_guarded(requests.get(f"{devcloud.national_url}/device?user_code=BBBB-BBBB"))


def test_a_form_without_its_csrf_token_is_refused(devcloud) -> None:
    ws = workstation(devcloud)
    p = patient(devcloud)
    flow, other = _flow(devcloud, ws), _flow(devcloud, ws)
    url = f"{devcloud.national_url}/device"
    form = {"user_code": flow["user_code"], "action": "approve"}
    form |= {"id_number": p.id_number, "pin": p.pin}
    # a cross-site form post: no cookie, no token
    r = requests.post(url, data=form)
    assert r.status_code == 403 and "expired" in r.text
    _frame_guarded(r)
    # the token of the page the attacker opened itself: not this browser's cookie
    own = requests.Session()
    page = own.get(other["verification_uri_complete"]).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert requests.post(url, data={**form, "csrf_token": token}).status_code == 403
    # a token bound to another request, even with its cookie
    assert own.post(url, data={**form, "csrf_token": token}).status_code == 403
    # the patient's own phone, its page and its cookie: accepted
    phone = Phone(p)
    ok = phone.answer(phone.open(flow["verification_uri_complete"]), url, "approve")
    assert ok.status_code == 200 and "已授权" in ok.text
    _frame_guarded(ok)
    r = requests.post(
        f"{devcloud.national_url}/oauth/token",
        auth=ws.auth,
        data={"grant_type": DEVICE_GRANT, "device_code": flow["device_code"]},
    )
    assert r.status_code == 200
