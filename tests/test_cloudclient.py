"""End to end against devcloud: authorize (QR, SMS, code), list exams, fetch, verify, audit."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import requests

from cloudclient import tokens
from cloudclient.audit import verify as verify_audit
from cloudclient.errors import (
    AccessDenied,
    AuthorizationDenied,
    AuthorizationExpired,
    ReauthorizationRequired,
)
from cloudclient.national import NationalClient, mask_name
from cloudclient.retrieve import Retriever
from cloudclient.store import InstanceStore, verify_instance
from devcloud.seed import PATIENTS, SOURCE_FOLDERS
from tests.test_devcloud import Phone
from viewer.dicom.scan import scan
from viewer.dicom.volume import Volume, load_series


def approve_on_phone(flow, patient, action: str = "approve") -> None:
    """The patient scans the QR code a moment later and answers."""

    def later() -> None:
        time.sleep(0.4)
        phone = Phone(patient)
        page = phone.open(flow.verification_uri_complete)
        phone.answer(page, flow.verification_uri_complete, action)

    threading.Thread(target=later, daemon=True).start()


def source_bytes(study_uid: str) -> dict[str, bytes]:
    import pydicom

    out = {}
    for f in SOURCE_FOLDERS[study_uid].rglob("*.dcm"):
        ds = pydicom.dcmread(f, stop_before_pixels=True)
        out[ds.SOPInstanceUID] = f.read_bytes()
    return out


def assert_store_sound(store_root: Path, sources: dict[str, bytes] | None = None) -> int:
    """Nothing partial where a reader looks: every visible file verifies (and matches)."""
    n = 0
    for f in (store_root / "studies").rglob("*"):
        if f.is_file() and f.suffix == ".dcm":
            assert not f.name.startswith(".")
            data = f.read_bytes()
            header = verify_instance(data)
            if sources is not None:
                assert data == sources[header.sop_uid]
            n += 1
    return n


def test_qr_authorization_exam_list_and_fetch_byte_for_byte(cloud_service, devcloud) -> None:
    svc = cloud_service
    flow = svc.start_qr()
    approve_on_phone(flow, PATIENTS[0])
    tok = svc.finish_qr(flow)
    assert tok.label == "张*" and tok.scope == "patient"
    assert "access_token" not in repr(tok) and tok.access_token not in repr(tok)
    exams = svc.exams()
    assert {e.province_code for e in exams} == {"35", "32"}
    assert all(len(e.code) == 78 and e.dicomweb_root.startswith("http") for e in exams)
    petct = next(e for e in exams if e.modality == "CT\\PT")
    firsts: list[Path] = []
    progress: list[int] = []
    res = svc.fetch(petct, progress=lambda p: progress.append(p.done), on_first=firsts.append)
    assert res.instances == petct.instance_count == res.fetched
    assert firsts and firsts[0].exists() and res.first_image == firsts[0]
    assert progress[-1] == petct.instance_count and progress == sorted(progress)
    sources = source_bytes(petct.study_uid)
    assert assert_store_sound(svc.store.root, sources) == len(sources)
    assert svc.store.is_complete(petct.study_uid)
    # the viewer opens the cached study like a local one: the same volume as the source files
    cached = {s.modality: s for s in scan(res.folder).all_series()}
    original = {s.modality: s for s in scan(SOURCE_FOLDERS[petct.study_uid]).all_series()}
    for modality in ("CT", "PT"):
        a, b = load_series(cached[modality]), load_series(original[modality])
        assert isinstance(a, Volume) and isinstance(b, Volume)
        np.testing.assert_array_equal(a.array, b.array)
        np.testing.assert_allclose(a.affine, b.affine)
    # fetching again transfers nothing, and the cache shows the same first image: the one
    # retrieval order and one rule for "the middle image" serve cache and network alike
    cached_firsts: list[Path] = []
    again = svc.fetch(petct, on_first=cached_firsts.append)
    assert again.fetched == 0 and again.instances == petct.instance_count
    assert again.source == "cache" and cached_firsts == [firsts[0]]
    for se in {p.parent.name for p in res.folder.rglob("*.dcm")}:  # and for each series asked
        net, cache = [], []
        svc.store.root.joinpath("other").mkdir(exist_ok=True)
        Retriever(
            InstanceStore(svc.store.root / "other" / se),
            svc.patient_token(),
            verify=svc.config.verify,
        ).fetch(petct, series=se, on_first=net.append)
        svc.fetch(petct, series=se, on_first=cache.append)
        assert [p.name for p in net] == [p.name for p in cache] and cache[0].parent.name == se


def test_sms_authorization(cloud_service, devcloud) -> None:
    svc = cloud_service
    p = PATIENTS[1]
    req = svc.send_sms(p.id_number)
    box = requests.get(
        f"{devcloud.national_url}/_dev/sms-outbox",
        params={"phone": p.phone},
        headers={"X-Devcloud-Admin": devcloud.admin_key},
    ).json()["messages"]
    import re

    code = re.search(r"验证码 (\d{6})", box[-1]["text"]).group(1)
    with pytest.raises(AuthorizationDenied):
        svc.finish_sms(req, "000000" if code != "000000" else "111111")
    tok = svc.finish_sms(req, code)
    assert tok.label == "李*"
    exams = svc.exams()
    assert len(exams) == 2 and {e.province_code for e in exams} == {"35", "32"}


def test_refusals_are_clear(cloud_service, devcloud) -> None:
    svc = cloud_service
    flow = svc.start_qr()
    approve_on_phone(flow, PATIENTS[2], action="deny")
    with pytest.raises(AuthorizationDenied, match="refused"):
        svc.finish_qr(flow)
    devcloud.settings.device_ttl = 1.0
    try:
        flow = svc.start_qr()
    finally:
        devcloud.settings.device_ttl = 600.0
    with pytest.raises(AuthorizationExpired):
        svc.finish_qr(flow)
    with pytest.raises(ReauthorizationRequired):
        svc.exams()  # no valid patient authorization left
    # a token for one patient's code used on another patient's study: 403, said plainly
    tok, _recs = svc.open_code(
        next(r["code"] for r in devcloud.records if r["psn"] == PATIENTS[0].psn)
    )
    other = next(r for r in devcloud.records if r["psn"] == PATIENTS[1].psn)
    from cloudclient.national import ExamRecord

    rec = ExamRecord.from_json(
        dict(other, dicomweb_root=devcloud.dicomweb_roots()[other["organisation"]["province_code"]])
    )
    with pytest.raises(AccessDenied, match="not covered by the patient's authorization"):
        svc.fetch(rec, tok)


def test_token_expiring_mid_transfer_then_resume(cloud_service, devcloud) -> None:
    svc = cloud_service
    rec_json = next(
        r
        for r in devcloud.records
        if r["psn"] == PATIENTS[1].psn and r["organisation"]["province_code"] == "32"
    )
    tok, (rec,) = svc.open_code(rec_json["code"])
    headers = {"X-Devcloud-Admin": devcloud.admin_key}
    url = f"{devcloud.gateway_url('32')}/_dev/faults"
    requests.post(url, json={"expire_token_after_bytes": 1_500_000}, headers=headers)
    try:
        with pytest.raises(ReauthorizationRequired, match="authorize again"):
            svc.fetch(rec, tok, workers=1)
    finally:
        requests.delete(url, headers=headers)
    sources = source_bytes(rec.study_uid)
    partial = assert_store_sound(svc.store.root, sources)
    assert 0 < partial < rec.instance_count
    assert not svc.store.is_complete(rec.study_uid)
    tok2, _ = svc.open_code(rec.code)  # authorized again
    res = svc.fetch(rec, tok2)
    assert res.fetched == rec.instance_count - partial  # only what was missing
    assert assert_store_sound(svc.store.root, sources) == rec.instance_count


def test_a_stored_image_the_archive_does_not_list_is_dropped_not_served(
    cloud_service, devcloud
) -> None:
    """A resumed study holding an image the archive no longer lists (say, withdrawn since the
    cut transfer) is not passed off as complete: the stray image is removed and the fetch
    says so; the next fetch completes with the archive's images only."""
    import pydicom
    from pydicom.uid import generate_uid

    from cloudclient.errors import InvalidInstance

    svc = cloud_service
    rec_json = next(
        r
        for r in devcloud.records
        if r["psn"] == PATIENTS[1].psn and r["organisation"]["province_code"] == "32"
    )
    tok, (rec,) = svc.open_code(rec_json["code"])
    sources = source_bytes(rec.study_uid)
    data = next(iter(sources.values()))
    ds = pydicom.dcmread(io.BytesIO(data))
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    stray = svc.store.put(buf.getvalue(), verify_instance(buf.getvalue()), sync=False)
    with pytest.raises(InvalidInstance, match="not in the archive's list; they were discarded"):
        svc.fetch(rec, tok)
    assert not stray.exists() and not svc.store.is_complete(rec.study_uid)
    res = svc.fetch(rec, tok)
    assert res.instances == rec.instance_count and svc.store.is_complete(rec.study_uid)
    assert assert_store_sound(svc.store.root, sources) == rec.instance_count


