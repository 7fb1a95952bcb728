"""Findings of a cloud study travel: kept in the workstation cache with the study (the catalog
knows them) and listed when the study is reopened from the cache; sent to the hospital front-end
(STOW-RS to devcloud's Orthanc) and read back there; in a consultation the presenter's saved
findings and an opinion (a Basic Text SR with the reader's name) reach the other participant."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.findings_dialog import restore
from cloudclient.frontend import FrontEnd
from tests.test_gui import wait_loaded
from tests.test_gui_consult import asked, pair, service, started, window  # noqa: F401
from viewer.dicom.measure import Measurement

GSPS = "1.2.840.10008.5.1.4.1.1.11.1"
KOS = "1.2.840.10008.5.1.4.1.1.88.59"


@pytest.fixture(autouse=True)
def _local_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "local-findings"
    monkeypatch.setenv("YUNYING_FINDINGS_DIR", str(folder))
    return folder


def test_cloud_findings_kept_in_the_cache_listed_on_reopen_and_sent_to_the_hospital(
    qtbot,
    pair,  # noqa: F811
    devcloud,
    tmp_path: Path,
    _local_findings: Path,
) -> None:
    host, _guest, _tok, record = pair
    host.findings.set_reader("")  # the cloud configuration's doctor is the default reader
    vp = host.active
    assert vp is not None and vp.model.image is not None
    vp.model.add_measurement(Measurement("length", [(40.0, 50.0), (120.0, 90.0)], vp.model.index))
    assert host.findings.toggle_key()
    [saved] = host.findings.save()
    uids = {str(ds.SOPInstanceUID) for ds in saved.datasets.values()}
    assert len(uids) == 3
    svc = host.cloud_service
    cached = svc.cached(record.study_uid)  # what the catalog knows of the study
    assert uids <= {p.stem for p in cached}
    assert all(p.is_file() for p in cached)
    assert not _local_findings.exists()  # a cloud study's findings live in the cache
    # the study reopened from the cache, in another window: its findings are listed
    w2 = window(qtbot)
    w2.cloud_service = svc
    w2.cloud.open_cached(record.study_uid)
    qtbot.waitUntil(
        lambda: w2.active is not None and w2.active.model.image is not None, timeout=30000
    )
    wait_loaded(qtbot, w2)
    listed = w2.findings.entries()
    assert {o.sop_instance_uid for o in listed} == uids
    assert all(o.author == "Dr. county" and o.ours for o in listed)
    gsps = next(o for o in listed if o.sop_class_uid == GSPS)
    assert "Restored 1 measurement" in restore(w2.findings, gsps)
    [m] = w2.active.model.measurements
    assert m.points == [(40.0, 50.0), (120.0, 90.0)]
    w2.close()
    # File → Send Findings to Hospital: STOW-RS to the front-end, then read back there
    fe = devcloud.frontend
    svc.frontend = FrontEnd(fe.dicomweb, fe.user, fe.password, verify=str(devcloud.ca_file))
    host.findings.send_to_hospital()
    qtbot.waitUntil(lambda: set(host.findings.sent) == uids, timeout=30000)
    for uid in uids:
        r = svc.frontend.session.get(
            f"{svc.frontend.root}/instances",
            params={"SOPInstanceUID": uid, "includefield": "00080016"},
            headers={"Accept": "application/dicom+json"},
            timeout=30,
        )
        assert r.status_code == 200 and len(r.json()) == 1, uid
    classes = set()
    for uid in uids:
        r = svc.frontend.session.get(
            f"{svc.frontend.root}/instances",
            params={"SOPInstanceUID": uid, "includefield": "00080016"},
            headers={"Accept": "application/dicom+json"},
            timeout=30,
        )
        classes.add(r.json()[0]["00080016"]["Value"][0])
    assert GSPS in classes and KOS in classes


def test_consultation_shares_saved_findings_and_an_opinion(
    qtbot,
    pair,  # noqa: F811
    devcloud,
) -> None:
    host, guest, tok, record = pair
    for w in (host, guest):
        w.findings.set_reader("")
    inv = started(qtbot, host, tok)
    asked(qtbot, guest, inv.code).answer(True)
    qtbot.waitUntil(lambda: bool(host.consulting.pending), timeout=15000)
    host.consulting.admit(host.consulting.pending[0].request)
    qtbot.waitUntil(lambda: guest.consult is not None, timeout=30000)
    a, b = host.consult, guest.consult
    assert a is not None and b is not None
    qtbot.waitUntil(
        lambda: len(a.state.participants) == 2 and b.channel.connected.is_set(), timeout=10000
    )
    qtbot.waitUntil(lambda: guest.active is not None and guest.active.model.image is not None)
    wait_loaded(qtbot, guest)
    # the presenter saves: the guest lists the presenter's findings
    hv = host.active
    assert hv is not None
    hv.model.add_measurement(Measurement("length", [(30.0, 30.0), (90.0, 60.0)], hv.model.index))
    [saved] = host.findings.save()
    shared = {str(ds.SOPInstanceUID) for ds in saved.datasets.values()}

    def guest_has(uids: set[str]) -> bool:
        return uids <= {o.sop_instance_uid for o in guest.findings.entries()}

    qtbot.waitUntil(lambda: guest_has(shared), timeout=15000)
    # the guest's cache keeps them with the study
    assert shared <= {p.stem for p in guest.cloud_service.cached(record.study_uid)}
    # the expert writes an opinion: the county doctor sees it, with her name
    path = guest.findings.write_opinion("Nodule benign-looking; follow up in 12 months.")
    assert path is not None

    def host_sees() -> bool:
        return any(o.kind == "Basic Text SR" for o in host.findings.entries())

    qtbot.waitUntil(host_sees, timeout=15000)
    opinion = next(o for o in host.findings.entries() if o.kind == "Basic Text SR")
    assert opinion.author == "Dr. expert"
    text = restore(host.findings, opinion)
    assert "Dr. expert" in text and "follow up in 12 months" in text
    dlg = host.findings.show_dialog()
    assert any("Opinion" in dlg.tree.topLevelItem(i).text(0) for i in range(len(dlg.objects)))
    dlg.close()
