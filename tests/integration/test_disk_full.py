"""The disk filling up under a running job: the job waits, and goes on when space returns.

The database and the uploaded and result files live on a small tmpfs; a ballast file fills it
while the job runs. Nothing may be lost or written twice: the job ends COMPLETED with every row
once. Mounting a tmpfs needs root (CI runs as root); elsewhere the test is skipped, saying why.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.helpers import (
    create_ok,
    details,
    job_body,
    upload,
    upload_ok,
    wait_done,
)
from tests.integration.test_crash_safety import leads_csv
from tests.server import LiveServer, make_server

ROWS = 60_000
DISK = "24m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8); CI runs this as root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Write a ballast file until the disk is full; returns it."""
    ballast = disk / "ballast"
    block = b"\0" * (256 * 1024)
    with ballast.open("wb", buffering=0) as out:  # unbuffered: nothing left to flush at close
        try:
            while True:
                out.write(block)
        except OSError:
            pass
    return ballast


def wait_for_log(server: LiveServer, text: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in server.server_log():
        assert time.monotonic() < deadline, f"{text!r} never logged:\n{server.server_log()[-3000:]}"
        time.sleep(0.1)  # reading the server's log as an operator would


@pytest.mark.slow
@pytest.mark.serial  # mounts and fills a tmpfs under a running job: alone, with nothing else on it
def test_a_full_disk_pauses_the_job_which_resumes_when_space_returns(
    tmp_path: Path, small_disk: Path
) -> None:
    (tmp_path / "data").mkdir()
    server = make_server(
        tmp_path / "data",
        database_url=f"sqlite:///{small_disk / 'bulkwrite.sqlite3'}",
        files_url=str(small_disk / "files"),
        chunk_size="2000",
        store_retry_seconds="600",
    )
    server.start()
    try:
        file_id = upload_ok(server, leads_csv(ROWS))
        job_id = create_ok(server, job_body(file_id))
        ballast = fill(small_disk)
        wait_for_log(server, "the disk is full")
        assert details(server, job_id).json()["status"] in ("ADDED", "INPROGRESS")
        refused = upload(server, leads_csv(5_000))
        assert refused.status_code == 507, refused.text
        assert refused.json()["code"] == "INTERNAL_ERROR"
        assert "disk" in refused.json()["message"]
        ballast.unlink()
        body = wait_done(server, job_id, timeout=300)
    finally:
        server.stop()
    assert body["status"] == "COMPLETED", body
    counts = body["resource"][0]["file"]
    assert counts["total_count"] == ROWS
    assert counts["added_count"] + counts["skipped_count"] == ROWS
    with sqlite3.connect(small_disk / "bulkwrite.sqlite3") as conn:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        leads = next(t for t in tables if t.lower().endswith("leads"))
        total, distinct = conn.execute(
            f'SELECT count(*), count(DISTINCT "Email") FROM "{leads}"'
        ).fetchone()
    assert total == distinct == counts["added_count"]
