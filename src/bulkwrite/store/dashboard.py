"""What the dashboard (docs/dashboard.md) reads and writes beyond the API's queries: its
sign-in sessions, and the names of an org's modules (its Jobs filter); one implementation for
both stores, over the named queries of ``sql/common.sql``. Of a session only hashes of the
session id and of the token are kept, so a copy of the table signs no one in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bulkwrite.store.sql_tx import C, SqlTx


@dataclass(frozen=True, slots=True)
class UiSession:
    """A live session: the hash of the token it signed in with, and its CSRF token."""

    token_hash: str
    csrf: str


class DashboardTx(Protocol):
    def insert_ui_session(
        self, session_hash: str, token_hash: str, csrf: str, expires: datetime
    ) -> None: ...

    def get_ui_session(self, session_hash: str, at: datetime) -> UiSession | None:
        """The session if it has not ended by ``at``."""
        ...

    def delete_ui_session(self, session_hash: str) -> bool: ...

    def delete_expired_ui_sessions(self, at: datetime) -> int: ...

    def module_names(self, org_id: str) -> list[str]:
        """The API names of the org's modules, in order (no definition read)."""
        ...


class DashboardQueries(SqlTx[C]):
    def insert_ui_session(
        self, session_hash: str, token_hash: str, csrf: str, expires: datetime
    ) -> None:
        self.run(
            "insert_ui_session",
            session_hash=session_hash,
            token_hash=token_hash,
            csrf=csrf,
            expires_time=self.dialect.bind_time(expires),
        )

    def get_ui_session(self, session_hash: str, at: datetime) -> UiSession | None:
        row = self.run(
            "get_ui_session", session_hash=session_hash, at=self.dialect.bind_time(at)
        ).fetchone()
        return None if row is None else UiSession(str(row[0]), str(row[1]))

    def delete_ui_session(self, session_hash: str) -> bool:
        return self.run("delete_ui_session", session_hash=session_hash).rowcount == 1

    def delete_expired_ui_sessions(self, at: datetime) -> int:
        return self.run("delete_expired_ui_sessions", at=self.dialect.bind_time(at)).rowcount

    def module_names(self, org_id: str) -> list[str]:
        return [str(row[0]) for row in self.run("module_names", org_id=int(org_id))]
