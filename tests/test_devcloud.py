"""Contract tests of the development cloud, against its real Orthancs.

Every endpoint and error path: the RFC 8628 device flow driven by a test acting as the patient's
phone, the SMS and doctor-assisted flows, index-code tokens, the gateways' 401/403 and QIDO
filtering, byte-exact WADO-RS, dicomweb-client as an independent peer, and fault injection —
all over TLS (the devcloud's own test CA; see tests/conftest.py). The hardening (lockouts, CSRF,
index codes, consultation consent, relay limits) is proven in tests/security/test_devcloud_*.py
and test_consult_*.py.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pydicom
import pytest
import requests

from cloudclient.multipart import TruncatedMultipart, boundary_of, iter_parts
from devcloud.national import ASSISTED_GRANT, DEVICE_GRANT, INDEX_CODE_GRANT, SMS_GRANT
from devcloud.seed import PATIENTS

ANY_TS = 'multipart/related; type="application/dicom"; transfer-syntax=*'


def client_auth(cloud):
    return (cloud.client_id, cloud.client_secret)


def token_for_code(cloud, code: str) -> str:
    r = requests.post(
        f"{cloud.national_url}/oauth/token",
        auth=client_auth(cloud),
        data={"grant_type": INDEX_CODE_GRANT, "index_code": code},
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def assisted_token(cloud, patient) -> str:
    r = requests.post(
        f"{cloud.national_url}/oauth/token",
        auth=client_auth(cloud),
        data={
            "grant_type": ASSISTED_GRANT,
            "id_number": patient.id_number,
            "name": patient.name,
            "doctor": "Dr. Test",
            "reason": "emergency, patient unconscious",
        },
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def bearer(tok: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}", **extra}


def root_of(cloud, rec: dict) -> str:
    return cloud.dicomweb_roots()[rec["organisation"]["province_code"]]


def records_of(cloud, psn: str) -> list[dict]:
    return [r for r in cloud.records if r["psn"] == psn]


def test_openapi_document_lists_the_endpoints(devcloud) -> None:
    doc = requests.get(f"{devcloud.national_url}/openapi.json").json()
    for path in (
        "/oauth/device_authorization",
        "/oauth/token",
        "/oauth/revoke",
        "/device",
        "/sms/send",
        "/index/records",
    ):
        assert path in doc["paths"], path
    gw = requests.get(f"{devcloud.gateway_url('35')}/openapi.json").json()
    assert "/dicom-web/{path}" in gw["paths"]
    meta = requests.get(f"{devcloud.national_url}/.well-known/oauth-authorization-server").json()
    assert DEVICE_GRANT in meta["grant_types_supported"]


def test_client_credentials_are_required(devcloud) -> None:
    url = f"{devcloud.national_url}/oauth/token"
    r = requests.post(url, data={"grant_type": INDEX_CODE_GRANT})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = requests.post(url, auth=(devcloud.client_id, "wrong"), data={"grant_type": "x"})
    assert r.status_code == 401 and "Basic" in r.headers["WWW-Authenticate"]
    r = requests.post(url, auth=client_auth(devcloud), data={"grant_type": "password"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


# --------------------------------------------------------------------------- device flow (QR)


def start_device_flow(cloud) -> dict:
    r = requests.post(
        f"{cloud.national_url}/oauth/device_authorization",
        auth=client_auth(cloud),
        data={"doctor": "Dr. Li (Radiology)"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert re.fullmatch(r"[B-Z]{4}-[B-Z]{4}", body["user_code"])
    assert body["verification_uri_complete"].endswith(body["user_code"])
    assert body["expires_in"] > 0 and body["interval"] > 0
    return body


def poll(cloud, device_code: str) -> requests.Response:
    return requests.post(
        f"{cloud.national_url}/oauth/token",
        auth=client_auth(cloud),
        data={"grant_type": DEVICE_GRANT, "device_code": device_code},
    )


class Phone:
    """The patient's phone: opens the QR code's URL, reads who asks, approves or denies."""

    def __init__(self, patient) -> None:
        self.patient = patient
        self.session = requests.Session()

    def open(self, url: str) -> str:
        r = self.session.get(url)
        assert r.status_code == 200
        return r.text

    def answer(self, page: str, url: str, action: str, pin: str | None = None) -> requests.Response:
        user_code = re.search(r'name="user_code" value="([^"]+)"', page).group(1)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form_action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
        target = url.split("/device")[0] + form_action
        return self.session.post(
            target,
            data={
                "user_code": user_code,
                "csrf_token": csrf,
                "action": action,
                "id_number": self.patient.id_number,
                "pin": self.patient.pin if pin is None else pin,
            },
        )


def test_device_flow_end_to_end_with_the_phone(devcloud) -> None:
    flow = start_device_flow(devcloud)
    r = poll(devcloud, flow["device_code"])
    assert r.status_code == 400 and r.json()["error"] == "authorization_pending"
    r = poll(devcloud, flow["device_code"])  # polled again at once: too fast
    assert r.json()["error"] == "slow_down"
    phone = Phone(PATIENTS[0])
    page = phone.open(flow["verification_uri_complete"])
    assert "云影演示医院" in page and "Dr. Li (Radiology)" in page  # who asks is shown
    wrong = phone.answer(page, flow["verification_uri_complete"], "approve", pin="000000")
    assert wrong.status_code == 403
    time.sleep(0.85)  # the interval grew by slow_down's increment
    assert poll(devcloud, flow["device_code"]).json()["error"] == "authorization_pending"
    ok = phone.answer(page, flow["verification_uri_complete"], "approve")
    assert ok.status_code == 200 and "已授权" in ok.text
    time.sleep(0.85)
    r = poll(devcloud, flow["device_code"])
    assert r.status_code == 200, r.text
    tok = r.json()
    assert tok["token_type"] == "Bearer" and tok["scope"] == "patient" and tok["expires_in"] > 60
    assert tok["patient"]["name"] == PATIENTS[0].name
    # the exam list spans both provinces, each record naming its provincial gateway
    recs = requests.get(
        f"{devcloud.national_url}/index/records", headers=bearer(tok["access_token"])
    ).json()["records"]
    mine = records_of(devcloud, PATIENTS[0].psn)
    assert {r["study_instance_uid"] for r in recs} == {r["study_instance_uid"] for r in mine}
    assert {r["organisation"]["province_code"] for r in recs} == {"35", "32"}
    assert {r["dicomweb_root"] for r in recs} == set(devcloud.dicomweb_roots().values())
    for rec in recs:
        assert len(rec["code"]) == 78 and "psn" not in rec
    # a device code is good for one token only
    assert poll(devcloud, flow["device_code"]).json()["error"] == "invalid_grant"


def test_device_flow_denied(devcloud) -> None:
    flow = start_device_flow(devcloud)
    phone = Phone(PATIENTS[1])
    page = phone.open(flow["verification_uri_complete"])
    assert phone.answer(page, flow["verification_uri_complete"], "deny").status_code == 200
    r = poll(devcloud, flow["device_code"])
    assert r.status_code == 400 and r.json()["error"] == "access_denied"


def test_device_flow_expires(devcloud) -> None:
    devcloud.settings.device_ttl = 0.5
    try:
        flow = start_device_flow(devcloud)
    finally:
        devcloud.settings.device_ttl = 600.0
    time.sleep(0.7)
    assert poll(devcloud, flow["device_code"]).json()["error"] == "expired_token"
    page = requests.get(flow["verification_uri_complete"])
    assert page.status_code == 404 and "过期" in page.text


# --------------------------------------------------------------------------- SMS and assisted


def test_sms_flow(devcloud) -> None:
    p = PATIENTS[1]
    url = f"{devcloud.national_url}"
    r = requests.post(
        f"{url}/sms/send", auth=client_auth(devcloud), data={"id_number": p.id_number}
    )
    assert r.status_code == 200 and r.json()["phone_hint"] == p.phone[:3] + "****" + p.phone[-4:]
    rid = r.json()["request_id"]
    box = requests.get(
        f"{url}/_dev/sms-outbox",
        params={"phone": p.phone},
        headers={"X-Devcloud-Admin": devcloud.admin_key},
    ).json()["messages"]
    code = re.search(r"验证码 (\d{6})", box[-1]["text"]).group(1)
    bad = requests.post(
        f"{url}/oauth/token",
        auth=client_auth(devcloud),
        data={
            "grant_type": SMS_GRANT,
            "request_id": rid,
            "code": "000000" if code != "000000" else "111111",
        },
    )
    assert bad.status_code == 400 and "attempts left" in bad.json()["error_description"]
    good = requests.post(
        f"{url}/oauth/token",
        auth=client_auth(devcloud),
        data={"grant_type": SMS_GRANT, "request_id": rid, "code": code},
    )
    assert good.status_code == 200 and good.json()["patient"]["name"] == p.name
    again = requests.post(
        f"{url}/oauth/token",
        auth=client_auth(devcloud),
        data={"grant_type": SMS_GRANT, "request_id": rid, "code": code},
    )
    assert again.json()["error"] == "invalid_grant"
    # the outbox is for the demo and tests only
    assert requests.get(f"{url}/_dev/sms-outbox").status_code == 403


def test_sms_code_expires_and_attempts_are_limited(devcloud) -> None:
    p = PATIENTS[2]
    url = devcloud.national_url
    devcloud.settings.sms_ttl = 0.4
    try:
        rid = requests.post(
            f"{url}/sms/send", auth=client_auth(devcloud), data={"id_number": p.id_number}
        ).json()["request_id"]
    finally:
        devcloud.settings.sms_ttl = 300.0
    time.sleep(0.6)
    r = requests.post(
        f"{url}/oauth/token",
        auth=client_auth(devcloud),
        data={"grant_type": SMS_GRANT, "request_id": rid, "code": "123456"},
    )
    assert r.json()["error"] == "expired_token"
    rid = requests.post(
        f"{url}/sms/send", auth=client_auth(devcloud), data={"id_number": p.id_number}
    ).json()["request_id"]
    for _ in range(5):
        requests.post(
            f"{url}/oauth/token",
            auth=client_auth(devcloud),
            data={"grant_type": SMS_GRANT, "request_id": rid, "code": "x"},
        )
    r = requests.post(
        f"{url}/oauth/token",
        auth=client_auth(devcloud),
        data={"grant_type": SMS_GRANT, "request_id": rid, "code": "x"},
    )
    assert "too many" in r.json()["error_description"]
    # an unknown ID number gets the same kind of answer (no code will ever match it)
    r = requests.post(f"{url}/sms/send", auth=client_auth(devcloud), data={"id_number": "1" * 18})
    assert r.status_code == 200 and set(r.json()) == {"request_id", "expires_in", "phone_hint"}


def test_doctor_assisted_authorization(devcloud) -> None:
    tok = assisted_token(devcloud, PATIENTS[2])
    recs = requests.get(f"{devcloud.national_url}/index/records", headers=bearer(tok)).json()
    assert len(recs["records"]) == len(records_of(devcloud, PATIENTS[2].psn))
    r = requests.post(
        f"{devcloud.national_url}/oauth/token",
        auth=client_auth(devcloud),
        data={
            "grant_type": ASSISTED_GRANT,
            "id_number": PATIENTS[2].id_number,
            "name": "Someone^Else",
            "doctor": "Dr. Test",
            "reason": "x",
        },
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = requests.post(
        f"{devcloud.national_url}/oauth/token",
        auth=client_auth(devcloud),
        data={
            "grant_type": ASSISTED_GRANT,
            "id_number": PATIENTS[2].id_number,
            "name": PATIENTS[2].name,
        },
    )
    assert r.json()["error"] == "invalid_request"  # doctor and reason are required


# --------------------------------------------------------------------------- index codes


def test_index_code_tokens_and_lookups(devcloud) -> None:
    rec = records_of(devcloud, PATIENTS[0].psn)[0]
    code = rec["code"]
    hyphenated = "-".join([code[:26], code[26:38], code[38:47], code[47:60], code[60:]])
    tok = token_for_code(devcloud, hyphenated)  # hyphens accepted
    got = requests.get(f"{devcloud.national_url}/index/records", headers=bearer(tok)).json()
    assert [r["study_instance_uid"] for r in got["records"]] == [rec["study_instance_uid"]]
    one = requests.get(f"{devcloud.national_url}/index/codes/{code}", headers=bearer(tok))
    assert one.status_code == 200
    other = records_of(devcloud, PATIENTS[1].psn)[0]["code"]
    assert (
        requests.get(
            f"{devcloud.national_url}/index/codes/{other}", headers=bearer(tok)
        ).status_code
        == 403
    )
    # malformed: the error names the segment
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    r = requests.post(
        f"{devcloud.national_url}/oauth/token",
        auth=client_auth(devcloud),
        data={"grant_type": INDEX_CODE_GRANT, "index_code": bad},
    )
    assert r.status_code == 400 and "segment 5" in r.json()["error_description"]
    # well-formed but unknown
    unknown = code[:26] + "202001010000" + code[38:]
    r = requests.post(
        f"{devcloud.national_url}/oauth/token",
        auth=client_auth(devcloud),
        data={"grant_type": INDEX_CODE_GRANT, "index_code": unknown},
    )
    assert r.json()["error"] == "invalid_grant"


def test_a_code_can_name_several_studies(devcloud) -> None:
    recs = records_of(devcloud, PATIENTS[2].psn)
    codes = [r["code"] for r in recs]
    shared = next(c for c in codes if codes.count(c) > 1)
    tok = token_for_code(devcloud, shared)
    got = requests.get(f"{devcloud.national_url}/index/records", headers=bearer(tok)).json()
    assert len(got["records"]) == 2
    assert len({r["study_instance_uid"] for r in got["records"]}) == 2


# --------------------------------------------------------------------------- gateways


def test_gateway_refuses_without_a_valid_token(devcloud) -> None:
    root = devcloud.dicomweb_roots()["35"]
    r = requests.get(f"{root}/studies")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    r = requests.get(f"{root}/studies", headers=bearer("not-a-token"))
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    tok = assisted_token(devcloud, PATIENTS[0])
    assert requests.get(f"{root}/studies", headers=bearer(tok)).status_code == 200
    r = requests.post(
        f"{devcloud.national_url}/oauth/revoke", auth=client_auth(devcloud), data={"token": tok}
    )
    assert r.status_code == 200
    r = requests.get(f"{root}/studies", headers=bearer(tok))
    assert r.status_code == 401 and "revoked" in r.headers["WWW-Authenticate"]
    tok2 = assisted_token(devcloud, PATIENTS[0])
    requests.post(
        f"{devcloud.national_url}/_dev/tokens/expire",
        data={"token": tok2},
        headers={"X-Devcloud-Admin": devcloud.admin_key},
    )
    r = requests.get(f"{root}/studies", headers=bearer(tok2))
    assert r.status_code == 401 and "expired" in r.headers["WWW-Authenticate"]


def test_gateway_forbids_other_patients_and_out_of_scope_studies(devcloud) -> None:
    p1, p2 = PATIENTS[0], PATIENTS[1]
    tok1 = assisted_token(devcloud, p1)
    other = next(
        r for r in records_of(devcloud, p2.psn) if r["organisation"]["province_code"] == "35"
    )
    root = devcloud.dicomweb_roots()["35"]
    for suffix in ("", "/series", "/metadata"):
        r = requests.get(
            f"{root}/studies/{other['study_instance_uid']}{suffix}",
            headers=bearer(tok1, Accept=ANY_TS),
        )
        assert r.status_code == 403, suffix
    # a code-scoped token sees its code's study, not the same patient's other studies
    p1_fujian = [
        r for r in records_of(devcloud, p1.psn) if r["organisation"]["province_code"] == "35"
    ]
    assert len(p1_fujian) >= 2
    tok_code = token_for_code(devcloud, p1_fujian[0]["code"])
    same_code = {r["study_instance_uid"] for r in p1_fujian if r["code"] == p1_fujian[0]["code"]}
    other_uid = next(
        r["study_instance_uid"] for r in p1_fujian if r["study_instance_uid"] not in same_code
    )
    assert (
        requests.get(f"{root}/studies/{other_uid}/series", headers=bearer(tok_code)).status_code
        == 403
    )
    listed = requests.get(f"{root}/studies", headers=bearer(tok_code)).json()
    assert {s["0020000D"]["Value"][0] for s in listed} == same_code


def test_qido_lists_only_what_the_token_may_see(devcloud) -> None:
    p1 = PATIENTS[0]
    tok = assisted_token(devcloud, p1)
    root = devcloud.dicomweb_roots()["35"]
    mine = {
        r["study_instance_uid"]
        for r in records_of(devcloud, p1.psn)
        if r["organisation"]["province_code"] == "35"
    }
    everything = requests.get(
        f"{devcloud.orthancs['35'].dicomweb}/studies", auth=devcloud.orthancs["35"].auth
    ).json()
    assert len(everything) > len(mine)  # the archive holds other patients' studies too
    listed = requests.get(f"{root}/studies", headers=bearer(tok)).json()
    assert {s["0020000D"]["Value"][0] for s in listed} == mine
    series = requests.get(f"{root}/series", headers=bearer(tok)).json()
    assert series and {s["0020000D"]["Value"][0] for s in series} <= mine
    inst = requests.get(f"{root}/instances", headers=bearer(tok), params={"limit": "2000"}).json()
    assert inst and {s["0020000D"]["Value"][0] for s in inst} <= mine


def _source_files(uid: str) -> dict[str, bytes]:
    from devcloud.seed import SOURCE_FOLDERS

    out = {}
    for f in SOURCE_FOLDERS[uid].rglob("*.dcm"):
        ds = pydicom.dcmread(
            f, stop_before_pixels=True, specific_tags=["StudyInstanceUID", "SOPInstanceUID"]
        )
        if ds.StudyInstanceUID == uid:
            out[ds.SOPInstanceUID] = f.read_bytes()
    return out


def test_wado_rs_returns_the_stored_objects_byte_for_byte(devcloud) -> None:
    rec = next(r for r in records_of(devcloud, PATIENTS[0].psn) if r["modality"] == "CT\\PT")
    tok = token_for_code(devcloud, rec["code"])
    root = root_of(devcloud, rec)
    r = requests.get(
        f"{root}/studies/{rec['study_instance_uid']}",
        headers=bearer(tok, Accept=ANY_TS),
        stream=True,
    )
    assert r.status_code == 200
    parts = list(iter_parts(r.iter_content(1 << 16), boundary_of(r.headers["Content-Type"])))
    assert len(parts) == rec["instance_count"]
    sources = _source_files(rec["study_instance_uid"])
    assert len(sources) == rec["instance_count"]
    syntaxes = set()
    for part in parts:
        ds = pydicom.dcmread(io.BytesIO(part.body))
        assert part.body == sources[ds.SOPInstanceUID]  # lossless, untouched
        syntaxes.add(str(ds.file_meta.TransferSyntaxUID))
    assert {"1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.90"} <= syntaxes  # RLE CT, J2K PET
    meta = requests.get(
        f"{root}/studies/{rec['study_instance_uid']}/metadata", headers=bearer(tok)
    ).json()
    assert len(meta) == rec["instance_count"]
    first = meta[0]
    se, sop = first["0020000E"]["Value"][0], first["00080018"]["Value"][0]
    frame = requests.get(
        f"{root}/studies/{rec['study_instance_uid']}/series/{se}/instances/{sop}/frames/1",
        headers=bearer(
            tok, Accept='multipart/related; type="application/octet-stream"; transfer-syntax=*'
        ),
    )
    assert frame.status_code == 200 and len(frame.content) > 1000


def test_dicomweb_client_as_an_independent_peer(devcloud) -> None:
    from dicomweb_client.api import DICOMwebClient

    rec = next(r for r in records_of(devcloud, PATIENTS[1].psn))
    tok = token_for_code(devcloud, rec["code"])
    client = DICOMwebClient(url=root_of(devcloud, rec), headers=bearer(tok))
    studies = client.search_for_studies()
    assert [s["0020000D"]["Value"][0] for s in studies] == [rec["study_instance_uid"]]
    series = client.search_for_series(rec["study_instance_uid"])
    instances = client.retrieve_series(
        rec["study_instance_uid"],
        series[0]["0020000E"]["Value"][0],
        media_types=(("application/dicom", "*"),),
    )
    assert len(instances) == rec["instance_count"]
    assert all(ds.StudyInstanceUID == rec["study_instance_uid"] for ds in instances)
    refused = DICOMwebClient(url=root_of(devcloud, rec))
    with pytest.raises(requests.HTTPError) as err:
        refused.search_for_studies()
    assert err.value.response.status_code == 401


# --------------------------------------------------------------------------- fault injection


def _faults(cloud, prov: str, **settings) -> None:
    url = f"{cloud.gateway_url(prov)}/_dev/faults"
    headers = {"X-Devcloud-Admin": cloud.admin_key}
    if settings:
        r = requests.post(url, json=settings, headers=headers)
    else:
        r = requests.delete(url, headers=headers)
    assert r.status_code == 200, r.text


@pytest.fixture
def big_study(devcloud):
    rec = next(r for r in records_of(devcloud, PATIENTS[0].psn) if r["modality"] == "CT\\PT")
    yield rec, token_for_code(devcloud, rec["code"])
    _faults(devcloud, rec["organisation"]["province_code"])


def test_fault_settings_need_the_admin_key(devcloud) -> None:
    r = requests.post(f"{devcloud.gateway_url('35')}/_dev/faults", json={"latency_ms": 1})
    assert r.status_code == 403
    r = requests.post(
        f"{devcloud.gateway_url('35')}/_dev/faults",
        json={"nonsense": 1},
        headers={"X-Devcloud-Admin": devcloud.admin_key},
    )
    assert r.status_code == 400


def test_latency_and_status_bursts(devcloud, big_study) -> None:
    rec, tok = big_study
    prov, root = rec["organisation"]["province_code"], root_of(devcloud, rec)
    _faults(devcloud, prov, latency_ms=300)
    t0 = time.perf_counter()
    assert requests.get(f"{root}/studies", headers=bearer(tok)).status_code == 200
    assert time.perf_counter() - t0 >= 0.3
    _faults(devcloud, prov, status=503, status_count=2, retry_after=1)
    codes = [requests.get(f"{root}/studies", headers=bearer(tok)) for _ in range(3)]
    assert [c.status_code for c in codes] == [503, 503, 200]
    assert codes[0].headers["Retry-After"] == "1"
    _faults(devcloud, prov, status=429, status_count=1)
    assert requests.get(f"{root}/studies", headers=bearer(tok)).status_code == 429


def test_connection_cut_after_n_bytes(devcloud, big_study) -> None:
    rec, tok = big_study
    prov, root = rec["organisation"]["province_code"], root_of(devcloud, rec)
    _faults(devcloud, prov, cut_after_bytes=200_000, cut_responses=1)
    r = requests.get(
        f"{root}/studies/{rec['study_instance_uid']}",
        headers=bearer(tok, Accept=ANY_TS),
        stream=True,
    )
    received = 0
    with pytest.raises(
        (
            requests.exceptions.ChunkedEncodingError,
            TruncatedMultipart,
            requests.exceptions.ConnectionError,
        )
    ):
        for part in iter_parts(r.iter_content(1 << 16), boundary_of(r.headers["Content-Type"])):
            received += len(part.body)
    assert received < 200_000
    # the next answer is whole again
    r = requests.get(
        f"{root}/studies/{rec['study_instance_uid']}", headers=bearer(tok, Accept=ANY_TS)
    )
    assert len(r.content) >= rec["size_bytes"]


def test_bandwidth_cap_and_streaming(devcloud, big_study) -> None:
    rec, tok = big_study
    prov, root = rec["organisation"]["province_code"], root_of(devcloud, rec)
    rate = 2_000_000
    _faults(devcloud, prov, bandwidth_bps=rate)
    t0 = time.perf_counter()
    r = requests.get(
        f"{root}/studies/{rec['study_instance_uid']}",
        headers=bearer(tok, Accept=ANY_TS),
        stream=True,
    )
    chunks = r.iter_content(1 << 16)
    next(chunks)
    first = time.perf_counter() - t0
    total = sum(len(c) for c in chunks) + (1 << 16)
    took = time.perf_counter() - t0
    assert took >= 0.9 * total / rate  # the cap holds
    assert first < 0.25 * took  # bytes flow before the whole study is read: it streams


def test_token_expiring_mid_transfer(devcloud, big_study) -> None:
    rec, tok = big_study
    prov, root = rec["organisation"]["province_code"], root_of(devcloud, rec)
    _faults(devcloud, prov, expire_token_after_bytes=500_000)
    r = requests.get(
        f"{root}/studies/{rec['study_instance_uid']}",
        headers=bearer(tok, Accept=ANY_TS),
        stream=True,
    )
    with pytest.raises(
        (
            requests.exceptions.ChunkedEncodingError,
            TruncatedMultipart,
            requests.exceptions.ConnectionError,
        )
    ):
        list(iter_parts(r.iter_content(1 << 16), boundary_of(r.headers["Content-Type"])))
    r = requests.get(f"{root}/studies", headers=bearer(tok))
    assert r.status_code == 401 and "expired" in r.headers["WWW-Authenticate"]


def test_start_and_seed_three_patients_in_twenty_seconds(tmp_path: Path, devcloud) -> None:
    from devcloud.cloud import DevCloud
    from devcloud.seed import seed

    t0 = time.perf_counter()
    with DevCloud(tmp_path / "fresh") as cloud:
        records = seed(tmp_path / "fresh", 3)
        took = time.perf_counter() - t0
        assert len(records) == 7
        stats = cloud.orthancs["35"].statistics()
        assert stats["CountStudies"] == 5
    assert took <= 20.0, took


def test_devcloud_command_starts_seeds_and_stops_everything(tmp_path: Path) -> None:
    import json as _json
    import os
    import signal
    import subprocess
    import sys

    state = tmp_path / "cli"
    proc = subprocess.Popen(
        [sys.executable, "-m", "devcloud", "--state", str(state), "up", "--seed", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ctrl-C stops everything" in line:
                break
        out = "".join(lines)
        assert "Demo index codes" in out and "PIN" in out, out
        status = subprocess.run(
            [sys.executable, "-m", "devcloud", "--state", str(state), "status"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        info = _json.loads(status.stdout)
        assert "client_secret" in info and "orthanc_passwords" not in info
        assert info["national_url"].startswith("https://")
        health = requests.get(f"{info['national_url']}/health", verify=info["ca_file"])
        assert health.json() == {"status": "ok"}
        orthanc_urls = [o["url"] for o in info["orthancs"].values()]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    for url in orthanc_urls:  # the Orthancs it started are gone
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{url}/system", timeout=2)
    assert oct(os.stat(state).st_mode)[-3:] == "700"
    assert oct(os.stat(state / "state.json").st_mode)[-3:] == "600"


def test_gateway_allows_no_way_out_of_dicomweb(devcloud) -> None:
    """Dot segments and odd paths never reach the archive's own REST API."""
    import http.client
    import ssl
    from urllib.parse import urlsplit

    tok = assisted_token(devcloud, PATIENTS[0])
    u = urlsplit(devcloud.gateway_url("35"))
    for path in (
        "/dicom-web/series/../../patients",
        "/dicom-web/studies/../../../system",
        "/dicom-web/instances/x/../../tools",
        "/dicom-web/series/1.2.3",
        "/dicom-web/patients",
        "/dicom-web/studies/%2e%2e/%2e%2e/patients",
    ):
        conn = http.client.HTTPSConnection(
            u.hostname,
            u.port,
            timeout=10,
            context=ssl.create_default_context(cafile=str(devcloud.ca_file)),
        )
        conn.request("GET", path, headers={"Authorization": f"Bearer {tok}"})  # raw, unnormalized
        r = conn.getresponse()
        body = r.read()
        assert r.status in (403, 404), (path, r.status, body[:200])
        conn.close()
