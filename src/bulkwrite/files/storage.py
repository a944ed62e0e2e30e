"""Where uploaded and result files live: a local directory by default, a bucket across machines.

A *key* is a relative, slash-separated name such as ``uploads/<file_id>.csv`` or
``results/<job_id>.zip``. Files are written whole on local disk first (in the storage's
``tmp_dir``) and then ``put`` under their key, which is atomic: a reader sees either no object or
the complete one, never a half-written file. Reading code that needs a real file (the CSV reader)
asks for ``local_path``; a download response asks for ``open`` and streams the blocks.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bulkwrite.files.durable import fsync_dir, replacing

BLOCK_SIZE = 1024 * 1024


class Readable(Protocol):
    """A binary stream: a local file or an S3 response body."""

    def read(self, size: int = ..., /) -> bytes: ...

    def close(self) -> None: ...


@dataclass
class StoredObject:
    """A stored file opened for reading; ``path`` is set when it is a file on this machine."""

    stream: Readable
    size: int
    path: Path | None = None

    def blocks(self, block_size: int = BLOCK_SIZE) -> Iterator[bytes]:
        """The content in blocks of at most ``block_size`` bytes; closes the stream at the end."""
        try:
            while block := self.stream.read(block_size):
                yield block
        finally:
            self.stream.close()

    def close(self) -> None:
        self.stream.close()


class FileStorage(Protocol):
    """Stored files by key. Missing keys raise ``FileNotFoundError`` (except in delete/exists)."""

    @property
    def tmp_dir(self) -> Path:
        """A local directory for files about to be ``put``: they are moved from there cheaply."""
        ...

    def put(self, key: str, source: Path) -> None:
        """Store the finished local file ``source`` under ``key``, replacing any older object.

        ``source`` is moved, not copied: it is gone once ``put`` returns. If ``put`` raises, the
        key is unchanged and ``source`` may still exist (the caller removes it).
        """
        ...

    def local_path(self, key: str) -> Path:
        """A readable local file with the key's content (for S3: a cached download)."""
        ...

    def open(self, key: str) -> StoredObject:
        """The key's content as a stream, for sending it somewhere else."""
        ...

    def delete(self, key: str) -> None:
        """Remove the key; a missing key is not an error."""
        ...

    def exists(self, key: str) -> bool: ...

    def evict(self, key: str) -> None:
        """Drop this machine's cached copy of the key, if it keeps one (the object stays)."""
        ...


def check_key(key: str) -> str:
    """``key`` itself if it is a relative slash-separated name that stays inside the storage."""
    parts = key.split("/")
    if "\\" in key or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"Not a storage key: {key!r}")
    return key


class LocalStorage:
    """Files under ``root`` on this machine (or a file system every machine mounts)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def tmp_dir(self) -> Path:
        return self.root / "tmp"

    def put(self, key: str, source: Path) -> None:
        dest = self._path(key)
        move_into(source, dest, self.tmp_dir)
        fsync_dir(dest.parent)

    def local_path(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(errno.ENOENT, "No stored file under this key", key)
        return path

    def open(self, key: str) -> StoredObject:
        path = self._path(key)
        stream = path.open("rb")
        return StoredObject(stream, os.fstat(stream.fileno()).st_size, path)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def evict(self, key: str) -> None:
        """Nothing to drop: the file itself is the only copy."""

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)


def open_storage(
    url: str, *, local_root: Path, cache_dir: Path, endpoint_url: str = ""
) -> FileStorage:
    """The storage ``url`` names (``BULKWRITE_FILES_URL``).

    Empty: ``local_root``; a path or ``file://`` path: that directory; ``s3://bucket/prefix``:
    the bucket (needs the ``s3`` extra), read through a cache in ``cache_dir``, at
    ``endpoint_url`` when given (MinIO and other S3-compatible stores) or else AWS.
    """
    url = url.strip()
    if url.startswith("s3://"):
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise ValueError(f"BULKWRITE_FILES_URL names no bucket: {url!r}")
        try:
            from bulkwrite.files.s3 import S3Storage
        except ImportError as exc:
            raise ValueError(
                "BULKWRITE_FILES_URL=s3://… needs boto3: pip install 'bulkwrite[s3]'"
            ) from exc
        return S3Storage(bucket, prefix, cache_dir=cache_dir, endpoint_url=endpoint_url or None)
    if url.startswith("file://"):
        return LocalStorage(Path(url.removeprefix("file://")))
    if "://" in url:
        raise ValueError(f"BULKWRITE_FILES_URL must be a path, file://PATH or s3://BUCKET: {url!r}")
    return LocalStorage(Path(url) if url else local_root)


def move_into(source: Path, dest: Path, tmp_dir: Path) -> None:
    """Rename ``source`` to ``dest`` (copying through ``tmp_dir`` across file systems)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, dest)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        _copy_into_place(source, dest, tmp_dir)
        source.unlink()


def _copy_into_place(source: Path, dest: Path, tmp_dir: Path) -> None:
    with replacing(dest, tmp_dir, ".copy-") as out, source.open("rb") as src:
        shutil.copyfileobj(src, out, BLOCK_SIZE)
