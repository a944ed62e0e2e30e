"""``bulkwrite org secret show|rotate``: the org's callback secret, that signs its callbacks'
``X-Bulkwrite-Signature`` (docs/callbacks.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bulkwrite.cli.admin_cmd import OrgOption
from bulkwrite.cli.common import fail
from bulkwrite.cli.datadir import DataDirOption, open_existing
from bulkwrite.domain.callback import CallbackSecret
from bulkwrite.errors import BulkWriteError

if TYPE_CHECKING:  # the services are imported by the command that runs, not by --help
    from bulkwrite.services.collaborators import Services

secret_app = typer.Typer(
    help="The org's callback secret (signs callbacks).", no_args_is_help=True, rich_markup_mode=None
)


def _org_id(services: Services, zgid: str | None) -> str:
    from bulkwrite.services.accounts import find_org

    try:
        return find_org(services, zgid).id
    except BulkWriteError as exc:
        raise fail(f"{exc.code}: {exc.message}") from None


def _echo(secret: CallbackSecret) -> None:
    """The secret alone on stdout (for scripts); the previous one's validity on stderr."""
    typer.echo(secret.secret)
    if secret.previous_secret and secret.previous_expires_time:
        until = secret.previous_expires_time.isoformat()
        typer.echo(f"the previous secret also signs callbacks until {until}", err=True)


@secret_app.command("show")
def secret_show(
    org: OrgOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print the org's callback secret (made on first use)."""
    from bulkwrite.services.callbacks.secrets import show_secret

    services = open_existing(data_dir)
    _echo(show_secret(services, _org_id(services, org)))


@secret_app.command("rotate")
def secret_rotate(
    org: OrgOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Make a new callback secret and print it; the old one also signs for 24 hours."""
    from bulkwrite.services.callbacks.secrets import rotate_secret

    services = open_existing(data_dir)
    _echo(rotate_secret(services, _org_id(services, org)))
