"""Finding 2: authorization cannot be brute-forced. Lockout after the configured attempts for the
patient's PIN, SMS sending, SMS codes and failed grants; known and unknown ID numbers get the same
answers; PINs are stored as scrypt hashes."""

from __future__ import annotations

import json
import re

import pytest
import requests

from devcloud.national import ASSISTED_GRANT, DEVICE_GRANT, SMS_GRANT
from tests.security.devcloud_helpers import (
    patient,
    reset_limits,
    sms_code,
    unknown_id,
    workstation,
)
from tests.test_devcloud import Phone

DOCTOR = ("110350299990001", "Dr. Security")


@pytest.fixture(autouse=True)
def _lift_lockouts(devcloud):
    yield
    reset_limits(devcloud)


def _flow(devcloud, ws) -> dict:
    r = requests.post(f"{devcloud.national_url}/oauth/device_authorization", auth=ws.auth)
    assert r.status_code == 200
    return r.json()


def _pin_attempts(devcloud, ws, id_number: str, pins: list[str]) -> list[tuple[int, str]]:
    """Answer one QR request after another with these PINs (a new request once one is void)."""
    out = []
    flow = _flow(devcloud, ws)
    for pin in pins:
        phone = Phone(type("P", (), {"id_number": id_number, "pin": pin}))
        page = requests.get(flow["verification_uri_complete"])
        if page.status_code == 404:  # this request was voided by wrong PINs: a new one
            flow = _flow(devcloud, ws)
        page_text = phone.open(flow["verification_uri_complete"])
        r = phone.answer(page_text, flow["verification_uri_complete"], "approve")
        out.append((r.status_code, r.text))
    return out


def test_pin_lockout_and_the_same_answer_for_unknown_id_numbers(devcloud) -> None:
    s = devcloud.settings
    ws = workstation(devcloud)
    p = patient(devcloud)
    wrong = [f"{(int(p.pin) + 1) % 10**6:06d}"] * s.pin_attempts
    checks0 = devcloud.store.pin_checks
    known = _pin_attempts(devcloud, ws, p.id_number, [*wrong, p.pin])
    checks1 = devcloud.store.pin_checks
    unknown = _pin_attempts(devcloud, ws, unknown_id(devcloud), [*wrong, p.pin])
    checks2 = devcloud.store.pin_checks
    # the configured attempts are answered "not confirmed", then even the right PIN is refused
    assert [c for c, _ in known] == [403] * s.pin_attempts + [429]
    assert "Too many attempts" in known[-1][1]
    assert known == unknown  # status and page alike: nothing tells the ID numbers apart
    # and the same work: one scrypt check per answered attempt, known or not
    assert checks1 - checks0 == checks2 - checks1 == s.pin_attempts


def test_a_qr_request_is_void_after_its_wrong_pins(devcloud) -> None:
    ws = workstation(devcloud)
    p = patient(devcloud)
    flow = _flow(devcloud, ws)
    phone = Phone(type("P", (), {"id_number": p.id_number, "pin": "000000"}))
    page = phone.open(flow["verification_uri_complete"])
    for _ in range(devcloud.settings.pin_attempts_per_request):
        assert phone.answer(page, flow["verification_uri_complete"], "approve").status_code == 403
    right = Phone(type("P", (), {"id_number": p.id_number, "pin": p.pin}))
    assert right.answer(page, flow["verification_uri_complete"], "approve").status_code == 404
    r = requests.post(
        f"{devcloud.national_url}/oauth/token",
        auth=ws.auth,
        data={"grant_type": DEVICE_GRANT, "device_code": flow["device_code"]},
    )
    assert r.json()["error"] == "expired_token" and "wrong PIN" in r.json()["error_description"]


def test_pins_are_stored_as_scrypt_hashes(devcloud) -> None:
    p = patient(devcloud)
    (row,) = devcloud.store.query("SELECT pin FROM patients WHERE psn = ?", p.psn)
    assert row["pin"].startswith("scrypt$") and p.pin not in row["pin"]
    other = patient(devcloud)
    (row2,) = devcloud.store.query("SELECT pin FROM patients WHERE psn = ?", other.psn)
    assert row["pin"].split("$")[1] != row2["pin"].split("$")[1]  # salted


def _send(devcloud, ws, id_number: str) -> requests.Response:
    return requests.post(
        f"{devcloud.national_url}/sms/send", auth=ws.auth, data={"id_number": id_number}
    )


def test_sms_sending_is_limited_per_id_number_and_per_workstation(devcloud) -> None:
    s = devcloud.settings
    ws = workstation(devcloud)
    p = patient(devcloud)
    idn = unknown_id(devcloud)
    known = [_send(devcloud, ws, p.id_number) for _ in range(s.sms_sends + 1)]
    unknown = [_send(devcloud, ws, idn) for _ in range(s.sms_sends + 1)]
    assert [r.status_code for r in known] == [200] * s.sms_sends + [429]
    assert [r.status_code for r in unknown] == [r.status_code for r in known]
    assert known[-1].json() == unknown[-1].json()
    assert set(known[0].json()) == set(unknown[0].json())
    hint = re.compile(r"1\d\d\*\*\*\*\d{4}")
    assert hint.fullmatch(known[0].json()["phone_hint"])
    assert hint.fullmatch(unknown[0].json()["phone_hint"])  # made up, but alike
    assert unknown[0].json()["phone_hint"] == unknown[1].json()["phone_hint"]  # and stable
    # per workstation: distinct ID numbers do not get round it
    ws2 = workstation(devcloud)
    codes = [
        _send(devcloud, ws2, unknown_id(devcloud)).status_code
        for _ in range(s.sms_sends_per_client + 1)
    ]
    assert codes == [200] * s.sms_sends_per_client + [429]


