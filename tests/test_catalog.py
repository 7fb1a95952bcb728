"""The workstation cache's catalog: quota with LRU eviction, pins, retention, purge, repair
after a crash, and SIGKILL at random moments of a fetch (30 runs)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cloudclient.catalog import Catalog
from cloudclient.store import InstanceStore, verify_instance


def _records(devcloud, cloud_service):
    """Three studies fetched through code tokens, oldest access first."""
    out = []
    for rec_json in devcloud.records[:4]:
        tok, recs = cloud_service.open_code(rec_json["code"])
        for rec in recs:
            if rec.study_uid not in [r.study_uid for r, _ in out]:
                out.append((rec, tok))
    return out[:3]


def test_quota_evicts_least_recently_used_but_keeps_pinned_and_retained(
    cloud_service, devcloud
) -> None:
    svc = cloud_service
    items = _records(devcloud, svc)
    for rec, tok in items:
        svc.fetch(rec, tok)
        time.sleep(0.01)
    cat = svc.catalog
    a, b, c = (rec.study_uid for rec, _ in items)
    assert all(cat.lookup(u).complete for u in (a, b, c))
    sizes = {u: cat.lookup(u).bytes for u in (a, b, c)}
    cat.files(a)  # a is used again: b is now the least recently used
    cat.pin(b)
    cat.quota_bytes = sizes[a] + sizes[b] + 1  # c or a must go; b is pinned
    evicted = cat.enforce_quota()
    assert evicted == [c] or evicted == [a]
    assert cat.total_bytes() <= cat.quota_bytes
    assert cat.lookup(b).complete and cat.files(b)
    assert cat.lookup(evicted[0]) is None
    assert not (svc.store.study_dir(evicted[0]) / "study.json").exists()
    # retention protects a study like a pin does, until it expires
    survivor = a if evicted == [c] else c
    cat.retain(survivor, time.time() + 3600)
    cat.quota_bytes = 1
    assert cat.enforce_quota() == []
    cat.retain(survivor, time.time() - 1)
    assert cat.enforce_quota() == [survivor]
    assert cat.purge(b) == sizes[b] and cat.lookup(b) is None and not cat.files(b)


def test_quota_is_never_exceeded_after_a_fetch_completes(cloud_service, devcloud) -> None:
    svc = cloud_service
    items = _records(devcloud, svc)
    biggest = max(rec.size_bytes for rec, _ in items)
    svc.catalog.quota_bytes = biggest + 1024
    for rec, tok in items:
        svc.fetch(rec, tok)
        assert svc.catalog.total_bytes() <= svc.catalog.quota_bytes
        assert svc.catalog.lookup(rec.study_uid).complete  # the study just fetched stays
    lines = svc.audit.path.read_text()
    assert '"action":"evict"' in lines.replace(" ", "")


def test_repair_after_a_crash(tmp_path: Path, light_dir: Path) -> None:
    root = tmp_path / "cache"
    cat = Catalog(root)
    store = InstanceStore(root, cat)
    files = sorted((light_dir / "ct").glob("*.dcm"))[:4]
    paths = []
    for f in files:
        data = f.read_bytes()
        paths.append(store.put(data, verify_instance(data)))
    study = verify_instance(files[0].read_bytes()).study_uid
    store.mark_complete(study, {"study_uid": study, "code": "X"})
    assert len(cat.files(study)) == 4
    # what a crash can leave: a recorded file gone, a file never recorded, a temporary file
    paths[0].unlink()
    orphan_src = sorted((light_dir / "ct").glob("*.dcm"))[10]
    data = orphan_src.read_bytes()
    h = verify_instance(data)
    orphan = store.path(h.study_uid, h.series_uid, h.sop_uid)
    orphan.write_bytes(data)
    (orphan.parent / ".junk.dcm.1.part").write_bytes(b"x")
    # a "session" that never closed the catalog
    again = Catalog(root)
    assert again.recovered
    counts = again.repair()
    assert counts["dropped_rows"] == 1 and counts["adopted"] == 1 and counts["temporary"] == 1
    assert not again.lookup(study).complete and again.files(study) == []  # not served
    assert not (store.study_dir(study) / "study.json").exists()
    again.close()
    later = Catalog(root)
    assert not later.recovered  # a clean close needs no repair next time
    later.close()
    later.lookup(study)  # used after its close (a fetch still running as the app quits) …
    assert Catalog(root).recovered  # … it is not clean any more


CHILD = """
import sys, time
from pathlib import Path
from cloudclient.catalog import Catalog
from cloudclient.national import ExamRecord
from cloudclient.retrieve import Retriever
from cloudclient.store import InstanceStore
from cloudclient.tokens import AccessToken
import json
args = json.loads(sys.argv[1])
root = Path(args["root"])
cat = Catalog(root)
if cat.recovered:
    cat.repair()
