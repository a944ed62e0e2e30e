"""Admin commands: tokens, orgs, users and profiles (same settings as ``serve``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bulkwrite.cli.common import fail
from bulkwrite.cli.datadir import DataDirOption, open_existing
from bulkwrite.domain.identity import Right
from bulkwrite.domain.scopes import FULL_SCOPES
from bulkwrite.errors import BulkWriteError

if TYPE_CHECKING:  # the services are imported by the command that runs, not by --help
    from bulkwrite.services.accounts import NewOrg
    from bulkwrite.settings import Settings

token_app = typer.Typer(
    help="Create and revoke access tokens.", no_args_is_help=True, rich_markup_mode=None
)
org_app = typer.Typer(help="Orgs.", no_args_is_help=True, rich_markup_mode=None)
user_app = typer.Typer(help="Users of an org.", no_args_is_help=True, rich_markup_mode=None)
profile_app = typer.Typer(
    help="Profiles (what users may do).", no_args_is_help=True, rich_markup_mode=None
)

OrgOption = Annotated[
    str | None, typer.Option("--org", metavar="ZGID", help="org zgid (default: the demo org)")
]


def _fail(error: BulkWriteError) -> typer.Exit:
    return fail(f"{error.code}: {error.message}")


def print_welcome(settings: Settings, demo: NewOrg, serving: bool = True) -> None:
    """The first start's message: the data directory, the demo org, its token, a first call."""
    base = settings.base_url
    start = "" if serving else "\nStart the service with: bulkwrite serve\n"
    typer.echo(f"""
bulkwrite is ready. Data directory: {settings.data_dir.resolve()}
Demo org: {demo.org.name} (zgid {demo.org.zgid}), user {demo.admin.email}
Full-scope access token (shown once; `bulkwrite token create` makes more):

    {demo.token}
{start}
Dashboard: open {base}/ui and sign in with that token (the API's own page: {base}/docs).

Try it (the README's walk-through goes on from here):
    printf 'Last_Name,Company\\nLovelace,Analytical Engines\\n' > leads.csv
    curl -s {base}/crm/v8/upload -H "Authorization: Zoho-oauthtoken {demo.token}" \\
         -H "feature: bulk-write" -F "file=@leads.csv"
""")


@token_app.command("create")
def token_create(
    scopes: Annotated[
        str, typer.Option(metavar="A,B,…", help="comma-separated scopes [default: all]")
    ] = ",".join(FULL_SCOPES),
    user: Annotated[
        str | None, typer.Option(metavar="EMAIL", help="user email (default: the org's admin)")
    ] = None,
    org: OrgOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print a new access token, and only the token."""
    from bulkwrite.services.accounts import find_org, find_user
    from bulkwrite.services.tokens import create_token

    services = open_existing(data_dir)
    try:
        found = find_org(services, org)
        owner = find_user(services, found, user)
        typer.echo(
            create_token(services, owner.id, [s.strip() for s in scopes.split(",") if s.strip()])
        )
    except BulkWriteError as exc:
        raise _fail(exc) from None


@token_app.command("revoke")
def token_revoke(
    token: Annotated[str, typer.Argument(metavar="TOKEN")], data_dir: DataDirOption = None
) -> None:
    """Revoke a token; it is refused from then on (exit status 1: no such live token)."""
    from bulkwrite.services.tokens import revoke_token

    if not revoke_token(open_existing(data_dir), token):
        raise fail("no such live token", 1)
    typer.echo("revoked")


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Argument(metavar="NAME")],
    admin_email: Annotated[str, typer.Option(metavar="EMAIL")],
    admin_name: Annotated[str, typer.Option(metavar="NAME")] = "Admin",
    data_dir: DataDirOption = None,
) -> None:
    """Create an org with the standard modules; prints its zgid and the admin's token."""
    from bulkwrite.services.accounts import create_org

    made = create_org(open_existing(data_dir), name, admin_email, admin_name)
    typer.echo(f"{made.org.zgid} {made.token}")


@profile_app.command("add")
def profile_add(
    name: Annotated[str, typer.Argument(metavar="NAME")],
    can_import: Annotated[
        bool, typer.Option("--import/--no-import", metavar="", help="the import privilege")
    ] = False,
    rights: Annotated[
        list[str] | None,
        typer.Option(
            "--rights", metavar="MODULE=RIGHTS", help="e.g. Leads=read,create,edit (repeatable)"
        ),
    ] = None,
    org: OrgOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Add a profile with the import privilege and per-module rights."""
    from bulkwrite.services.accounts import add_profile, find_org

    parsed: dict[str, frozenset[Right]] = {}
    try:
        for item in rights or []:
            module, _, names = item.partition("=")
            parsed[module] = frozenset(Right(n.strip()) for n in names.split(",") if n.strip())
    except ValueError:
        raise fail("--rights: the rights are read, create, edit") from None
    services = open_existing(data_dir)
    try:
        made = add_profile(services, find_org(services, org), name, can_import, parsed)
    except BulkWriteError as exc:
        raise _fail(exc) from None
    typer.echo(made.id)


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(metavar="EMAIL")],
    profile: Annotated[str, typer.Option(metavar="NAME")] = "Standard",
    name: Annotated[str | None, typer.Option(metavar="NAME")] = None,
    org: OrgOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Add a user with a profile; prints the user id."""
    from bulkwrite.services.accounts import add_user, find_org

    services = open_existing(data_dir)
    try:
        made = add_user(services, find_org(services, org), email, name or email, profile)
    except BulkWriteError as exc:
        raise _fail(exc) from None
    typer.echo(made.id)
