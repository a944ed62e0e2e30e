"""``bulkwrite jobs show JOB_ID`` and ``bulkwrite jobs result JOB_ID``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bulkwrite.cli.common import (
    ProfileOption,
    ServerOption,
    TokenOption,
    connected,
    fail,
)

if TYPE_CHECKING:
    from bulkwrite.client import JobDetails

jobs_app = typer.Typer(
    help="Look at a job: its details and its result file.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

JobIdArgument = Annotated[
    str, typer.Argument(help="the job id", metavar="JOB_ID", show_default=False)
]


@jobs_app.command("show")
def show(
    job_id: JobIdArgument,
    as_json: Annotated[bool, typer.Option("--json", help="print the raw JSON", metavar="")] = False,
    server: ServerOption = None,
    token: TokenOption = None,
    profile: ProfileOption = None,
) -> None:
    """Show a job's details: status, counts, mappings, result URL."""
    with connected(server, token, profile) as client:
        details = client.job(job_id)
    if as_json:
        typer.echo(json.dumps(details.raw, indent=2))
    else:
        Console().print(details_table(details))


@jobs_app.command("result")
def result(
    job_id: JobIdArgument,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="a .zip, or a .csv to unzip (default: JOB_ID.zip)",
        ),
    ] = None,
    server: ServerOption = None,
    token: TokenOption = None,
    profile: ProfileOption = None,
) -> None:
    """Save a job's result file: the zip, or the CSV inside it if the path ends with .csv."""
    path = output or Path(f"{job_id}.zip")
    with connected(server, token, profile) as client:
        details = client.job(job_id)
        if details.download_url is None:
            raise fail(f"job {job_id} has no result yet (status {details.status})")
        client.save_result(details, path)
    typer.echo(str(path))


def details_table(details: JobDetails) -> Table:
    table = Table(title=f"Job {details.id}", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value", overflow="fold")
    counts = details.counts
    raw, resource = details.raw, details.resource
    rows: list[tuple[str, Any]] = [
        ("Status", details.status),
        ("Operation", details.operation),
        ("Module", details.module),
        ("File", details.file_name),
        ("Find by", resource.get("find_by")),
        ("Rows", f"{counts.total:,}"),
        ("Added", f"{counts.added:,}"),
        ("Updated", f"{counts.updated:,}"),
        ("Skipped", f"{counts.skipped:,}"),
        ("Encoding", raw.get("character_encoding")),
        ("Ignore empty", raw.get("ignore_empty")),
        ("Created by", (raw.get("created_by") or {}).get("name")),
        ("Created", raw.get("created_time")),
        ("Mappings", _mappings(resource.get("field_mappings") or [])),
        ("Not imported", ", ".join(resource.get("unmapped_columns") or [])),
        ("Callback", (raw.get("callback") or {}).get("url")),
        ("Callback delivery", _delivery((raw.get("callback") or {}).get("delivery"))),
        ("Error", f"{details.error.code}: {details.error.message}" if details.error else None),
        ("Result", details.download_url),
    ]
    for label, value in rows:
        if value is not None and value != "":
            table.add_row(label, Text(str(value)))
    return table


def _delivery(delivery: dict[str, Any] | None) -> str | None:
    """``delivered after 1 attempt``, ``pending (2 attempts: the receiver answered 503)``."""
    if not delivery:
        return None
    attempts = int(delivery.get("attempts") or 0)
    text = f"{delivery.get('status')} after {attempts} attempt{'s' if attempts != 1 else ''}"
    error = delivery.get("last_error")
    return f"{text}: {error}" if error and delivery.get("status") != "delivered" else text


def _mappings(mappings: list[dict[str, Any]]) -> str:
    parts = []
    for m in mappings:
        text = f"{m.get('index') if m.get('index') is not None else '-'}->{m.get('api_name')}"
        if m.get("find_by"):
            text += f" (by {m['find_by']})"
        if m.get("format"):
            text += f" [{m['format']}]"
        default = m.get("default_value")
        if isinstance(default, dict) and "value" in default:
            text += f" = {default['value']!r}"
        parts.append(text)
    return "; ".join(parts)