def test_audit_log_records_without_secrets_and_detects_tampering(cloud_service, devcloud) -> None:
    svc = cloud_service
    tok, recs = svc.open_code(devcloud.records[0]["code"])
    svc.fetch(recs[0], tok)
    svc.viewed(recs[0].study_uid, code=recs[0].code)
    path = svc.audit.path
    text = path.read_text(encoding="utf-8")
    lines = [json.loads(x) for x in text.splitlines()]
    assert [x["action"] for x in lines] == ["lookup_code", "retrieve", "view"]
    assert all(x["who"] == {"workstation": "ws-test", "doctor": "Dr. Test"} for x in lines)
    assert lines[1]["what"]["study"] == recs[0].study_uid and lines[1]["outcome"] == "complete"
    assert tok.access_token not in text and "Zhang" not in text and "张" not in text
    assert verify_audit(path) == []
    assert oct(path.stat().st_mode)[-3:] == "600"
    with pytest.raises(ValueError):
        svc.audit.record("x", "y", access_token="secret")
    tampered = text.replace('"outcome":"complete"', '"outcome":"failed"').replace(
        '"outcome": "complete"', '"outcome": "failed"'
    )
    path.write_text(tampered, encoding="utf-8")
    problems = verify_audit(path)
    assert problems and problems[0].line == 2
    path.write_text("\n".join(text.splitlines()[1:]) + "\n", encoding="utf-8")  # a line removed
    assert verify_audit(path)


