"""Two workstations in one consultation: two real main windows against devcloud.

The county doctor opens a cloud study and invites; the expert joins with the invitation (her
workstation fetches the study through its own cloud client), and the two read it together:
view state one way, annotations both ways, presenter hand-over, a dropped connection resumed
without losing what was drawn meanwhile, and the session's end refused everywhere.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from app import i18n
from app.mainwindow import MainWindow
from cloudclient import tokens
from cloudclient.service import CloudConfig, CloudService
from tests.test_gui import assert_sane, wait_loaded
from viewer.dicom.measure import Measurement

REMOTE = "ws-remote-gui"


def service(devcloud, client_id: str, tmp: Path, who: str) -> CloudService:
    cfg = CloudConfig(
        devcloud.national_url,
        client_id,
        workstation=f"ws-{who}",
        doctor=f"Dr. {who}",
        cache_dir=str(tmp / who / "cache"),
    )
    return CloudService(cfg)


def window(qtbot) -> MainWindow:
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    qtbot.waitExposed(w)
    return w


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
    wait_loaded(qtbot, host)
    yield host, guest, tok, record
    for w in (host, guest):
        w.close()
        if w.cloud_service is not None:
            w.cloud_service.close()


def started(qtbot, w: MainWindow, tok) -> Any:
    """A consultation started on ``w``'s open cloud study: its invitation (the service is asked
    off the GUI thread)."""
    assert w.start_consultation(minutes=10, token=tok)
    qtbot.waitUntil(lambda: w.consulting.invitation is not None, timeout=15000)
    return w.consulting.invitation


def asked(qtbot, w: MainWindow, invitation: str) -> Any:
    """``invitation`` typed into ``w``: the question put to the reader once the service has
    said what the invitation opens."""
    assert w.join_consultation(invitation)
    qtbot.waitUntil(lambda: w.consulting.confirmation is not None, timeout=15000)
    return w.consulting.confirmation


def central(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    return img[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4].astype(int)


def test_two_workstations_read_one_study_together(qtbot, pair, devcloud) -> None:
    host, guest, tok, record = pair
    inv = started(qtbot, host, tok)
    assert host.consult is not None
    asked(qtbot, guest, inv.code).answer(True)  # the reader is asked first (…_confirm); then
    # the host is asked to admit the workstation
    qtbot.waitUntil(lambda: bool(host.consulting.pending), timeout=15000)
    assert "Dr. expert" in host.consult_label.text()
    assert "waiting for the host" in guest.consult_label.text()
    qtbot.wait(1500)
    assert guest.consult is None  # nobody is in before the host says so
    host.consulting.admit(host.consulting.pending[0].request)

    def joined() -> None:
        assert guest.consult is not None, guest.statusBar().currentMessage()

    qtbot.waitUntil(joined, timeout=30000)
    a, b = host.consult, guest.consult
    assert a is not None and b is not None
    qtbot.waitUntil(
        lambda: len(a.state.participants) == 2 and b.channel.connected.is_set(), timeout=10000
    )
    assert guest.cloud_service is not None
    assert guest.cloud_service.store.is_complete(record.study_uid)  # fetched into its own cache
    qtbot.waitUntil(lambda: "presenting" in host.consult_label.text(), timeout=5000)
    qtbot.waitUntil(lambda: "following Dr. county" in guest.consult_label.text(), timeout=5000)

    # the presenter's view: series, slice, window, zoom, pan
    hv = host.active
    assert hv is not None and hv.model.image is not None
    hv.model.set_index(hv.model.count // 3)
    hv.model.set_window(50, 350)  # mediastinum: air stays black
    hv.model.set_zoom(1.4)
    gv = guest.active

    def follows() -> bool:
        return (
            gv is not None
            and gv.model.image is not None
            and gv.series_key
            and guest.series[gv.series_key].series_uid == host.series[hv.series_key].series_uid
            and gv.model.index == hv.model.index
            and gv.model.window == hv.model.window
            and abs(gv.model.zoom - 1.4) < 1e-9
        )

    qtbot.waitUntil(follows, timeout=15000)
    assert gv is not None
    host_frame, guest_frame = hv.renderer.grab(), gv.renderer.grab()
    assert_sane(guest_frame.astype(np.int32))
    if host_frame.shape == guest_frame.shape:  # same picture on both screens
        assert np.abs(central(host_frame) - central(guest_frame)).mean() < 3

    # the expert draws, the county doctor sees it (and the other way round)
    m = Measurement("length", [(40.0, 50.0), (120.0, 90.0)])
    gv.model.add_measurement(m)
    qtbot.waitUntil(lambda: any(x.kind == "length" for x in hv.model.measurements), timeout=10000)
    seen = next(x for x in hv.model.measurements if x.kind == "length")
    assert seen.points == m.points and seen.index == gv.model.index
    hv.model.add_measurement(Measurement("probe", [(60.0, 60.0)]))
    qtbot.waitUntil(lambda: any(x.kind == "probe" for x in gv.model.measurements), timeout=10000)
    m.points = [(40.0, 50.0), (150.0, 90.0)]  # edited
    gv.model.update_measurement(m)
    qtbot.waitUntil(lambda: seen.points == [(40.0, 50.0), (150.0, 90.0)], timeout=10000)

    # a follower cannot move the view; after the hand-over the expert leads
    gv.model.set_index(1)
    qtbot.wait(300)
    assert hv.model.index != 1
    a.hand_over(b.me.participant)
    qtbot.waitUntil(
        lambda: b.state.presenting and "presenting" in guest.consult_label.text(), timeout=10000
    )
    gv.model.set_index(5)
    qtbot.waitUntil(lambda: hv.model.index == 5, timeout=10000)

    # the MPR crosshair follows the presenter too
    for w in (host, guest):
        w.set_active(w.active)
        assert w.toggle_mpr(True) is not None
    assert guest.mpr is not None and host.mpr is not None
    target = guest.mpr.model.volume_center + np.array([12.0, -8.0, 20.0])
    guest.mpr.model.set_center(target)
    qtbot.waitUntil(lambda: np.allclose(host.mpr.model.center, target), timeout=10000)
    for w in (host, guest):
        w.toggle_mpr(False)

    # the network drops; what the host draws meanwhile arrives after the reconnect
    r = requests.post(
        f"{devcloud.national_url}/_dev/consult/{inv.session_id}/drop",
        headers={"X-Devcloud-Admin": devcloud.admin_key},
    )
    assert r.status_code == 200
    hv.model.add_measurement(Measurement("arrow", [(10.0, 10.0), (30.0, 30.0)]))
    qtbot.waitUntil(lambda: any(x.kind == "arrow" for x in gv.model.measurements), timeout=15000)
    assert a.channel.reconnects >= 1 and b.channel.reconnects >= 1

    # the pointer shows on the other screen
    pos = QPointF(hv.widget_pos(80, 80))
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        pos,
        pos,
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(hv.view, move)
    qtbot.waitUntil(lambda: bool(getattr(gv.renderer, "_pointer_actors", [])), timeout=10000)

    # the session ends: both are told, and the invitation no longer works
    r = requests.post(
        f"{devcloud.national_url}/_dev/consult/{inv.session_id}/expire",
        headers={"X-Devcloud-Admin": devcloud.admin_key},
    )
    assert r.status_code == 200
    qtbot.waitUntil(
        lambda: "ended" in host.consult_label.text() and "ended" in guest.consult_label.text(),
        timeout=10000,
    )
    assert guest.join_consultation(inv.code)  # (the service is asked off the GUI thread)
    qtbot.waitUntil(lambda: "Cannot join" in guest.statusBar().currentMessage(), timeout=15000)
    assert guest.consulting.confirmation is None

    # each workstation's audit log has the session, without secrets
    for w in (host, guest):
        assert w.cloud_service is not None
        text = w.cloud_service.audit.path.read_text()
        actions = {json.loads(x)["action"] for x in text.splitlines()}
        assert {"consult_presenter", "consult_expired"} <= actions
        assert inv.code not in text and inv.code.replace("-", "") not in text


def test_leaving_never_waits_on_the_audit_log(qtbot, pair, memory_keyring, monkeypatch) -> None:
    """Leaving stops the channel at once and writes the leave to the audit log (an fsync, a
    keyring call for the chain's anchor) on the audit lane, not on the GUI thread: with the
    keyring answering slowly the window leaves at once, and the line and its anchor are written
    before the window has closed."""
    import threading
    import time

    from cloudclient.audit import verify

    host, _guest, tok, _record = pair
    started(qtbot, host, tok)
    channel = host.consult.channel
    qtbot.waitUntil(channel.connected.is_set, timeout=10000)
    slow = threading.Event()
    writers: list[threading.Thread] = []
    real_set = memory_keyring.set_password

    def set_password(service: str, username: str, password: str) -> None:
        writers.append(threading.current_thread())
        slow.wait(8.0)  # a keyring that takes its time (locked, on a busy bus…)
        real_set(service, username, password)

    monkeypatch.setattr(memory_keyring, "set_password", set_password)
    log = Path(host.cloud_service.audit.path)

    def left() -> bool:
        return any(
            json.loads(line)["action"] == "consult_leave" for line in log.read_text().splitlines()
        )

    t0 = time.monotonic()
    host.leave_consultation()
    assert time.monotonic() - t0 < 2.0  # (the old code wrote the line here)
    assert host.consult is None and channel._closed.is_set()  # stopped at once
    qtbot.waitUntil(lambda: not channel._thread.is_alive(), timeout=5000)
    qtbot.waitUntil(lambda: bool(writers), timeout=5000)  # the anchor's write waits on it
    assert verify(log)  # (the line is written; the chain's anchor is not yet)
    threading.Timer(0.5, slow.set).start()
    host.close()  # waits for the audit lane
    assert left() and verify(log) == []  # line and anchor, before the window has closed
    assert threading.main_thread() not in writers
