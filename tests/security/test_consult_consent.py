"""Finding 3: a consultation lives only by consent. One invitation admits one workstation, the
host admits each, delegation ends with the patient's token or the session, a guest cannot
delegate again, and wrong invitation codes lock out whoever sends them — never the real guest."""

from __future__ import annotations

import time

import pytest
import requests

from cloudclient.consult import (
    ConsultClient,
    ConsultError,
    ConsultExpired,
    JoinPending,
)
from cloudclient.consult_channel import ConsultChannel
from cloudclient.errors import CloudError, ReauthorizationRequired
from cloudclient.national import NationalClient
from cloudclient.retrieve import Retriever
from cloudclient.store import InstanceStore
from devcloud.national import ASSISTED_GRANT
from devcloud.seed import PATIENTS
from tests.security.devcloud_helpers import reset_limits, workstation
from tests.test_consult import Peer, wait

DOCTOR = ("110350299990003", "Dr. Host")


@pytest.fixture(autouse=True)
def _lift_lockouts(devcloud):
    yield
    reset_limits(devcloud)


def _client(devcloud, ws) -> ConsultClient:
    return ConsultClient(
        devcloud.national_url, ws.client_id, ws.secret, verify=str(devcloud.ca_file)
    )


@pytest.fixture
def session(devcloud, memory_keyring):
    """A host holding the patient's own authorization (assisted), a session on one of her
    studies, and two other workstations."""
    host_ws = workstation(devcloud, "County Hospital", doctors=dict([DOCTOR]))
    r = requests.post(
        f"{devcloud.national_url}/oauth/token",
        auth=host_ws.auth,
        data={
            "grant_type": ASSISTED_GRANT,
            "id_number": PATIENTS[2].id_number,
            "name": PATIENTS[2].name,
            "doctor": DOCTOR[1],
            "reason": "second opinion",
        },
    )
    national = NationalClient(
        devcloud.national_url, host_ws.client_id, host_ws.secret, verify=str(devcloud.ca_file)
    )
    from cloudclient.tokens import AccessToken

    tok = AccessToken(r.json()["access_token"], time.time() + 600, "patient", "王*")
    record = national.exams(tok)[0]
    host = _client(devcloud, host_ws)
    inv, me = host.create(tok, record.study_uid, minutes=10, doctor=DOCTOR[1])
    guests = [_client(devcloud, workstation(devcloud, f"Expert {i}")) for i in range(2)]
    return host, me, inv, tok, record, national, guests


def _admit(host, me, guest, code):
    with pytest.raises(JoinPending):
        guest.request_join(code)
    (req,) = [r for r in host.requests(me)]
    host.approve(me, req.request)
    return guest.request_join(code)


def test_an_invitation_is_described_before_joining(session) -> None:
    host, me, inv, _tok, record, _n, (guest, _) = session
    info = guest.describe(inv.link)
    assert info.host_doctor == DOCTOR[1] and info.host_hospital == "County Hospital"
    assert info.patient == "王*" and info.study_uid == record.study_uid
    assert "annotations" in info.sends and info.modality == record.modality
    text = info.summary()
    assert "Dr. Host" in text and "王*" in text and "Leaves this workstation" in text
    assert host.requests(me) == []  # describing asks nothing of the host


def test_the_host_admits_each_join_and_an_invitation_admits_one(session) -> None:
    host, me, inv, _tok, _rec, _n, (guest, other) = session
    with pytest.raises(JoinPending):
        guest.request_join(inv.code)
    with pytest.raises(JoinPending):  # asking again: still waiting, still one request
        guest.request_join(inv.code)
    (req,) = host.requests(me)
    assert req.hospital == "Expert 0"
    # the same code from a second workstation: refused, it was this guest's
    with pytest.raises(ConsultError, match="already used by another workstation"):
        other.request_join(inv.code)
    host.approve(me, req.request)
    mine = guest.request_join(inv.code)
    assert mine.role == "guest" and mine.token is not None
    with pytest.raises(ConsultError, match="already used"):  # delivered once
        guest.request_join(inv.code)
    # a second guest needs an invitation of its own, and the host's word
    inv2 = host.invite(me)
    with pytest.raises(JoinPending):
        other.request_join(inv2.code)
    (req2,) = host.requests(me)
    host.approve(me, req2.request, admit=False)
    with pytest.raises(ConsultError, match="declined"):
        other.request_join(inv2.code)
    # only the host decides
    with pytest.raises(ConsultError, match="only the host"):
        guest.approve(mine, req2.request)


def test_the_host_hears_of_requests_on_the_relay(session) -> None:
    _host, me, inv, _tok, _rec, _n, (guest, _) = session
    peer = Peer(me)
    with pytest.raises(JoinPending):
        guest.request_join(inv.code)
    wait(lambda: len(peer.state.requests) == 1)
    (req,) = peer.state.requests.values()
    assert req.hospital == "Expert 0"
    peer.channel.close()


def test_delegation_ends_with_the_patients_authorization(devcloud, session, tmp_path) -> None:
    host, me, inv, tok, _record, national, (guest, other) = session
    mine = _admit(host, me, guest, inv.code)
    peer = Peer(mine)
    inv2 = host.invite(me)
    national.revoke(tok)  # the patient withdraws (or the host's token is revoked)
    assert mine.token is not None and mine.record is not None
    with pytest.raises(ReauthorizationRequired):
        Retriever(InstanceStore(tmp_path / "g"), mine.token, verify=str(devcloud.ca_file)).fetch(
            mine.record
        )
    with pytest.raises(ConsultExpired, match="withdrawn"):
        other.request_join(inv2.code)
    wait(lambda: peer.channel.status == "expired", timeout=10)  # the relay closed the session


def test_a_guest_cannot_delegate_again(session) -> None:
    host, me, inv, _tok, record, _n, (guest, _) = session
    mine = _admit(host, me, guest, inv.code)
    assert mine.token is not None
    with pytest.raises(ConsultError, match="cannot be delegated again"):
        guest.create(mine.token, record.study_uid)


def test_a_stranger_cannot_lock_the_real_guest_out(devcloud, session) -> None:
    host, me, inv, _tok, _rec, _n, (guest, _) = session
    stranger = _client(devcloud, workstation(devcloud, "Nowhere"))
    for _ in range(devcloud.settings.invite_attempts):
        with pytest.raises(ConsultError, match="wrong invitation"):
            stranger.request_join("ZZZZ-ZZZZ", session_id=me.session_id)
    with pytest.raises(ConsultError, match="too many"):  # the stranger is locked out ...
        stranger.request_join(inv.code, session_id=me.session_id)
    with pytest.raises(ConsultError, match="too many"):
        stranger.describe(inv.code)
    mine = _admit(host, me, guest, inv.code)  # ... the real guest is not
    assert mine.role == "guest"


def test_a_session_ends_for_everyone(devcloud, session) -> None:
    host, me, inv, _tok, _rec, _n, (guest, _) = session
    mine = _admit(host, me, guest, inv.code)
    inv2 = host.invite(me)
    requests.post(
        f"{devcloud.national_url}/_dev/consult/{me.session_id}/expire",
        headers={"X-Devcloud-Admin": devcloud.admin_key},
    )
    with pytest.raises(ConsultExpired):
        guest.request_join(inv2.code)
    late = ConsultChannel(mine, lambda _m: None).start()
    wait(lambda: late.status == "expired")
    # the index code the guest saw is no credential: no token from it, during or after
    assert mine.record is not None
    with pytest.raises(CloudError, match="alone does not authorize"):
        guest.national.code_token(mine.record.code)
