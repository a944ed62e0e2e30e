"""The PostgreSQL store, for many workers on many machines (``postgresql://`` URLs)."""

from bulkwrite.store.postgres.pg_store import (
    DatabaseUnreachable,
    DatabaseUnsuitable,
    PostgresStore,
    application_name,
    connection_lost,
)

__all__ = [
    "DatabaseUnreachable",
    "DatabaseUnsuitable",
    "PostgresStore",
    "application_name",
    "connection_lost",
]
