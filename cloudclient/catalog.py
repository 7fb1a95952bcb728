"""The workstation cache's catalog: which instances of which studies are stored, in SQLite (WAL).

Files are written first (unnamed or temporary, then named) and recorded second, so after a crash the
catalog can only lack a file, never point to a half one; :meth:`Catalog.repair` — run at start
when the last session did not close cleanly — adopts verified files the catalog lacks, drops rows
whose files are gone and removes temporary leftovers. A study is served only once complete.

Space is managed by a quota with least-recently-used eviction of complete studies; pinned
studies and studies inside their retention period are never evicted.

Instances are keyed by (study, SOP): two studies that share a SOP Instance UID keep a row each.
No index code is stored: a keyed hash of it (:func:`cloudclient.indexcode.code_hash`), the exam
time and the storing organisation's division, and a keyed hash of the person segment, are.
Catalogs of the first schema are migrated when opened (raw codes hashed, or erased when no
hasher is given).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cloudclient.dicomheader import verify_instance
from cloudclient.errors import InvalidInstance

VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    study_uid TEXT PRIMARY KEY, code_hash TEXT, source TEXT, complete INTEGER DEFAULT 0,
    pinned INTEGER DEFAULT 0, retain_until REAL DEFAULT 0, last_access REAL, created REAL,
    exam_time TEXT DEFAULT '', division TEXT DEFAULT '', person_hash TEXT DEFAULT ''
);
CREATE TABLE IF NOT EXISTS instances (
    study_uid TEXT NOT NULL, sop_uid TEXT NOT NULL, series_uid TEXT NOT NULL,
    path TEXT NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY (study_uid, sop_uid)
);
CREATE INDEX IF NOT EXISTS instances_study ON instances(study_uid);
CREATE INDEX IF NOT EXISTS studies_lru ON studies(complete, pinned, last_access);
"""
#: schema 1 → 2: instances keyed by (study, SOP); the raw index code replaced by its hash
MIGRATE_1 = """
ALTER TABLE instances RENAME TO instances_v1;
ALTER TABLE studies RENAME TO studies_v1;
{schema}
INSERT OR REPLACE INTO instances (study_uid, sop_uid, series_uid, path, bytes)
    SELECT study_uid, sop_uid, series_uid, path, bytes FROM instances_v1;
INSERT INTO studies (study_uid, code_hash, source, complete, pinned, retain_until, last_access,
    created) SELECT study_uid, code, source, complete, pinned, retain_until, last_access, created
    FROM studies_v1;
DROP TABLE instances_v1;
DROP TABLE studies_v1;
"""

CodeFacts = Callable[[str], tuple[str, str, str, str]]
"""An index code → (code hash, exam time, division, person hash)."""


@dataclass(frozen=True)
class StudyEntry:
    """One study in the cache, as the catalog knows it (never its index code)."""

    study_uid: str
    code_hash: str
    source: str
    complete: bool
    pinned: bool
    retain_until: float
    last_access: float
    instances: int
    bytes: int
    exam_time: str = ""  # ISO minutes, from the index code
    division: str = ""  # GB/T 2260 division of the storing organisation
    person_hash: str = ""  # keyed hash of the code's person segment

    @property
    def code(self) -> str:
        """Index codes are no longer kept (see :attr:`code_hash`): always ''."""
        return ""


