"""Results past their time (``result_ttl_days``): forgotten first, then deleted."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bulkwrite.clock import now
from bulkwrite.errors import StateConflict
from bulkwrite.services.collaborators import Services
from bulkwrite.services.results.assemble import result_key

log = logging.getLogger(__name__)
#: Chunks' rendered rows outlive their job by this much, so a late second delivery of a job
#: that rebuilds the result zip rebuilds the same file.
CHUNK_RESULTS_GRACE = timedelta(hours=1)


def sweep_chunk_results(services: Services, at: datetime | None = None) -> list[str]:
    """Drop the per-chunk result rows of jobs that ended more than the grace period ago."""
    with services.store.transaction(write=False) as tx:
        done = tx.jobs_with_chunk_results((at or now()) - CHUNK_RESULTS_GRACE)
    for job_id in done:
        with services.store.transaction() as tx:
            tx.drop_chunk_results(job_id)
    return done


def sweep_expired_results(services: Services, at: datetime | None = None) -> list[str]:
    """Expire every result older than the TTL at ``at`` (default now); returns their job ids.

    The job stops offering its result before the file goes, so no download is handed a
    result that is being deleted; a crash between the two leaves only an orphan file.
    """
    cutoff = (at or now()) - timedelta(days=services.settings.result_ttl_days)
    with services.store.transaction(write=False) as tx:
        expired = tx.expired_results(cutoff)
    for job_id in expired:
        try:
            with services.store.transaction() as tx:
                tx.expire_result(job_id)
        except StateConflict:
            continue  # another process's sweep expired it first, and deletes the file
        try:
            services.files.delete(result_key(job_id))
        except OSError:
            log.warning("job %s: the expired result file could not be deleted", job_id)
    return expired
