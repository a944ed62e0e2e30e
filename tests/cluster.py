"""A bulkwrite cluster of real processes: API processes and workers on one PostgreSQL database.

Every process is started as an operator would start it on its own machine: its own data
directory (cache, temp files) and log file, the same ``BULKWRITE_DATABASE_URL`` (a fresh test
database copied from a migrated template) and the same ``BULKWRITE_FILES_URL`` (a directory they
all share, standing in for a network file system or a bucket). API processes are
``bulkwrite serve --no-worker`` on ports of their own; workers are
``python -m bulkwrite worker --concurrency N``. Each can be SIGKILLed.

Also here: Leads files made with the benchmark's seeded generator (``bench.generate``), and what
bulkwrite must answer for each of their rows, judged from the generator's own definitions.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench.generate import BAD_PICKLIST, COLUMN, DOMAINS, HEADER, INT32_MAX, iter_rows
from bulkwrite.bootstrap import build_services
from bulkwrite.client import Client, JobDetails
from bulkwrite.services.accounts import NewOrg, ensure_demo_org
from bulkwrite.settings import Settings
from tests.server import free_port, wait_until_healthy

#: Heartbeats fast enough for a test: a SIGKILLed worker's task is back in the queue in ~5 s.
#: As tests/server.py's CALLBACK_TEST_ENV: receivers on 127.0.0.1, quick retries.
CALLBACK_TEST_SETTINGS = {
    "callback_allow": "127.0.0.0/8",
    "callback_retry_base_seconds": "0.2",
    "callback_retry_cap_seconds": "1",
    "callback_poll_interval": "0.2",
    "callback_timeout": "3",
}
FAST_HEARTBEAT = {"heartbeat_interval": "1", "stalled_after": "4", "rescue_interval": "1"}
WAIT_SECONDS = 60.0
JOB_SECONDS = 120.0
ID_RE = re.compile(r"[0-9]{18,19}")
STOP_SECONDS = 20.0
LOG_TAIL = 3000


@dataclass
class Process:
    """One bulkwrite process and its log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    base_url: str = ""
    popen: subprocess.Popen[bytes] | None = None
    terminated: bool = False

    def start(self) -> None:
        assert not self.alive, f"{self.name} runs"
        self.terminated = False
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        if self.base_url:
            wait_until_healthy(self.base_url, self.popen)

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, connections drop, transactions roll back."""
        assert self.alive, f"{self.name} is not running"
        assert self.popen is not None
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait()

    def terminate(self) -> None:
        """SIGTERM, once (a second one would stop a worker without letting its tasks end)."""
        if self.alive and not self.terminated:
            assert self.popen is not None
            self.popen.terminate()
            self.terminated = True

    def stop(self) -> None:
        """SIGTERM (a worker finishes its running tasks first), SIGKILL after a while."""
        self.terminate()
        if self.popen is None:
            return
        try:
            self.popen.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Cluster:
    """API processes and workers sharing one database and one file directory."""

    root: Path
    database_url: str
    settings: dict[str, str] = field(default_factory=dict)
    apis: list[Process] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)
    demo: NewOrg | None = None

    def __post_init__(self) -> None:
        self.files_dir = self.root / "files"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        services = build_services(Settings(**self._settings(self.root / "admin")))  # type: ignore[arg-type]
        try:
            self.demo = ensure_demo_org(services)
        finally:
            services.store.close()
        assert self.demo is not None, "the test database already had an org"

    @property
    def token(self) -> str:
        assert self.demo is not None
        return self.demo.token

    def _settings(self, data_dir: Path) -> dict[str, str]:
        return {
            "data_dir": str(data_dir),
            "database_url": self.database_url,
            "files_url": str(self.files_dir),
            **FAST_HEARTBEAT,
            **CALLBACK_TEST_SETTINGS,
            **self.settings,
        }

    def _process(self, name: str, argv: list[str], **extra: str) -> Process:
        data_dir = self.root / name
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BULKWRITE_")}
        values = {**self._settings(data_dir), **extra}
        env.update({f"BULKWRITE_{k.upper()}": v for k, v in values.items()})
        (data_dir / "tmp").mkdir(exist_ok=True)
        env["TMPDIR"] = str(data_dir / "tmp")  # the machine's own temp files (request bodies)
        return Process(name, argv, env, self.root / f"{name}.log")

    def start_api(self) -> Process:
        """``bulkwrite serve --no-worker`` on a port of its own."""
        port = free_port()
        name = f"api{len(self.apis)}"
        argv = [sys.executable, "-m", "bulkwrite", "serve", "--no-worker"]
        api = self._process(name, argv, host="127.0.0.1", port=str(port))
        api.base_url = f"http://127.0.0.1:{port}"
        api.start()
        self.apis.append(api)
        return api

    def start_worker(self, concurrency: int = 2, **extra: str) -> Process:
        """``python -m bulkwrite worker --concurrency N`` (``extra``: settings of its own);
        returns once it is registered."""
        name = f"worker{len(self.workers)}"
        argv = [sys.executable, "-m", "bulkwrite", "worker", "--concurrency", str(concurrency)]
        worker = self._process(name, argv, **extra)
        before = self.registered_workers()
        worker.start()
        self.workers.append(worker)
        self.wait_until(  # a new id: a starting worker may prune a killed one's row meanwhile
            lambda: bool(self.registered_workers() - before) or not worker.alive,
            f"{worker.name} to register",
        )
        assert worker.alive, f"{worker.name} exited:\n{worker.log()[-LOG_TAIL:]}"
        return worker

    def client(self, api: int = 0) -> Client:
        return Client(self.apis[api].base_url, self.token)

    def query(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return list(conn.execute(statement, params))  # type: ignore[arg-type]

    def registered_workers(self) -> set[int]:
        """The ids of the workers registered in procrastinate_workers."""
        return {int(row[0]) for row in self.query("SELECT id FROM procrastinate_workers")}

    def job_tasks(self, job_id: str) -> list[tuple[int, str, int | None]]:
        """The task rows of a job in procrastinate_jobs: (id, status, worker_id)."""
        rows = self.query(
            "SELECT id, status::text, worker_id FROM procrastinate_jobs "
            "WHERE task_name = 'bulkwrite.run_job' AND args->>'job_id' = %s ORDER BY id",
            (job_id,),
        )
        return [(int(r[0]), str(r[1]), r[2]) for r in rows]

    def leads_table(self) -> str:
        assert self.demo is not None
        rows = self.query(
            "SELECT table_name FROM modules WHERE org_id = %s AND api_name = 'Leads'",
            (int(self.demo.org.id),),
        )
        return str(rows[0][0])

    def stored_leads(self) -> tuple[int, int]:
        """Records in the Leads table, and their distinct emails."""
        table = self.leads_table()
        row = self.query(f'SELECT count(*), count(DISTINCT "Email") FROM "{table}"')[0]
        return int(row[0]), int(row[1])

    def wait_until(
        self,
        condition: Callable[[], object],
        what: str,
        timeout: float = WAIT_SECONDS,
        longest_pause: float = 0.25,
    ) -> None:
        """Poll a condition on the real system (a process, a table, a directory), bounded."""
        deadline, pause = time.monotonic() + timeout, 0.01
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}\n{self.logs()}"
            time.sleep(pause)  # polling observable state, not waiting for work to finish
            pause = min(pause * 1.5, longest_pause)

    def logs(self) -> str:
        """The tail of every process's log, for assertion messages."""
        parts = [
            f"--- {p.name} ({'alive' if p.alive else 'gone'}) ---\n{p.log()[-LOG_TAIL:]}"
            for p in [*self.apis, *self.workers]
        ]
        return "\n".join(parts)

    def stop(self) -> None:
        for process in [*self.workers, *self.apis]:
            process.terminate()
        for process in [*self.workers, *self.apis]:
            process.stop()


