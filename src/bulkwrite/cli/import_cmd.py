"""``bulkwrite import FILE.csv --module Deals``: upload, create, follow, summarise, save result.

Exit status: 0 when every row was added or updated, 1 when some rows were skipped, 2 when the
job failed or could not be created (bad input, a refused request, an unreachable server).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from bulkwrite.cli.common import (
    DEFAULT_SERVER,
    InputError,
    ServerOption,
    TokenOption,
    connect,
    fail,
    one_line_errors,
    options_command,
)
from bulkwrite.domain.job import Operation

if TYPE_CHECKING:
    from bulkwrite.cli.csvfile import LocalCsv
    from bulkwrite.client import Client, JobDetails, WriteJob

EXIT_OK, EXIT_SKIPPED, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 130


FileArgument = Annotated[Path, typer.Argument(help="the CSV file to import", show_default=False)]
ModuleOption = Annotated[
    str, typer.Option("--module", "-m", help="module API name, e.g. Deals", show_default=False)
]
OperationOption = Annotated[Operation, typer.Option(help="what to do with each row")]
FindByOption = Annotated[
    str | None, typer.Option("--find-by", help="unique field (or id) matching records")
]
MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", metavar="COL=Field", help="read column COL (header or index)"),
]
FormatOption = Annotated[
    list[str] | None,
    typer.Option("--format", metavar="Field=PATTERN", help="date or number pattern"),
]
DefaultOption = Annotated[
    list[str] | None,
    typer.Option("--default", metavar="Field=VALUE", help="value for empty or absent cells"),
]
IgnoreEmptyOption = Annotated[
    bool, typer.Option("--ignore-empty", help="empty cells leave stored values alone")
]
EncodingOption = Annotated[str | None, typer.Option(help="the file's encoding (default: detected)")]
ResultOption = Annotated[
    Path | None, typer.Option(help="where to save the result CSV (default: FILE.result.csv)")
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="print only the summary")]


@dataclass(frozen=True)
class ImportOptions:
    """Import a CSV file into a module, with a live progress bar and a summary of the result.

    The result CSV (one row per input row: STATUS, RECORD_ID, ERRORS) is saved beside the file.
    Exit status: 0 every row added or updated, 1 some rows skipped, 2 failed or refused.
    """

    file: FileArgument
    module: ModuleOption
    operation: OperationOption = Operation.INSERT
    find_by: FindByOption = None
    maps: MapOption = None
    formats: FormatOption = None
    defaults: DefaultOption = None
    ignore_empty: IgnoreEmptyOption = False
    encoding: EncodingOption = None
    server: ServerOption = DEFAULT_SERVER
    token: TokenOption = None
    result: ResultOption = None
    quiet: QuietOption = False

    @property
    def result_path(self) -> Path:
        return self.result or self.file.with_name(f"{self.file.stem}.result.csv")


def run_import(opts: ImportOptions) -> int:
    """Do the import; returns the exit status, or raises ``typer.Exit(2)`` on bad input."""
    with one_line_errors():
        client = connect(opts.server, opts.token)
        with client, tempfile.TemporaryFile() as packed:
            try:
                local, job = _prepare(opts, packed)
                packed.seek(0)
                file_id = client.upload(packed, f"{opts.file.stem}.zip")
                job_id = client.create_job(job.body(file_id))
            except KeyboardInterrupt:
                raise fail("interrupted before the job was created", EXIT_INTERRUPTED) from None
            started = time.monotonic()
            details = _follow(client, job_id, local, opts.quiet)
            elapsed = time.monotonic() - started
            saved = None
            if details.download_url is not None:
                saved = client.save_result(details, opts.result_path, unzip=True)
        return _report(opts, details, saved, elapsed)


def _prepare(opts: ImportOptions, packed: IO[bytes]) -> tuple[LocalCsv, WriteJob]:
    from bulkwrite.cli.csvfile import pack_csv
    from bulkwrite.cli.mapping import MappingOptions, build_mappings
    from bulkwrite.client import WriteJob

    mapping = MappingOptions.parse(opts.maps or [], opts.formats or [], opts.defaults or [])
    if opts.operation is not Operation.INSERT and not opts.find_by:
        raise InputError(f"--find-by is required with --operation {opts.operation.value}")
    if not opts.module.strip():
        raise InputError("--module is empty")
    local = pack_csv(opts.file, packed, opts.encoding)
    job = WriteJob(
        module=opts.module.strip(),
        operation=opts.operation.value,
        find_by=opts.find_by,
        mappings=build_mappings(mapping, local.header),
        ignore_empty=opts.ignore_empty,
        encoding=opts.encoding,
    )
    return local, job


def _follow(client: Client, job_id: str, local: LocalCsv, quiet: bool) -> JobDetails:
    from bulkwrite.cli.progress import JobProgress

    try:
        progress = JobProgress(Console(stderr=True), local.rows, local.path.name, not quiet)
        with progress:
            return client.wait(job_id, timeout=None, progress=progress.update)
    except KeyboardInterrupt:
        raise fail(
            f"interrupted; job {job_id} goes on on the server (bulkwrite jobs show {job_id})",
            EXIT_INTERRUPTED,
        ) from None


def _report(opts: ImportOptions, details: JobDetails, saved: Path | None, elapsed: float) -> int:
    from bulkwrite.cli.report import error_stats, errors_table, summary_line, summary_table

    if not opts.quiet:
        out = Console()
        out.print(summary_table(details, elapsed, saved))
        stats = error_stats(saved) if saved is not None else []
        if stats:
            out.print(errors_table(stats))
    typer.echo(summary_line(details, opts.file.name, saved))
    if details.status == "FAILED":
        error = details.error
        reason = f"{error.code}: {error.message}" if error else "no reason given"
        typer.echo(f"error: job {details.id} FAILED: {reason}", err=True)
        return EXIT_FAILED
    return EXIT_SKIPPED if details.counts.skipped else EXIT_OK


import_command = options_command(ImportOptions, run_import)
