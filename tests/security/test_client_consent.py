"""The client's side of "an index code is not a credential": a workstation that does not belong
to the storing organisation opens a code only with the patient's own authorization, which the
code then narrows — and the narrowed token ends with the patient's."""

from __future__ import annotations

import pytest

from cloudclient import tokens
from cloudclient.errors import CloudError
from cloudclient.service import CloudConfig, CloudService
from devcloud.seed import PATIENTS
from tests.security.devcloud_helpers import reset_limits, workstation


@pytest.fixture(autouse=True)
def _lift_lockouts(devcloud):
    yield
    reset_limits(devcloud)


def test_a_code_opens_with_the_patients_consent_and_ends_with_it(
    devcloud, memory_keyring, tmp_path
) -> None:
    rec = next(r for r in devcloud.records if r["psn"] == PATIENTS[1].psn)
    ws = workstation(devcloud, doctors={"110350200000001": "Dr. Test"})  # no storing org
    tokens.save_client_secret(ws.client_id, ws.secret)
    svc = CloudService(
        CloudConfig(
            devcloud.national_url,
            ws.client_id,
            workstation="ws-elsewhere",
            doctor="Dr. Test",
            ca_bundle=str(devcloud.ca_file),
            cache_dir=str(tmp_path / "cache"),
        )
    )
    with pytest.raises(CloudError, match=r"invalid_grant|does not authorize"):
        svc.open_code(rec["code"])  # the code alone: refused
    svc.assisted(PATIENTS[1].id_number, PATIENTS[1].name, "outpatient visit")
    tok, recs = svc.open_code(rec["code"])  # with the patient's authorization: narrowed to it
    assert tok.scope == "code"
    assert [r.study_uid for r in recs] == [rec["study_instance_uid"]]
    svc.forget()  # the patient's authorization is revoked ...
    with pytest.raises(CloudError):
        svc.national.exams(tok)  # ... and the narrowed token with it
