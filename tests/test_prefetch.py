"""Prefetch onto the hospital front-end (前置机), and the workstation's lookup order:
own cache → front-end → provincial cloud."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import requests

from cloudclient import tokens
from cloudclient.frontend import FrontEnd
from cloudclient.national import ExamRecord
from cloudclient.prefetch import Prefetcher, QueueFull, choose_exams
from cloudclient.service import CloudConfig, CloudService
from devcloud.seed import PATIENTS
from tests.test_cloudclient import source_bytes


@pytest.fixture
def frontend(devcloud):
    fe = devcloud.frontend
    return FrontEnd(fe.dicomweb, fe.user, fe.password)


def _workstation(devcloud, tmp_path: Path, name: str) -> CloudService:
    tokens.save_client_secret(devcloud.client_id, devcloud.client_secret)
    tokens.save_frontend_password(devcloud.frontend.user, devcloud.frontend.password)
    return CloudService(
        CloudConfig(
            devcloud.national_url,
            devcloud.client_id,
            workstation=name,
            ca_bundle=str(devcloud.ca_file),
            cache_dir=str(tmp_path / name / "cache"),
            frontend_url=devcloud.frontend.dicomweb,
            frontend_user=devcloud.frontend.user,
        )
    )


def test_registrations_are_prefetched_then_opened_without_the_provincial_cloud(
    devcloud, memory_keyring, frontend, tmp_path: Path
) -> None:
    desk = _workstation(devcloud, tmp_path, "prefetch-server")
    today = dt.date(2026, 11, 26)
    petct = next(
        r for r in devcloud.records if r["psn"] == PATIENTS[0].psn and r["modality"] == "CT\\PT"
    )
    watch = tmp_path / "registrations"
    watch.mkdir()
    (watch / "b-tomorrow.json").write_text(
        json.dumps(
            {
                "id": "li-si",
                "patient": {"id_number": PATIENTS[1].id_number, "name": PATIENTS[1].name},
                "appointment": "2026-11-27",
                "authorization": {
                    "type": "assisted",
                    "doctor": "Dr. Li (Radiology)",  # on the hospital's roster
                    "reason": "appointment",
                },
            }
        )
    )
    (watch / "a-today.json").write_text(
        json.dumps(
            {
                "id": "zhang-san",
                "appointment": today.isoformat(),
                "authorization": {"type": "code", "codes": [petct["code"]]},
            }
        )
    )
    (watch / "c-broken.json").write_text("{not json")
    pre = Prefetcher(desk, frontend, tmp_path / "status.json", today=today, backoff=0.1)
    assert pre.watch_folder(watch) == 2
    assert (watch / "rejected" / "c-broken.json").exists()
    assert sorted(p.name for p in (watch / "accepted").iterdir()) == [
        "a-today.json",
        "b-tomorrow.json",
    ]
    status = pre.run()
    assert status["zhang-san"]["state"] == "done" and status["li-si"]["state"] == "done"
    assert frontend.instance_count(petct["study_instance_uid"]) == petct["instance_count"]
    li_si = {r["exam_datetime"][:10]: r for r in devcloud.records if r["psn"] == PATIENTS[1].psn}
    # her recent exam (the last year: CT chest/abdomen of 2026-11-20) is prefetched, and so is
    # its relevant prior, older than a year (CT chest of 2025-03-14: same modality and region)
    assert sorted(li_si) == ["2025-03-14", "2026-11-20"]
    for r in li_si.values():
        assert frontend.instance_count(r["study_instance_uid"]) == r["instance_count"]
    # today's appointment went first
    actions = [json.loads(x) for x in desk.audit.path.read_text().splitlines()]
    stored = [a["what"]["study"] for a in actions if a["action"] == "prefetch"]
    assert stored[0] == petct["study_instance_uid"]
    status_text = (tmp_path / "status.json").read_text()
    assert "Zhang" not in status_text and "张" not in status_text
    # a doctor's workstation now opens the study while the provincial cloud is unreachable
    gw = f"{devcloud.gateway_url('35')}/_dev/faults"
    admin = {"X-Devcloud-Admin": devcloud.admin_key}
    requests.post(gw, json={"status": 503, "status_count": 100000}, headers=admin)
    try:
        ws = _workstation(devcloud, tmp_path, "doctor")
        tok, (rec,) = ws.open_code(petct["code"])
        touched_before = devcloud.faults["35"].statuses_done
        first = ws.fetch(rec, tok)
        # not one request reached the provincial gateway (each would have drawn a 503)
        assert devcloud.faults["35"].statuses_done == touched_before
        assert first.source == "frontend" and first.instances == petct["instance_count"]
        sources = source_bytes(rec.study_uid)
        assert sorted(f.read_bytes() for f in first.folder.rglob("*.dcm")) == sorted(
            sources.values()
        )
        again = ws.fetch(rec, tok)  # and then from its own cache
        assert again.source == "cache" and again.fetched == 0
    finally:
        requests.delete(gw, headers=admin)
    lines = ws.audit.path.read_text()
    assert '"source":"frontend"' in lines.replace(" ", "")


def test_queue_is_bounded_and_today_comes_first(
    devcloud, memory_keyring, frontend, tmp_path: Path
) -> None:
    desk = _workstation(devcloud, tmp_path, "desk")
    pre = Prefetcher(desk, frontend, tmp_path / "s.json", max_queue=3, today=dt.date(2026, 11, 26))
    pre.submit({"id": "later", "appointment": "2026-12-01"})
    pre.submit({"id": "today", "appointment": "2026-11-26"})
    pre.submit({"id": "sooner", "appointment": "2026-11-27"})
    with pytest.raises(QueueFull):
        pre.submit({"id": "one-too-many"})
    order = [j.registration["id"] for j in sorted(pre._queue)]
    assert order == ["today", "sooner", "later"]
    status = pre.run()  # no authorization in these registrations: clear failures, no crash
    assert all(s["state"] == "failed" and "authorization" in s["error"] for s in status.values())


def test_prefetch_command_status(
    devcloud, memory_keyring, tmp_path: Path, capsys, monkeypatch
) -> None:
    from cloudclient.cli import main

    monkeypatch.setenv("YUNYING_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("YUNYING_CLOUD_DATA", str(tmp_path / "data"))
    assert main(["setup", "--devcloud", str(devcloud.state_dir)]) == 0
    watch = tmp_path / "w"
    watch.mkdir()
    code = devcloud.records[3]["code"]
    (watch / "r.json").write_text(
        json.dumps(
            {
                "id": "r1",
                "appointment": "2026-11-26",
                "authorization": {"type": "code", "codes": [code]},
            }
        )
    )
    assert main(["prefetch", "run", "--watch", str(watch), "--once"]) == 0
    assert main(["prefetch", "status"]) == 0
    assert "r1  done" in capsys.readouterr().out


def _record(uid: str, when: str, modality: str, body_part: str) -> ExamRecord:
    return ExamRecord.from_json(
        {
            "code": "x" * 78,
            "exam_datetime": when,
            "modality": modality,
            "body_part": body_part,
            "study_instance_uid": uid,
            "dicomweb_root": "https://archive.example/dicomweb",
        }
    )


def test_recent_exams_and_their_relevant_priors_are_chosen_not_other_old_ones() -> None:
    records = [
        _record("1.1", "2026-11-20T08:45:00", "CT", "CHEST"),  # recent
        _record("1.2", "2025-03-14T16:20:00", "CT", "CHEST"),  # its relevant prior (20 months)
        _record("1.3", "2023-01-10T10:00:00", "CT", "CHEST"),  # an older one of the same kind
        _record("1.4", "2024-06-01T10:00:00", "MR", "HEAD"),  # old and of another region
        _record("1.5", "2026-09-01T10:00:00", "MR", "HEAD"),  # recent
    ]
    chosen = choose_exams(records, dt.date(2026, 11, 26), recent_days=365)
    assert [r.study_uid for r in chosen] == ["1.1", "1.5", "1.2", "1.4"]
    chosen = choose_exams(records, dt.date(2026, 11, 26), recent_days=365, priors_per_exam=0)
    assert [r.study_uid for r in chosen] == ["1.1", "1.5"]
