"""``bulkwrite import FILE --module Deals``: upload, create, follow, summarise, save result.

Exit status: 0 when every row was added or updated, 1 when some rows were skipped, 2 when the
job failed or could not be created (bad input, a refused request, an unreachable server).
**DECIDED**: columns that are not imported are warned about (stderr) but do not change the exit
status (the rows were written as mapped); ``--strict`` refuses such a file before uploading it.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from bulkwrite.cli.common import (
    InputError,
    ProfileOption,
    ServerOption,
    Target,
    TokenOption,
    client_for,
    fail,
    one_line_errors,
    options_command,
)
from bulkwrite.client_models import BulkWriteAPIError
from bulkwrite.domain.job import Operation

if TYPE_CHECKING:
    from bulkwrite.cli.columns import Unread
    from bulkwrite.cli.csvfile import LocalCsv
    from bulkwrite.cli.import_follow import Follow
    from bulkwrite.cli.localtable import LocalTable
    from bulkwrite.cli.mapping import MappingOptions
    from bulkwrite.client import Client, ImportResult, JobDetails, WriteJob
    from bulkwrite.domain.modules import Module

EXIT_OK, EXIT_SKIPPED, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 130


FileArgument = Annotated[
    Path,
    typer.Argument(
        help="the file: CSV, TSV or other delimited text, .gz, a .zip of one, .xlsx or .ods",
        metavar="FILE",
        show_default=False,
    ),
]
ModuleOption = Annotated[
    str | None,
    typer.Option(
        "--module",
        "-m",
        metavar="MODULE",
        help="module API name, e.g. Deals (else the profile's module)",
        show_default=False,
    ),
]
OperationOption = Annotated[Operation, typer.Option(help="what to do with each row")]
FindByOption = Annotated[
    str | None,
    typer.Option("--find-by", metavar="FIELD", help="unique field (or id) matching records"),
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
    bool,
    typer.Option("--ignore-empty", metavar="", help="empty cells leave stored values alone"),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(metavar="ENCODING", help="the text file's encoding (default: detected)"),
]
SheetOption = Annotated[
    str | None,
    typer.Option(metavar="NAME", help="the sheet of an .xlsx or .ods file (default: the first)"),
]
StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict", metavar="", help="refuse a file with a column that would not be imported"
    ),
]
ResultOption = Annotated[
    Path | None,
    typer.Option(metavar="PATH", help="where to save the result CSV (default: FILE.result.csv)"),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", metavar="", help="print only the summary and warnings")
]
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json", metavar="", help="print the final job details as JSON (stdout), no tables"
    ),
]
DryRunOption = Annotated[
    bool,
    typer.Option("--dry-run", metavar="", help="rehearse: the result CSV, no record written"),
]
ReattachOption = Annotated[
    float,
    typer.Option(
        "--reattach-seconds",
        metavar="SECONDS",
        help="how long to wait out a lost connection before giving up (the job goes on)",
    ),
]


@dataclass(frozen=True)
class ImportOptions:
    """Import a file into a module, with a live progress bar and a summary of the result.

    The file is a CSV, TSV or other delimited text file, gzipped or not, a zip holding one, or
    a spreadsheet (.xlsx, .ods: its first sheet, or --sheet). Columns map to fields by header
    (API name or label, loosely spelled) unless --map says otherwise; each column that is not
    imported is named in a warning. The result CSV (one row per input row: STATUS, RECORD_ID,
    ERRORS) is saved beside the file. The job id is printed (stderr) as soon as the job exists,
    and a lost connection is waited out (--reattach-seconds) and re-attached to the job.
    Exit status: 0 every row added or updated, 1 some rows skipped, 2 failed or refused.
    """

    file: FileArgument
    module: ModuleOption = None
    operation: OperationOption = Operation.INSERT
    find_by: FindByOption = None
    maps: MapOption = None
    formats: FormatOption = None
    defaults: DefaultOption = None
    ignore_empty: IgnoreEmptyOption = False
    encoding: EncodingOption = None
    sheet: SheetOption = None
    strict: StrictOption = False
    server: ServerOption = None
    token: TokenOption = None
    profile: ProfileOption = None
    result: ResultOption = None
    quiet: QuietOption = False
    json: JsonOption = False
    reattach_seconds: ReattachOption = 300.0
    dry_run: DryRunOption = False

    @property
    def result_path(self) -> Path:
        return self.result or self.file.with_name(f"{self.file.stem}.result.csv")


@dataclass(frozen=True)
class Prepared:
    """The table to upload and the job to create, with what the CLI knows of its columns."""

    table: LocalTable
    job: WriteJob
    unread: list[Unread] | None  # None: unknown (the module's fields could not be read)


def run_import(opts: ImportOptions) -> int:
    """Do the import; returns the exit status, or raises ``typer.Exit(2)`` on bad input."""
    from bulkwrite.cli.import_follow import Follow

    with one_line_errors():
        target = Target.resolve(opts.server, opts.token, opts.profile, opts.module)
        client = client_for(target.server, target.token)
        with client:
            try:
                known, mapping = _checked(opts, target.module, client)
            except KeyboardInterrupt:
                raise fail("interrupted before the job was created", EXIT_INTERRUPTED) from None
            with _table(opts, known, mapping) as table:
                try:
                    prepared = _prepare(opts, target.module, known, mapping, table)
                except KeyboardInterrupt:
                    raise fail("interrupted before the job was created", EXIT_INTERRUPTED) from None
                follow = Follow(opts.file.name, lambda: table.rows, not opts.quiet)
                with follow:
                    done = _import(opts, client, prepared, follow)
                local = table.local()
        return _report(opts, prepared, local, done.details, done.result_path, follow.elapsed)


def _import(
    opts: ImportOptions, client: Client, prepared: Prepared, follow: Follow
) -> ImportResult:
    """Upload, create (one job however often a dropped create is sent again), follow to the
    end re-attaching after outages, save the result."""
    from bulkwrite.client import ImportSettings

    job, table = prepared.job, prepared.table
    try:
        with table.path.open("rb") as bare:
            settings = ImportSettings(
                ignore_empty=job.ignore_empty,
                encoding=job.encoding,
                packed=bare,
                upload_name=table.name,
                result_path=opts.result_path,
                patience=opts.reattach_seconds,
                dry_run=opts.dry_run,
            )
            return client.import_csv(
                opts.file, job.module, job.operation, job.find_by, job.mappings,
                follow.settings(settings),
            )  # fmt: skip
    except KeyboardInterrupt:
        if follow.job_id is None:
            raise fail("interrupted before the job was created", EXIT_INTERRUPTED) from None
        raise fail(
            f"interrupted; job {follow.job_id} goes on on the server "
            f"(bulkwrite jobs show {follow.job_id})",
            EXIT_INTERRUPTED,
        ) from None
    except BulkWriteAPIError as exc:
        raise _mandatory_hint(exc, prepared) from None


def _checked(
    opts: ImportOptions, module: str | None, client: Client
) -> tuple[Module | None, MappingOptions]:
    """The options checked, and the module's fields (None: this token cannot read them)."""
    from bulkwrite.cli.columns import fetch_module
    from bulkwrite.cli.mapping import MappingOptions

    mapping = MappingOptions.parse(opts.maps or [], opts.formats or [], opts.defaults or [])
    if opts.operation is not Operation.INSERT and not opts.find_by:
        raise InputError(f"--find-by is required with --operation {opts.operation.value}")
    if not module or not module.strip():
        raise InputError("--module is required (or a module in the profile: --profile)")
    return fetch_module(client, module.strip()), mapping


