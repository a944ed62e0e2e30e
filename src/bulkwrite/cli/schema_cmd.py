"""``bulkwrite schema``: apply a schema file (custom modules and fields), or show the schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bulkwrite.cli.admin_cmd import OrgOption
from bulkwrite.errors import BulkWriteError
from bulkwrite.services.accounts import ensure_demo_org, find_org
from bulkwrite.services.collaborators import Services
from bulkwrite.services.schema import apply_schema, show_schema
from bulkwrite.settings import Settings

schema_app = typer.Typer(
    help="Custom modules and fields: apply a YAML schema file, or show the schema.",
    no_args_is_help=True,
)


def _services() -> Services:
    from bulkwrite.bootstrap import build_services

    services = build_services(Settings())
    ensure_demo_org(services)
    return services


def _fail(error: BulkWriteError) -> typer.Exit:
    typer.echo(f"error: {error.code}: {error.message}", err=True)
    for problem in error.details.get("problems", []):
        typer.echo(f"  - {problem}", err=True)
    return typer.Exit(2)


@schema_app.command("apply")
def schema_apply(
    file: Annotated[Path, typer.Argument(help="the YAML schema file", exists=True, dir_okay=False)],
    org: OrgOption = None,
) -> None:
    """Create the file's new modules, add its new fields, update changed field attributes.

    All or nothing, and idempotent: applying the same file twice changes nothing. Nothing
    absent from the file is removed. Changing a field's type, lookup target or uniqueness, or
    a lookup to a module that does not exist, is refused.
    """
    services = _services()
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"error: cannot read {file}: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        changes = apply_schema(services, find_org(services, org).id, text)
    except BulkWriteError as exc:
        raise _fail(exc) from None
    for line in changes.lines():
        typer.echo(line)


@schema_app.command("show")
def schema_show(
    module: Annotated[str | None, typer.Argument(help="one module (default: all)")] = None,
    org: OrgOption = None,
) -> None:
    """Print the org's modules and fields as a schema file (one that applies as a no-op)."""
    services = _services()
    try:
        typer.echo(show_schema(services, find_org(services, org).id, module), nl=False)
    except BulkWriteError as exc:
        raise _fail(exc) from None
