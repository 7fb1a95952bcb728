"""Retrieval under injected faults: every run ends complete and verified, or with a clear error,
and never leaves a partial instance where a reader would look."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import requests

from cloudclient.errors import CloudError, ReauthorizationRequired
from cloudclient.store import InstanceStore
from devcloud.seed import PATIENTS
from tests.test_cloudclient import assert_store_sound, source_bytes

RUNS = 54


@pytest.fixture(scope="module")
def target(devcloud):
    rec = next(
        r
        for r in devcloud.records
        if r["psn"] == PATIENTS[1].psn and r["organisation"]["province_code"] == "32"
    )
    return rec


def _faults(cloud, prov: str, **settings) -> None:
    url = f"{cloud.gateway_url(prov)}/_dev/faults"
    headers = {"X-Devcloud-Admin": cloud.admin_key}
    r = (
        requests.post(url, json=settings, headers=headers)
        if settings
        else requests.delete(url, headers=headers)
    )
    assert r.status_code == 200


def test_fifty_runs_with_cuts_bursts_and_expiring_tokens(
    cloud_service, devcloud, target, tmp_path: Path
) -> None:
    svc = cloud_service
    rng = random.Random(20261126)
    sources = source_bytes(target["study_instance_uid"])
    size = target["size_bytes"]
    outcomes: dict[str, int] = {}
    try:
        for run in range(RUNS):
            svc.store = InstanceStore(tmp_path / f"run{run}")  # a fresh cache each run
            kind = ("cut", "burst", "expire", "cut+burst")[run % 4]
            faults: dict[str, object] = {}
            if "cut" in kind:
                faults.update(cut_after_bytes=rng.randint(1, size), cut_responses=rng.randint(1, 3))
            if "burst" in kind:
                faults.update(
                    status=rng.choice([503, 429]), status_count=rng.randint(1, 4), retry_after=0
                )
            if kind == "expire":
                faults.update(expire_token_after_bytes=rng.randint(1, size))
            _faults(devcloud, "32", **faults)
            tok, (rec,) = svc.open_code(target["code"])
            try:
                res = svc.fetch(rec, tok, workers=rng.choice([1, 2, 4]))
                outcome = "complete"
                assert res.instances == rec.instance_count
                assert svc.store.is_complete(rec.study_uid)
                assert assert_store_sound(svc.store.root, sources) == rec.instance_count
            except ReauthorizationRequired as exc:
                outcome = "reauthorize"
                assert "authorize again" in str(exc)
                assert not svc.store.is_complete(rec.study_uid)
                assert assert_store_sound(svc.store.root, sources) < rec.instance_count
            except CloudError as exc:  # any other failure must still be clear and clean
                outcome = type(exc).__name__
                assert str(exc)
                assert_store_sound(svc.store.root, sources)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    finally:
        _faults(devcloud, "32")
    assert sum(outcomes.values()) == RUNS >= 50
    # cuts and bursts are absorbed by retries and resume; an expired token asks to authorize
    assert outcomes.get("complete", 0) >= RUNS * 3 // 4 - 2
    assert outcomes.get("reauthorize", 0) >= 1