# --- Leads files and what bulkwrite must answer for them ----------------------------------------

_GOOD_EMAIL = re.compile(
    r"(?:[a-z0-9]+\.)+[0-9]+@(?:" + "|".join(re.escape(d) for d in DOMAINS) + ")"
)
RESULT_HEADER = ["Last_Name", "First_Name", "Company", "STATUS", "RECORD_ID", "ERRORS"]


@dataclass(frozen=True)
class Expected:
    """One input row as the result file must echo it, and its errors ("" for a good row)."""

    echo: tuple[str, str, str]
    email: str
    errors: str


@dataclass(frozen=True)
class LeadsFile:
    """``rows`` rows of ``bench.generate`` with ``seed``, each Email prefixed with ``tag.``.

    The prefix keeps files of different tags free of common Emails; files of one tag and seed
    are prefixes of each other (the generator's promise), so a longer one repeats a shorter one
    and goes on with new Emails.
    """

    path: Path
    rows: int
    seed: int
    tag: str
    bad_share: float
    bad: int

    @property
    def good(self) -> int:
        return self.rows - self.bad

    def expected(self) -> Iterator[Expected]:
        """Every row's expectation, streamed from the generator again (nothing kept)."""
        for row, defect in _tagged_rows(self.rows, self.bad_share, self.seed, self.tag):
            errors = expected_errors(row)
            assert bool(errors) == (defect is not None), (row, defect, errors)
            echo = (row[COLUMN["Last_Name"]], row[COLUMN["First_Name"]], row[COLUMN["Company"]])
            yield Expected(echo, row[COLUMN["Email"]], errors)