class Catalog:
    """The cache's SQLite catalog: which instance files each study has, whether the study is
    complete, pinned or retained, and when it was last used; evicts by quota and repairs
    itself against the disk after a crash."""

    def __init__(
        self, root: Path | str, quota_bytes: int | None = None, code_facts: CodeFacts | None = None
    ) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        self.quota_bytes = quota_bytes
        self._local = threading.local()
        self._closed = False  # closed cleanly (and not used since)
        self._marker_lock = threading.Lock()
        self._migrate(code_facts)
        self._open_marker = self.root / ".catalog-open"
        self.recovered = self._open_marker.exists()  # the last session did not close cleanly
        self._open_marker.write_text(str(os.getpid()))

    def _db(self) -> sqlite3.Connection:
        if self._closed:  # used after a clean close (a fetch still running): not clean any more
            with self._marker_lock:
                if self._closed:
                    self._closed = False
                    self._open_marker.write_text(str(os.getpid()))
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.root / "catalog.sqlite",
                timeout=30,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def _migrate(self, code_facts: CodeFacts | None) -> None:
        db = self._db()
        (version,) = db.execute("PRAGMA user_version").fetchone()
        old = db.execute(
            "SELECT 1 FROM pragma_table_info('studies') WHERE name = 'code'"
        ).fetchone()
        if old is not None:  # the first schema: migrate in one transaction
            db.execute("PRAGMA secure_delete = ON")  # the raw codes' old pages are zeroed
            db.execute("BEGIN IMMEDIATE")
            for stmt in MIGRATE_1.format(schema=SCHEMA).split(";"):
                if stmt.strip():
                    db.execute(stmt)
            rows = db.execute("SELECT study_uid, code_hash FROM studies").fetchall()
            for uid, code in rows:  # (the column still holds the raw code here)
                facts = code_facts(code) if code_facts and code else ("", "", "", "")
                db.execute(
                    "UPDATE studies SET code_hash=?, exam_time=?, division=?, person_hash=? "
                    "WHERE study_uid=?",
                    (*facts, uid),
                )
            db.execute(f"PRAGMA user_version = {VERSION}")
            db.execute("COMMIT")
            db.executescript(SCHEMA)  # the indexes (the old ones went with the old tables)
            db.execute("VACUUM")  # nothing of the raw codes left in free pages…
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # …nor in the write-ahead log
            db.execute("PRAGMA secure_delete = OFF")
        else:
            db.executescript(SCHEMA)
            if version != VERSION:
                db.execute(f"PRAGMA user_version = {VERSION}")

    def close(self) -> None:
        """A clean close: the next start needs no repair (unless the catalog is used again
        meanwhile: by a fetch still running when the application closes)."""
        with self._marker_lock:
            self._closed = True
            self._open_marker.unlink(missing_ok=True)
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ------------------------------------------------------------------ recording

    def add_instance(
        self,
        study_uid: str,
        series_uid: str,
        sop_uid: str,
        path: Path,
        size: int,
        source: str = "cloud",
    ) -> None:
        now = time.time()
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT OR IGNORE INTO studies (study_uid, source, last_access, created)"
            " VALUES (?,?,?,?)",
            (study_uid, source, now, now),
        )
        db.execute(
            "INSERT OR REPLACE INTO instances (study_uid, sop_uid, series_uid, path, bytes) "
            "VALUES (?,?,?,?,?)",
            (study_uid, sop_uid, series_uid, str(path.relative_to(self.root)), size),
        )
        db.execute("COMMIT")

    def mark_complete(
        self,
        study_uid: str,
        code_hash: str = "",
        source: str = "cloud",
        exam_time: str = "",
        division: str = "",
        person_hash: str = "",
    ) -> None:
        now = time.time()
        self._db().execute(
            "INSERT INTO studies (study_uid, code_hash, source, complete, last_access, created,"
            " exam_time, division, person_hash) VALUES (?,?,?,1,?,?,?,?,?) "
            "ON CONFLICT(study_uid) DO UPDATE SET complete=1, code_hash=excluded.code_hash, "
            "source=excluded.source, last_access=excluded.last_access, "
            "exam_time=excluded.exam_time, division=excluded.division, "
            "person_hash=excluded.person_hash",
            (study_uid, code_hash, source, now, now, exam_time, division, person_hash),
        )

    # ------------------------------------------------------------------ reading

    def lookup(self, study_uid: str) -> StudyEntry | None:
        row = (
            self._db()
            .execute(
                "SELECT s.study_uid, s.code_hash, s.source, s.complete, s.pinned, "
                "s.retain_until, s.last_access, COUNT(i.sop_uid), COALESCE(SUM(i.bytes), 0), "
                "s.exam_time, s.division, s.person_hash FROM studies s "
                "LEFT JOIN instances i USING (study_uid) WHERE s.study_uid = ? "
                "GROUP BY s.study_uid",
                (study_uid,),
            )
            .fetchone()
        )
        if row is None:
            return None
        return StudyEntry(
            row[0],
            row[1] or "",
            row[2] or "",
            bool(row[3]),
            bool(row[4]),
            float(row[5] or 0),
            float(row[6] or 0),
            int(row[7]),
            int(row[8]),
            row[9] or "",
            row[10] or "",
            row[11] or "",
        )

    def files(self, study_uid: str) -> list[Path]:
        """The files of a complete study (empty for an incomplete or unknown one); the study
        counts as used now."""
        db = self._db()
        complete = db.execute(
            "SELECT complete FROM studies WHERE study_uid = ?", (study_uid,)
        ).fetchone()
        if not complete or not complete[0]:
            return []
        db.execute(
            "UPDATE studies SET last_access = ? WHERE study_uid = ?", (time.time(), study_uid)
        )
        rows = db.execute("SELECT path FROM instances WHERE study_uid = ?", (study_uid,))
        return [self.root / r[0] for r in rows]

    def studies(self) -> list[str]:
        """Every study in the catalog, most recently used first."""
        rows = self._db().execute("SELECT study_uid FROM studies ORDER BY last_access DESC")
        return [r[0] for r in rows]

    def total_bytes(self) -> int:
        row = self._db().execute("SELECT COALESCE(SUM(bytes), 0) FROM instances").fetchone()
        return int(row[0])

    # ------------------------------------------------------------------ management

    def pin(self, study_uid: str, pinned: bool = True) -> None:
        self._db().execute(
            "UPDATE studies SET pinned = ? WHERE study_uid = ?", (int(pinned), study_uid)
        )

    def retain(self, study_uid: str, until: float) -> None:
        self._db().execute(
            "UPDATE studies SET retain_until = ? WHERE study_uid = ?", (until, study_uid)
        )

    def purge(self, study_uid: str) -> int:
        """Remove a study's files and rows; returns the bytes freed."""
        db = self._db()
        rows = db.execute(
            "SELECT path, bytes FROM instances WHERE study_uid = ?", (study_uid,)
        ).fetchall()
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE studies SET complete = 0 WHERE study_uid = ?", (study_uid,))
        db.execute("COMMIT")  # first no longer served, then deleted
        freed = 0
        for path, size in rows:
            (self.root / path).unlink(missing_ok=True)
            freed += int(size)
        (self.root / "studies" / study_uid / "study.json").unlink(missing_ok=True)
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM instances WHERE study_uid = ?", (study_uid,))
        db.execute("DELETE FROM studies WHERE study_uid = ?", (study_uid,))
        db.execute("COMMIT")
        return freed

    def enforce_quota(self, keep: set[str] | None = None) -> list[str]:
        """Evict least recently used, unpinned, unretained complete studies until the cache fits
        its quota; returns the evicted study UIDs."""
        if self.quota_bytes is None:
            return []
        keep = keep or set()
        evicted = []
        total = self.total_bytes()
        now = time.time()
        candidates = (
            self._db()
            .execute(
                "SELECT study_uid FROM studies WHERE complete = 1 AND pinned = 0 AND "
                "retain_until <= ? ORDER BY last_access",
                (now,),
            )
            .fetchall()
        )
        for (uid,) in candidates:
            if total <= self.quota_bytes:
                break
            if uid in keep:
                continue
            total -= self.purge(uid)
            evicted.append(uid)
        return evicted

    # ------------------------------------------------------------------ recovery

    def repair(self) -> dict[str, int]:
        """Make the catalog agree with the disk after a crash (see the module docstring)."""
        db = self._db()
        counts = {"temporary": 0, "adopted": 0, "dropped_rows": 0, "bad_files": 0, "incomplete": 0}
        known = {r[0]: r[1] for r in db.execute("SELECT path, study_uid FROM instances")}
        studies_dir = self.root / "studies"
        on_disk = set()
        if studies_dir.is_dir():
            for f in studies_dir.rglob("*"):
                if not f.is_file() or f.name == "study.json":
                    continue
                if f.name.startswith("."):
                    f.unlink(missing_ok=True)
                    counts["temporary"] += 1
                    continue
                rel = str(f.relative_to(self.root))
                on_disk.add(rel)
                if rel in known:
                    continue
                try:  # written and renamed, but not recorded: adopt it if it verifies
                    header = verify_instance(f.read_bytes())
                    if header.sop_uid != f.stem:
                        raise InvalidInstance("name and content differ")
                except InvalidInstance:
                    f.unlink(missing_ok=True)
                    counts["bad_files"] += 1
                    continue
                self.add_instance(
                    header.study_uid, header.series_uid, header.sop_uid, f, f.stat().st_size
                )
                counts["adopted"] += 1
        missing = [p for p in known if p not in on_disk]
        affected = {known[p] for p in missing}
        if missing:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("DELETE FROM instances WHERE path = ?", [(p,) for p in missing])
            db.executemany(
                "UPDATE studies SET complete = 0 WHERE study_uid = ?", [(s,) for s in affected]
            )
            db.execute("COMMIT")
            counts["dropped_rows"] = len(missing)
        # a study is complete only with its manifest (written after every file was flushed)
        for (uid,) in db.execute("SELECT study_uid FROM studies WHERE complete = 1").fetchall():
            if not (studies_dir / uid / "study.json").exists():
                db.execute("UPDATE studies SET complete = 0 WHERE study_uid = ?", (uid,))
                counts["incomplete"] += 1
        for manifest in studies_dir.glob("*/study.json") if studies_dir.is_dir() else []:
            uid = manifest.parent.name
            if uid in affected:
                manifest.unlink(missing_ok=True)  # it promised files that are gone
        return counts
