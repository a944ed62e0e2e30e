"""Admin commands: tokens, orgs, users and profiles (same settings as ``serve``)."""

from __future__ import annotations

from typing import Annotated

import typer

from bulkwrite.domain.identity import Right
from bulkwrite.domain.scopes import FULL_SCOPES
from bulkwrite.errors import BulkWriteError
from bulkwrite.services.accounts import (
    NewOrg,
    add_profile,
    add_user,
    create_org,
    ensure_demo_org,
    find_org,
    find_user,
)
from bulkwrite.services.collaborators import Services
from bulkwrite.services.tokens import create_token, revoke_token
from bulkwrite.settings import Settings

token_app = typer.Typer(help="Create and revoke access tokens.", no_args_is_help=True)
org_app = typer.Typer(help="Orgs.", no_args_is_help=True)
user_app = typer.Typer(help="Users of an org.", no_args_is_help=True)
profile_app = typer.Typer(help="Profiles (what users may do).", no_args_is_help=True)

OrgOption = Annotated[str | None, typer.Option("--org", help="org zgid (default: the demo org)")]


def _services() -> Services:
    from bulkwrite.bootstrap import build_services

    services = build_services(Settings())
    ensure_demo_org(services)
    return services


def _fail(error: BulkWriteError) -> typer.Exit:
    typer.echo(f"error: {error.code}: {error.message}", err=True)
    return typer.Exit(2)


def print_welcome(settings: Settings, demo: NewOrg) -> None:
    base = settings.base_url
    typer.echo(f"""
bulkwrite is ready. Data directory: {settings.data_dir.resolve()}
Demo org: {demo.org.name} (zgid {demo.org.zgid}), user {demo.admin.email}
Full-scope access token (shown once):

    {demo.token}

Try it:
    curl -s {base}/crm/v8/upload -H "Authorization: Zoho-oauthtoken {demo.token}" \\
         -H "feature: bulk-write" -F "file=@leads.csv"
""")


@token_app.command("create")
def token_create(
    scopes: Annotated[str, typer.Option(help="comma-separated scopes")] = ",".join(FULL_SCOPES),
    user: Annotated[str | None, typer.Option(help="user email (default: the org's admin)")] = None,
    org: OrgOption = None,
) -> None:
    """Print a new access token, and only the token."""
    services = _services()
    try:
        found = find_org(services, org)
        owner = find_user(services, found, user)
        typer.echo(
            create_token(services, owner.id, [s.strip() for s in scopes.split(",") if s.strip()])
        )
    except BulkWriteError as exc:
        raise _fail(exc) from None


@token_app.command("revoke")
def token_revoke(token: str) -> None:
    """Revoke a token; it is refused from then on."""
    if not revoke_token(_services(), token):
        typer.echo("error: no such live token", err=True)
        raise typer.Exit(1)
    typer.echo("revoked")


@org_app.command("create")
def org_create(
    name: str,
    admin_email: Annotated[str, typer.Option()],
    admin_name: Annotated[str, typer.Option()] = "Admin",
) -> None:
    """Create an org with the standard modules; prints its zgid and the admin's token."""
    made = create_org(_services(), name, admin_email, admin_name)
    typer.echo(f"{made.org.zgid} {made.token}")


@profile_app.command("add")
def profile_add(
    name: str,
    can_import: Annotated[bool, typer.Option("--import/--no-import")] = False,
    rights: Annotated[
        list[str] | None, typer.Option("--rights", help="MODULE=read,create,edit (repeatable)")
    ] = None,
    org: OrgOption = None,
) -> None:
    """Add a profile with the import privilege and per-module rights."""
    services = _services()
    parsed: dict[str, frozenset[Right]] = {}
    try:
        for item in rights or []:
            module, _, names = item.partition("=")
            parsed[module] = frozenset(Right(n.strip()) for n in names.split(",") if n.strip())
    except ValueError:
        typer.echo("error: rights are read, create, edit", err=True)
        raise typer.Exit(2) from None
    try:
        made = add_profile(services, find_org(services, org), name, can_import, parsed)
    except BulkWriteError as exc:
        raise _fail(exc) from None
    typer.echo(made.id)


@user_app.command("add")
def user_add(
    email: str,
    profile: Annotated[str, typer.Option()] = "Standard",
    name: Annotated[str | None, typer.Option()] = None,
    org: OrgOption = None,
) -> None:
    """Add a user with a profile; prints the user id."""
    services = _services()
    try:
        made = add_user(services, find_org(services, org), email, name or email, profile)
    except BulkWriteError as exc:
        raise _fail(exc) from None
    typer.echo(made.id)
