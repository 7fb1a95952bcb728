"""A consultation link asks the reader before anything joins (issue 17, finding 4).

Real main windows against devcloud: a ``yunying://consult`` link (as a later launch hands it
over) opens a confirmation that says who invites, for which patient (masked) and study, and what
leaves this workstation; nothing is asked of the service's join and nothing is fetched until the
reader presses *Join*. A link that arrives while this workstation is in a consultation never
switches sessions silently: *Join* stays disabled until the reader chooses to leave it.
"""

from __future__ import annotations

import secrets
import socket
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog

from app import i18n
from app.launch import parse_url
from app.mainwindow import MainWindow
from cloudclient import tokens
from cloudclient.consult import ConsultClient
from cloudclient.service import CloudConfig, CloudService
from tests.test_gui_consult import REMOTE, service, started, window


@pytest.fixture
def pair(qtbot, devcloud, memory_keyring, tmp_path):
    i18n.install(QApplication.instance(), "en")
    tokens.save_client_secret(devcloud.client_id, devcloud.client_secret)
    secret = secrets.token_urlsafe(16)
    devcloud.store.add_client(REMOTE, secret, "Remote Expert Hospital", assisted=False)
    tokens.save_client_secret(REMOTE, secret)
    host, guest = window(qtbot), window(qtbot)
    host.cloud_service = service(devcloud, devcloud.client_id, tmp_path, "county")
    guest.cloud_service = service(devcloud, REMOTE, tmp_path, "expert")
    rec = next(r for r in devcloud.records if r["modality"] == "CT")
    tok, records = host.cloud_service.open_code(rec["code"])
    (record,) = [r for r in records if r.study_uid == rec["study_instance_uid"]]
    res = host.cloud_service.fetch(record, tok)
    host.open_cloud_study(res.folder, record)
    qtbot.waitUntil(
        lambda: host.active is not None and host.active.model.image is not None, timeout=30000
    )
    yield host, guest, tok, record, rec
    for w in (host, guest):
        w.close()
        if w.cloud_service is not None:
            w.cloud_service.close()


def link_arrives(qtbot, w: MainWindow, link: str):
    """A link as the single-instance channel hands it to the running window: the question,
    once the service has said what the link opens (asked off the GUI thread)."""
    w.open_request(parse_url(link))
    qtbot.waitUntil(lambda: w.consulting.confirmation is not None, timeout=15000)
    dlg = w.consulting.confirmation
    assert dlg is not None and dlg.isVisible()
    return dlg


def test_a_link_asks_first_and_never_leaves_a_session_silently(
    qtbot, pair, devcloud, tmp_path
) -> None:
    host, guest, tok, record, rec = pair
    inv = started(qtbot, host, tok)
    assert guest.cloud_service is not None
    patient = devcloud.store.patient(psn=rec["psn"])

    # the link opens a question, and nothing else happens
    dlg = link_arrives(qtbot, guest, inv.link)
    text = dlg.text.text()
    assert "Dr. county" in text  # who invites …
    assert rec["organisation"]["name"] in text  # … the study's organisation …
    assert rec["description"] in text and "CT" in text and record.study_uid in text
    name = patient["name"].split("=")[-1].replace("^", "")
    assert name not in text and "*" in text  # … the patient, masked
    for what in ("annotations", "pointer", "view", "name"):  # what leaves
        assert what in text
    assert not dlg.join_button.isDefault() and dlg.cancel_button.isDefault()
    qtbot.wait(2500)  # the host polls each second: no one has asked to join
    assert host.consulting.pending == [] and guest.consult is None
    assert not guest.cloud_service.store.is_complete(record.study_uid)  # nothing fetched

    # declined: still nothing
    dlg.answer(False)
    assert guest.consulting.confirmation is None
    assert "declined" in guest.statusBar().currentMessage()
    qtbot.wait(1500)
    assert host.consulting.pending == [] and guest.consult is None

    # agreed: the host is asked, admits, the study comes and the session is followed
    dlg = link_arrives(qtbot, guest, inv.link)
    assert dlg.leave_box is None  # (not in a session: nothing to leave)
    dlg.answer(True)
    qtbot.waitUntil(lambda: bool(host.consulting.pending), timeout=15000)
    host.consulting.admit(host.consulting.pending[0].request)
    qtbot.waitUntil(lambda: guest.consult is not None, timeout=30000)
    first = guest.consult
    assert first is not None
    assert guest.cloud_service.store.is_complete(record.study_uid)

    # a stranger's link while in that session: the dialog says so, and Join waits for the
    # reader to give the session up
    svc3 = service(devcloud, devcloud.client_id, tmp_path, "stranger")  # another workstation
    tok3, _ = svc3.open_code(rec["code"])
    stranger = ConsultClient(
        devcloud.national_url,
        devcloud.client_id,
        devcloud.client_secret,
        verify=str(devcloud.ca_file),
    )
    inv2, me2 = stranger.create(tok3, record.study_uid, minutes=10, doctor="Dr. Stranger")
    dlg = link_arrives(qtbot, guest, inv2.link)
    assert "Dr. Stranger" in dlg.text.text()
    assert dlg.leave_box is not None and "Joining ends it" in dlg.warning.text()
    assert not dlg.join_button.isEnabled()
    dlg.answer(True)  # Join without leaving: nothing happens
    assert dlg.isVisible() and guest.consult is first
    # a second link while one question is open is not stacked on top of it
    assert guest.join_consultation(inv2.link) is None
    assert "already waiting" in guest.statusBar().currentMessage()
    dlg.answer(False)
    qtbot.wait(1500)
    assert guest.consult is first and stranger.requests(me2) == []

    # the reader chooses to leave: the old session ends, the stranger's host is asked
    dlg = link_arrives(qtbot, guest, inv2.link)
    dlg.answer(True, leave_current=True)
    assert guest.consult is None
    qtbot.waitUntil(lambda: len(stranger.requests(me2)) == 1, timeout=15000)
    (req,) = stranger.requests(me2)
    assert req.doctor == "Dr. expert"
    guest.leave_consultation()
    svc3.close()


