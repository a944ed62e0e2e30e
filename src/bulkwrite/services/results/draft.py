"""The result zip written while a job runs, so it is ready when the last chunk commits.

A run that starts at a job's first chunk hands each chunk's result rows, once committed, to a
thread that deflates them into a local zip (zlib works outside the GIL). When the job completes,
that zip is the result file: no reading every chunk back from the store and compressing it at
the end (0.55 s of a 1M-row job on PostgreSQL). A run that resumed a job, a commit whose rows
were not seen (cut off, then found to have gone through), or any failure of the draft leaves
the result to be assembled from the store as before (``results/assemble.py``).
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

from bulkwrite.files.result_zip import result_csv_header, write_result_zip
from bulkwrite.services.collaborators import Services
from bulkwrite.services.results.assemble import result_csv_name
from bulkwrite.services.run.load import JobRun

log = logging.getLogger(__name__)
_END, _ABANDON = object(), object()


class ResultDraft:
    """A job's result zip, one committed chunk at a time; ``close`` gives it when whole."""

    def __init__(self, services: Services, run: JobRun) -> None:
        tmp = services.files.tmp_dir
        self.path = tmp / f"draft-{run.job.id}-{uuid.uuid4().hex}.zip"
        self._rows: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._spoiled = False
        self._rows.put(result_csv_header(run.echo_header))
        name = result_csv_name(run.job)
        self._thread = threading.Thread(
            target=self._write, args=(name, tmp), name=f"result-{run.job.id}", daemon=True
        )
        self._thread.start()

    def add(self, rendered: bytes | None) -> None:
        """The next chunk's result rows, committed; None: committed, but its rows are unknown."""
        if rendered is None:
            self._spoiled = True
        elif not self._spoiled:
            self._rows.put(rendered)

    def close(self, whole: bool) -> Path | None:
        """The finished zip if ``whole`` (every chunk of a completed job was added) and nothing
        spoiled it; else None, and the draft is gone."""
        self._spoiled |= not whole
        self._rows.put(_ABANDON if self._spoiled else _END)
        self._thread.join()
        if self._spoiled:
            self.path.unlink(missing_ok=True)
            return None
        return self.path

    def _write(self, name: str, tmp: Path) -> None:
        try:
            write_result_zip(self.path, name, self._parts(), tmp)
        except _Abandoned:
            pass
        except Exception:
            log.exception("the result draft %s failed: the result is assembled at the end", name)
            self._spoiled = True

    def _parts(self) -> Iterator[bytes]:
        while (part := self._rows.get()) is not _END:
            if not isinstance(part, bytes):
                raise _Abandoned()
            yield part


class _Abandoned(Exception):
    """The draft is not wanted: the zip being written is removed."""
