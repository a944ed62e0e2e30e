"""Running a job of several resources (contract section 12): the parent resource first, then
each child resource in request order, every one chunked and resumable exactly as a job of one.

The job row says which resource is being written (``Job.resource_no``); its ``rows_done`` and
counts are that resource's, its ``chunks_done`` counts on across them all (chunk results are
kept in one numbering, so the result zip can cut them per resource). Moving on to the next
resource is one compare-and-set that keeps the finished resource's counts (``next_resource``),
in the transaction that also recomputes the parents' totals over their new subform rows.
A child's parent records come from what is committed: the parent CSV's column and the parent
chunks' per-row outcomes (``RECORD_ID``), read again after any crash.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import polars as pl

from bulkwrite.domain.job import Job, JobSpec, Operation, ResourceSpec
from bulkwrite.domain.modules import Field, FieldType, Module, ModuleKind
from bulkwrite.domain.outcome import RowStatus
from bulkwrite.errors import BulkWriteError, DataInvalid
from bulkwrite.files.csvsource import CsvDialect, CsvSource
from bulkwrite.importer.plan import PlanRequest, compile_plan
from bulkwrite.services.collaborators import Services
from bulkwrite.services.dry_run import placeholder_ids
from bulkwrite.services.run.links import ChildLinks, ParentTally, has_line_totals, parent_ids
from bulkwrite.services.run.load import JobRun, dialect_of, load_run, source_path
from bulkwrite.store.base import ChildTotals

#: Rows per piece when a whole column of a CSV is read.
COLUMN_CHUNK = 65536
#: The parent's computed totals, set to the sum of their line items' Net_Total.
PARENT_TOTALS = ("Sub_Total", "Grand_Total")


def child_view(job: Job, number: int) -> Job:
    """Job ``job`` as its child resource ``number`` (1 for the first child) runs: a one-resource
    insert job on the child module and its CSV (its counters are the job's own)."""
    child = job.spec.children[number - 1]
    spec = JobSpec(
        Operation.INSERT,
        child.module,
        job.spec.file_id,
        None,
        child.mappings,
        False,
        child.ignore_empty,
        child.character_encoding,
        child.delimiter,
        job.spec.callback_url,
        job.spec.callback_method,
        child.unmapped_columns,
        child.file_name,
        dry_run=job.spec.dry_run,
    )
    return dataclasses.replace(job, spec=spec, file_name=child.file_name)


def resource_view(job: Job, number: int) -> Job:
    """The job as its resource ``number`` runs (0: the parent, the job itself)."""
    return job if number == 0 else child_view(job, number)


def load_resource_run(services: Services, job: Job) -> JobRun:
    """What the run of the job's current resource needs; a child's rows get their links."""
    number = job.resource_no
    if number == 0:
        return load_run(services, job)
    view = child_view(job, number)
    child = job.spec.children[number - 1]
    run = load_run(services, view)
    module = run.modules[child.module]
    link = child.mappings[child.link]
    texts = _link_as_text(module, link.api_name)
    plan = compile_plan(
        PlanRequest(
            Operation.INSERT,
            texts,
            run.source_header,
            child.mappings,
            None,
            run.modules,
            services.settings.max_columns,
        )
    )
    links = _links(services, job, run, child)
    return dataclasses.replace(run, plan=plan, links=links)


def _link_as_text(module: Module, name: str) -> Module:
    """The child module with its link field read as text (parent values, not ids)."""
    fields = tuple(
        Field(f.api_name, FieldType.TEXT, id=f.id, label=f.label) if f.api_name == name else f
        for f in module.fields
    )
    return dataclasses.replace(module, fields=fields)


def _links(services: Services, job: Job, run: JobRun, child: ResourceSpec) -> ChildLinks:
    parents, replaced = parent_records(services, job, child.parent_column)
    link = child.mappings[child.link]
    assert link.index is not None
    path, dialect, index = source_path(services, run.job), dialect_of(run.job), link.index

    def earlier(rows: int) -> pl.Series:
        return parent_ids(column_values(path, dialect, index).head(rows), parents)

    tally = ParentTally(services.settings.max_child_rows, earlier)
    module = run.modules[child.module]
    other = _other_side(module, link.api_name)
    types = {f.api_name: f.type for f in module.fields}
    prices = None
    if module.kind is ModuleKind.SUBFORM and has_line_totals(dict(types)):
        product = module.field("Product_Name")
        target = product.lookup_module if product else None
        if target in run.tables and run.modules[target].field("Unit_Price") is not None:
            prices = (run.tables[target], "Unit_Price")
    labels = {c.field.api_name: c.label for c in run.plan.columns}
    return ChildLinks(
        link.api_name,
        run.source_header[link.index],
        parents,
        tally,
        module.kind,
        frozenset(replaced) if module.kind is ModuleKind.SUBFORM else frozenset(),
        other,
        prices,
        labels.get(other or "", other or ""),
        int(job.id),
    )


def _other_side(module: Module, link: str) -> str | None:
    """The field naming a link's other side: a linking module's other lookup, a multi-user
    module's user."""
    if module.kind is ModuleKind.MULTIUSER:
        return "User" if module.field("User") else None
    if module.kind is ModuleKind.LINKING:
        others = [
            f.api_name
            for f in module.fields
            if f.type is FieldType.LOOKUP and f.api_name != link and not f.system
        ]
        return others[0] if others else None
    return None


def parent_records(services: Services, job: Job, column: int) -> tuple[pl.DataFrame, set[int]]:
    """Each value of the parent CSV's ``column`` -> the record its first parent row wrote, as
    a frame of ``key`` (String) and ``id`` (Int64; values whose first row was SKIPPED are left
    out), and the records that row UPDATED. Read at column speed (``column_values``)."""
    parent = resource_view(job, 0)
    first = job.resources_done[0] if job.resources_done else None
    if first is None:
        raise BulkWriteError("The parent resource is not written yet.")
    values = column_values(source_path(services, parent), dialect_of(parent), column)
    outcomes = _parent_outcomes(services, job, first.chunks)
    size = min(len(values), len(outcomes))
    frame = pl.DataFrame(
        {
            "key": values.head(size),
            "status": pl.Series([s for s, _ in outcomes[:size]], dtype=pl.String),
            "record": pl.Series([r for _, r in outcomes[:size]], dtype=pl.String),
        }
    ).with_row_index("row")
    added, updated = RowStatus.ADDED.value, RowStatus.UPDATED.value
    if job.spec.dry_run:  # a would-be parent gets its placeholder id
        placeholder = placeholder_ids(pl.col("row")).cast(pl.String)
        would_add = (pl.col("status") == added) & (pl.col("record").fill_null("") == "")
        frame = frame.with_columns(
            record=pl.when(would_add).then(placeholder).otherwise(pl.col("record"))
        )
    firsts = frame.filter(pl.col("key") != "").unique("key", keep="first", maintain_order=True)
    written = pl.col("status").is_in([added, updated]) & (pl.col("record").fill_null("") != "")
    kept = firsts.filter(written).select("key", pl.col("record").cast(pl.Int64).alias("id"))
    replaced = firsts.filter(written & (pl.col("status") == updated))["record"].cast(pl.Int64)
    return kept, set(replaced.to_list())


def column_values(path: Path, dialect: CsvDialect, column: int) -> pl.Series:
    """Column ``column`` of every data row of a CSV (blank rows skipped, as a job reads them;
    a short row's missing cell empty), stripped. Read as the job reads its rows (polars'
    native reader, else the csv module); a file the strict reading refuses is read again with
    undecodable bytes replaced, row by row."""
    try:
        with CsvSource(path, dialect) as source:
            width = max(len(source.header), column + 1)
            parts = [c.columns[column] for c in source.raw_chunks(COLUMN_CHUNK, width)]
    except DataInvalid:
        with CsvSource(path, dialect, errors="replace") as source:
            cells = [row[column] if column < len(row) else "" for row in source.rows()]
        parts = [pl.Series(cells, dtype=pl.String)]
    if not parts:
        return pl.Series("key", [], dtype=pl.String)
    whole = pl.concat(parts) if len(parts) > 1 else parts[0]
    return whole.cast(pl.String).fill_null("").str.strip_chars().alias("key")


def _parent_outcomes(services: Services, job: Job, chunks: int) -> list[tuple[str, str]]:
    """The parent chunks' result rows, as (STATUS, RECORD_ID) in input order."""
    rows: list[tuple[str, str]] = []
    with services.store.transaction(write=False) as tx:
        for number, blob in enumerate(tx.chunk_results(job.id)):
            if number >= chunks:
                break
            rows.extend((r[-3], r[-2]) for r in csv.reader(io.StringIO(blob.decode(), newline="")))
    return rows


def parent_totals(
    job: Job, modules: dict[str, Module], tables: dict[str, str]
) -> ChildTotals | None:
    """The totals the job's current child resource makes its parents recompute, if any: a
    subform with line totals, under a parent with Sub_Total / Grand_Total."""
    if job.resource_no == 0:
        return None
    child = job.spec.children[job.resource_no - 1]
    module, parent = modules[child.module], modules[job.spec.module]
    if module.kind is not ModuleKind.SUBFORM or module.field("Net_Total") is None:
        return None
    targets = tuple(name for name in PARENT_TOTALS if parent.field(name) is not None)
    if not targets:
        return None
    link = child.mappings[child.link].api_name
    return ChildTotals(tables[parent.api_name], tables[module.api_name], link, "Net_Total", targets)
