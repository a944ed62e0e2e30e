"""``bulkwrite jobs list``, ``jobs watch JOB_ID`` and ``jobs cancel JOB_ID`` (beyond-zoho.md
sections 1-3)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bulkwrite.cli.common import (
    ProfileOption,
    ServerOption,
    TokenOption,
    connected,
    fail,
)
from bulkwrite.cli.jobs_cmd import JobIdArgument
from bulkwrite.cli.progress import JobProgress


def list_command(
    status: Annotated[
        str | None,
        typer.Option("--status", help="only jobs in these states, comma-separated", metavar="S"),
    ] = None,
    module: Annotated[
        str | None, typer.Option("--module", "-m", help="only jobs of this module", metavar="M")
    ] = None,
    per_page: Annotated[
        int, typer.Option("--limit", help="at most this many jobs (1-200)", metavar="N")
    ] = 50,
    page_token: Annotated[
        str | None,
        typer.Option(
            "--page-token", help="the next page: the token the page before printed", metavar="T"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the raw JSON", metavar="")] = False,
    server: ServerOption = None,
    token: TokenOption = None,
    profile: ProfileOption = None,
) -> None:
    """List the org's jobs, newest first: id, status, module, operation, rows, created; when
    there are more, the ``--page-token`` of the next page (the same filters and --limit)."""
    with connected(server, token, profile) as client:
        jobs, info = client.list_jobs(
            status=status, module=module, per_page=per_page, page_token=page_token
        )
    if as_json:
        typer.echo(json.dumps({"jobs": [j.raw for j in jobs], "info": info}, indent=2))
        return
    table = Table(title_justify="left")
    table.add_column("id", no_wrap=True, min_width=18)  # an id is copied whole, never cut
    for column in ("status", "module", "operation", "rows", "created"):
        table.add_column(column, overflow="fold")
    for job in jobs:
        progress = job.raw.get("progress") or {}
        rows = progress.get("rows_total")
        done = f"{progress.get('rows_done', 0):,}" + (f"/{rows:,}" if rows is not None else "")
        created = str(job.raw.get("created_time", ""))
        table.add_row(job.id, job.status, job.module, job.operation, done, created)
    Console().print(table)
    following = info.get("next_page_token")
    if following:
        typer.echo(f"more jobs: the next page is --page-token {following}", err=True)


def watch_command(
    job_id: JobIdArgument,
    server: ServerOption = None,
    token: TokenOption = None,
    profile: ProfileOption = None,
) -> None:
    """Follow a job live, from its event stream, until it ends; exit 2 unless COMPLETED."""
    console = Console(stderr=True)
    with connected(server, token, profile) as client:
        last = None
        with JobProgress(console, 0, f"job {job_id}") as bar:
            for details in client.events(job_id):
                total = (details.raw.get("progress") or {}).get("rows_total")
                bar.grow(int(total or 0))
                bar.update(details)
                last = details
    if last is None:
        raise fail(f"job {job_id}: the stream ended before any details")
    typer.echo(f"job {job_id} {last.status}")
    if last.status != "COMPLETED":
        raise typer.Exit(2)


def cancel_command(
    job_id: JobIdArgument,
    server: ServerOption = None,
    token: TokenOption = None,
    profile: ProfileOption = None,
) -> None:
    """Cancel a job: it stops after the chunk in flight; rows never reached are UNPROCESSED."""
    with connected(server, token, profile) as client:
        answer = client.cancel(job_id)
    typer.echo(f"job {job_id}: {answer.get('message')}")


def register(jobs_app: typer.Typer) -> None:
    """Add the commands to ``bulkwrite jobs``."""
    jobs_app.command("list")(list_command)
    jobs_app.command("watch")(watch_command)
    jobs_app.command("cancel")(cancel_command)