store = InstanceStore(root, cat)
rec = ExamRecord.from_json(args["record"])
print("start", flush=True)
Retriever(store, AccessToken(args["token"], time.time() + 600, "code"), workers=2).fetch(rec)
cat.close()
print("done", flush=True)
"""


def test_sigkill_at_random_moments_never_leaves_a_trusted_partial(
    cloud_service, devcloud, tmp_path: Path
) -> None:
    import json

    from tests.test_cloudclient import source_bytes

    rec_json = max((r for r in devcloud.records), key=lambda r: r["instance_count"])
    tok, (rec,) = cloud_service.open_code(rec_json["code"]) if rec_json["code"] else (None, [])
    recs = cloud_service.national.exams(tok)
    rec = next(r for r in recs if r.study_uid == rec_json["study_instance_uid"])
    sources = source_bytes(rec.study_uid)
    root = tmp_path / "cache"
    payload = json.dumps(
        {
            "root": str(root),
            "token": tok.access_token,
            "record": {
                "code": rec.code,
                "exam_datetime": rec.exam_datetime,
                "study_instance_uid": rec.study_uid,
                "series_count": rec.series_count,
                "instance_count": rec.instance_count,
                "size_bytes": rec.size_bytes,
                "dicomweb_root": rec.dicomweb_root,
            },
        }
    )
    rng = random.Random(7)
    killed = completed = partial_seen = 0
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))

    def child() -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, payload],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout.readline().strip() == "start"
        return proc

    # How long an uninterrupted fetch takes here (the median of three): the kills fall inside
    # that span, so they land mid-transfer on a fast machine as on a slow one (a fixed span let
    # a fast CI finish first).
    import shutil

    spans = []
    for _ in range(3):
        proc = child()
        t0 = time.monotonic()
        try:
            assert proc.wait(timeout=120) == 0, proc.stderr.read()
        finally:
            proc.kill()
            proc.wait()
        spans.append(time.monotonic() - t0)
        shutil.rmtree(root)
    span = sorted(spans)[1]
    run = 0
    while killed < 20 and run < 60:  # 20 real kills, however many runs finish first
        if run % 10 == 0 and root.exists():  # start over from an empty cache now and then
            shutil.rmtree(root)
        proc = child()
        time.sleep(rng.uniform(0.0, 0.8 * span))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed += proc.returncode == -signal.SIGKILL
        # what a restarted workstation sees: repaired catalog, nothing partial served
        cat = Catalog(root)
        if cat.recovered:
            cat.repair()
        entry = cat.lookup(rec.study_uid)
        for f in root.rglob("*.dcm"):
            assert not f.name.startswith(".")
            assert f.read_bytes() == sources[f.stem]  # every visible file is whole
        if entry is not None and entry.complete:
            completed += 1
            assert len(cat.files(rec.study_uid)) == rec.instance_count
        else:
            assert cat.files(rec.study_uid) == []
            if any(root.rglob("*.dcm")):
                partial_seen += 1  # killed mid-transfer: files on disk, none served
        cat.close()
        if entry is not None and entry.complete:
            shutil.rmtree(root)  # (the next run starts empty, not with nothing left to fetch)
        run += 1
    assert killed >= 20, (killed, run, span)
    # finally a fetch resumes and completes what the killed runs left
    cat = Catalog(root)
    if cat.recovered:
        cat.repair()
    store = InstanceStore(root, cat)
    from cloudclient.retrieve import Retriever

    res = Retriever(store, tok).fetch(rec)
    assert res.instances == rec.instance_count
    assert sorted(p.read_bytes() for p in cat.files(rec.study_uid)) == sorted(sources.values())
    assert partial_seen >= 5  # the kills did land in the middle of transfers


@pytest.mark.parametrize("quota", [None])
def test_cache_folder_is_private(tmp_path: Path, quota) -> None:
    Catalog(tmp_path / "c", quota)
    assert oct((tmp_path / "c").stat().st_mode)[-3:] == "700"


def test_cache_command(devcloud, memory_keyring, tmp_path: Path, capsys, monkeypatch) -> None:
    from cloudclient.cli import main

    monkeypatch.setenv("YUNYING_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("YUNYING_CLOUD_DATA", str(tmp_path / "data"))
    assert main(["setup", "--devcloud", str(devcloud.state_dir)]) == 0
    rec = devcloud.records[3]
    assert main(["fetch", rec["code"]]) == 0
    uid = rec["study_instance_uid"]
    capsys.readouterr()
    assert main(["cache", "list"]) == 0
    out = capsys.readouterr().out
    assert uid in out and "complete" in out
    assert main(["cache", "pin", uid]) == 0
    assert main(["cache", "retain", uid, "30"]) == 0
    assert main(["cache", "list"]) == 0
    assert "pinned kept until" in capsys.readouterr().out
    assert main(["cache", "purge", uid]) == 0
    assert "freed" in capsys.readouterr().out
    assert main(["cache", "purge", uid]) == 1  # no longer there: said plainly
