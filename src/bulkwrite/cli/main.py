"""``bulkwrite``: serve, and manage tokens, orgs, users and profiles.

Every error is one line on stderr, ``error: …``. Exit status: 0 done; 1 done, but not all of
it (``import``: rows skipped; ``token revoke``: no such token); 2 bad input or usage, a refused
request, an unreachable server or database, a failed job; 130 interrupted.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bulkwrite.cli import admin_cmd, control_cmd, db_cmd, import_cmd, jobs_cmd, repair_cmd
from bulkwrite.cli.datadir import DataDirOption, settings_for
from bulkwrite.cli.schema_cmd import schema_app
from bulkwrite.cli.secret_cmd import secret_app

try:  # typer 0.29+ carries its own click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - an older typer on the real click
    from click.exceptions import ClickException  # type: ignore[assignment]

app = typer.Typer(
    help="A self-hosted Bulk Write service speaking Zoho CRM's Bulk Write API.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
)
app.add_typer(admin_cmd.token_app, name="token")
app.add_typer(admin_cmd.org_app, name="org")
admin_cmd.org_app.add_typer(secret_app, name="secret")
app.add_typer(admin_cmd.user_app, name="user")
app.add_typer(admin_cmd.profile_app, name="profile")
app.add_typer(schema_app, name="schema")
app.command("import")(import_cmd.import_command)
app.add_typer(jobs_cmd.jobs_app, name="jobs")
repair_cmd.register(jobs_cmd.jobs_app)  # jobs errors, failed-rows, retry
control_cmd.register(jobs_cmd.jobs_app)  # jobs list, watch, cancel
app.add_typer(db_cmd.db_app, name="db")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"bulkwrite {version('bulkwrite')}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            metavar="",
            is_eager=True,
            callback=_version,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """A self-hosted Bulk Write service speaking Zoho CRM's Bulk Write API."""


@app.command()
def init(data_dir: DataDirOption = None) -> None:
    """Create the data directory and its database (or migrate BULKWRITE_DATABASE_URL's), with
    a demo org; print its token. Nothing changes where a database already is."""
    from bulkwrite.bootstrap import build_services
    from bulkwrite.cli.datadir import missing_database
    from bulkwrite.services.accounts import ensure_demo_org

    settings = settings_for(data_dir)
    fresh = settings.uses_postgres or missing_database(settings) is not None
    demo = ensure_demo_org(build_services(settings)) if fresh else None
    if demo is None:
        where = db_cmd.describe(settings)
        typer.echo(f"bulkwrite: {where} already holds a bulkwrite database; nothing done", err=True)
        return
    admin_cmd.print_welcome(settings, demo, serving=False)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(metavar="HOST", help="interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(metavar="PORT", help="port to listen on")] = None,
    worker: Annotated[
        bool | None,
        typer.Option(metavar="", help="run the job worker in this process [default: on]"),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Start the service (and its worker); the first start creates a demo org and token."""
    import uvicorn

    from bulkwrite.api.app import create_app
    from bulkwrite.api.framing import EnvelopeH11Protocol
    from bulkwrite.bootstrap import build_services
    from bulkwrite.services.accounts import ensure_demo_org

    overrides: dict[str, object] = {} if worker is None else {"worker": worker}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    from bulkwrite.settings import Settings

    settings = Settings(**overrides)  # type: ignore[arg-type]
    services = build_services(settings)
    demo = ensure_demo_org(services)
    if demo is not None:
        admin_cmd.print_welcome(settings, demo)
    else:
        typer.echo(
            f"bulkwrite: data in {settings.data_dir.resolve()}; dashboard: "
            f"{settings.base_url}/ui; new token: "
            "bulkwrite token create --scopes ZohoCRM.bulk.ALL,ZohoCRM.modules.ALL,"
            "ZohoFiles.files.ALL",
            err=True,
        )
    uvicorn.run(
        create_app(settings, services),
        host=settings.host,
        port=settings.port,
        log_level="info",
        http=EnvelopeH11Protocol,
    )


@app.command("worker")
def worker_command(
    concurrency: Annotated[
        int, typer.Option(metavar="N", help="jobs this process runs at once")
    ] = 2,
) -> None:
    """Run a distributed worker (needs BULKWRITE_DATABASE_URL=postgresql://…).

    It rides out a database restart (jobs retry their step, the worker reconnects); if the
    database stays away longer than BULKWRITE_STORE_RETRY_SECONDS (120), it exits with status 1
    for its supervisor to restart it. SIGTERM/SIGINT: running jobs finish first; a second
    signal stops at once (the jobs resume elsewhere).
    """
    from bulkwrite.bootstrap import build_services
    from bulkwrite.settings import Settings

    settings = Settings()
    if settings.convert_process is None:  # no API beside the jobs: a thread converts faster
        settings = settings.model_copy(update={"convert_process": False})
    if not settings.uses_postgres:
        typer.echo(
            "error: bulkwrite worker needs PostgreSQL: set BULKWRITE_DATABASE_URL="
            "postgresql://… (with SQLite, serve runs the worker itself)",
            err=True,
        )
        raise typer.Exit(2)
    from bulkwrite.worker.distributed import configure_logging, run_worker

    configure_logging()
    status = run_worker(build_services(settings), concurrency)
    if status:
        raise typer.Exit(status)


def main(args: list[str] | None = None) -> None:
    """Run the command line; a usage error is one ``error:`` line (exit status 2)."""
    command = typer.main.get_command(app)
    try:
        status = command.main(args=args, prog_name="bulkwrite", standalone_mode=False)
    except ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:  # as with --help
            typer.echo(ctx.get_help())
            sys.exit(0)
        typer.echo(f"error: {_usage(exc)}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        sys.exit(130)
    sys.exit(status if isinstance(status, int) else 0)


def _usage(exc: ClickException) -> str:
    message = exc.format_message().rstrip(".")
    ctx = getattr(exc, "ctx", None)
    return f"{message} (see {ctx.command_path} --help)" if ctx is not None else message
