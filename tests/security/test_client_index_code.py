"""Issue 17, finding 1 (client side): the index code — a credential for the exam — is never
stored: the audit log, the catalog and the study manifests hold a keyed hash of it."""

from __future__ import annotations

import json
from pathlib import Path

from cloudclient.indexcode import code_hash, normalise, parse


def _stored_text(root: Path) -> dict[str, bytes]:
    return {
        str(f.relative_to(root)): f.read_bytes()
        for f in root.rglob("*")
        if f.is_file() and f.suffix != ".dcm"
    }


def test_the_code_is_kept_only_as_a_keyed_hash(cloud_service, devcloud) -> None:
    svc = cloud_service
    code = devcloud.records[0]["code"]
    forms = {normalise(code), parse(code).hyphenated, code}
    tok, recs = svc.open_code(code)
    svc.fetch(recs[0], tok)
    svc.fetch(recs[0], tok)  # again, from the cache
    svc.viewed(recs[0].study_uid, code=recs[0].code)
    svc.catalog.close()
    digest = code_hash(code)
    assert digest == code_hash(parse(code).hyphenated.lower())  # the form does not matter
    # everything the client wrote: audit log, catalog (and its log), manifests
    files = _stored_text(svc.audit.path.parent)
    assert any(name.endswith("study.json") for name in files)
    for name, data in files.items():
        for form in forms:
            assert form.encode() not in data, f"the index code is stored in {name}"
    entries = [json.loads(x) for x in svc.audit.path.read_text().splitlines()]
    assert {e["what"].get("code_hash") for e in entries if e["action"] != "authorize"} == {digest}
    manifest = json.loads((svc.store.study_dir(recs[0].study_uid) / "study.json").read_text())
    assert manifest["code_hash"] == digest and "code" not in manifest
    assert svc.catalog.lookup(recs[0].study_uid).code_hash == digest


def test_the_hash_is_keyed_per_workstation(memory_keyring) -> None:
    """Without this workstation's key (in its keyring) the hash cannot be recomputed from a
    guessed code: another key gives another hash."""
    code = "10000000000000000708463177-202411221430-000000000-0000000000000-123502004266007916"
    first = code_hash(code)
    assert first == code_hash(code) and len(first) == 32
    memory_keyring.data.clear()  # another workstation: another key
    assert code_hash(code) != first
