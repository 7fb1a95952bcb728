"""Issue 17, finding 9: the store's UID check follows DICOM's UID grammar; the catalog keeps one
row per (study, SOP), also after migrating a catalog of the first schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cloudclient.catalog import Catalog
from cloudclient.dicomheader import InstanceHeader, valid_uid, verify_instance
from cloudclient.errors import InvalidInstance
from cloudclient.store import InstanceStore
from tests.security.client_archive import make_instance

BAD_UIDS = [".", "..", "1.2.3\n", "1.2.3.", ".1.2", "1..2", "1.02.3", "01.2", "1.2.a", "", "9" * 65]
GOOD_UIDS = ["0", "1.2.840.10008.1.2.1", "2.25.0.1", "1." + "2" * 62]


@pytest.mark.parametrize("uid", BAD_UIDS, ids=repr)
def test_malformed_uids_never_become_paths(tmp_path: Path, uid: str) -> None:
    store = InstanceStore(tmp_path)
    assert not valid_uid(uid)
    with pytest.raises(InvalidInstance, match="not a valid UID"):
        store.path(uid, "1.2", "1.3")
    with pytest.raises(InvalidInstance):
        store.path("1.2", uid, "1.3")
    with pytest.raises(InvalidInstance):
        store.put(b"x", InstanceHeader("1.2", "1.2.3", uid, "1.2.840.10008.1.2.1"))


@pytest.mark.parametrize("uid", GOOD_UIDS)
def test_well_formed_uids_are_accepted(tmp_path: Path, uid: str) -> None:
    assert valid_uid(uid)
    assert InstanceStore(tmp_path).path(uid, uid, uid).name == f"{uid}.dcm"


def _put(store: InstanceStore, study: str, series: str, sop: str) -> Path:
    data = make_instance(study, series, sop, 1)
    return store.put(data, verify_instance(data), sync=False)


def test_two_studies_sharing_a_sop_uid_keep_a_row_each(tmp_path: Path) -> None:
    cat = Catalog(tmp_path)
    store = InstanceStore(tmp_path, cat)
    a = _put(store, "1.2.3.1", "1.2.3.1.1", "1.2.9.9")
    b = _put(store, "1.2.3.2", "1.2.3.2.1", "1.2.9.9")  # the same SOP Instance UID
    for study in ("1.2.3.1", "1.2.3.2"):
        store.mark_complete(study, {"study_uid": study})
    assert cat.files("1.2.3.1") == [a] and cat.files("1.2.3.2") == [b]
    assert cat.lookup("1.2.3.1").instances == 1 and cat.lookup("1.2.3.2").instances == 1
    cat.purge("1.2.3.1")
    assert cat.files("1.2.3.2") == [b] and b.exists()


OLD_SCHEMA = """
CREATE TABLE studies (
    study_uid TEXT PRIMARY KEY, code TEXT, source TEXT, complete INTEGER DEFAULT 0,
    pinned INTEGER DEFAULT 0, retain_until REAL DEFAULT 0, last_access REAL, created REAL
);
CREATE TABLE instances (
    sop_uid TEXT PRIMARY KEY, study_uid TEXT NOT NULL, series_uid TEXT NOT NULL,
    path TEXT NOT NULL, bytes INTEGER NOT NULL
);
CREATE INDEX instances_study ON instances(study_uid);
CREATE INDEX studies_lru ON studies(complete, pinned, last_access);
"""


def test_a_catalog_of_the_first_schema_is_migrated(tmp_path: Path) -> None:
    raw_code = "10000000000000000708463177202411221430000000000000000000000000123502004266007916"
    db = sqlite3.connect(tmp_path / "catalog.sqlite")
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO studies VALUES ('1.2.3', ?, 'cloud', 1, 1, 0, 5.0, 1.0)", (raw_code,))
    db.execute("INSERT INTO instances VALUES ('1.2.9', '1.2.3', '1.2.3.1', 'studies/x.dcm', 10)")
    db.commit()
    db.close()
    cat = Catalog(tmp_path, code_facts=lambda c: (f"hash-of-{len(c)}", "2024-11-22T14:30", "", ""))
    e = cat.lookup("1.2.3")
    assert e.complete and e.pinned and e.instances == 1 and e.bytes == 10
    assert e.code_hash == f"hash-of-{len(raw_code)}" and e.exam_time == "2024-11-22T14:30"
    for f in tmp_path.glob("catalog.sqlite*"):  # the database, its log: not a trace of it
        assert raw_code.encode() not in f.read_bytes(), f.name
    # the new key: another study's row with the same SOP no longer replaces this one
    cat.add_instance("1.2.4", "1.2.4.1", "1.2.9", tmp_path / "studies" / "y.dcm", 20)
    assert cat.lookup("1.2.3").instances == 1 and cat.lookup("1.2.4").instances == 1
    indexes = {r[0] for r in cat._db().execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"instances_study", "studies_lru"} <= indexes
    cat.close()
    # without a hasher the raw codes are erased, never kept
    (tmp_path / "catalog.sqlite").unlink()
    db = sqlite3.connect(tmp_path / "catalog.sqlite")
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO studies VALUES ('1.2.3', ?, 'cloud', 1, 0, 0, 5.0, 1.0)", (raw_code,))
    db.commit()
    db.close()
    assert Catalog(tmp_path).lookup("1.2.3").code_hash == ""
