"""The client's one-call import (``Client.import_csv``) and waiting that outlives a dropped
connection (``Client.wait_reattaching``): functions of a ``Client``, kept apart so client.py
stays small.

``import_csv`` uploads a file, creates the job with an ``Idempotency-Key`` of its own (so a
create sent again after a dropped connection never makes two jobs), tells ``on_created`` the
job id as soon as it exists, waits for the end and saves the result. While it waits (and while
it creates), transient network errors — a refused or reset connection, a timeout, a 502, 503 or
504 — are retried with the package's one retry policy (``bulkwrite.retry``: tenacity, 0.1 s
doubling to 5 s) for up to ``patience`` seconds per outage; after that ``JobUnreachable`` says
what happened and names the job, which goes on on the server.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from bulkwrite.client_models import (
    BulkWriteAPIError,
    FieldMap,
    JobDetails,
    ServerUnreachable,
    WriteJob,
)
from bulkwrite.retry import persist

if TYPE_CHECKING:
    from bulkwrite.client import Client

#: HTTP statuses of a proxy or a server that is restarting: worth another try.
TRANSIENT_STATUSES = frozenset({502, 503, 504})
#: How long one outage is waited out (seconds) before the import gives up.
DEFAULT_PATIENCE = 300.0

OnRetry = Callable[[str, BaseException, float], None]


class JobUnreachable(ServerUnreachable):
    """The server was lost for longer than the patience while a job was created or waited
    for; ``job_id`` (None if the create never answered) goes on on the server."""

    def __init__(self, base_url: str, reason: str, job_id: str | None) -> None:
        super().__init__(base_url, reason)
        self.job_id = job_id
        where = f"job {job_id}" if job_id else "the job's creation"
        after = (
            f"; the job goes on on the server: bulkwrite jobs show {job_id}"
            if job_id
            else "; no job may have been made, or one was: bulkwrite jobs"
        )
        self.args = (f"lost the server at {base_url} while waiting for {where} ({reason}){after}",)


def transient(exc: BaseException) -> bool:
    """An error worth another try: no answer at all, or a 502/503/504."""
    if isinstance(exc, ServerUnreachable):
        return True
    return isinstance(exc, BulkWriteAPIError) and exc.status in TRANSIENT_STATUSES


@dataclass(frozen=True)
class ImportSettings:
    """What an import does beyond module, operation, find_by and mappings.

    ``packed``: the upload as it is (a zip or CSV stream, named ``upload_name``) instead of
    packing the path (``Client.upload_csv``: CSV, TSV, gzip, zip, .xlsx, .ods; ``sheet``).
    ``on_created(job_id)`` is called as soon as the job exists; ``progress(details)`` with each
    details polled; ``on_retry(job_id or "", error, pause)`` before each retry of a transient
    error. ``result_path``: where the result CSV is saved (None: not saved)."""

    ignore_empty: bool = False
    encoding: str | None = None
    callback_url: str | None = None
    sheet: str | None = None
    packed: IO[bytes] | None = None
    upload_name: str | None = None
    result_path: Path | None = None
    timeout: float | None = None
    patience: float = DEFAULT_PATIENCE
    on_created: Callable[[str], None] | None = None
    progress: Callable[[JobDetails], None] | None = None
    on_retry: OnRetry | None = None
    idempotency_key: str | None = None
    dry_run: bool = False  # a rehearsal: the result file, no record written


@dataclass(frozen=True)
class ImportResult:
    """An import that ended: the final details, and where its result is (the server's
    ``download_url``, and the saved CSV when one was asked for)."""

    details: JobDetails
    download_url: str | None
    result_path: Path | None

    @property
    def job_id(self) -> str:
        return self.details.id


def create_job_once(
    client: Client,
    body: dict[str, Any],
    key: str,
    patience: float,
    on_retry: OnRetry | None = None,
) -> str:
    """Create the job with ``key`` as its Idempotency-Key, sent again (same key, same
    body) after a transient error: one job however often it is sent."""
    url = f"/crm/bulk/{client.version}/write"

    def attempt(_: int) -> str:
        response = client._send("POST", url, json=body, headers={"Idempotency-Key": key})
        return str(client._json(response)["details"]["id"])

    try:
        return persist(attempt, transient, patience, _told(on_retry, ""))
    except (ServerUnreachable, BulkWriteAPIError) as exc:
        if not transient(exc):
            raise
        raise JobUnreachable(client.base_url, _reason(exc), None) from None


def job_reattaching(
    client: Client,
    job_id: str,
    patience: float = DEFAULT_PATIENCE,
    on_retry: OnRetry | None = None,
) -> JobDetails:
    """The job's details, a transient error retried for up to ``patience`` seconds."""
    try:
        return persist(lambda _: client.job(job_id), transient, patience, _told(on_retry, job_id))
    except (ServerUnreachable, BulkWriteAPIError) as exc:
        if not transient(exc):
            raise
        raise JobUnreachable(client.base_url, _reason(exc), job_id) from None


