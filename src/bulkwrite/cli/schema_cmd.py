"""``bulkwrite schema``: apply a schema file (custom modules and fields), or show the schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bulkwrite.cli.admin_cmd import OrgOption
from bulkwrite.cli.common import fail
from bulkwrite.cli.datadir import DataDirOption, open_existing
from bulkwrite.errors import BulkWriteError

schema_app = typer.Typer(
    help="Custom modules and fields: apply a YAML schema file, or show the schema.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _fail(error: BulkWriteError) -> typer.Exit:
    """``error: CODE: message`` (one line), then each problem of a refused file below it."""
    exit = fail(f"{error.code}: {error.message}")
    for problem in error.details.get("problems", []):
        typer.echo(f"  - {problem}", err=True)
    return exit


@schema_app.command("apply")
def schema_apply(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="the YAML schema file", show_default=False)
    ],
    org: OrgOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create the file's new modules, add its new fields, update changed field attributes.

    All or nothing, and idempotent: applying the same file twice changes nothing. Nothing
    absent from the file is removed. Changing a field's type, lookup target or uniqueness, or
    a lookup to a module that does not exist, is refused.
    """
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise fail(f"cannot read {file}: it is not UTF-8 text") from None
    from bulkwrite.services.accounts import find_org
    from bulkwrite.services.schema import apply_schema

    services = open_existing(data_dir)
    try:
        changes = apply_schema(services, find_org(services, org).id, text)
    except BulkWriteError as exc:
        raise _fail(exc) from None
    for line in changes.lines():
        typer.echo(line)


@schema_app.command("show")
def schema_show(
    module: Annotated[
        str | None, typer.Argument(metavar="MODULE", help="one module (default: all)")
    ] = None,
    org: OrgOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print the org's modules and fields as a schema file (one that applies as a no-op)."""
    from bulkwrite.services.accounts import find_org
    from bulkwrite.services.schema import show_schema

    services = open_existing(data_dir)
    try:
        typer.echo(show_schema(services, find_org(services, org).id, module), nl=False)
    except BulkWriteError as exc:
        raise _fail(exc) from None
