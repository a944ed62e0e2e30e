"""The PostgreSQL server the benchmark uses: fresh databases, server facts, backend CPU time.

Every measurement gets its own database, ``bw_bench_<random>``, created from ``template0`` on
the server of the admin URL (``--pg-url``; default ``BULKWRITE_TEST_PG``, else the local server's
``postgres`` database, as the tests use) and dropped ``WITH (FORCE)`` at the end. No other
database is touched.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psutil
import psycopg
from psycopg import sql

from tests.pg import admin_url, database_url, redacted, unreachable_reason

PREFIX = "bw_bench_"
#: Server settings that bear on write speed, recorded with the figures.
SETTINGS = (
    "shared_buffers",
    "synchronous_commit",
    "fsync",
    "wal_level",
    "max_wal_size",
    "checkpoint_timeout",
    "work_mem",
    "maintenance_work_mem",
)

__all__ = [
    "BackendCpu",
    "admin_url",
    "fresh_database",
    "redacted",
    "server_facts",
    "unreachable_reason",
]


def _admin(url: str, statement: sql.Composed) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new, empty database on the server of ``url``, dropped afterwards: its URL."""
    name = f"{PREFIX}{uuid.uuid4().hex[:12]}"
    _admin(url, sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    try:
        yield database_url(url, name)
    finally:
        _admin(url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def server_facts(url: str) -> dict[str, Any]:
    """The server's version and the settings that bear on write speed."""
    with psycopg.connect(url) as conn:
        facts: dict[str, Any] = {
            "url": redacted(url),
            "version": conn.execute("SHOW server_version").fetchone()[0],  # type: ignore[index]
        }
        for name in SETTINGS:
            row = conn.execute("SELECT current_setting(%s, true)", (name,)).fetchone()
            facts[name] = row[0] if row else None
    return facts


def _cpu(pid: int) -> float | None:
    try:
        times = psutil.Process(pid).cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return float(times.user + times.system)


def _server_cpu(postmaster: psutil.Process) -> float | None:
    """CPU seconds of the whole server so far: the postmaster, its live children, and the
    children it has reaped (backends and parallel workers that ended)."""
    try:
        own = postmaster.cpu_times()
        children = postmaster.children()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    total = own.user + own.system + own.children_user + own.children_system
    for child in children:
        total += _cpu(child.pid) or 0.0
    return float(total)


@dataclass
class BackendCpu:
    """CPU seconds of the PostgreSQL server between two readings, and WAL written.

    ``backend_cpu_seconds``: the backends serving this database, found in ``pg_stat_activity``
    at each reading (a backend that appears in between counts from zero; one that ends in between,
    such as a parallel-query worker, is lost). ``server_cpu_seconds``: the whole server (every
    database, the WAL writer, checkpointer, autovacuum and parallel workers included), from the
    postmaster's process tree. Both need the server on this machine (else None). ``wal_bytes``:
    the server-wide WAL written in between. Other databases' work counts in the last two.
    """

    url: str
    _start: dict[int, float] | None = None
    _lsn: str | None = None
    _postmaster: psutil.Process | None = None
    _server_start: float | None = None

    def _readings(self) -> tuple[dict[int, float], str]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            own = conn.info.backend_pid
            pids = [
                int(row[0])
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                )
            ]
            lsn = str(conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0])  # type: ignore[index]
        if self._postmaster is None:
            try:
                self._postmaster = psutil.Process(own).parent()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                self._postmaster = None
        cpu = {pid: sec for pid in pids if pid != own and (sec := _cpu(pid)) is not None}
        return cpu, lsn

    def _server(self) -> float | None:
        return None if self._postmaster is None else _server_cpu(self._postmaster)

    def start(self) -> None:
        self._start, self._lsn = self._readings()
        self._server_start = self._server()

    def stop(self) -> dict[str, float | int | None]:
        """CPU seconds of the backends and of the server, and WAL bytes, since ``start``."""
        if self._start is None or self._lsn is None:
            raise RuntimeError("BackendCpu.stop() before start()")
        end, lsn = self._readings()
        server_end = self._server()
        seconds = sum(value - self._start.get(pid, 0.0) for pid, value in end.items())
        server = (
            None
            if server_end is None or self._server_start is None
            else server_end - self._server_start
        )
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute("SELECT pg_wal_lsn_diff(%s, %s)::bigint", (lsn, self._lsn))
            wal = int(row.fetchone()[0])  # type: ignore[index]
        return {
            "backend_cpu_seconds": seconds if end else None,
            "server_cpu_seconds": server,
            "wal_bytes": wal,
        }
