"""A dry run against the real run of the same file, same store, same server (beyond-zoho.md
§4: a dry run costs no more than the real run). Inserts the file dry, then for real, then an
upsert of it dry and for real (every row then an update); prints seconds and the ratios.

    .venv/bin/python -m bench.dry_run --rows 1000000
    .venv/bin/python -m bench.dry_run --rows 1000000 --pg postgresql://postgres@127.0.0.1/postgres

``--pg``: the same on PostgreSQL (a fresh database on that server, dropped afterwards; one
``bulkwrite serve`` with its embedded worker). ``--repeat N`` runs the four jobs N times, each
time on a fresh store, and prints every run and the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench.e2e import SERVER_SETTINGS, _poll, job_body
from bench.generate import generate
from bench.pgdb import fresh_database
from bulkwrite.client import Client
from tests.server import make_server


def timed(client: Client, file_id: str, operation: str, dry: bool) -> tuple[float, Any]:
    start = time.perf_counter()
    job_id = client.create_job(job_body(operation, file_id), dry_run=dry)
    details = _poll(client, job_id, [])
    seconds = time.perf_counter() - start
    if details.status != "COMPLETED":
        raise SystemExit(f"{operation} dry={dry}: {details.status}")
    counts = [details.count(n) for n in ("added", "updated", "skipped")]
    return seconds, counts


@contextmanager
def _server(data_dir: Path, pg: str | None) -> Iterator[Client]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        settings = dict(SERVER_SETTINGS)
        if pg is not None:
            settings["database_url"] = stack.enter_context(fresh_database(pg))
        server = make_server(data_dir, **settings)
        server.start()
        stack.callback(server.stop)
        yield stack.enter_context(Client(server.base_url, server.token, timeout=600.0))


def one_run(csv_path: Path, data_dir: Path, pg: str | None) -> dict[str, Any]:
    """Insert dry then real, upsert dry then real, on a fresh store."""
    out: dict[str, Any] = {}
    with _server(data_dir, pg) as client:
        file_id = client.upload(csv_path)
        for operation in ("insert", "upsert"):
            dry, dry_counts = timed(client, file_id, operation, True)
            real, real_counts = timed(client, file_id, operation, False)
            assert dry_counts == real_counts, (operation, dry_counts, real_counts)
            out[operation] = {
                "dry_s": round(dry, 1),
                "real_s": round(real, 1),
                "ratio": round(dry / real, 2),
                "counts": real_counts,
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", default=None, help="a PostgreSQL server's URL")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    out: dict[str, Any] = {"rows": args.rows, "store": "postgresql" if args.pg else "sqlite"}
    with tempfile.TemporaryDirectory() as work:
        csv_path = generate(Path(work) / "leads.csv", args.rows, seed=1).path
        runs = [one_run(csv_path, Path(work) / f"data{n}", args.pg) for n in range(args.repeat)]
    out["runs"] = runs
    for operation in ("insert", "upsert"):
        ratios = [run[operation]["ratio"] for run in runs]
        out[f"{operation}_ratio_median"] = statistics.median(ratios)
        out[f"{operation}_ratio_range"] = [min(ratios), max(ratios)]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
