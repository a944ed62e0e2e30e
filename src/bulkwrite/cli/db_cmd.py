"""``bulkwrite db``: the database's schema version, and applying pending migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import typer

from bulkwrite.cli.datadir import DataDirOption, settings_for

if TYPE_CHECKING:
    from bulkwrite.settings import Settings
    from bulkwrite.store.postgres import PostgresStore
    from bulkwrite.store.sqlite import SqliteStore

db_app = typer.Typer(
    help="The database BULKWRITE_DATABASE_URL selects: schema version and migrations.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def describe(settings: Settings) -> str:
    """The database in one line, its password hidden."""
    url = settings.database_url
    if not url or url.startswith("sqlite:///"):
        return f"sqlite:///{settings.sqlite_path}"
    parts = urlsplit(url)
    if parts.password is not None:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        url = urlunsplit(parts._replace(netloc=netloc))
    return url


@contextmanager
def _store(settings: Settings) -> Iterator[SqliteStore | PostgresStore]:
    """The selected store, not migrated; one line on stderr and status 2 when it fails or
    when a SQLite database does not exist yet (``serve`` and ``init`` create one)."""
    from bulkwrite.bootstrap import open_store
    from bulkwrite.cli.datadir import POINT_IT, missing_database

    problem = missing_database(settings)
    if problem is not None:
        typer.echo(f"error: {problem}: {POINT_IT}", err=True)
        raise typer.Exit(2)
    try:
        store = open_store(settings)
        try:
            yield store
        finally:
            store.close()
    except (ValueError, OSError) as exc:
        typer.echo(f"error: {describe(settings)}: {exc}", err=True)
        raise typer.Exit(2) from None


@db_app.command()
def upgrade(data_dir: DataDirOption = None) -> None:
    """Apply the pending migrations (none: nothing changes); print the schema version."""
    from bulkwrite.services.accounts import add_missing_standard_modules

    settings = settings_for(data_dir)
    with _store(settings) as store:
        before = store.schema_version()
        after = store.migrate()
        added = add_missing_standard_modules(store)
    applied = max(0, after - before)
    typer.echo(
        f"{describe(settings)}: schema version {after} "
        f"({applied} migration{'' if applied == 1 else 's'} applied)"
    )
    for name in added:
        typer.echo(f"added standard module {name}")


@db_app.command()
def status(data_dir: DataDirOption = None) -> None:
    """Print the schema version of the database and the latest this bulkwrite knows."""
    settings = settings_for(data_dir)
    with _store(settings) as store:
        current, latest = store.schema_version(), store.latest_version()
    typer.echo(f"database: {describe(settings)}")
    typer.echo(f"current: {current}")
    typer.echo(f"latest: {latest}")
    if current < latest:
        typer.echo(f"{latest - current} pending: run `bulkwrite db upgrade`")
