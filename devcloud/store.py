"""The development cloud's state in one SQLite file (WAL): index, patients, clients, grants, tokens.

Access tokens, device codes and SMS codes are stored only as SHA-256 hashes; patients' PINs as
scrypt hashes (salted, slow), checked in the same time whether the ID number is known or not.
A token delegated from another (a consultation guest's) names its parent and dies with it.
"""

from __future__ import annotations

import hashlib
import hmac
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
    client_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, hospital TEXT, assisted INTEGER,
    orgs TEXT, doctors TEXT
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
    studies TEXT, issued REAL, expires REAL, revoked INTEGER, how TEXT, parent TEXT
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL, kind TEXT, client_id TEXT, detail TEXT
);
"""


#: columns added since the first schema (an older state folder is brought up to date)
MIGRATIONS = {"clients": ("orgs", "doctors"), "tokens": ("parent",)}
#: scrypt cost: about 16 MiB and a few tens of milliseconds per check
SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 14, 8, 1


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """``scrypt$<salt hex>$<hash hex>`` of a PIN."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=64 << 20, dklen=32
    )
    return f"scrypt${salt.hex()}${digest.hex()}"


def pin_matches(stored: str, pin: str) -> bool:
    """Whether ``pin`` matches a stored scrypt hash (a plain-text or malformed one never does)."""
    kind, _, rest = stored.partition("$")
    salt_hex, _, want = rest.partition("$")
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        salt = b"\0" * 16
    ok_form = kind == "scrypt" and len(salt) == 16
    got = hash_pin(pin, salt if ok_form else b"\0" * 16).rpartition("$")[2]
    return ok_form and hmac.compare_digest(got, want)


#: what an unknown ID number's PIN is checked against: the same work as for a known one
_DUMMY_PIN_HASH = hash_pin(secrets.token_urlsafe(12))


@dataclass(frozen=True, slots=True)
class Token:
    """An access token the development national service issued: to whom, for what scope and
    studies, until when."""

    client_id: str
    scope: str  # "patient" or "code"
    psn: str
    code: str | None
    studies: frozenset[str] | None  # for code-scoped tokens: the studies the code names
    expires: float
    revoked: bool
    how: str = ""
    parent: str | None = None  # hash of the token this one was delegated from

    def may_see(self, study_uid: str, owner_psn: str) -> bool:
        if owner_psn != self.psn:
            return False
        return self.studies is None or study_uid in self.studies


class Store:
    """Thread-safe access to the SQLite state (one connection per thread)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self.pin_checks = 0  # scrypt checks done (known and unknown ID numbers alike)
        conn = self._conn()
        conn.executescript(SCHEMA)
        for table, columns in MIGRATIONS.items():
            have = {r["name"] for r in conn.execute(f"PRAGMA table_info({table})")}
            for col in columns:
                if col not in have:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {col} TEXT")

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
                (psn, name, id_number, phone, hash_pin(pin), birth_date, sex),
            )

    def check_pin(self, id_number: str, pin: str) -> sqlite3.Row | None:
        """The patient with this ID number if the PIN is theirs; one scrypt check either way."""
        row = self.patient(id_number=id_number)
        ok = self._pin_matches(row["pin"] if row is not None else _DUMMY_PIN_HASH, pin)
        return row if row is not None and ok else None

    def _pin_matches(self, stored: str, pin: str) -> bool:
        self.pin_checks += 1
        return pin_matches(stored, pin)

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

    def add_client(
        self,
        client_id: str,
        secret: str,
        hospital: str,
        assisted: bool = True,
        *,
        orgs: list[str] | None = None,
        doctors: dict[str, str] | None = None,
    ) -> None:
        """``orgs``: the USCCs of the organisations this workstation belongs to (it may open their
        exams by index code); ``doctors``: licence number → name of who may use the assisted
        grant from it."""
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO clients (client_id, secret_hash, hospital, assisted, orgs, "
                "doctors) VALUES (?,?,?,?,?,?)",
                (
                    client_id,
                    sha(secret),
                    hospital,
                    int(assisted),
                    json.dumps(orgs or []),
                    json.dumps(doctors or {}),
                ),
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
        parent: str | None = None,
    ) -> tuple[str, float]:
        """``parent``: the raw token this one is delegated from (it dies with it)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self.tx() as db:
            db.execute(
                "INSERT INTO tokens VALUES (?,?,?,?,?,?,?,?,?,?,?)",
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
                    sha(parent) if parent else None,
                ),
            )
        self.event("token_issued", client_id, {"scope": scope, "how": how})
        return token, now + ttl

    @staticmethod
    def _from_row(r: sqlite3.Row) -> Token:
        studies = frozenset(json.loads(r["studies"])) if r["studies"] else None
        return Token(
            r["client_id"],
            r["scope"],
            r["psn"],
            r["code"],
            studies,
            r["expires"],
            bool(r["revoked"]),
            r["how"] or "",
            r["parent"],
        )

    def token(self, token: str) -> Token | None:
        rows = self.query("SELECT * FROM tokens WHERE token_hash = ?", sha(token))
        return self._from_row(rows[0]) if rows else None

    def alive(self, tok: Token) -> bool:
        """Neither revoked nor expired, nor is any token it was delegated from."""
        for _ in range(4):
            if tok.revoked or tok.expires < time.time():
                return False
            if tok.parent is None:
                return True
            rows = self.query("SELECT * FROM tokens WHERE token_hash = ?", tok.parent)
            if not rows:
                return False
            tok = self._from_row(rows[0])
        return False

    def token_valid(self, token: str) -> bool:
        tok = self.token(token)
        return tok is not None and self.alive(tok)

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
