"""Connections, transactions and migrations of the PostgreSQL store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import Connection
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from bulkwrite.errors import DiskFull, StoreUnavailable
from bulkwrite.store.base import StagedInsert
from bulkwrite.store.postgres.pg_catalog import Catalog
from bulkwrite.store.postgres.pg_copying import stage_copy
from bulkwrite.store.postgres.pg_ddl import MIGRATION_LOCK, MIGRATIONS, SCHEMA_MIGRATIONS
from bulkwrite.store.postgres.pg_listen import PgJobWatch
from bulkwrite.store.postgres.pg_tx import PostgresDialect, PostgresTx
from bulkwrite.store.queries import Tracer

#: ``plan_cache_mode``: a statement psycopg prepared is planned again on every run, for the
#: tables as they are then. A generic plan kept from when a record table was empty (a seq scan
#: of "110 rows") compared every key of a chunk with every record once the table was full.
SESSION_SETUP = "SET TIME ZONE 'UTC'; SET plan_cache_mode = force_custom_plan"
SERVER_ENCODING = "SHOW server_encoding"
LOCK_MIGRATIONS = "SELECT pg_advisory_xact_lock(%s)"
MIGRATIONS_TABLE_EXISTS = "SELECT to_regclass('schema_migrations') IS NOT NULL"
CURRENT_VERSION = "SELECT coalesce(max(version), 0) FROM schema_migrations"
RECORD_MIGRATION = "INSERT INTO schema_migrations (version) VALUES (%s)"
#: After a failed transaction: the id allocator's session lock must never outlive a statement.
RELEASE_SESSION_LOCKS = "SELECT pg_advisory_unlock_all()"
#: SQLSTATEs saying the server is not to be talked to, beside the connection exceptions (08…):
#: shutting down, crashed, starting up; too many connections.
UNAVAILABLE_STATES = ("57P01", "57P02", "57P03", "53300")
#: The server could not extend a file: its disk is full (``disk_full``).
DISK_FULL = "53100"
#: How the store's connections show in ``pg_stat_activity``.
APPLICATION_NAME = "bulkwrite"


class DatabaseUnreachable(ConnectionError):
    """The PostgreSQL server could not be reached or refused the connection."""


class DatabaseUnsuitable(ValueError):
    """The database cannot hold bulkwrite's data (it is not UTF8)."""


class PostgresStore:
    """A PostgreSQL database behind a connection pool; one connection per open transaction.
    ``tracer``: told of each named query it runs."""

    def __init__(
        self,
        url: str,
        *,
        max_size: int = 10,
        timeout: float = 30.0,
        tracer: Tracer | None = None,
        listen: bool = True,
    ) -> None:
        """``listen``: ``job_watch()`` listens for job changes (else it is None: poll)."""
        check_reachable(url)
        self._url, self._listen = url, listen
        self._watch: PgJobWatch | None = None
        self.catalog = Catalog()
        self.dialect = PostgresDialect()
        self.tracer = tracer
        self._pool: ConnectionPool[Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, max_size),
            kwargs={"autocommit": True, **application_name(url, APPLICATION_NAME)},
            configure=_configure,
            timeout=timeout,
            name="bulkwrite",
            open=True,
            # A connection the server dropped (restart, failover) is replaced when taken.
            check=ConnectionPool.check_connection,
        )

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[PostgresTx]:
        """A unit of work: commits when the block ends, rolls back if it raises.

        Raises ``StoreUnavailable`` when the database cannot be reached or the connection was
        lost (the transaction is then rolled back, or, if the commit itself was cut off,
        possibly committed: whoever retries checks which).
        """
        taken: list[Connection[Any]] = []
        try:
            with self._pool.connection() as conn:
                taken.append(conn)
                conn.read_only = not write
                tx = PostgresTx(conn, self.catalog, self.dialect, self.tracer)
                try:
                    with conn.transaction():
                        yield tx
                except BaseException:
                    for table in tx.ddl_tables:  # what was read of them may be rolled back
                        self.catalog.forget(table)
                    _release_session_locks(conn)
                    raise
        except psycopg.Error as exc:
            if exc.sqlstate == DISK_FULL:
                raise DiskFull() from exc
            if connection_lost(exc) or any(c.broken for c in taken):
                raise StoreUnavailable() from exc
            raise

    def stage_insert(self, staged: StagedInsert) -> StagedInsert:
        with self._pool.connection() as conn:
            return stage_copy(conn, self.catalog, staged)

    def migrate(self) -> int:
        """Apply the migrations not yet applied; returns the schema version.

        Each runs in the one transaction, under an advisory lock, so machines starting together
        migrate once.
        """
        with self._pool.connection() as conn:
            conn.read_only = False
            _check_encoding(conn)
            with conn.transaction():
                conn.execute(LOCK_MIGRATIONS, (MIGRATION_LOCK,))
                conn.execute(SCHEMA_MIGRATIONS)
                version = _current_version(conn)
                for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                    conn.execute(script)
                    conn.execute(RECORD_MIGRATION, (number,))
        return max(version, len(MIGRATIONS))

    def schema_version(self) -> int:
        """The latest migration applied to the database (0: none)."""
        with self._pool.connection() as conn:
            row = conn.execute(MIGRATIONS_TABLE_EXISTS).fetchone()
            return _current_version(conn) if row and row[0] else 0

    def latest_version(self) -> int:
        """The version ``migrate()`` brings the database to."""
        return len(MIGRATIONS)

    def job_watch(self) -> PgJobWatch | None:
        """The process's one listener for job changes (LISTEN/NOTIFY), made on first use."""
        if not self._listen:
            return None
        if self._watch is None:
            self._watch = PgJobWatch(self._listen_connection)
        return self._watch

    def _listen_connection(self) -> Connection[Any]:
        options = {"connect_timeout": "10", **application_name(self._url, APPLICATION_NAME)}
        return psycopg.connect(make_conninfo(self._url, **options), autocommit=True)

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
        self._pool.close()


def application_name(url: str, name: str) -> dict[str, str]:
    """``application_name`` for connections (seen in ``pg_stat_activity``), unless the URL
    names one."""
    return {} if "application_name" in conninfo_to_dict(url) else {"application_name": name}


def connection_lost(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database is out of reach, rather than that a statement failed."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, psycopg.OperationalError):
        return False
    state = exc.sqlstate
    return state is None or state.startswith("08") or state in UNAVAILABLE_STATES


def check_reachable(url: str) -> None:
    """Connect once, so a wrong URL fails at once and says why (a pool would keep retrying)."""
    try:
        psycopg.connect(url, connect_timeout=10).close()
    except psycopg.Error as exc:
        raise DatabaseUnreachable(str(exc).strip()) from exc


def _check_encoding(conn: Connection[Any]) -> None:
    row = conn.execute(SERVER_ENCODING).fetchone()
    if row is None or str(row[0]).upper() != "UTF8":
        found = row[0] if row else "unknown"
        raise DatabaseUnsuitable(f"the database's encoding is {found}; bulkwrite needs UTF8")


def _configure(conn: Connection[Any]) -> None:
    conn.execute(SESSION_SETUP)


def _current_version(conn: Connection[Any]) -> int:
    row = conn.execute(CURRENT_VERSION).fetchone()
    return int(row[0]) if row else 0


def _release_session_locks(conn: Connection[Any]) -> None:
    if conn.closed or conn.broken:
        return
    try:
        conn.execute(RELEASE_SESSION_LOCKS)
    except psycopg.Error:
        conn.close()  # the pool discards it
