"""Everything constant while one job runs, loaded once per run."""

from __future__ import annotations

from dataclasses import dataclass

from bulkwrite.domain.accounts import User
from bulkwrite.domain.job import Job
from bulkwrite.domain.schema import Module
from bulkwrite.importer.plan import MappingPlan


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

    @property
    def job_id(self) -> int:
        return int(self.job.id)

    @property
    def user_id(self) -> int:
        return int(self.job.user_id)

    @property
    def echo_header(self) -> list[str]:
        return [self.source_header[i] for i in self.plan.echo]
