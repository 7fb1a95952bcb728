"""Issue 17, finding 7: the audit chain detects truncation, deletion of the file, removal of its
last lines and a rewrite with recomputed hashes; ``yunying-cloud audit verify`` reports each."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cloudclient.audit import AuditLog, verify


@pytest.fixture
def log(memory_keyring, tmp_path: Path) -> AuditLog:
    audit = AuditLog(tmp_path / "audit.jsonl", "ws-test", "Dr. Test")
    for i in range(5):
        audit.record("retrieve", "complete", study=f"1.2.{i}", instances=i)
    assert verify(audit.path) == []
    return audit


def reasons(path: Path) -> str:
    return " | ".join(p.reason for p in verify(path))


def test_removing_the_last_lines_is_detected(log: AuditLog) -> None:
    lines = log.path.read_text().splitlines(keepends=True)
    log.path.write_text("".join(lines[:3]))
    assert "lines removed at the end" in reasons(log.path)


def test_truncating_the_file_is_detected(log: AuditLog) -> None:
    data = log.path.read_bytes()
    log.path.write_bytes(data[: len(data) - 40])
    text = reasons(log.path)
    assert "truncated" in text


def test_deleting_the_file_is_detected(log: AuditLog) -> None:
    log.path.unlink()
    assert "missing: deleted (5 entries lost)" in reasons(log.path)
    # and a log started again in its place does not hide it
    log.record("view", "shown", study="1.2.9")
    assert "chain broken" in reasons(log.path)


def test_a_rewrite_with_recomputed_hashes_is_detected(log: AuditLog) -> None:
    """The attacker edits a line and recomputes every hash and link, as the first version's
    plain SHA-256 chain allowed; without the keyring's key the MACs cannot be made."""
    entries = [json.loads(x) for x in log.path.read_text().splitlines()]
    entries[1]["outcome"] = "failed"
    prev = "0" * 64
    out = []
    for e in entries:
        e["prev"] = prev
        body = json.dumps(
            {k: v for k, v in e.items() if k != "hash"},
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        e["hash"] = prev = hashlib.sha256(body.encode()).hexdigest()
        out.append(json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n")
    log.path.write_text("".join(out))
    assert "MAC does not match" in reasons(log.path)
    # dropping the version marker (passing the lines off as first-version ones) does not help
    log.path.write_text("".join(x.replace('"v": 2, ', "") for x in out))
    assert reasons(log.path)


def test_a_removed_line_in_the_middle_is_still_detected(log: AuditLog) -> None:
    lines = log.path.read_text().splitlines(keepends=True)
    log.path.write_text("".join(lines[:2] + lines[3:]))
    assert "chain broken" in reasons(log.path)


def test_the_command_reports_each_case(log: AuditLog, monkeypatch, capsys, tmp_path) -> None:
    from cloudclient import cli

    monkeypatch.setattr(cli, "CloudService", lambda cfg: type("S", (), {"audit": log})())
    monkeypatch.setattr(cli.CloudConfig, "load", classmethod(lambda cls, path=None: None))
    assert cli.main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    lines = log.path.read_text().splitlines(keepends=True)
    log.path.write_text("".join(lines[:-1]))
    assert cli.main(["audit", "verify"]) == 1
    assert "lines removed at the end" in capsys.readouterr().out
    log.path.unlink()
    assert cli.main(["audit", "verify"]) == 1
    assert "deleted" in capsys.readouterr().out
