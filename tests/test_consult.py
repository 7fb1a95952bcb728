"""Remote consultation against devcloud: sessions, invitations, delegation, the relay (no Qt)."""

from __future__ import annotations

import json
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from cloudclient.audit import AuditLog
from cloudclient.audit import verify as verify_audit
from cloudclient.consult import (
    ConsultClient,
    ConsultError,
    ConsultExpired,
    ConsultState,
    JoinPending,
    Membership,
    parse_link,
)
from cloudclient.consult_channel import ConsultChannel
from cloudclient.errors import AccessDenied, ReauthorizationRequired
from cloudclient.national import ExamRecord, NationalClient
from cloudclient.retrieve import Retriever
from cloudclient.store import InstanceStore

REMOTE = "ws-remote"


def wait(cond, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


@pytest.fixture
def remote_secret(devcloud) -> str:
    """A second workstation, in another hospital, registered with the national service."""
    secret = secrets.token_urlsafe(16)
    devcloud.store.add_client(REMOTE, secret, "远程专家医院 Remote Expert Hospital", assisted=False)
    return secret


@pytest.fixture
def host(devcloud, tmp_path, memory_keyring):
    """The county hospital: a code token for one CT exam (the patient's authorization)."""
    rec = next(r for r in devcloud.records if r["modality"] == "CT")
    national = NationalClient(
        devcloud.national_url, devcloud.client_id, devcloud.client_secret, verify=ca(devcloud)
    )
    tok = national.code_token(rec["code"])
    (record,) = [r for r in national.exams(tok) if r.study_uid == rec["study_instance_uid"]]
    audit = AuditLog(tmp_path / "host-audit.jsonl", "ws-county", "Dr. County")
    client = ConsultClient(
        devcloud.national_url,
        devcloud.client_id,
        devcloud.client_secret,
        audit=audit,
        verify=ca(devcloud),
    )
    return client, tok, record, audit


def ca(devcloud) -> str:
    return str(devcloud.ca_file)


def guest_client(devcloud, secret: str, tmp_path: Path) -> tuple[ConsultClient, AuditLog]:
    audit = AuditLog(tmp_path / "guest-audit.jsonl", "ws-expert", "Dr. Expert")
    return ConsultClient(
        devcloud.national_url, REMOTE, secret, audit=audit, verify=ca(devcloud)
    ), audit


def admitted(
    guest: ConsultClient, host: ConsultClient, me_host: Membership, invitation: str, doctor=""
) -> Membership:
    """The guest asks, the host admits it, the guest asks again and is in."""
    with pytest.raises(JoinPending):
        guest.request_join(invitation, doctor=doctor)
    req = host.requests(me_host)[-1]
    host.approve(me_host, req.request)
    return guest.request_join(invitation, doctor=doctor)


class Peer:
    """One participant: its channel and the state folded from what it received."""

    def __init__(self, me: Membership, audit: AuditLog | None = None) -> None:
        self.state = ConsultState()
        self.events: list[dict[str, Any]] = []
        self.statuses: list[str] = []
        self.lock = threading.Lock()
        self.channel = ConsultChannel(me, self._on_event, self._on_status, audit=audit)
        self.channel.start()
        wait(self.channel.connected.is_set, 30)  # (a loaded machine: TLS handshakes queue)

    def _on_event(self, msg: dict[str, Any]) -> None:
        with self.lock:
            self.state.apply(msg)
            self.events.append(msg)

    def _on_status(self, status: str, _detail: str) -> None:
        self.statuses.append(status)


def admin(devcloud, path: str) -> None:
    r = requests.post(
        f"{devcloud.national_url}{path}", headers={"X-Devcloud-Admin": devcloud.admin_key}
    )
    assert r.status_code == 200, r.text


def test_invitation_and_workstation_credentials_are_both_needed(
    devcloud, host, remote_secret, tmp_path
) -> None:
    client, tok, record, _ = host
    inv, me = client.create(tok, record.study_uid, minutes=5, doctor="Dr. County")
    assert me.role == "host" and inv.code not in repr(inv) and me.ticket not in repr(me)
    assert me.ws_url.startswith("wss://")
    assert parse_link(inv.link) == (inv.session_id, inv.code.replace("-", ""))
    guest, _ = guest_client(devcloud, remote_secret, tmp_path)
    with pytest.raises(ConsultError, match="invitation"):
        guest.join("BBBB-CCCC")
    stranger = ConsultClient(devcloud.national_url, REMOTE, "wrong-secret", verify=ca(devcloud))
    with pytest.raises(ConsultError, match="wrong secret"):
        stranger.join(inv.code)
    # the host's authorization must cover the study, and must be the host's own
    other = next(r for r in devcloud.records if r["study_instance_uid"] != record.study_uid)
    with pytest.raises(ConsultError, match="does not cover"):
        client.create(tok, other["study_instance_uid"])
    with pytest.raises(ConsultError, match="another workstation"):
        guest.create(tok, record.study_uid)
    me2 = admitted(guest, client, me, inv.link, "Dr. Expert")  # the link works as the code
    assert me2.role == "guest" and me2.record is not None
    assert me2.record.study_uid == record.study_uid and me2.token is not None


def test_guest_gets_the_study_and_nothing_else(devcloud, host, remote_secret, tmp_path) -> None:
    client, tok, record, _ = host
    inv, me_host = client.create(tok, record.study_uid, minutes=5)
    guest, _ = guest_client(devcloud, remote_secret, tmp_path)
    me = admitted(guest, client, me_host, inv.code)
    assert me.token is not None and me.record is not None
    store = InstanceStore(tmp_path / "guest-cache")
    res = Retriever(store, me.token, verify=ca(devcloud)).fetch(me.record)
    assert res.instances == record.instance_count
    # the same patient's other studies stay closed to the delegated token
    national = NationalClient(
        devcloud.national_url, devcloud.client_id, devcloud.client_secret, verify=ca(devcloud)
    )
    patient_tok = national.code_token(
        next(
            r["code"]
            for r in devcloud.records
            if r["study_instance_uid"] != record.study_uid and r["psn"] == _psn(devcloud, record)
        )
    )
    other = national.exams(patient_tok)[0]
    assert other.study_uid != record.study_uid
    with pytest.raises(AccessDenied):
        Retriever(InstanceStore(tmp_path / "x"), me.token, verify=ca(devcloud)).fetch(other)


def _psn(devcloud, record: ExamRecord) -> str:
    return next(r["psn"] for r in devcloud.records if r["study_instance_uid"] == record.study_uid)


def test_state_sync_both_ways_and_presenter_handover(
    devcloud, host, remote_secret, tmp_path
) -> None:
    client, tok, record, host_audit = host
    inv, me_host = client.create(tok, record.study_uid, minutes=5, doctor="Dr. County")
    guest, guest_audit = guest_client(devcloud, remote_secret, tmp_path)
    me_guest = admitted(guest, client, me_host, inv.code, "Dr. Expert")
    a = Peer(me_host, host_audit)
    b = Peer(me_guest, guest_audit)
    wait(lambda: len(a.state.participants) == 2 and len(b.state.participants) == 2)
    assert a.state.presenting and not b.state.presenting
    view = {"series": "1.2.3", "index": 41, "window": [40, 400], "zoom": 1.5, "pan": [3.0, -2.0]}
    a.channel.send("view", view)
    wait(lambda: b.state.view.get("index") == 41)
    assert b.state.view == view
    # only the presenter moves the view ...
    b.channel.send("view", {"index": 3})
    wait(lambda: "not the presenter" in b.state.errors)
    assert a.state.view["index"] == 41
    # ... but anyone annotates, both ways
    b.channel.send(
        "annotation.add",
        {
            "key": "p2:1",
            "series": "1.2.3",
            "index": 41,
            "kind": "length",
            "points": [[1, 2], [30, 40]],
        },
    )
    a.channel.send(
        "annotation.add",
        {"key": "p1:1", "series": "1.2.3", "index": 41, "kind": "probe", "points": [[5, 5]]},
    )
    wait(lambda: len(a.state.annotations) == 2 and len(b.state.annotations) == 2)
    # the host may edit anyone's; a guest only its own
    a.channel.send("annotation.edit", {**b.state.annotations["p2:1"], "points": [[1, 2], [3, 4]]})
    b.channel.send("annotation.delete", {"key": "p1:1"})
    wait(lambda: "only its author or the host may change an annotation" in b.state.errors)
    b.channel.send("annotation.edit", {**b.state.annotations["p2:1"], "text": "nodule"})
    wait(lambda: a.state.annotations.get("p2:1", {}).get("text") == "nodule")
    a.channel.send("annotation.delete", {"key": "p1:1"})
    wait(lambda: a.state.annotations == b.state.annotations and len(a.state.annotations) == 1)
    assert a.state.annotations["p2:1"]["points"] == [[1, 2], [3, 4]]
    a.channel.send("pointer", {"series": "1.2.3", "x": 10.5, "y": 20.0})
    wait(lambda: b.state.pointers.get(me_host.participant, {}).get("x") == 10.5)
    # hand-over: now the expert leads
    b.channel.send("handover", {"to": me_host.participant})  # not the presenter: refused
    # (refused before the host's hand-over reaches the relay: two channels' messages have no
    # order between them)
    wait(lambda: "cannot hand over" in b.state.errors)
    a.channel.send("handover", {"to": me_guest.participant})
    wait(lambda: b.state.presenting and a.state.presenter == me_guest.participant)
    b.channel.send("view", {"index": 7})
    wait(lambda: a.state.view.get("index") == 7)
    a.channel.close()
    b.channel.close()
    # both sides audited the session, without secrets
    for audit, path in ((host_audit, "host"), (guest_audit, "guest")):
        text = audit.path.read_text()
        actions = [json.loads(x)["action"] for x in text.splitlines()]
        assert {"consult_presenter", "consult_leave"} <= set(actions), (path, actions)
        assert ("consult_create" if path == "host" else "consult_join") in actions
        for secret in (inv.code, inv.code.replace("-", ""), me_host.ticket, me_guest.ticket):
            assert secret not in text
        assert me_guest.token is not None and me_guest.token.access_token not in text
        assert verify_audit(audit.path) == []


def test_dropped_connections_resume_without_losing_annotations(
    devcloud, host, remote_secret, tmp_path
) -> None:
    client, tok, record, _ = host
    inv, me_host = client.create(tok, record.study_uid, minutes=5)
    guest, _ = guest_client(devcloud, remote_secret, tmp_path)
    a, b = Peer(me_host), Peer(admitted(guest, client, me_host, inv.code))
    n = 60
    for i in range(n):
        for peer, who in ((a, "a"), (b, "b")):
            peer.channel.send(
                "annotation.add",
                {
                    "key": f"{who}:{i}",
                    "series": "s",
                    "index": i,
                    "kind": "probe",
                    "points": [[i, i]],
                },
            )
        if i in (15, 40):  # the network drops everything, twice, mid-stream
            admin(devcloud, f"/_dev/consult/{inv.session_id}/drop")
        time.sleep(0.005)
    wait(lambda: len(a.state.annotations) == 2 * n and len(b.state.annotations) == 2 * n, 30)
    assert a.state.annotations == b.state.annotations
    assert a.channel.reconnects >= 2 and b.channel.reconnects >= 2
    assert not a.channel.pending and not b.channel.pending
    for peer in (a, b):  # each event applied once, in order, no gaps
        seqs = [e["seq"] for e in peer.events if e.get("type") == "event" and e["op"] != "pointer"]
        assert seqs == sorted(set(seqs)) and seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    a.channel.close()
    b.channel.close()


def test_expired_session_is_refused_everywhere(devcloud, host, remote_secret, tmp_path) -> None:
    client, tok, record, _ = host
    inv, me_host = client.create(tok, record.study_uid, minutes=5)
    guest, _ = guest_client(devcloud, remote_secret, tmp_path)
    me_guest = admitted(guest, client, me_host, inv.code)
    a, b = Peer(me_host), Peer(me_guest)
    admin(devcloud, f"/_dev/consult/{inv.session_id}/expire")
    wait(lambda: a.channel.status == "expired" and b.channel.status == "expired")
    with pytest.raises(ConsultExpired):
        guest.join(inv.code)
    assert me_guest.token is not None and me_guest.record is not None
    with pytest.raises(ReauthorizationRequired):  # the delegation ended with the session
        Retriever(InstanceStore(tmp_path / "late"), me_guest.token, verify=ca(devcloud)).fetch(
            me_guest.record
        )
    late = ConsultChannel(me_guest, lambda _m: None)
    late.start()
    wait(lambda: late.status == "expired")


def test_invitations_cannot_be_guessed(devcloud, host, tmp_path) -> None:
    client, tok, record, _ = host
    inv, _ = client.create(tok, record.study_uid, minutes=5)
    secret = secrets.token_urlsafe(16)
    devcloud.store.add_client("ws-guesser", secret, "Elsewhere", assisted=False)
    guesser = ConsultClient(devcloud.national_url, "ws-guesser", secret, verify=ca(devcloud))
    for _ in range(10):
        with pytest.raises(ConsultError, match="wrong invitation"):
            guesser.join("ZZZZ-ZZZZ")
    with pytest.raises(ConsultError, match="too many"):  # even the right code, now
        guesser.join(inv.code)


def test_a_presenter_who_leaves_hands_over_after_the_grace_period(
    devcloud, host, remote_secret, tmp_path
) -> None:
    client, tok, record, _ = host
    inv, me_host = client.create(tok, record.study_uid, minutes=5)
    guest, _ = guest_client(devcloud, remote_secret, tmp_path)
    me_guest = admitted(guest, client, me_host, inv.code)
    a, b = Peer(me_host), Peer(me_guest)
    wait(lambda: len(b.state.participants) == 2)
    a.channel.send("handover", {"to": me_guest.participant})
    wait(lambda: a.state.presenter == me_guest.participant)
    b.channel.close()  # the presenting expert closes the workstation
    wait(lambda: a.state.presenter == me_host.participant, timeout=10)
    assert a.state.presenting  # back to the host, who can move the view again
    a.channel.send("view", {"index": 12})
    wait(lambda: a.state.view.get("index") == 12)
    # a drop shorter than the grace period changes nothing
    c = Peer(me_guest)
    wait(lambda: c.state.presenter == me_host.participant)
    a.channel.send("handover", {"to": me_guest.participant})
    wait(lambda: c.state.presenting)
    admin(devcloud, f"/_dev/consult/{inv.session_id}/drop")
    wait(lambda: c.channel.reconnects >= 1 and c.channel.connected.is_set())
    time.sleep(1.5)
    assert c.state.presenting and a.state.presenter == me_guest.participant
    a.channel.close()
    c.channel.close()
