"""Names shared by whoever defers work and whoever runs it (the distributed task engine)."""

TASK_QUEUE = "bulkwrite"
RUN_JOB_TASK = "bulkwrite.run_job"
#: Converts one chunk of a split job, then writes whatever chunks are next in input order.
PREPARE_CHUNK_TASK = "bulkwrite.prepare_chunk"


def job_lock(job_id: str) -> str:
    """Tasks of one job hold this lock: no two workers run the same job at once."""
    return f"job-{job_id}"
