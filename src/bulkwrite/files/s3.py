"""Files in an S3 bucket (AWS, MinIO or any S3-compatible store), read through a local cache.

A ``put`` uploads the finished file (in parts when it is big) and is atomic the way S3 writes
are: an object, multipart or not, becomes visible only once complete. An upload cut short leaves
at most an incomplete multipart upload, which is invisible to readers (a bucket lifecycle rule
aborting incomplete multipart uploads reclaims the space).

``local_path`` keeps one downloaded copy of each object in ``cache_dir/objects/<key>/``, named by
its ETag: a copy whose ETag and size match the object's is reused, a stale one is replaced. The
file ``put`` uploaded is moved into the cache, so the machine that stored a file reads it back
without downloading it.
"""

from __future__ import annotations

import errno
import logging
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bulkwrite.files.durable import replacing
from bulkwrite.files.storage import BLOCK_SIZE, StoredObject, check_key, move_into

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)

# Parts of 16 MiB: S3's 10,000-part limit allows objects of 160 GiB. Parts are read from the
# file as they are sent, so memory stays bounded by the transfer's concurrency, not file size.
PART_SIZE = 16 * 1024 * 1024
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_CHANGED = frozenset({"412", "PreconditionFailed"})
_DOWNLOAD_TRIES = 3


class S3Storage:
    """Objects ``<prefix><key>`` in ``bucket``; credentials and region from the AWS defaults."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        cache_dir: Path,
        endpoint_url: str | None = None,
        part_size: int = PART_SIZE,
    ) -> None:
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.cache_dir = cache_dir
        self.client: S3Client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, config=_client_config(endpoint_url)
        )
        self._transfer = TransferConfig(
            multipart_threshold=part_size, multipart_chunksize=part_size
        )

    @property
    def tmp_dir(self) -> Path:
        return self.cache_dir / "tmp"

    def put(self, key: str, source: Path) -> None:
        name = self._name(key)
        self.client.upload_file(str(source), self.bucket, name, Config=self._transfer)
        # The object is stored; keeping the file as its cached copy is only a saving.
        try:
            cached = self._cached(key, self._head(name, key)[0])
            move_into(source, cached, self.tmp_dir)
            _remove_others(cached)
        except (BotoCoreError, ClientError, OSError):
            log.warning("%s is stored but could not be cached", key, exc_info=True)
            source.unlink(missing_ok=True)

    def local_path(self, key: str) -> Path:
        name = self._name(key)
        for _ in range(_DOWNLOAD_TRIES):
            etag, size = self._head(name, key)
            cached = self._cached(key, etag)
            if cached.is_file() and cached.stat().st_size == size:
                return cached
            try:
                self._download(name, etag, cached)
            except ClientError as exc:
                if _code(exc) not in _CHANGED:
                    raise
                continue  # replaced between HEAD and GET: look again
            _remove_others(cached)
            return cached
        raise OSError(f"The object {key!r} kept changing while it was downloaded.")

    def open(self, key: str) -> StoredObject:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            raise _not_found(exc, key) from None
        return StoredObject(response["Body"], response["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        shutil.rmtree(self._cache_for(key), ignore_errors=True)

    def evict(self, key: str) -> None:
        shutil.rmtree(self._cache_for(key), ignore_errors=True)

    def exists(self, key: str) -> bool:
        try:
            self._head(self._name(key), key)
        except FileNotFoundError:
            return False
        return True

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _head(self, name: str, key: str) -> tuple[str, int]:
        """The object's ETag and size."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            raise _not_found(exc, key) from None
        return head["ETag"], head["ContentLength"]

    def _download(self, name: str, etag: str, dest: Path) -> None:
        """Stream the object (exactly version ``etag``) into ``dest`` via a temp file."""
        response = self.client.get_object(Bucket=self.bucket, Key=name, IfMatch=etag)
        body = response["Body"]
        try:
            with replacing(dest, self.tmp_dir, ".download-") as out:
                while block := body.read(BLOCK_SIZE):
                    out.write(block)
        finally:
            body.close()

    def _cache_for(self, key: str) -> Path:
        return self.cache_dir / "objects" / check_key(key)

    def _cached(self, key: str, etag: str) -> Path:
        tag = re.sub(r"[^0-9A-Za-z-]", "", etag) or "object"
        return self._cache_for(key) / f"{tag}{Path(key).suffix}"


def _client_config(endpoint_url: str | None) -> Config:
    if endpoint_url:
        # MinIO and most S3-compatible stores serve buckets as paths, not as host names.
        return Config(retries={"mode": "standard"}, s3={"addressing_style": "path"})
    return Config(retries={"mode": "standard"})


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _not_found(exc: ClientError, key: str) -> Exception:
    if _code(exc) in _MISSING:
        return FileNotFoundError(errno.ENOENT, "No stored object under this key", key)
    return exc


def _remove_others(cached: Path) -> None:
    """Drop the stale copies beside ``cached`` (older versions of the same key)."""
    for other in cached.parent.iterdir():
        if other != cached:
            other.unlink(missing_ok=True)
