"""Idempotency keys: one implementation for both stores, over the named queries of
``sql/common.sql``. A key is claimed in the transaction that makes what its answer names, so a
request cut off before it committed leaves no key behind."""

from __future__ import annotations

import json
from datetime import datetime

from bulkwrite.domain.idempotency import Answer, KeptAnswer, KeyClaim, KeyedRequest
from bulkwrite.store.sql_tx import C, SqlTx


class IdempotencyQueries(SqlTx[C]):
    def claim_idempotency_key(self, claim: KeyClaim) -> bool:
        """Keep the answer under the key; False (nothing written) if a live row holds the key.

        On PostgreSQL a row another transaction is writing makes this wait for its end (SQLite
        writers take turns), so concurrent requests with one key find the winner's row."""
        request = claim.request
        cursor = self.run(
            "claim_idempotency_key",
            org_id=int(request.org_id),
            operation=request.operation,
            idem_key=request.key,
            request_hash=request.request_hash,
            status_code=claim.answer.status_code,
            response=json.dumps(claim.answer.body, separators=(",", ":")),
            created_time=self.dialect.bind_time(claim.at),
            expired_before=self.dialect.bind_time(claim.expired_before),
        )
        return cursor.rowcount == 1

    def get_idempotency_key(
        self, request: KeyedRequest, expired_before: datetime
    ) -> KeptAnswer | None:
        """The answer kept under a live key (of any request hash), or None."""
        row = self.run(
            "get_idempotency_key",
            org_id=int(request.org_id),
            operation=request.operation,
            idem_key=request.key,
            expired_before=self.dialect.bind_time(expired_before),
        ).fetchone()
        if row is None:
            return None
        return KeptAnswer(str(row[0]), Answer(int(row[1]), json.loads(row[2])))

    def delete_expired_idempotency_keys(self, expired_before: datetime) -> int:
        """Forget the keys claimed before the time; how many went."""
        cursor = self.run(
            "delete_expired_idempotency_keys",
            expired_before=self.dialect.bind_time(expired_before),
        )
        return cursor.rowcount
