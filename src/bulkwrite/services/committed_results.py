"""The result rows a running job has committed so far (beyond-zoho.md §5 while a job runs): its
errors and failed rows are answered from its chunks' stored result rows, in the shape of the
result file's tables (``job_errors.result_tables``). Each chunk is read in a transaction of its
own (a committed chunk never changes), so memory is bounded by one chunk."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from bulkwrite.domain.job import FINAL_STATES, Job
from bulkwrite.services.collaborators import Services

#: Each resource's result rows, a header row first: (resource number, rows).
Tables = Iterator[tuple[int, Iterator[list[str]]]]


def still_open(job: Job) -> bool:
    """Whether the job has not ended (its errors come from its committed chunks)."""
    return job.status not in FINAL_STATES and not job.result_ready


def committed_tables(services: Services, job: Job) -> tuple[Job, Tables]:
    """The job as it stands now and each resource's result rows of the chunks committed by
    then (none for a resource not reached)."""
    with services.store.transaction(write=False) as tx:
        current = tx.get_job(job.id) or job
    spans = [done.chunks for done in current.resources_done]
    spans.append(current.chunks_done - sum(spans))
    spans += [0] * (len(current.spec.children) + 1 - len(spans))
    starts = [sum(spans[:n]) for n in range(len(spans))]
    tables = (
        (n, _rows(services, job.id, range(start, start + span)))
        for n, (start, span) in enumerate(zip(starts, spans, strict=True))
    )
    return current, tables


def _rows(services: Services, job_id: str, chunk_numbers: range) -> Iterator[list[str]]:
    yield []  # where the result file has its header
    for chunk_no in chunk_numbers:
        with services.store.transaction(write=False) as tx:
            chunk = tx.chunk_result(job_id, chunk_no)
        if chunk is None:
            return  # dropped since (the job ended long ago): no more rows
        yield from csv.reader(io.StringIO(chunk.decode("utf-8"), newline=""))
