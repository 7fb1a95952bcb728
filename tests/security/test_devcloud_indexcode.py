"""Finding 1: an index code alone is no longer a bearer credential.

A code names exams; it does not authorize. The storing organisation's own workstations may open
their exams by code (they hold the images already); any other workstation needs the patient's
authorization, which the code then only narrows — and the narrowed token dies with it. Unknown
and not-allowed codes get the same refusal, and refusals lock the guessing workstation out, so
guessing the minute of a known code gets nowhere.
"""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from cloudclient.indexcode import format_code, parse
from devcloud.national import ASSISTED_GRANT, INDEX_CODE_GRANT
from devcloud.seed import PATIENTS
from tests.security.devcloud_helpers import reset_limits, workstation
from tests.test_devcloud import bearer

DOCTOR = ("110350299990002", "Dr. Consent")


@pytest.fixture(autouse=True)
def _lift_lockouts(devcloud):
    yield
    reset_limits(devcloud)


def _code_grant(devcloud, ws, code: str, subject: str = "") -> requests.Response:
    return requests.post(
        f"{devcloud.national_url}/oauth/token",
        auth=ws.auth,
        data={"grant_type": INDEX_CODE_GRANT, "index_code": code, "subject_token": subject},
    )


def _patient_token(devcloud, ws, p) -> str:
    r = requests.post(
        f"{devcloud.national_url}/oauth/token",
        auth=ws.auth,
        data={
            "grant_type": ASSISTED_GRANT,
            "id_number": p.id_number,
            "name": p.name,
            "doctor": DOCTOR[1],
            "reason": "consultation",
        },
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _rec(devcloud, psn: str) -> dict:
    return next(r for r in devcloud.records if r["psn"] == psn)


def test_a_code_alone_gives_another_workstation_nothing(devcloud) -> None:
    rec = _rec(devcloud, PATIENTS[0].psn)
    stranger = workstation(devcloud)
    refused = _code_grant(devcloud, stranger, rec["code"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert "alone does not authorize" in refused.json()["error_description"]
    # an unknown (well-formed) code: the very same answer — the grant is no existence oracle
    p = parse(rec["code"])
    unknown = format_code(p.person, dt.datetime(2001, 1, 1, 0, 0), p.organisation).compact
    assert _code_grant(devcloud, stranger, unknown).json() == refused.json()
    # the storing organisation's workstation may (it holds the images already)
    storing = workstation(devcloud, orgs=[rec["organisation"]["uscc"]])
    ok = _code_grant(devcloud, storing, rec["code"])
    assert ok.status_code == 200 and ok.json()["scope"] == "code"
    # ... but not another organisation's codes
    other_org = next(
        r for r in devcloud.records if r["organisation"]["uscc"] != rec["organisation"]["uscc"]
    )
    assert _code_grant(devcloud, storing, other_org["code"]).json()["error"] == "invalid_grant"


def test_with_the_patients_consent_the_code_narrows_and_dies_with_it(devcloud) -> None:
    p = PATIENTS[0]
    ws = workstation(devcloud, doctors=dict([DOCTOR]))
    recs = [r for r in devcloud.records if r["psn"] == p.psn]
    rec = recs[0]
    patient_tok = _patient_token(devcloud, ws, p)
    # another patient's authorization does not open this patient's code
    other = _patient_token(devcloud, ws, PATIENTS[1])
    assert _code_grant(devcloud, ws, rec["code"], other).json()["error"] == "invalid_grant"
    # nor another workstation's
    ws2 = workstation(devcloud)
    assert _code_grant(devcloud, ws2, rec["code"], patient_tok).json()["error"] == "invalid_grant"
    r = _code_grant(devcloud, ws, rec["code"], patient_tok)
    assert r.status_code == 200, r.text
    code_tok = r.json()["access_token"]
    listed = requests.get(f"{devcloud.national_url}/index/records", headers=bearer(code_tok))
    same_code = {x["study_instance_uid"] for x in recs if x["code"] == rec["code"]}
    assert {x["study_instance_uid"] for x in listed.json()["records"]} == same_code
    assert len(same_code) < len(recs)  # narrowed: the patient's other exams stay out
    root = devcloud.dicomweb_roots()[rec["organisation"]["province_code"]]
    assert requests.get(f"{root}/studies", headers=bearer(code_tok)).status_code == 200
    # the patient's authorization is withdrawn: the narrowed token goes with it
    requests.post(
        f"{devcloud.national_url}/oauth/revoke", auth=ws.auth, data={"token": patient_tok}
    )
    gone = requests.get(f"{root}/studies", headers=bearer(code_tok))
    assert gone.status_code == 401 and "delegation ended" in gone.headers["WWW-Authenticate"]
    assert (
        requests.get(f"{devcloud.national_url}/index/records", headers=bearer(code_tok)).status_code
        == 401
    )
    assert _code_grant(devcloud, ws, rec["code"], patient_tok).json()["error"] == "invalid_grant"


def test_guessing_the_minute_gets_nowhere(devcloud) -> None:
    """From one known code, the attacker varies the minute: every guess is refused alike, and
    after the configured attempts even the real code is."""
    known = parse(_rec(devcloud, PATIENTS[1].psn)["code"])
    target = _rec(devcloud, PATIENTS[1].psn)
    attacker = workstation(devcloud)
    start = dt.datetime(2026, 1, 1, 8, 0)
    answers = set()
    for i in range(devcloud.settings.code_attempts):
        guess = format_code(
            known.person, start + dt.timedelta(minutes=i), known.organisation
        ).compact
        r = _code_grant(devcloud, attacker, guess)
        assert r.status_code == 400
        answers.add(r.text)
    assert len(answers) == 1
    late = _code_grant(devcloud, attacker, target["code"])
    assert late.status_code == 429 and "index codes refused" in late.json()["error_description"]
    assert "access_token" not in late.text


def test_guessing_from_many_workstations_locks_the_person_not_the_storing_hospital(
    devcloud,
) -> None:
    rec = _rec(devcloud, PATIENTS[2].psn)
    known = parse(rec["code"])
    s = devcloud.settings
    start = dt.datetime(2025, 6, 1, 8, 0)
    i = 0
    while i < s.code_attempts_per_patient:
        ws = workstation(devcloud)  # a fresh workstation each time it is locked out
        for _ in range(min(s.code_attempts, s.code_attempts_per_patient - i)):
            guess = format_code(known.person, start + dt.timedelta(minutes=i), known.organisation)
            assert _code_grant(devcloud, ws, guess.compact).status_code == 400
            i += 1
    fresh = workstation(devcloud)
    late = _code_grant(devcloud, fresh, rec["code"])
    assert late.status_code == 429 and "for this person" in late.json()["error_description"]
    # the hospital that stored the exam still opens it
    storing = workstation(devcloud, orgs=[rec["organisation"]["uscc"]])
    assert _code_grant(devcloud, storing, rec["code"]).status_code == 200
