"""Append-only, keyed hash-chained audit log (JSON lines), in the spirit of IHE ATNA.

Each line records who (workstation, doctor), what (action, study, the index code's keyed hash),
when and the outcome, plus the MAC of the previous line; its own MAC (HMAC-SHA256 under a key
held in the OS keyring) covers all of that, so a line cannot be rewritten — nor the whole file
recomputed — without the key. The chain's head (sequence number and MAC) is anchored in the
keyring after every line, so removing lines at the end, truncating the file or deleting it is
found too: :func:`verify` reports each case. Tokens and patient names are refused; an index code
given as ``code=`` is written as its keyed hash (``code_hash``), never as itself.

Lines written before the key existed (plain SHA-256, no ``"v"``) are still checked as a chain,
but only as the start of a log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

GENESIS = "0" * 64
VERSION = 2
FORBIDDEN_KEYS = {"token", "access_token", "patient_name", "name", "id_number", "phone", "pin"}


class AuditKeys(Protocol):
    """Where the audit chain's key and anchor live (the OS keyring; tests may hold them)."""

    def key(self) -> bytes: ...

    def anchor(self) -> tuple[int, str] | None: ...

    def set_anchor(self, seq: int, head: str) -> None: ...


class KeyringAuditKeys:
    """The audit key and one log's anchor, in the OS keyring (see :mod:`cloudclient.tokens`)."""

    def __init__(self, path: Path) -> None:
        resolved = str(Path(path).resolve())
        self._name = "audit-anchor:" + hashlib.sha256(resolved.encode()).hexdigest()[:24]

    def key(self) -> bytes:
        from cloudclient.tokens import local_key

        return local_key("audit")

    def anchor(self) -> tuple[int, str] | None:
        from cloudclient.tokens import get_value

        raw = get_value(self._name)
        if not raw:
            return None
        seq, _, head = raw.partition(":")
        return int(seq), head

    def set_anchor(self, seq: int, head: str) -> None:
        from cloudclient.tokens import set_value

        set_value(self._name, f"{seq}:{head}")


def _body(entry: dict[str, Any]) -> bytes:
    return json.dumps(
        {k: v for k, v in entry.items() if k != "hash"},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def _digest(entry: dict[str, Any], key: bytes | None = None) -> str:
    """The line's MAC (version 2) or, for a line of the first version, its SHA-256."""
    if key is None:
        return hashlib.sha256(_body(entry)).hexdigest()
    return hmac.new(key, _body(entry), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class AuditProblem:
    """One problem :func:`verify` found: the line (0: the file itself) and why."""

    line: int
    reason: str


class AuditLog:
    """One workstation's audit log: its file, who writes it, and the keyed chain over it."""

    def __init__(
        self, path: Path | str, workstation: str, doctor: str = "", keys: AuditKeys | None = None
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.workstation = workstation
        self.doctor = doctor
        self.keys = keys or KeyringAuditKeys(self.path)
        self._lock = threading.Lock()

    def _last(self) -> tuple[int, str]:
        """The head to chain onto: the anchor when there is one (so lines removed behind its
        back stay visible as a gap), else the file's last line."""
        anchored = self.keys.anchor()
        if anchored is not None:
            return anchored
        if not self.path.exists():
            return 0, GENESIS
        last = None
        with open(self.path, "rb") as f:
            for line in f:
                if line.strip():
                    last = line
        if last is None:
            return 0, GENESIS
        try:
            entry = json.loads(last)
            return int(entry["seq"]), str(entry["hash"])
        except (ValueError, KeyError, TypeError):
            return 0, GENESIS

    def record(self, action: str, outcome: str, **what: Any) -> dict[str, Any]:
        bad = FORBIDDEN_KEYS & set(what)
        if bad:
            raise ValueError(f"never written to the audit log: {sorted(bad)}")
        if "code" in what:  # an index code is a credential: only its keyed hash is written
            from cloudclient.indexcode import code_hash

            code = what.pop("code")
            what["code_hash"] = code_hash(str(code)) if code else ""
        with self._lock:
            key = self.keys.key()
            seq, prev = self._last()
            entry: dict[str, Any] = {
                "v": VERSION,
                "seq": seq + 1,
                "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "who": {"workstation": self.workstation, "doctor": self.doctor},
                "action": action,
                "what": what,
                "outcome": outcome,
                "prev": prev,
            }
            entry["hash"] = _digest(entry, key)
            line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode())
                os.fsync(fd)
            finally:
                os.close(fd)
            self.keys.set_anchor(entry["seq"], entry["hash"])
        return entry


def verify(path: Path | str, keys: AuditKeys | None = None) -> list[AuditProblem]:
    """Problems in the log (empty when every line is intact, in order, and the log ends where
    the anchor says): altered, removed or reordered lines, a rewrite without the key, lines
    removed at the end, a truncated or deleted file."""
    p = Path(path)
    keys = keys or KeyringAuditKeys(p)
    key = keys.key()
    anchor = keys.anchor()
    problems: list[AuditProblem] = []
    if not p.exists():
        if anchor is not None:
            problems.append(
                AuditProblem(0, f"the audit log is missing: deleted ({anchor[0]} entries lost)")
            )
        return problems
    prev, seq, n, keyed = GENESIS, 0, 0, False
    with open(p, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            if not line.endswith("\n"):
                problems.append(AuditProblem(n, "the file was truncated (its last line is cut)"))
            try:
                entry = json.loads(line)
                if not isinstance(entry, dict):
                    raise ValueError
            except ValueError:
                problems.append(AuditProblem(n, "not valid JSON"))
                prev = "?"
                continue
            version2 = entry.get("v") == VERSION
            if keyed and not version2:
                problems.append(AuditProblem(n, "an unkeyed line after keyed ones (rewritten)"))
            keyed = keyed or version2
            if entry.get("prev") != prev:
                problems.append(
                    AuditProblem(
                        n, "chain broken: a line before it was changed, removed or reordered"
                    )
                )
            if not hmac.compare_digest(
                str(entry.get("hash")), _digest(entry, key if version2 else None)
            ):
                problems.append(
                    AuditProblem(n, "line was altered or rewritten (its MAC does not match)")
                )
            if entry.get("seq") != seq + 1:
                problems.append(AuditProblem(n, f"sequence {entry.get('seq')} after {seq}"))
            try:
                seq = int(entry.get("seq", seq + 1))
            except (TypeError, ValueError):
                seq += 1
            prev = str(entry.get("hash"))
    if anchor is not None:
        a_seq, a_head = anchor
        if seq < a_seq:
            problems.append(
                AuditProblem(
                    n,
                    f"the log ends at entry {seq} but {a_seq} were written: lines removed "
                    "at the end (or the file truncated)",
                )
            )
        elif seq == a_seq and prev != a_head:
            problems.append(AuditProblem(n, "the last entry is not the one written (rewritten)"))
        elif seq > a_seq:
            problems.append(AuditProblem(n, f"entries after the anchored entry {a_seq}"))
    return problems
