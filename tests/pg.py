"""Test databases on a PostgreSQL server: one migrated template per session, a copy per test.

Templates derived from it (``derive_template``: the migrated database with more made in it, as
the contract tests' org) are copied the same way (``copy_of``).

The server is ``BULKWRITE_TEST_PG`` (a ``postgresql://`` URL of a database to connect to for
administration; default: the local server's ``postgres`` database, trust auth).
"""

from __future__ import annotations

import os
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from bulkwrite.store.postgres import PostgresStore

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("BULKWRITE_TEST_PG") or DEFAULT_ADMIN_URL


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unreachable_reason(url: str) -> str | None:
    """Why the server cannot be used, or None when it can."""
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        return f"PostgreSQL at {redacted(url)} is unreachable: {str(exc).strip()}"
    return None


def database_url(url: str, name: str) -> str:
    """``url`` with its database replaced by ``name`` (user, host, port and options kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class TestDatabases:
    """Creates and drops databases on one server; the template is migrated once.

    Copies of the template are made a few tests ahead, and dropped, on background threads:
    ``CREATE DATABASE`` waits on fsync far longer than a test takes.
    """

    __test__ = False  # not a test class, whatever its name

    AHEAD = 2

    def __init__(self, url: str) -> None:
        self.url = url
        self.template = f"bw_template_{uuid.uuid4().hex[:8]}"
        self._derived: list[str] = []
        self._background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="bw-testdb")
        self._ready: dict[str, deque[Future[tuple[str, str]]]] = {}

    def _admin(self, statement: sql.Composable) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(statement)

    def create(self, template: str | None = None, encoding: str = "UTF8") -> tuple[str, str]:
        """A new database (a copy of ``template``, else empty): its name and URL."""
        name = f"bw_test_{uuid.uuid4().hex[:12]}"
        query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template or "template0")
        )
        if encoding != "UTF8":
            query = sql.SQL("{} ENCODING {} LC_COLLATE 'C' LC_CTYPE 'C'").format(
                query, sql.Literal(encoding)
            )
        self._admin(query)
        return name, database_url(self.url, name)

    def create_template(self) -> None:
        """The migrated template every test database is copied from."""
        self._admin(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(self.template))
        )
        store = PostgresStore(database_url(self.url, self.template), max_size=1)
        try:
            store.migrate()
        finally:
            store.close()

    def derive_template(self, suffix: str, prepare: Callable[[str], None]) -> str:
        """A copy of the migrated template that ``prepare`` (given its URL) adds to, then closes
        every connection to: a template of its own for ``copy_of``. Its name."""
        name = f"{self.template}_{suffix}"
        self._admin(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(self.template)
            )
        )
        self._derived.append(name)
        prepare(database_url(self.url, name))
        return name

    def copy_of_template(self) -> tuple[str, str]:
        """A fresh copy of the migrated template: its name and URL."""
        return self.copy_of(self.template)

    def copy_of(self, template: str) -> tuple[str, str]:
        """A fresh copy of ``template`` (this one or a derived one): its name and URL."""
        ready = self._ready.setdefault(template, deque())
        while len(ready) <= self.AHEAD:
            ready.append(self._background.submit(self.create, template))
        return ready.popleft().result()

    def release(self, name: str) -> None:
        """Drop a test's database in the background."""
        self._background.submit(self.drop, name)

    def drop(self, name: str) -> None:
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def close(self) -> None:
        """Drop every database made ahead, then the templates."""
        for ready in self._ready.values():
            while ready:
                self.release(ready.popleft().result()[0])
        self._background.shutdown(wait=True)
        for name in [*self._derived, self.template]:
            self.drop(name)


def databases_on_test_server(who: str = "the PostgreSQL tests") -> Iterator[TestDatabases]:
    """The PostgreSQL server with a migrated template (for a module- or session-scope fixture).

    Unreachable: skipped with the reason, except in CI (``CI=true``), where that fails.
    """
    url = admin_url()
    reason = unreachable_reason(url)
    if reason is not None:
        if in_ci():
            pytest.fail(f"{reason} (CI=true: {who} must run)")
        pytest.skip(reason)
    databases = TestDatabases(url)
    databases.create_template()
    try:
        yield databases
    finally:
        databases.close()