def write_leads(path: Path, rows: int, seed: int, tag: str, bad_share: float = 0.02) -> LeadsFile:
    """Write a Leads CSV as ``bench.generate`` does (CRLF, minimal quoting)."""
    bad = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADER)
        for row, defect in _tagged_rows(rows, bad_share, seed, tag):
            writer.writerow(row)
            bad += defect is not None
    return LeadsFile(path, rows, seed, tag, bad_share, bad)


def _tagged_rows(
    rows: int, bad_share: float, seed: int, tag: str
) -> Iterator[tuple[list[str], Any]]:
    for row, defect in iter_rows(rows, bad_share, seed):
        row[COLUMN["Email"]] = f"{tag}.{row[COLUMN['Email']]}"
        yield row, defect


def expected_errors(row: list[str]) -> str:
    """The ERRORS cell for a generated row, from the generator's own definitions of bad cells:
    codes in the contract's order, the columns of one code in alphabetical order."""
    missing = sorted(name for name in ("Last_Name", "Company") if not row[COLUMN[name]])
    invalid = []
    if not _GOOD_EMAIL.fullmatch(row[COLUMN["Email"]]):
        invalid.append("Email")
    if row[COLUMN["Lead_Source"]] in BAD_PICKLIST:
        invalid.append("Lead_Source")
    employees = row[COLUMN["No_of_Employees"]]
    if employees and int(employees) > INT32_MAX:
        invalid.append("No_of_Employees")
    parts = []
    if missing:
        parts.append("MANDATORY_NOT_FOUND-" + ",".join(missing))
    if invalid:
        parts.append("INVALID_DATA-" + ",".join(sorted(invalid)))
    return ":".join(parts)


def result_rows(text: str) -> list[dict[str, str]]:
    """The rows of a result CSV, checking its header."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    assert header == RESULT_HEADER, header
    return [dict(zip(header, row, strict=True)) for row in reader]


def result_of(client: Client, details: JobDetails) -> list[dict[str, str]]:
    """The result rows of a finished job, downloaded through ``client``."""
    return result_rows(Client.result_csv(client.download_result(details)))


def leads_job(
    file_id: str, operation: str = "insert", find_by: str | None = None
) -> dict[str, Any]:
    resource: dict[str, Any] = {"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}
    if find_by is not None:
        resource["find_by"] = find_by
    return {"operation": operation, "resource": [resource]}


def counts(details: JobDetails) -> tuple[str, int, int, int, int]:
    return (
        details.status,
        details.count("added"),
        details.count("updated"),
        details.count("skipped"),
        details.count("total"),
    )


def check_rows(
    rows: list[dict[str, str]], leads: LeadsFile, updates: list[str] | None = None
) -> list[str]:
    """Every result row against the generator: echo, STATUS, RECORD_ID, ERRORS, in input order.

    ``updates``: the record ids an earlier insert gave the first rows (their Emails now exist,
    so an upsert updates exactly those records). Returns each row's RECORD_ID.
    """
    updates = updates or []
    assert len(rows) == leads.rows
    wrong = []
    for i, (row, expected) in enumerate(zip(rows, leads.expected(), strict=True)):
        if expected.errors:
            want = ("SKIPPED", "", expected.errors)
        elif i < len(updates):
            want = ("UPDATED", updates[i], "")
        else:
            want = ("ADDED", row["RECORD_ID"], "")
        got = (row["STATUS"], row["RECORD_ID"], row["ERRORS"])
        echo = (row["Last_Name"], row["First_Name"], row["Company"])
        well_formed = not want[1] or ID_RE.fullmatch(want[1])
        if got != want or echo != expected.echo or not well_formed:
            wrong.append((i, echo, got, expected))
    assert not wrong, f"{len(wrong)} rows differ, the first: {wrong[:3]}"
    return [row["RECORD_ID"] for row in rows]
