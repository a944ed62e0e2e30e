"""What one run of a job works with (``JobRun``, constant while it runs), loaded from the store
and the job's file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bulkwrite.domain.identity import User
from bulkwrite.domain.job import Job
from bulkwrite.domain.modules import Module
from bulkwrite.errors import BulkWriteError
from bulkwrite.files.csvsource import CsvDialect, CsvSource
from bulkwrite.importer.plan import MappingPlan, compile_spec
from bulkwrite.services.collaborators import Services
from bulkwrite.services.dry_run import Rehearsal, rehearsal_of
from bulkwrite.services.run.links import ChildLinks


@dataclass(frozen=True)
class JobRun:
    job: Job
    plan: MappingPlan
    table: str
    source_header: list[str]
    modules: dict[str, Module]
    tables: dict[str, str]  # module API name -> record table
    users: list[User]
    max_rows: int
    #: A child resource's rows: how they find their parent records (section 12).
    links: ChildLinks | None = None
    #: A dry run's would-be writes so far (None: a real run; ``services/dry_run.py``).
    dry: Rehearsal | None = None

    @property
    def job_id(self) -> int:
        return int(self.job.id)

    @property
    def user_id(self) -> int:
        return int(self.job.user_id)

    @property
    def echo_header(self) -> list[str]:
        return [self.source_header[i] for i in self.plan.echo]


def load_run(services: Services, job: Job, header: Sequence[str] | None = None) -> JobRun:
    """What a run of ``job`` needs; ``header``: the source's header when already known (a
    split job keeps it), else it is read from the file."""
    spec = job.spec
    with services.store.transaction(write=False) as tx:
        modules = {m.api_name: m for m in tx.list_modules(job.org_id)}
        tables = {name: tx.record_table(job.org_id, name) for name in modules}
        stored = tx.get_file(job.org_id, spec.file_id)
        users = tx.list_users(job.org_id)
    csv = None if stored is None else stored.csv(spec.file_name)
    if csv is None:
        raise BulkWriteError("The uploaded file is gone.")
    if header is None:
        with CsvSource(services.files.local_path(csv.path), dialect_of(job)) as source:
            header = source.header
    module = modules[spec.module]
    plan = compile_spec(spec, module, modules, list(header), services.settings.max_columns)
    return JobRun(
        job,
        plan,
        tables[spec.module],
        list(header),
        modules,
        tables,
        users,
        services.settings.max_rows,
        dry=rehearsal_of(job),
    )


def dialect_of(job: Job) -> CsvDialect:
    return CsvDialect(job.spec.character_encoding, job.spec.delimiter)


def source_path(services: Services, job: Job) -> Path:
    with services.store.transaction(write=False) as tx:
        stored = tx.get_file(job.org_id, job.spec.file_id)
    csv = None if stored is None else stored.csv(job.spec.file_name)
    if csv is None:
        raise BulkWriteError("The uploaded file is gone.")
    return services.files.local_path(csv.path)