def test_tls_verification_cannot_be_switched_off(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        NationalClient("https://example.invalid", "id", "secret", verify=False)
    with pytest.raises(ValueError):
        Retriever(
            InstanceStore(tmp_path), tokens.AccessToken("x", time.time() + 60, "code"), verify=False
        )
    assert NationalClient("https://example.invalid", "id", "s").session.verify is True


def test_names_are_masked() -> None:
    assert mask_name("Zhang^San=张^三") == "张*"
    assert mask_name("Zhang^San") == "Z**** S**"


def test_command_line(cloud_service, devcloud, capsys, tmp_path, monkeypatch) -> None:
    from cloudclient.cli import main

    monkeypatch.setenv("YUNYING_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("YUNYING_CLOUD_DATA", str(tmp_path / "data"))
    assert main(["setup", "--devcloud", str(devcloud.state_dir)]) == 0
    cfg = (tmp_path / "cfg" / "cloud.json").read_text()
    assert devcloud.client_secret not in cfg  # the secret went to the keyring only
    code = devcloud.records[3]["code"]
    assert main(["parse", code]) == 0
    out = capsys.readouterr().out
    assert "江苏省 Jiangsu" in out and "2026-11-20 08:45" in out
    assert main(["parse", code[:-1] + "0"]) == 2
    assert main(["fetch", code]) == 0
    out = capsys.readouterr().out
    assert f"{devcloud.records[3]['instance_count']} images" in out
    assert main(["audit", "verify"]) == 0
    assert main(["exams"]) == 1  # no patient authorization yet: a clear error, no traceback
    assert "no valid patient authorization" in capsys.readouterr().err


def test_doctor_assisted_authorization_through_the_service(cloud_service, devcloud) -> None:
    svc = cloud_service
    p = PATIENTS[2]
    tok = svc.assisted(p.id_number, p.name, "patient unconscious, emergency")
    assert tok.label == "王*"
    assert len(svc.exams()) == 2
    with pytest.raises(AuthorizationDenied):
        svc.assisted(p.id_number, "Someone^Else", "x")
    svc.forget()  # revoked at the national service and removed from the keyring
    with pytest.raises(ReauthorizationRequired):
        svc.exams()
    line = svc.audit.path.read_text().splitlines()[0]
    assert '"method":"assisted"' in line.replace(" ", "")


def test_token_goes_only_to_the_named_root_and_redirects_are_not_followed(tmp_path) -> None:
    """A gateway that redirects elsewhere: the client stops, and the other host sees no token."""
    import http.server

    from cloudclient.errors import UntrustedHost
    from cloudclient.national import ExamRecord

    seen: list[str | None] = []

    class Elsewhere(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization"))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a) -> None:
            pass

    other = http.server.HTTPServer(("127.0.0.1", 0), Elsewhere)
    target = f"http://127.0.0.1:{other.server_address[1]}/steal"

    class Redirector(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()

        def log_message(self, *a) -> None:
            pass

    gw = http.server.HTTPServer(("127.0.0.1", 0), Redirector)
    for srv in (other, gw):
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        rec = ExamRecord(
            code="C",
            exam_datetime="2026-11-20T00:00:00",
            modality="CT",
            body_part="",
            description="",
            organisation="",
            province="",
            province_code="35",
            study_uid="1.2.3",
            series_count=1,
            instance_count=1,
            size_bytes=1,
            dicomweb_root=f"http://127.0.0.1:{gw.server_address[1]}/dicom-web",
        )
        tok = tokens.AccessToken("secret-token", time.time() + 60, "code")
        with pytest.raises(UntrustedHost):
            Retriever(InstanceStore(tmp_path / "s"), tok, retries=0).fetch(rec)
        assert seen == []  # nothing, let alone the token, went to the other host
    finally:
        gw.shutdown()
        other.shutdown()


def test_retrieval_order_is_data_and_the_middle_is_one_rule(tmp_path: Path) -> None:
    from cloudclient.order import InstanceRef, Stage, choose_series, load_order, middle, walk

    assert load_order() == (Stage.CHOSEN_MIDDLE, Stage.CHOSEN_SERIES, Stage.OTHER_SERIES)
    # by Instance Number, then position, whatever order the files or the archive list them in
    refs = [InstanceRef(f"1.{n}", n, (0.0, 0.0, -n)) for n in (5, 1, 3, 2, 4)]
    assert middle(refs).sop == "1.3"
    tie = [InstanceRef("1.9", 1, (0.0, 0.0, 2.0)), InstanceRef("1.1", 1, (0.0, 0.0, 1.0))]
    assert middle([*tie, InstanceRef("1.5", 1, (0.0, 0.0, 3.0))]).sop == "1.9"
    assert middle([InstanceRef("1.10"), InstanceRef("1.2", 7)]).sop == "1.10"  # unnumbered last
    # numbered other than 1..N: the one numbered as the middle of 1..N if exactly one is
    # (what the archive's one small search finds), else the middle in display order
    gaps = [InstanceRef(f"1.{n}", n) for n in (1, 3, 20, 21)]
    assert middle(gaps).sop == "1.3"
    assert middle([InstanceRef(f"1.{n}", n) for n in (1, 2, 20, 21)]).sop == "1.20"
    assert choose_series({"a": 3, "b": 9}, None) == "b" and choose_series({"a": 3}, "a") == "a"
    # the loop follows the file: another order asks in another order
    custom = tmp_path / "order.json"
    custom.write_text(
        json.dumps({"stages": [{"stage": "other_series"}, {"stage": "chosen_series"}]})
    )
    calls: list[str] = []

    class Source:
        def middle_image(self, se):
            calls.append(f"middle {se}")
            from cloudclient.order import done

            return done(None)

        def series(self, se):
            calls.append(f"series {se}")
            from cloudclient.order import done

            return done(None)

    first, pending = walk(load_order(custom), "b", ["b", "a", "c"], Source())
    assert first is None and calls == ["series a", "series c", "series b"] and len(pending) == 3
    calls.clear()
    walk(load_order(), "b", ["b", "a"], Source())
    assert calls == ["middle b", "series b", "series a"]
    custom.write_text(json.dumps({"stages": [{"stage": "chosen_series"}]}))
    with pytest.raises(ValueError, match="series stages are missing"):
        load_order(custom)
