"""Append-only, hash-chained audit log (JSON lines), in the spirit of IHE ATNA.

Each line records who (workstation, doctor), what (action, index code, study), when and the
outcome, plus the hash of the previous line; its own hash covers all of that. Editing, removing or
reordering a line breaks the chain, which :func:`verify` reports. Tokens and patient names are
refused: they never enter the log.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
FORBIDDEN_KEYS = {"token", "access_token", "patient_name", "name", "id_number", "phone", "pin"}


def _digest(entry: dict[str, Any]) -> str:
    body = json.dumps(
        {k: v for k, v in entry.items() if k != "hash"},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class AuditProblem:
    line: int
    reason: str


class AuditLog:
    def __init__(self, path: Path | str, workstation: str, doctor: str = "") -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.workstation = workstation
        self.doctor = doctor
        self._lock = threading.Lock()

    def _last(self) -> tuple[int, str]:
        if not self.path.exists():
            return 0, GENESIS
        last = None
        with open(self.path, "rb") as f:
            for line in f:
                if line.strip():
                    last = line
        if last is None:
            return 0, GENESIS
        entry = json.loads(last)
        return int(entry["seq"]), str(entry["hash"])

    def record(self, action: str, outcome: str, **what: Any) -> dict[str, Any]:
        bad = FORBIDDEN_KEYS & set(what)
        if bad:
            raise ValueError(f"never written to the audit log: {sorted(bad)}")
        with self._lock:
            seq, prev = self._last()
            entry: dict[str, Any] = {
                "seq": seq + 1,
                "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "who": {"workstation": self.workstation, "doctor": self.doctor},
                "action": action,
                "what": what,
                "outcome": outcome,
                "prev": prev,
            }
            entry["hash"] = _digest(entry)
            line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        return entry


def verify(path: Path | str) -> list[AuditProblem]:
    """Problems in the chain (empty when every line is intact and in order)."""
    problems: list[AuditProblem] = []
    prev, seq = GENESIS, 0
    p = Path(path)
    if not p.exists():
        return problems
    with open(p, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                problems.append(AuditProblem(n, "not valid JSON"))
                prev = "?"
                continue
            if entry.get("prev") != prev:
                problems.append(
                    AuditProblem(
                        n, "chain broken: a line before it was changed, removed or reordered"
                    )
                )
            if entry.get("hash") != _digest(entry):
                problems.append(AuditProblem(n, "line was altered (hash mismatch)"))
            if entry.get("seq") != seq + 1:
                problems.append(AuditProblem(n, f"sequence {entry.get('seq')} after {seq}"))
            seq = int(entry.get("seq", seq + 1))
            prev = str(entry.get("hash"))
    return problems
