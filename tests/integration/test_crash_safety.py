"""SIGKILL the server in the middle of a job; the restarted server finishes it exactly."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest

from bulkwrite.client import Client
from tests.server import make_server

ROWS = 120_000


def leads_csv(rows: int) -> bytes:
    lines = ["Last_Name,First_Name,Company,Email"]
    for i in range(rows):
        email = f"user{i}@example.com" if i % 50 else "broken-email"
        lines.append(f"Name{i},First{i},Company {i % 97},{email}")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.slow
def test_sigkill_mid_job_resumes_without_double_writes(tmp_path: Path) -> None:
    server = make_server(tmp_path / "data", chunk_size="2000")
    server.start()
    try:
        with Client(server.base_url, server.token) as client:
            file_id = client.upload(leads_csv(ROWS), "leads.csv")
            job_id = client.create_job(
                {
                    "operation": "insert",
                    "resource": [
                        {"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}
                    ],
                }
            )
            progress = client.wait_for(job_id, lambda d: d.count("total") > 0)
            assert progress.status == "INPROGRESS", "the job ended before it could be killed"
            server.kill()
        before_restart = progress.count("total")
        server.start()
        with Client(server.base_url, server.token) as client:
            details = client.wait(job_id, timeout=300)
            assert details.status == "COMPLETED"
            bad = len(range(0, ROWS, 50))
            assert (details.count("added"), details.count("skipped")) == (ROWS - bad, bad)
            assert details.count("total") == ROWS > before_restart
            result = Client.result_csv(client.download_result(details))
    finally:
        server.stop()
    rows = list(csv.DictReader(io.StringIO(result, newline="")))
    assert [r["Last_Name"] for r in rows] == [f"Name{i}" for i in range(ROWS)]
    assert sum(r["STATUS"] == "ADDED" for r in rows) == ROWS - bad
    with sqlite3.connect(server.services.settings.sqlite_path) as db:
        table = db.execute(
            "SELECT table_name FROM modules WHERE api_name = 'Leads' AND org_id = ?",
            (int(server.demo.org.id),),
        ).fetchone()[0]
        stored, distinct = db.execute(
            f'SELECT count(*), count(DISTINCT "Email") FROM "{table}"'
        ).fetchone()
        ids = {str(r[0]) for r in db.execute(f'SELECT id FROM "{table}"')}
    assert stored == distinct == ROWS - bad
    assert ids == {r["RECORD_ID"] for r in rows if r["STATUS"] == "ADDED"}
