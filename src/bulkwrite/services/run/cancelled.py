"""What the runner checks of a cancel (``services/cancel.py``), inside each chunk's
transaction before it writes."""

from __future__ import annotations

from bulkwrite.store.base import Tx


class JobCancelled(Exception):
    """Raised inside a chunk's transaction when the job was cancelled: nothing is written."""


def check_open(tx: Tx, job_id: str) -> None:
    """``JobCancelled`` if a cancel of the job was accepted."""
    control = tx.get_job_control(job_id)
    if control is not None and control.cancel_requested:
        raise JobCancelled(job_id)
