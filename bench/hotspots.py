"""Where a job's time goes: the pipeline in-process (no HTTP) under cProfile.

``python -m bench.hotspots [--rows 100000] [--operation insert|upsert] [--sort tottime]
[--backend sqlite|postgresql] [--pg-url URL]``

Uses the service functions the server calls (upload_file, create_job, run_job) on a fresh data
directory, with no worker thread: the job runs on this thread, so the profile is the job's alone.
For an upsert, the file is first inserted (not profiled), then upserted over itself (profiled).
With ``--backend postgresql`` the store is a fresh database on the ``--pg-url`` server (default
as bench.run's), dropped at the end; time spent waiting for the server shows under psycopg's
``wait``/``execute``/``copy`` calls.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from bench.e2e import job_body
from bench.generate import generate
from bench.pgdb import admin_url, fresh_database
from bulkwrite.bootstrap import build_services
from bulkwrite.domain.identity import Principal
from bulkwrite.services.accounts import ensure_demo_org
from bulkwrite.services.collaborators import Services
from bulkwrite.services.create_job import create_job
from bulkwrite.services.run.runner import run_job
from bulkwrite.services.tokens import authenticate
from bulkwrite.services.uploads import upload_file
from bulkwrite.settings import Settings


def _job(services: Services, principal: Principal, csv_path: Path, operation: str) -> str:
    with csv_path.open("rb") as source:
        stored = upload_file(services, principal, source, csv_path.name)
    return create_job(services, principal, job_body(operation, stored.id)).id


def profile_job(
    work: Path, rows: int, operation: str, seed: int, database_url: str = ""
) -> tuple[pstats.Stats, float]:
    source = generate(work / f"leads-{rows}.csv", rows, 0.02, seed)
    settings = Settings(data_dir=work / "data", worker=False, database_url=database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    services = build_services(settings)
    try:
        demo = ensure_demo_org(services)
        if demo is None:
            raise RuntimeError("the data directory is not fresh")
        principal = authenticate(services, f"Zoho-oauthtoken {demo.token}")
        if operation == "upsert":
            run_job(services, _job(services, principal, source.path, "insert"))
        job_id = _job(services, principal, source.path, operation)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.runcall(run_job, services, job_id)
        seconds = time.perf_counter() - start
    finally:
        services.store.close()
    return pstats.Stats(profiler), seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hotspots", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--operation", choices=("insert", "upsert"), default="insert")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--dump", type=Path, default=None, help="also save the raw profile here")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=None, help="PostgreSQL server (as bench.run's)")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bulkwrite-profile-")))
        url = ""
        if args.backend == "postgresql":
            url = stack.enter_context(fresh_database(args.pg_url or admin_url()))
        stats, seconds = profile_job(work, args.rows, args.operation, args.seed, url)
    print(
        f"{args.operation} of {args.rows:,} rows on {args.backend}: {seconds:.2f} s under cProfile"
    )
    if args.dump is not None:
        stats.dump_stats(args.dump)
    stats.sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
