"""``bulkwrite jobs errors JOB_ID`` and ``bulkwrite jobs failed-rows JOB_ID`` (beyond-zoho.md
§5): the rows of a job that did not make it, as a table or JSON, and as a file to fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bulkwrite.cli.common import ProfileOption, ServerOption, TokenOption, connected
from bulkwrite.cli.jobs_cmd import JobIdArgument

#: Error rows the table shows (``--json`` prints them all).
SHOWN = 50


def errors(
    job_id: JobIdArgument,
    as_json: Annotated[
        bool, typer.Option("--json", help="print every error row as JSON", metavar="")
    ] = False,
    server: ServerOption = None,
    token: TokenOption = None,
    profile: ProfileOption = None,
) -> None:
    """Show the rows of a job that were not written: row, column, value and what was expected."""
    with connected(server, token, profile) as client:
        if as_json:
            rows = list(client.all_errors(job_id))
            summary = client.errors(job_id, per_page=1)["summary"]
            typer.echo(json.dumps({"errors": rows, "summary": summary}, indent=2))
            return
        page = client.errors(job_id, per_page=SHOWN)
    console = Console()
    console.print(_summary_table(page["summary"]))
    console.print(_rows_table(page["errors"]))
    total = page["info"]["total_rows"]
    if total > len(page["errors"]):
        typer.echo(f"{len(page['errors'])} of {total} rows shown; --json for all")


def _summary_table(summary: list[dict[str, Any]]) -> Table:
    table = Table(title="Errors by code and column", title_justify="left")
    for name in ("code", "column", "rows"):
        table.add_column(name)
    for item in summary:
        table.add_row(item["code"], item["column"], f"{item['count']:,}")
    return table


def _rows_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="Rows not written", title_justify="left")
    for name in ("resource", "row", "status", "column", "value", "problem"):
        table.add_column(name, overflow="fold")
    for row in rows:
        for error in row["errors"] or [{"column": "", "value": "", "message": ""}]:
            table.add_row(
                str(row["resource"]),
                str(row["row"]),
                row["status"],
                error["column"],
                error["value"],
                error["message"],
            )
    return table


def failed_rows(
    job_id: JobIdArgument,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="PATH", help="default: JOB_ID-failed.zip"),
    ] = None,
    server: ServerOption = None,
    token: TokenOption = None,
    profile: ProfileOption = None,
) -> None:
    """Save the rows of a job that were not written, every uploaded column as uploaded, to fix
    and import again with the same mappings."""
    path = output or Path(f"{job_id}-failed.zip")
    with connected(server, token, profile) as client:
        client.failed_rows(job_id, path)
    typer.echo(str(path))


def retry(
    job_id: JobIdArgument,
    server: ServerOption = None,
    token: TokenOption = None,
    profile: ProfileOption = None,
) -> None:
    """Retry a job's SKIPPED and UNPROCESSED rows as a new job (same request); prints its id."""
    with connected(server, token, profile) as client:
        typer.echo(client.retry(job_id))


def register(jobs: typer.Typer) -> None:
    """Add these commands to ``bulkwrite jobs``."""
    jobs.command("errors")(errors)
    jobs.command("failed-rows")(failed_rows)
    jobs.command("retry")(retry)
