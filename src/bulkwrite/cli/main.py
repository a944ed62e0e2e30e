"""``bulkwrite``: serve, and manage tokens, orgs, users and profiles."""

from __future__ import annotations

from typing import Annotated

import typer

from bulkwrite.cli import admin_cmd, db_cmd, import_cmd, jobs_cmd
from bulkwrite.cli.schema_cmd import schema_app
from bulkwrite.settings import Settings

app = typer.Typer(
    help="A self-hosted Bulk Write service speaking Zoho CRM's Bulk Write API.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(admin_cmd.token_app, name="token")
app.add_typer(admin_cmd.org_app, name="org")
app.add_typer(admin_cmd.user_app, name="user")
app.add_typer(admin_cmd.profile_app, name="profile")
app.add_typer(schema_app, name="schema")
app.command("import")(import_cmd.import_command)
app.add_typer(jobs_cmd.jobs_app, name="jobs")
app.add_typer(db_cmd.db_app, name="db")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    worker: Annotated[
        bool | None, typer.Option(help="run the job worker in this process [default: on]")
    ] = None,
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
    settings = Settings(**overrides)  # type: ignore[arg-type]
    services = build_services(settings)
    demo = ensure_demo_org(services)
    if demo is not None:
        admin_cmd.print_welcome(settings, demo)
    else:
        typer.echo(
            f"bulkwrite: data in {settings.data_dir.resolve()}; new token: "
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
    concurrency: Annotated[int, typer.Option(help="jobs this process runs at once")] = 2,
) -> None:
    """Run a distributed worker (needs BULKWRITE_DATABASE_URL=postgresql://…).

    It rides out a database restart (jobs retry their step, the worker reconnects); if the
    database stays away longer than BULKWRITE_STORE_RETRY_SECONDS (120), it exits with status 1
    for its supervisor to restart it. SIGTERM/SIGINT: running jobs finish first; a second
    signal stops at once (the jobs resume elsewhere).
    """
    from bulkwrite.bootstrap import build_services

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


def main() -> None:
    app()