def test_file_join_consultation_asks_too_and_speaks_chinese(qtbot, pair) -> None:
    """File → Join Consultation…: the code typed in, then the same question, in Chinese."""
    host, guest, tok, _record, _rec = pair
    inv = started(qtbot, host, tok)
    i18n.install(QApplication.instance(), "zh_CN")

    def type_code() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QInputDialog):
            box.setTextValue(inv.code)
            box.accept()
        else:
            QTimer.singleShot(50, type_code)

    try:
        QTimer.singleShot(50, type_code)
        guest.acts["consult_join"].trigger()
        qtbot.waitUntil(lambda: guest.consulting.confirmation is not None, timeout=15000)
        dlg = guest.consulting.confirmation
        assert dlg is not None
        qtbot.waitUntil(dlg.isVisible, timeout=5000)
        out = Path("out/screenshots")
        out.mkdir(parents=True, exist_ok=True)
        dlg.grab().save(str(out / "consult_confirm_zh_CN.png"))
        text = dlg.text.text()
        assert "会诊" in dlg.windowTitle() and "批注" in text and "指针" in text
        assert "invites" not in text and dlg.join_button.text() == "加入"
        qtbot.wait(1500)
        assert host.consulting.pending == [] and guest.consult is None
        dlg.answer(False)
    finally:
        i18n.install(QApplication.instance(), "en")


def test_a_service_that_does_not_answer_never_freezes_the_window(
    qtbot, memory_keyring, tmp_path
) -> None:
    """The consultation service takes the connection and never answers (a hostile or stuck
    server): joining returns at once, the window goes on handling events while the look-up
    waits on its own thread, and no question is put to the reader; a second invitation meanwhile
    is told the first is pending. (Before, the look-up ran on the GUI thread: the window froze
    until the request's 30 s timeout.)"""
    hole = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(hole.accept()[0]), daemon=True).start()
    i18n.install(QApplication.instance(), "en")
    w = window(qtbot)
    tokens.save_client_secret("ws-hole", secrets.token_urlsafe(16))
    w.cloud_service = CloudService(
        CloudConfig(
            f"http://127.0.0.1:{hole.getsockname()[1]}",
            "ws-hole",
            doctor="Dr. hole",
            cache_dir=str(tmp_path / "cache"),
        )
    )
    try:
        assert w.join_consultation("ABCD-EFGH")
        qtbot.waitUntil(lambda: bool(held), timeout=10000)  # the service is being asked …
        ticks: list[int] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start(20)
        qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=10000)  # … and the window lives on
        timer.stop()
        assert w.consulting.confirmation is None and w.consult is None
        assert w.join_consultation("WXYZ-1234") is None
        assert "already waiting" in w.statusBar().currentMessage()
    finally:
        w.close()
        for s in (*held, hole):
            s.close()
