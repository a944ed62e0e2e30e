"""LocalStorage: keys are files under a root, put is a rename, a cut-short upload leaves nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from bulkwrite.bootstrap import build_services
from bulkwrite.domain.identity import Principal
from bulkwrite.files.storage import LocalStorage, check_key, open_storage
from bulkwrite.services.accounts import create_org
from bulkwrite.services.collaborators import Services
from bulkwrite.services.tokens import authenticate
from bulkwrite.services.uploads import upload_file, upload_key
from bulkwrite.settings import Settings

MB = 1024 * 1024
CSV = b"Last_Name,Company\r\n" + b"Doe,Acme\r\n" * (MB // 10 * 3)  # ~3 MB: several blocks


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    made = build_services(Settings(data_dir=tmp_path / "data"))
    try:
        yield made
    finally:
        made.store.close()


@pytest.fixture
def principal(services: Services) -> Principal:
    org = create_org(services, "Test Org", "admin@test.example", "Test Admin")
    return authenticate(services, f"Zoho-oauthtoken {org.token}")


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_the_default_storage_is_data_dir_files_with_todays_layout(
    services: Services, principal: Principal
) -> None:
    files = services.files
    assert isinstance(files, LocalStorage)
    assert files.root == services.settings.files_dir
    stored = upload_file(services, principal, io.BytesIO(CSV), "leads.csv")
    assert stored.path == upload_key(stored.id) == f"uploads/{stored.id}.csv"
    path = services.settings.files_dir / "uploads" / f"{stored.id}.csv"
    assert files.local_path(stored.path) == path
    assert path.read_bytes() == CSV
    assert stored_files(files.tmp_dir) == []


class FailingUpload(io.BytesIO):
    """An upload whose connection drops after ``good`` bytes; it records what was visible then."""

    def __init__(self, payload: bytes, good: int, storage: LocalStorage) -> None:
        super().__init__(payload)
        self.good = good
        self.storage = storage
        self.seen_while_writing: list[Path] | None = None
        self.partial: list[tuple[str, int]] = []

    def read(self, size: int | None = -1, /) -> bytes:
        if self.tell() >= self.good:
            # The moment a killed process would stop: the bytes so far are only in tmp/.
            self.seen_while_writing = stored_files(self.storage.root / "uploads")
            self.partial = [
                (p.suffix, p.stat().st_size) for p in stored_files(self.storage.tmp_dir)
            ]
            raise ConnectionResetError("the client went away")
        return super().read(size)


def test_an_upload_cut_short_is_never_visible_under_a_key(
    services: Services, principal: Principal
) -> None:
    files = services.files
    assert isinstance(files, LocalStorage)
    source = FailingUpload(CSV, 2 * MB, files)
    with pytest.raises(ConnectionResetError):
        upload_file(services, principal, source, "leads.csv")
    # Mid-stream, two blocks were on disk but only as a temp file, under no key.
    assert source.seen_while_writing == []
    ((suffix, size),) = source.partial
    assert suffix == ".part" and size >= MB
    # Afterwards nothing at all is left, and the next upload works.
    assert stored_files(files.root) == []
    stored = upload_file(services, principal, io.BytesIO(CSV), "leads.csv")
    assert stored_files(files.root) == [files.root / stored.path]


def test_put_moves_the_file_and_replaces_the_key_whole(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    first, second = storage.tmp_dir / "a", storage.tmp_dir / "b"
    storage.tmp_dir.mkdir(parents=True)
    first.write_bytes(b"old content")
    second.write_bytes(b"new")
    storage.put("results/1.zip", first)
    reader = storage.open("results/1.zip")
    assert reader.size == len(b"old content")
    assert reader.path == storage.root / "results" / "1.zip"
    storage.put("results/1.zip", second)
    # A reader that opened the old file keeps reading all of it.
    assert b"".join(reader.blocks(4)) == b"old content"
    assert not first.exists() and not second.exists()
    assert storage.local_path("results/1.zip").read_bytes() == b"new"
    assert stored_files(storage.root) == [storage.root / "results" / "1.zip"]


def test_a_failed_put_leaves_the_key_as_it_was(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    with pytest.raises(FileNotFoundError):
        storage.put("uploads/1.csv", tmp_path / "missing.csv")
    assert not storage.exists("uploads/1.csv")
    with pytest.raises(FileNotFoundError):
        storage.local_path("uploads/1.csv")
    with pytest.raises(FileNotFoundError):
        storage.open("uploads/1.csv")
    storage.delete("uploads/1.csv")  # deleting a missing key is fine


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a\\b"])
def test_keys_cannot_leave_the_root(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path / "files")
    with pytest.raises(ValueError, match="Not a storage key"):
        check_key(key)
    with pytest.raises(ValueError, match="Not a storage key"):
        storage.exists(key)


@pytest.mark.parametrize(
    ("url", "root"),
    [("", "default"), ("  ", "default"), ("shared/files", "shared/files")],
)
def test_files_url_names_a_local_directory(tmp_path: Path, url: str, root: str) -> None:
    default = tmp_path / "default"
    storage = open_storage(url, local_root=default, cache_dir=tmp_path / "cache")
    assert isinstance(storage, LocalStorage)
    assert storage.root == (default if root == "default" else Path(root))


def test_files_url_file_scheme(tmp_path: Path) -> None:
    storage = open_storage(
        f"file://{tmp_path}/elsewhere", local_root=tmp_path / "x", cache_dir=tmp_path / "c"
    )
    assert isinstance(storage, LocalStorage) and storage.root == tmp_path / "elsewhere"


@pytest.mark.parametrize("url", ["gs://bucket/prefix", "s3://", "s3:///prefix", "http://x"])
def test_files_url_refuses_what_it_cannot_serve(tmp_path: Path, url: str) -> None:
    with pytest.raises(ValueError, match="BULKWRITE_FILES_URL"):
        open_storage(url, local_root=tmp_path, cache_dir=tmp_path / "cache")


def test_settings_read_the_files_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULKWRITE_FILES_URL", "s3://bucket/prefix")
    monkeypatch.setenv("BULKWRITE_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    settings = Settings(data_dir=Path("/srv/bw"))
    assert settings.files_url == "s3://bucket/prefix"
    assert settings.s3_endpoint_url == "http://127.0.0.1:9000"
    assert settings.cache_dir == Path("/srv/bw/cache")
    assert settings.files_dir == Path("/srv/bw/files")
