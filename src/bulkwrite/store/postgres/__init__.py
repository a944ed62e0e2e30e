"""The PostgreSQL store, for many workers on many machines (``postgresql://`` URLs)."""

from bulkwrite.store.postgres.connection import (
    DatabaseUnreachable,
    DatabaseUnsuitable,
    PostgresStore,
)

__all__ = ["DatabaseUnreachable", "DatabaseUnsuitable", "PostgresStore"]