def _sms_token(devcloud, ws, rid: str, code: str) -> requests.Response:
    return requests.post(
        f"{devcloud.national_url}/oauth/token",
        auth=ws.auth,
        data={"grant_type": SMS_GRANT, "request_id": rid, "code": code},
    )


def test_sms_codes_lock_out_the_patient_across_requests(devcloud) -> None:
    s = devcloud.settings
    ws = workstation(devcloud)
    p = patient(devcloud)
    wrong_total = 0
    while wrong_total < s.sms_wrong_per_patient:
        rid = _send(devcloud, ws, p.id_number).json()["request_id"]
        code = sms_code(devcloud, p.phone)
        bad = f"{(int(code) + 1) % 10**6:06d}"
        for _ in range(min(s.sms_attempts, s.sms_wrong_per_patient - wrong_total)):
            assert _sms_token(devcloud, ws, rid, bad).json()["error"] == "invalid_grant"
            wrong_total += 1
    rid = _send(devcloud, ws, p.id_number).json()["request_id"]
    r = _sms_token(devcloud, ws, rid, sms_code(devcloud, p.phone))  # the right code, too late
    assert r.status_code == 429 and "too many wrong SMS codes" in r.json()["error_description"]


def test_failed_grants_lock_out_the_workstation(devcloud) -> None:
    ws = workstation(devcloud)
    for _ in range(devcloud.settings.grant_failures):
        assert _sms_token(devcloud, ws, "no-such-request", "123456").status_code == 400
    p = patient(devcloud)
    rid = _send(devcloud, ws, p.id_number).json()["request_id"]
    r = _sms_token(devcloud, ws, rid, sms_code(devcloud, p.phone))
    assert r.status_code == 429 and "this workstation" in r.json()["error_description"]


def _assisted(devcloud, ws, id_number: str, name: str, doctor: str = DOCTOR[1]):
    return requests.post(
        f"{devcloud.national_url}/oauth/token",
        auth=ws.auth,
        data={
            "grant_type": ASSISTED_GRANT,
            "id_number": id_number,
            "name": name,
            "doctor": doctor,
            "reason": "unconscious, CT needed now",
        },
    )


def test_assisted_grant_needs_a_registered_doctor_and_is_audited(devcloud) -> None:
    ws = workstation(devcloud, doctors=dict([DOCTOR]))
    p = patient(devcloud)
    r = _assisted(devcloud, ws, p.id_number, p.name, doctor="Dr. Anybody")
    assert r.status_code == 403 and "not a doctor registered" in r.json()["error_description"]
    ok = _assisted(devcloud, ws, p.id_number, p.name, doctor=DOCTOR[0])  # by licence number
    assert ok.status_code == 200, ok.text
    events = devcloud.store.query(
        "SELECT kind, detail FROM events WHERE client_id = ? ORDER BY id", ws.client_id
    )
    kinds = [e["kind"] for e in events]
    assert "assisted_refused" in kinds
    (done,) = [json.loads(e["detail"]) for e in events if e["kind"] == "assisted"]
    assert done["doctor"] == DOCTOR[0] and done["doctor_name"] == DOCTOR[1]
    assert done["patient"] == p.psn and done["reason"]
    assert ok.json()["access_token"] not in str(events)


def test_assisted_grant_lockout_and_the_same_answer_for_unknown_ids(devcloud) -> None:
    s = devcloud.settings
    ws = workstation(devcloud, doctors=dict([DOCTOR]))
    p = patient(devcloud)
    wrong = [_assisted(devcloud, ws, p.id_number, "Wrong^Name") for _ in range(s.assisted_attempts)]
    unknown = _assisted(
        devcloud, workstation(devcloud, doctors=dict([DOCTOR])), unknown_id(devcloud), p.name
    )
    assert unknown.status_code == wrong[0].status_code and unknown.json() == wrong[0].json()
    assert all(r.status_code == 400 for r in wrong)
    late = _assisted(devcloud, ws, p.id_number, p.name)  # right name, after the lockout
    assert late.status_code == 429


def test_one_phone_trying_many_id_numbers_is_locked_out(devcloud) -> None:
    """Spreading guesses over many ID numbers (each under its own limit) does not help: the
    phone (its address) is locked after the configured failures."""
    ws = workstation(devcloud)
    n = devcloud.settings.phone_failures
    answers: list[tuple[int, str]] = []
    for _ in range(n):
        answers += _pin_attempts(devcloud, ws, unknown_id(devcloud), ["000000"])
    assert [c for c, _ in answers] == [403] * n
    p = patient(devcloud)
    late = _pin_attempts(devcloud, ws, p.id_number, [p.pin])
    assert late[0][0] == 429