def _table(
    opts: ImportOptions, known: Module | None, mapping: MappingOptions
) -> AbstractContextManager[LocalTable]:
    from bulkwrite.cli.columns import header_match, key_columns
    from bulkwrite.cli.localtable import local_table

    def watch(header: list[str]) -> list[int]:
        return key_columns(header, mapping, header_match(known, header), opts.find_by)

    return local_table(opts.file, opts.encoding, opts.sheet, watch)


def _prepare(
    opts: ImportOptions,
    module: str | None,
    known: Module | None,
    mapping: MappingOptions,
    table: LocalTable,
) -> Prepared:
    from bulkwrite.cli.columns import header_match, refuse_unread, unread_columns
    from bulkwrite.cli.mapping import build_mappings
    from bulkwrite.client import WriteJob

    assert module is not None
    match = header_match(known, table.header)
    mappings = build_mappings(mapping, table.header, match)  # checks every --map
    unread = unread_columns(table.header, mapping, match)
    if opts.strict and unread is None:
        raise InputError("--strict needs the module's fields, which this token cannot read")
    if opts.strict and unread:
        raise refuse_unread(unread)
    job = WriteJob(
        module=module.strip(),
        operation=opts.operation.value,
        find_by=opts.find_by,
        mappings=mappings,
        ignore_empty=opts.ignore_empty,
        encoding=opts.encoding,
    )
    return Prepared(table, job, unread)


def _mandatory_hint(exc: BulkWriteAPIError, prepared: Prepared) -> Exception:
    """A refusal for unmapped mandatory fields says how to map them; other errors as they are."""
    from bulkwrite.cli.columns import mandatory_hint

    if exc.code != "MANDATORY_FIELDS_NOT_MAPPED":
        return exc
    missing = [str(f) for f in exc.details.get("fields") or []]
    hint = mandatory_hint(missing, prepared.unread)
    return InputError(f"{exc.code}: {exc.message.rstrip('.')}; {hint}")


def _report(
    opts: ImportOptions,
    prepared: Prepared,
    local: LocalCsv,
    details: JobDetails,
    saved: Path | None,
    elapsed: float,
) -> int:
    from bulkwrite.cli.report import (
        error_stats,
        errors_table,
        job_warnings,
        summary_line,
        summary_table,
    )

    if opts.json:
        document = {**details.raw, "result_file": None if saved is None else str(saved)}
        typer.echo(json.dumps(document, indent=2))
    elif not opts.quiet:
        out = Console()
        out.print(summary_table(details, elapsed, saved))
        stats = error_stats(saved, local.header) if saved is not None else []
        if stats:
            out.print(errors_table(stats))
    if not opts.json:
        typer.echo(summary_line(details, opts.file.name, saved))
    for warning in job_warnings(details, local, prepared.unread, opts.find_by):
        typer.echo(warning, err=True)
    if details.status == "FAILED":
        error = details.error
        reason = f"{error.code}: {error.message}" if error else "no reason given"
        typer.echo(f"error: job {details.id} FAILED: {reason}", err=True)
        return EXIT_FAILED
    return EXIT_SKIPPED if details.counts.skipped else EXIT_OK


import_command = options_command(ImportOptions, run_import)
