"""The development cloud's state in one SQLite file (WAL): index, patients, clients, grants, tokens.

Access tokens, device codes and SMS codes are stored only as SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS patients (
    psn TEXT PRIMARY KEY, name TEXT, id_number TEXT, phone TEXT, pin TEXT, birth_date TEXT,
    sex TEXT
);
CREATE TABLE IF NOT EXISTS records (
    study_uid TEXT PRIMARY KEY, code TEXT NOT NULL, psn TEXT NOT NULL, province TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_code ON records(code);
CREATE INDEX IF NOT EXISTS records_psn ON records(psn);
CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, hospital TEXT, assisted INTEGER
);
CREATE TABLE IF NOT EXISTS device_grants (
    device_hash TEXT PRIMARY KEY, user_code TEXT UNIQUE, client_id TEXT, doctor TEXT,
    created REAL, expires REAL, interval REAL, last_poll REAL, status TEXT, psn TEXT
);
CREATE TABLE IF NOT EXISTS sms_grants (
    request_id TEXT PRIMARY KEY, client_id TEXT, psn TEXT, code_hash TEXT, expires REAL,
    attempts INTEGER, used INTEGER
);
CREATE TABLE IF NOT EXISTS sms_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, phone TEXT, text TEXT, sent REAL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY, client_id TEXT, scope TEXT, psn TEXT, code TEXT,
    studies TEXT, issued REAL, expires REAL, revoked INTEGER, how TEXT
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL, kind TEXT, client_id TEXT, detail TEXT
);
"""


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Token:
    client_id: str
    scope: str  # "patient" or "code"
    psn: str
    code: str | None
    studies: frozenset[str] | None  # for code-scoped tokens: the studies the code names
    expires: float
    revoked: bool

    def may_see(self, study_uid: str, owner_psn: str) -> bool:
        if owner_psn != self.psn:
            return False
        return self.studies is None or study_uid in self.studies


class Store:
    """Thread-safe access to the SQLite state (one connection per thread)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._conn().executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def query(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        return list(self._conn().execute(sql, args))

    # ------------------------------------------------------------------ patients & index

    def add_patient(
        self, psn: str, name: str, id_number: str, phone: str, pin: str, birth_date: str, sex: str
    ) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO patients VALUES (?,?,?,?,?,?,?)",
                (psn, name, id_number, phone, pin, birth_date, sex),
            )

    def patient(self, **by: str) -> sqlite3.Row | None:
        ((col, val),) = by.items()
        assert col in ("psn", "id_number", "phone")
        rows = self.query(f"SELECT * FROM patients WHERE {col} = ?", val)
        return rows[0] if rows else None

    def add_record(self, record: dict[str, Any]) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO records VALUES (?,?,?,?,?)",
                (
                    record["study_instance_uid"],
                    record["code"],
                    record["psn"],
                    record["organisation"]["province_code"],
                    json.dumps(record),
                ),
            )

    def records(self, *, code: str | None = None, psn: str | None = None) -> list[dict[str, Any]]:
        if code is not None:
            rows = self.query("SELECT json FROM records WHERE code = ? ORDER BY study_uid", code)
        elif psn is not None:
            rows = self.query("SELECT json FROM records WHERE psn = ?", psn)
        else:
            rows = self.query("SELECT json FROM records")
        out = [json.loads(r["json"]) for r in rows]
        out.sort(key=lambda r: r["exam_datetime"], reverse=True)
        return out

    def record_owner(self, study_uid: str) -> str | None:
        rows = self.query("SELECT psn FROM records WHERE study_uid = ?", study_uid)
        return rows[0]["psn"] if rows else None

    # ------------------------------------------------------------------ clients

    def add_client(self, client_id: str, secret: str, hospital: str, assisted: bool = True) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO clients VALUES (?,?,?,?)",
                (client_id, sha(secret), hospital, int(assisted)),
            )

    def check_client(self, client_id: str, secret: str) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM clients WHERE client_id = ?", client_id)
        if rows and secrets.compare_digest(rows[0]["secret_hash"], sha(secret)):
            return rows[0]
        return None

    # ------------------------------------------------------------------ tokens

    def issue_token(
        self,
        *,
        client_id: str,
        scope: str,
        psn: str,
        ttl: float,
        how: str,
        code: str | None = None,
        studies: list[str] | None = None,
    ) -> tuple[str, float]:
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self.tx() as db:
            db.execute(
                "INSERT INTO tokens VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    sha(token),
                    client_id,
                    scope,
                    psn,
                    code,
                    json.dumps(studies) if studies is not None else None,
                    now,
                    now + ttl,
                    0,
                    how,
                ),
            )
        self.event("token_issued", client_id, {"scope": scope, "how": how})
        return token, now + ttl

    def token(self, token: str) -> Token | None:
        rows = self.query("SELECT * FROM tokens WHERE token_hash = ?", sha(token))
        if not rows:
            return None
        r = rows[0]
        studies = frozenset(json.loads(r["studies"])) if r["studies"] else None
        return Token(
            r["client_id"],
            r["scope"],
            r["psn"],
            r["code"],
            studies,
            r["expires"],
            bool(r["revoked"]),
        )

    def revoke(self, token: str) -> bool:
        with self.tx() as db:
            cur = db.execute("UPDATE tokens SET revoked = 1 WHERE token_hash = ?", (sha(token),))
            return cur.rowcount > 0

    def expire(self, token: str) -> None:
        with self.tx() as db:
            db.execute(
                "UPDATE tokens SET expires = ? WHERE token_hash = ?", (time.time() - 1, sha(token))
            )

    # ------------------------------------------------------------------ events (devcloud log)

    def event(self, kind: str, client_id: str | None, detail: dict[str, Any]) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO events (at, kind, client_id, detail) VALUES (?,?,?,?)",
                (time.time(), kind, client_id, json.dumps(detail)),
            )
