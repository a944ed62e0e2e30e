"""Upload a file: stream it to a local CSV, count its data rows (each CSV of a zip), put it in
the file storage, then record it with its counts (a job's ``progress.rows_total`` from its
create on, beyond-zoho.md section 2)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from bulkwrite.clock import now
from bulkwrite.domain.idempotency import Answer
from bulkwrite.domain.identity import FileMember, Principal, RowCount, StoredFile
from bulkwrite.domain.scopes import may_upload
from bulkwrite.errors import DataInvalid, FeatureNotSupported, ScopeMismatch
from bulkwrite.files.partfile import is_part, sweep_parts
from bulkwrite.files.rowcount import StreamedCount, count_upload
from bulkwrite.files.upload_files import StoredUpload, adopt_upload, store_upload
from bulkwrite.services.collaborators import Services
from bulkwrite.services.idempotency import Hold


def check_upload_headers(principal: Principal, feature: str | None, org_header: str | None) -> None:
    if not may_upload(principal.scopes):
        raise ScopeMismatch()
    if feature is not None and feature != "bulk-write":
        raise FeatureNotSupported()
    if org_header is not None and org_header.strip() not in (principal.org.zgid, ""):
        raise DataInvalid.at(
            "X-CRM-ORG", "X-CRM-ORG", "The X-CRM-ORG header does not name the token's org."
        )


def upload_key(file_id: str) -> str:
    return f"uploads/{file_id}.csv"


def upload_file(
    services: Services,
    principal: Principal,
    source: BinaryIO | Path,
    filename: str | None,
    hold: Hold | None = None,
    counted: StreamedCount | None = None,
) -> StoredFile:
    """Store an upload: a stream, or a file already in the file store's temp directory (a
    bare CSV is then checked and renamed where it is). ``hold``: an idempotency key's, called
    with the answer in the transaction that records the file. ``counted``: the file's rows,
    counted as it was received (``UploadRows``), taken where the file is a bare CSV."""
    settings = services.settings
    tmp = services.files.tmp_dir
    sweep_parts(tmp)  # parts of uploads cut off by a crash, in any process of this folder
    with services.store.transaction() as tx:
        file_id = tx.new_id()
    local = tmp / f"upload-{file_id}.csv"
    limit = settings.max_upload_bytes
    if isinstance(source, Path):
        stored = adopt_upload(source, filename, local, tmp, limit)
    else:
        stored = store_upload(source, filename, local, tmp, limit)
    streamed = counted if isinstance(source, Path) and not stored.zipped else None
    counts = [count_upload(stored.path, stored.encoding_hint, streamed)]
    counts += [count_upload(part.path, part.encoding_hint) for part in stored.more]
    keys, members = _put(services, file_id, stored, counts[1:])
    record = StoredFile(
        file_id,
        principal.org.id,
        principal.user.id,
        stored.name,
        keys[0],
        stored.size,
        stored.encoding_hint,
        now(),
        members,
        counts[0],
    )
    try:
        with services.store.transaction() as tx:
            tx.insert_file(record)
            if hold is not None:
                hold(tx, upload_answer(record))
    except BaseException:
        _delete(services, keys)
        raise
    return record


def upload_answer(stored: StoredFile) -> Answer:
    """The upload call's answer for a file just stored."""
    return Answer(
        200,
        {
            "status": "success",
            "code": "FILE_UPLOAD_SUCCESS",
            "message": "file uploaded.",
            "details": {"file_id": stored.id, "created_time": stored.created_time.isoformat()},
        },
    )


def _put(
    services: Services, file_id: str, stored: StoredUpload, counts: list[RowCount | None]
) -> tuple[list[str], tuple[FileMember, ...]]:
    """Put the upload's CSVs in the file storage; their keys, and the zip's further CSVs."""
    keys = [upload_key(file_id), *(member_key(file_id, n) for n in range(1, len(stored.more) + 1))]
    try:
        for key, part in zip(keys, (stored, *stored.more), strict=True):
            services.files.put(key, part.path)
    except BaseException:
        _delete(services, keys)
        raise
    finally:
        for part in (stored, *stored.more):
            part.path.unlink(missing_ok=True)
    members = tuple(
        FileMember(m.name, key, m.size, m.encoding_hint, count)
        for key, m, count in zip(keys[1:], stored.more, counts, strict=True)
    )
    return keys, members


def member_key(file_id: str, number: int) -> str:
    """The storage key of a zip's CSV ``number`` (1 for the second; the first is
    ``upload_key``)."""
    return f"uploads/{file_id}-{number}.csv"


def _delete(services: Services, keys: list[str]) -> None:
    for key in keys:
        services.files.delete(key)


def sweep_stale_temp_files(services: Services, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete temp files an interrupted upload or result left behind; returns how many.

    An upload's file part goes as soon as its writer is gone (``files/partfile.py``); other
    files only when far older than any upload could take, so another process's upload in
    progress is never harmed.
    """
    cutoff = (now() - older_than).timestamp()
    tmp = services.files.tmp_dir
    removed = sweep_parts(tmp)
    for path in tmp.iterdir() if tmp.is_dir() else ():
        try:
            if is_part(path):
                continue  # kept while its writer lives, however long it takes
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed
