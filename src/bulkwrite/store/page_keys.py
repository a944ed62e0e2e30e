"""Each org's key that signs its records page tokens (``services/page_tokens.py``): one
implementation for both stores, over the named queries of ``sql/common.sql``."""

from __future__ import annotations

from datetime import datetime

from bulkwrite.store.sql_tx import C, SqlTx


class PageKeyQueries(SqlTx[C]):
    def get_page_key(self, org_id: str) -> str | None:
        row = self.run("get_page_key", org_id=int(org_id)).fetchone()
        return None if row is None else str(row[0])

    def insert_page_key(self, org_id: str, secret: str, at: datetime) -> None:
        """The org's key; nothing if it has one already."""
        self.run(
            "insert_page_key",
            org_id=int(org_id),
            secret=secret,
            created_time=self.dialect.bind_time(at),
        )
