"""The embedded SQLite store."""

from bulkwrite.store.sqlite.connection import SqliteStore

__all__ = ["SqliteStore"]