def wait_reattaching(
    client: Client, job_id: str, settings: ImportSettings | None = None
) -> JobDetails:
    """Poll until the job ends, re-attaching after a dropped connection or a restarted
    server (each outage waited out for up to ``settings.patience`` seconds)."""
    settings = settings or ImportSettings()
    deadline = None if settings.timeout is None else time.monotonic() + settings.timeout
    pause = 0.01
    while True:
        details = job_reattaching(client, job_id, settings.patience, settings.on_retry)
        if settings.progress is not None:
            settings.progress(details)
        if details.done:
            return details
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} is still {details.status}")
        time.sleep(pause)  # client-side polling of a real server
        pause = next_pause(pause, details)


#: The shortest and the longest pause between two polls of a running job (seconds).
MIN_PAUSE, MAX_PAUSE = 0.02, 0.5


def next_pause(pause: float, details: JobDetails) -> float:
    """The pause after ``pause``: growing by half up to ``MAX_PAUSE``, but never beyond half
    the time the server expects the job still needs (``progress.eta_seconds``), so the end
    of a job is seen about when it comes, not up to a whole back-off later."""
    longer = min(pause * 1.5, MAX_PAUSE)
    progress = details.raw.get("progress")
    eta = progress.get("eta_seconds") if isinstance(progress, dict) else None
    if isinstance(eta, int | float) and not isinstance(eta, bool) and eta >= 0:
        return max(MIN_PAUSE, min(longer, eta / 2))
    return longer


def import_csv(
    client: Client,
    path: Path,
    module: str,
    operation: str = "insert",
    find_by: str | None = None,
    mappings: Sequence[FieldMap] | None = None,
    settings: ImportSettings | None = None,
) -> ImportResult:
    """Upload ``path``, create the job, wait for its end, save the result if asked;
    the final details and where the result is. Raises ``BulkWriteAPIError`` for a refused
    request, ``JobUnreachable`` after an outage longer than the patience."""
    settings = settings or ImportSettings()
    job = WriteJob(
        module=module,
        operation=operation,
        find_by=find_by,
        mappings=mappings,
        ignore_empty=settings.ignore_empty,
        encoding=settings.encoding,
        callback_url=settings.callback_url,
    )
    if settings.packed is not None:
        file_id = client.upload(settings.packed, settings.upload_name or f"{path.stem}.zip")
    else:
        file_id = client.upload_csv(path, settings.sheet)
    key = settings.idempotency_key or f"bulkwrite-import-{uuid.uuid4()}"
    body = {**job.body(file_id), "dry_run": True} if settings.dry_run else job.body(file_id)
    job_id = create_job_once(client, body, key, settings.patience, settings.on_retry)
    if settings.on_created is not None:
        settings.on_created(job_id)
    details = wait_reattaching(client, job_id, settings)
    saved = None
    if settings.result_path is not None and details.download_url is not None:
        saved = client.save_result(details, settings.result_path, unzip=True)
    return ImportResult(details, details.download_url, saved)


def _told(on_retry: OnRetry | None, job_id: str) -> Callable[[BaseException, float], None] | None:
    if on_retry is None:
        return None
    return lambda error, pause: on_retry(job_id, error, pause)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ServerUnreachable):
        return exc.reason
    assert isinstance(exc, BulkWriteAPIError)
    return f"HTTP {exc.status}"
