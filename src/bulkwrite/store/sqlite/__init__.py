"""The embedded SQLite store."""

from bulkwrite.store.sqlite.sqlite_store import SqliteStore

__all__ = ["SqliteStore"]
