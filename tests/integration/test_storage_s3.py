"""The file storage contract over LocalStorage and S3Storage, and a whole job through a bucket.

S3 is moto's server mode on a loopback port: real HTTP, real boto3, never real AWS. Every client
here is built with that endpoint (and ``AWS_ENDPOINT_URL`` points there too, so a client built
without one cannot reach AWS); the fixtures fail loudly if an endpoint is anything else.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from bulkwrite.client import Client
from bulkwrite.files import chunkfile
from bulkwrite.files.s3 import S3Storage
from bulkwrite.files.storage import FileStorage, LocalStorage, open_storage
from bulkwrite.importer.chunk import RawChunk
from tests.server import LiveServer, free_port, make_server

MB = 1024 * 1024
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
LEADS = "Last_Name,Company,Email\n" + "".join(
    f"Name{i},Company {i},user{i}@example.com\n" for i in range(500)
)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto S3 server on a free loopback port, and AWS settings that can only reach it."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    assert_loopback(endpoint)
    try:
        with pytest.MonkeyPatch.context() as env:
            for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
                env.delenv(name, raising=False)
            for name, value in {**AWS_ENV, "AWS_ENDPOINT_URL": endpoint}.items():
                env.setenv(name, value)
            yield endpoint
    finally:
        server.stop()


def assert_loopback(endpoint: str | None) -> None:
    host = urlsplit(endpoint or "").hostname
    if host not in ("127.0.0.1", "localhost"):
        raise RuntimeError(f"refusing to run S3 tests against {endpoint!r}: not the moto server")


@pytest.fixture
def bucket(moto_endpoint: str) -> str:
    name = f"bulkwrite-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=moto_endpoint).create_bucket(Bucket=name)
    return name


def bucket_keys(endpoint: str, bucket: str) -> set[str]:
    listing = boto3.client("s3", endpoint_url=endpoint).list_objects_v2(Bucket=bucket)
    return {item["Key"] for item in listing.get("Contents", [])}


def make_s3(endpoint: str, bucket: str, cache_dir: Path, part_size: int = 5 * MB) -> S3Storage:
    storage = S3Storage(
        bucket, "some/prefix", cache_dir=cache_dir, endpoint_url=endpoint, part_size=part_size
    )
    assert_loopback(storage.client.meta.endpoint_url)
    return storage


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> FileStorage:
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    endpoint = request.getfixturevalue("moto_endpoint")
    return make_s3(endpoint, request.getfixturevalue("bucket"), tmp_path / "cache")


def finished_file(storage: FileStorage, content: bytes) -> Path:
    """A complete file in the storage's tmp dir, as the services write them before ``put``."""
    storage.tmp_dir.mkdir(parents=True, exist_ok=True)
    path = storage.tmp_dir / f"{uuid.uuid4().hex}.part"
    path.write_bytes(content)
    return path


# --- the contract, one body for every implementation --------------------------------------


def test_put_get_stream_delete_exists(storage: FileStorage) -> None:
    key, content = "uploads/1.csv", os.urandom(3 * MB + 17)
    assert not storage.exists(key)
    for missing in (storage.local_path, storage.open):
        with pytest.raises(FileNotFoundError):
            missing(key)
    storage.delete(key)  # a missing key is not an error

    source = finished_file(storage, content)
    storage.put(key, source)
    assert not source.exists(), "put moves the file in"
    assert storage.exists(key)
    assert storage.local_path(key).read_bytes() == content
    opened = storage.open(key)
    assert opened.size == len(content)
    assert b"".join(opened.blocks(MB)) == content

    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(FileNotFoundError):
        storage.local_path(key)


def test_put_replaces_a_key_whole_while_a_reader_reads_the_old_one(storage: FileStorage) -> None:
    key, old, new = "results/7.zip", os.urandom(3 * MB), os.urandom(MB)
    storage.put(key, finished_file(storage, old))
    reader = storage.open(key)
    blocks = reader.blocks(MB)
    first = next(blocks)
    storage.put(key, finished_file(storage, new))
    assert first + b"".join(blocks) == old
    assert storage.local_path(key).read_bytes() == new
    assert b"".join(storage.open(key).blocks()) == new


