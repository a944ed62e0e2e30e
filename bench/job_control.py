"""Job control figures (beyond-zoho.md sections 1-2), over real HTTP against ``bulkwrite
serve``, on SQLite and on PostgreSQL:

- list jobs: p50/p99 of ``GET /crm/bulk/v8/write`` with 10,000 jobs of the org in the store
  (page 1, a filtered page, and a deep page reached by ``page_token`` and by ``page``);
- events latency: a chunk commit (made by this process, not the server) to the ``details``
  event carrying it, p50/p99.

``python -m bench.job_control [--jobs 10000] [--requests 200] [--store sqlite|postgresql|both]``
``[--events-only] [--repeat N]`` (the events latency alone, N times on one server)
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.pgdb import admin_url, fresh_database
from bench.stats import percentile
from bulkwrite.domain.job import Counts, Job, JobStatus
from bulkwrite.services.create_job import create_job
from bulkwrite.services.tokens import authenticate
from tests.server import LiveServer, make_server

LEADS = b"Last_Name,Company\nA,Co\nB,Co\n"
WRITE = "/crm/bulk/v8/write"


@contextmanager
def _server(store: str, root: Path, **settings: str) -> Iterator[LiveServer]:
    database = fresh_database(admin_url()) if store == "postgresql" else nullcontext("")
    with database as url:
        extra = {"database_url": url} if url else {}
        (root / f"data-{store}").mkdir(parents=True, exist_ok=True)
        server = make_server(root / f"data-{store}", **extra, **settings)
        server.start()
        try:
            yield server
        finally:
            server.stop()


def _seed(server: LiveServer, count: int) -> str:
    """``count`` jobs of the demo org, stored as the create call stores them; a job id."""
    services = server.services
    principal = authenticate(services, f"Zoho-oauthtoken {server.token}")
    with httpx.Client(base_url=server.base_url, headers=server.headers()) as http:
        answer = http.post(WRITE.replace("bulk/v8/write", "v8/upload"), files={"file": LEADS})
        file_id = answer.json()["details"]["file_id"]
    resource = {"type": "data", "module": "Leads", "file_id": file_id}
    body = {"operation": "insert", "resource": [resource]}
    template = create_job(services, principal, body)
    statuses = [JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.COMPLETED, JobStatus.CANCELLED]
    made = 1
    while made < count:
        with services.store.transaction() as tx:
            batch = min(1000, count - made)
            first = tx.allocate_ids(batch)
            for n in range(batch):
                job = Job(
                    str(first + n),
                    template.org_id,
                    template.user_id,
                    template.spec,
                    statuses[n % 4],
                    datetime.now(UTC),
                    template.file_name,
                    counts=Counts(),
                )
                tx.insert_job(job, file_id)
        made += batch
    return template.id


def _timed(http: httpx.Client, requests: int, params: dict[str, str]) -> dict[str, float]:
    took = []
    for _ in range(requests):
        start = time.perf_counter()
        answer = http.get(WRITE, params=params)
        took.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.text
    return {"p50_ms": percentile(took, 50), "p99_ms": percentile(took, 99)}


def list_figures(server: LiveServer, jobs: int, requests: int) -> dict[str, Any]:
    _seed(server, jobs)
    with httpx.Client(base_url=server.base_url, headers=server.headers(), timeout=60) as http:
        token, pages = "", min(100, jobs // 50)
        for _ in range(1, pages):  # walk to page 100 by page tokens
            params = {"per_page": "50", **({"page_token": token} if token else {})}
            token = http.get(WRITE, params=params).json()["info"]["next_page_token"]
        deep = {"per_page": "50", "page_token": token}
        return {
            "jobs": jobs,
            "page_1": _timed(http, requests, {"per_page": "50"}),
            "page_1_per_page_200": _timed(http, requests, {"per_page": "200"}),
            "status_filtered": _timed(http, requests, {"status": "FAILED", "per_page": "50"}),
            f"page_{pages}_by_token": _timed(http, requests, deep),
            "page_100_by_number": _timed(http, requests, {"per_page": "50", "page": "100"}),
        }


def events_latency(server: LiveServer, chunks: int) -> dict[str, Any]:
    """Commit ``chunks`` chunks to a job the server does not run; time each to its event."""
    services = server.services
    job_id = _seed(server, 1)
    with services.store.transaction() as tx:
        tx.move_job(job_id, JobStatus.ADDED, JobStatus.INPROGRESS)
    arrivals: list[tuple[int, float]] = []
    ready = threading.Event()

    def listen() -> None:
        url = f"{server.base_url}{WRITE}/{job_id}/events"
        with httpx.stream("GET", url, headers=server.headers(), timeout=None) as answer:
            for line in answer.iter_lines():
                if line.startswith("data:"):
                    ready.set()
                    done = json.loads(line[5:])["progress"]["rows_done"]
                    arrivals.append((done, time.perf_counter()))
                    if done >= chunks:
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    ready.wait(10)
    commits: dict[int, float] = {}
    for n in range(chunks):
        time.sleep(random.uniform(0.05, 0.6))  # the pace of real chunks: the commits to time
        with services.store.transaction() as tx:
            tx.save_chunk(job_id, n, n, Counts(1, 0, 0), 1, b"")
        commits[n + 1] = time.perf_counter()
    listener.join(30)
    # a commit is received with the first event showing it (or a later commit: coalesced)
    took = [
        (min(at for done, at in arrivals if done >= n) - commits[n]) * 1000
        for n in commits
        if any(done >= n for done, _ in arrivals)
    ]
    return {
        "chunks": chunks,
        "seen": len(took),
        "p50_ms": percentile(took, 50),
        "p99_ms": percentile(took, 99),
    }


def _medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several events-latency runs: each run, and the medians and ranges of p50 and p99."""
    out: dict[str, Any] = {"runs": runs}
    for key in ("p50_ms", "p99_ms"):
        values = [run[key] for run in runs]
        out[key] = statistics.median(values)
        out[f"{key}_range"] = [min(values), max(values)]
    return out


def compare_polling(chunks: int, repeat: int) -> dict[str, Any]:
    """Events latency on PostgreSQL, listening and polling, alternated run by run."""
    runs: dict[str, list[dict[str, Any]]] = {"listen": [], "poll": []}
    with tempfile.TemporaryDirectory() as root:
        for _ in range(repeat):
            for mode in ("poll", "listen"):
                listen = "true" if mode == "listen" else "false"
                with _server(
                    "postgresql", Path(root) / mode, worker="false", events_listen=listen
                ) as server:
                    runs[mode].append(events_latency(server, chunks))
    return {mode: _medians(found) for mode, found in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=60)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--events-only", action="store_true", help="no list figures")
    parser.add_argument("--repeat", type=int, default=1, help="events latency runs")
    parser.add_argument(
        "--compare-polling",
        action="store_true",
        help="PostgreSQL: events latency with LISTEN/NOTIFY and with polling alone "
        "(BULKWRITE_EVENTS_LISTEN=false), runs alternated on two servers",
    )
    args = parser.parse_args()
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    figures: dict[str, Any] = {}
    if args.compare_polling:
        print(json.dumps(compare_polling(args.chunks, args.repeat), indent=2))
        return
    with tempfile.TemporaryDirectory() as root:
        for store in stores:
            with _server(store, Path(root), worker="false") as server:
                runs = [events_latency(server, args.chunks) for _ in range(args.repeat)]
                figures[store] = {"events": runs[0] if len(runs) == 1 else _medians(runs)}
                if not args.events_only:
                    figures[store]["list"] = list_figures(server, args.jobs, args.requests)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
