"""Duplicate-exam reminder: similar exams within each modality's window, from the CLI too."""

from __future__ import annotations

import datetime as dt

from cloudclient.national import ExamRecord
from cloudclient.reminder import similar_exams, windows


def _rec(when: str, modality: str, body: str, code: str = "C") -> ExamRecord:
    return ExamRecord(
        code=code,
        exam_datetime=when,
        modality=modality,
        body_part=body,
        description="",
        organisation="H",
        province="福建省",
        province_code="35",
        study_uid=f"2.25.{abs(hash((when, modality, body)))}",
        series_count=1,
        instance_count=1,
        size_bytes=1,
        dicomweb_root="http://x",
    )


def test_windows_come_from_the_resource_file() -> None:
    days, default = windows()
    assert days["CT"] == 180 and days["US"] == 30 and default == 90


def test_similar_exams_by_modality_body_part_and_window() -> None:
    today = dt.date(2026, 11, 26)
    recs = [
        _rec("2026-11-10T14:30:00", "CT\\PT", "CHEST"),  # PET/CT counts as a CT
        _rec("2026-06-01T09:00:00", "CT", "CHEST"),  # 178 days ago: inside the CT window
        _rec("2026-05-01T09:00:00", "CT", "CHEST"),  # 209 days ago: outside
        _rec("2026-11-20T08:00:00", "CT", "HEAD"),  # another body part
        _rec("2026-11-20T08:00:00", "MR", "CHEST"),  # another modality
    ]
    found = similar_exams(recs, "ct", "chest", today)
    assert [r.exam_datetime[:10] for r in found] == ["2026-11-10", "2026-06-01"]
    assert len(similar_exams(recs, "PT", "CHEST", today)) == 1
    assert similar_exams(recs, "US", "CHEST", today) == []
    assert len(similar_exams(recs, "CT", "", today)) == 3  # any body part
    assert len(similar_exams(recs, "CT", "CHEST", today, days={"CT": 400}, default_days=90)) == 3


def test_remind_command(cloud_service, devcloud, capsys, monkeypatch, tmp_path) -> None:
    from cloudclient.cli import main
    from devcloud.seed import PATIENTS

    monkeypatch.setenv("YUNYING_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("YUNYING_CLOUD_DATA", str(tmp_path / "data"))
    # (assisted authorization needs a doctor the national service has on its roster)
    assert main(["setup", "--devcloud", str(devcloud.state_dir), "--doctor", "Dr. Test"]) == 0
    svc = cloud_service
    from cloudclient.service import CloudConfig, CloudService

    svc2 = CloudService(CloudConfig.load())
    svc2.assisted(PATIENTS[0].id_number, PATIENTS[0].name, "test")  # token into the keyring
    capsys.readouterr()
    assert (
        main(["remind", "--modality", "CT", "--body-part", "CHEST", "--today", "2026-11-26"]) == 0
    )
    out = capsys.readouterr().out
    assert "REMINDER: 1 similar exam(s) in the last 180 days" in out  # the May CT is older
    assert "PET/CT" in out
    assert "yunying-cloud fetch" in out
    assert main(["remind", "--modality", "US", "--today", "2026-11-26"]) == 0
    assert "no US" in capsys.readouterr().out
    assert svc is not None