def test_a_failed_put_leaves_no_object(storage: FileStorage, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        storage.put("uploads/2.csv", tmp_path / "never-written.csv")
    assert not storage.exists("uploads/2.csv")


def test_local_path_reuses_one_copy_until_the_object_changes(storage: FileStorage) -> None:
    key = "uploads/3.csv"
    source = finished_file(storage, b"a,b\n1,2\n")
    inode = source.stat().st_ino
    storage.put(key, source)
    first = storage.local_path(key)
    # The file that was put is the copy read back: no download on the machine that stored it.
    assert first.stat().st_ino == inode
    again = storage.local_path(key)
    assert again == first and again.stat().st_ino == inode

    storage.put(key, finished_file(storage, b"a,b\n3,4\n5,6\n"))
    assert storage.local_path(key).read_bytes() == b"a,b\n3,4\n5,6\n"


# --- S3 only: the cache of another machine, parts, the URL --------------------------------


def test_another_machine_downloads_once_and_replaces_a_stale_copy(
    moto_endpoint: str, bucket: str, tmp_path: Path
) -> None:
    here = make_s3(moto_endpoint, bucket, tmp_path / "here")
    there = make_s3(moto_endpoint, bucket, tmp_path / "there")
    key, content = "uploads/4.csv", os.urandom(2 * MB)
    here.put(key, finished_file(here, content))
    assert not there.tmp_dir.exists() or not any(there.tmp_dir.iterdir())

    copy = there.local_path(key)
    assert copy.read_bytes() == content
    assert copy.is_relative_to(tmp_path / "there" / "objects")
    modified = copy.stat().st_mtime_ns
    assert there.local_path(key).stat().st_mtime_ns == modified, "reused, not downloaded again"

    # A copy whose size no longer matches is not trusted.
    copy.write_bytes(b"truncated")
    assert there.local_path(key).read_bytes() == content

    here.put(key, finished_file(here, b"changed"))
    fresh = there.local_path(key)
    assert fresh.read_bytes() == b"changed"
    assert [p.name for p in fresh.parent.iterdir()] == [fresh.name], "the stale copy is gone"
    assert list(there.tmp_dir.iterdir()) == []

    there.delete(key)
    assert not here.exists(key)
    assert not fresh.parent.exists()


def test_chunks_of_a_split_job_pass_through_without_a_cached_copy(
    storage: FileStorage, tmp_path: Path
) -> None:
    raw = RawChunk.of_rows([["a", "b"], ["ü", "x,y"]], 2)
    chunkfile.put_raw(storage, "5", 0, raw)
    back = chunkfile.get_raw(storage, "5", 0)
    assert [c.to_list() for c in back.columns] == [["a", "ü"], ["b", "x,y"]]
    cache = tmp_path / "cache" / "objects"
    assert not cache.exists() or not any(p.is_file() for p in cache.rglob("*"))
    chunkfile.drop_work(storage, "5", 1)
    assert not storage.exists(chunkfile.raw_key("5", 0))


def test_big_files_go_up_in_parts(moto_endpoint: str, bucket: str, tmp_path: Path) -> None:
    storage = make_s3(moto_endpoint, bucket, tmp_path / "cache", part_size=5 * MB)
    content = os.urandom(11 * MB)
    storage.put("results/5.zip", finished_file(storage, content))
    head = storage.client.head_object(Bucket=bucket, Key="some/prefix/results/5.zip")
    assert head["ETag"].strip('"').endswith("-3"), head["ETag"]  # a multipart upload of 3 parts
    other = make_s3(moto_endpoint, bucket, tmp_path / "other")
    assert other.local_path("results/5.zip").read_bytes() == content
    assert bucket_keys(moto_endpoint, bucket) == {"some/prefix/results/5.zip"}


def test_files_url_selects_a_bucket_and_prefix(moto_endpoint: str, tmp_path: Path) -> None:
    storage = open_storage(
        "s3://my-bucket/a/b/", local_root=tmp_path, cache_dir=tmp_path, endpoint_url=moto_endpoint
    )
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == ("my-bucket", "a/b/")
    assert storage.client.meta.endpoint_url == moto_endpoint
    bare = open_storage("s3://my-bucket", local_root=tmp_path, cache_dir=tmp_path)
    assert isinstance(bare, S3Storage) and bare.prefix == ""


# --- a whole job through real server processes sharing a bucket ---------------------------


@pytest.mark.slow
def test_a_job_across_two_machines_shares_files_through_the_bucket(
    moto_endpoint: str, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    shared = {
        "files_url": f"s3://{bucket}/bw",
        "s3_endpoint_url": moto_endpoint,
        "database_url": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
    }
    for name in ("api", "worker"):
        (tmp_path / name).mkdir()  # for server logs: the database is elsewhere
    api = make_server(tmp_path / "api", worker="false", **shared)
    worker = _second_machine(api, tmp_path / "worker")
    with _running(api), Client(api.base_url, api.token) as client:
        file_id = client.upload(LEADS.encode(), "leads.csv")
        job_id = client.create_job(_insert_leads(file_id))
        assert client.job(job_id).status == "ADDED", "the API process runs no jobs"
        with _running(worker):
            details = client.wait(job_id, timeout=120)
        assert details.status == "COMPLETED"
        assert details.count("added") == 500
        response = _download(api, details.download_url)
        assert bucket_keys(moto_endpoint, bucket) == {
            f"bw/uploads/{file_id}.csv",
            f"bw/results/{job_id}.zip",
        }
        s3 = boto3.client("s3", endpoint_url=moto_endpoint)
        stored = s3.get_object(Bucket=bucket, Key=f"bw/results/{job_id}.zip")
        assert response.content == stored["Body"].read()
        s3.delete_object(Bucket=bucket, Key=f"bw/results/{job_id}.zip")
        gone = httpx.get(str(details.download_url), headers=api.headers(), timeout=30)
        assert (gone.status_code, gone.json()["code"]) == (404, "RESOURCE_NOT_FOUND")
    rows = _result_rows(response.content)
    assert [r["Last_Name"] for r in rows] == [f"Name{i}" for i in range(500)]
    assert {r["STATUS"] for r in rows} == {"ADDED"}
    # No machine kept files of its own, only cached copies: the API the upload it stored, the
    # worker the upload it downloaded from the bucket and the result it stored.
    for machine in (api, worker):
        assert not (machine.data_dir / "files").exists()
    assert _cached(api) == {f"uploads/{file_id}.csv"}
    assert _cached(worker) == {f"uploads/{file_id}.csv", f"results/{job_id}.zip"}


def _second_machine(api: LiveServer, data_dir: Path) -> LiveServer:
    """A worker-only server with its own data dir (and cache) but the API's database."""
    port = free_port()
    env = {
        **api.env,
        "BULKWRITE_DATA_DIR": str(data_dir),
        "BULKWRITE_PORT": str(port),
        "BULKWRITE_WORKER": "true",
    }
    return LiveServer(f"http://127.0.0.1:{port}", api.token, api.zgid, data_dir, env)


class _running:
    def __init__(self, server: LiveServer) -> None:
        self.server = server

    def __enter__(self) -> LiveServer:
        self.server.start()
        return self.server

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


def _insert_leads(file_id: str) -> dict[str, object]:
    return {
        "operation": "insert",
        "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}],
    }


def _download(server: LiveServer, url: str | None) -> httpx.Response:
    assert url is not None
    response = httpx.get(url, headers=server.headers(), timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    job_zip = url.rsplit("/", 1)[-1]
    assert response.headers["content-disposition"] == f'attachment; filename="{job_zip}"'
    assert response.headers["content-length"] == str(len(response.content))
    return response


def _result_rows(content: bytes) -> list[dict[str, str]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        (name,) = archive.namelist()
        text = archive.read(name).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _cached(server: LiveServer) -> set[str]:
    objects = server.data_dir / "cache" / "objects"
    return {str(p.parent.relative_to(objects)) for p in objects.rglob("*") if p.is_file()}
