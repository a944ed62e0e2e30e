"""The server's data for the admin commands: found where the settings point, never made anew.

``serve`` and ``init`` create a data directory and its database; every other command that
opens the server's data (tokens, orgs, users, profiles, schema, db) refuses one that does not
exist or holds no database, in one line that says where it looked and how to point it
elsewhere, instead of quietly making an empty database that the server never sees.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bulkwrite.cli.common import fail

if TYPE_CHECKING:
    from bulkwrite.services.collaborators import Services
    from bulkwrite.settings import Settings

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        metavar="DIR",
        help="the server's data directory (default: BULKWRITE_DATA_DIR, else ./.bulkwrite)",
        show_default=False,
    ),
]
POINT_IT = (
    "run this where the server runs, or point it there with --data-dir DIR or "
    "BULKWRITE_DATA_DIR=DIR (BULKWRITE_DATABASE_URL=postgresql://… for PostgreSQL); "
    "`bulkwrite init` creates a new one"
)


def settings_for(data_dir: Path | None) -> Settings:
    """The settings, with ``--data-dir`` over the environment."""
    from bulkwrite.settings import Settings

    return Settings(data_dir=data_dir) if data_dir is not None else Settings()


def missing_database(settings: Settings) -> str | None:
    """Why the settings name no existing SQLite database, or None (PostgreSQL: the server
    itself is asked, by ``open_existing``)."""
    if settings.uses_postgres:
        return None
    path = settings.sqlite_path.resolve()
    if settings.database_url:
        return None if path.is_file() else f"no bulkwrite database at {path}"
    where = settings.data_dir.resolve()
    if not where.is_dir():
        return f"the data directory {where} does not exist"
    if not path.is_file():
        return f"no bulkwrite database in {where} (looked for {path})"
    return None


def open_existing(data_dir: Path | None, *, demo_org: bool = True) -> Services:
    """The services over the server's existing data (migrated to this version); else
    ``typer.Exit(2)`` after one ``error:`` line."""
    from bulkwrite.bootstrap import build_services
    from bulkwrite.cli.db_cmd import describe
    from bulkwrite.services.accounts import ensure_demo_org

    settings = settings_for(data_dir)
    problem = missing_database(settings)
    if problem is None and settings.uses_postgres:
        problem = empty_postgres(settings)
    if problem is not None:
        raise fail(f"{problem}: {POINT_IT}")
    try:
        services = build_services(settings)
    except Exception as exc:  # a driver's error: one line, not a traceback
        raise fail(f"cannot open {describe(settings)}: {exc}") from None
    if demo_org:
        ensure_demo_org(services)
    return services


def empty_postgres(settings: Settings) -> str | None:
    """Why the PostgreSQL database cannot serve (unreachable, or no bulkwrite tables)."""
    from bulkwrite.bootstrap import open_store
    from bulkwrite.cli.db_cmd import describe

    try:
        store = open_store(settings)
        try:
            version = store.schema_version()
        finally:
            store.close()
    except Exception as exc:  # a driver's error: one line, not a traceback
        return f"cannot open {describe(settings)} ({exc})"
    if version == 0:
        return f"{describe(settings)} holds no bulkwrite tables (run `bulkwrite db upgrade`)"
    return None
