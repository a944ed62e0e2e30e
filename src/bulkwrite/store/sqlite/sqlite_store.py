"""Connections, transactions and migrations of the SQLite store."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bulkwrite.errors import DiskFull
from bulkwrite.store.base import StagedInsert
from bulkwrite.store.queries import Tracer
from bulkwrite.store.sqlite.sqlite_ddl import MIGRATIONS
from bulkwrite.store.sqlite.sqlite_tx import SqliteDialect, SqliteTx

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=60000",
    "PRAGMA cache_size=-65536",
    "PRAGMA temp_store=MEMORY",
    # A job commits every chunk: checkpointing the WAL after each (the default, 1,000 pages)
    # cost 7 % over one transaction of the same rows; every 16,384 pages (64 MiB) is on a par
    # with it (bench/README.md). The WAL file is cut back to 64 MiB after a checkpoint.
    "PRAGMA wal_autocheckpoint=16384",
    "PRAGMA journal_size_limit=67108864",
)


class SqliteStore:
    """A SQLite database file; one connection per thread, WAL so readers never wait.
    ``tracer``: told of each named query it runs."""

    def __init__(self, path: Path, *, tracer: Tracer | None = None) -> None:
        self.path = path
        self.dialect = SqliteDialect()
        self.tracer = tracer
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=60
            )
            for pragma in PRAGMAS:
                conn.execute(pragma)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[SqliteTx]:
        """A unit of work: commits when the block ends, rolls back if it raises."""
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield SqliteTx(conn, self.dialect, self.tracer)
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:  # a COMMIT that failed (a full disk) leaves it open
                conn.execute("ROLLBACK")
            if _disk_full(exc):
                raise DiskFull() from exc
            raise

    def stage_insert(self, staged: StagedInsert) -> StagedInsert:
        return staged  # the rows are bound to their statement in the transaction

    def migrate(self) -> int:
        """Apply the migrations not yet applied; returns the schema version."""
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return len(MIGRATIONS)

    def schema_version(self) -> int:
        """The latest migration applied to the database (0: none)."""
        return int(self._connection().execute("PRAGMA user_version").fetchone()[0])

    def latest_version(self) -> int:
        """The version ``migrate()`` brings the database to."""
        return len(MIGRATIONS)

    def job_watch(self) -> None:
        """No announcements of job changes: event streams poll the file."""
        return None

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


def _disk_full(exc: BaseException) -> bool:
    """Whether SQLite said the disk (or the database's size limit) is full: ``SQLITE_FULL``,
    or the I/O error a failed write of the WAL or a temporary file gives when space runs out."""
    if not isinstance(exc, sqlite3.Error):
        return False
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    return code == sqlite3.SQLITE_FULL or (code == sqlite3.SQLITE_IOERR and "full" in str(exc))


def _statements(script: str) -> Iterator[str]:
    for part in script.split(";"):
        if part.strip():
            yield part
