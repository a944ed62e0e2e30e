"""Where a job's time goes: the pipeline in-process (no HTTP) under cProfile.

``python -m bench.hotspots [--rows 100000] [--operation insert|upsert] [--sort tottime]``

Uses the service functions the server calls (upload_file, create_job, run_job) on a fresh data
directory, with no worker thread: the job runs on this thread, so the profile is the job's alone.
For an upsert, the file is first inserted (not profiled), then upserted over itself (profiled).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.e2e import job_body
from bench.generate import generate
from bulkwrite.domain.accounts import Principal
from bulkwrite.services.accounts import ensure_demo_org
from bulkwrite.services.context import Services
from bulkwrite.services.create_job import create_job
from bulkwrite.services.runner import run_job
from bulkwrite.services.tokens import authenticate
from bulkwrite.services.uploads import upload_file
from bulkwrite.settings import Settings
from bulkwrite.worker import build_services


def _job(services: Services, principal: Principal, csv_path: Path, operation: str) -> str:
    with csv_path.open("rb") as source:
        stored = upload_file(services, principal, source, csv_path.name)
    return create_job(services, principal, job_body(operation, stored.id)).id


def profile_job(work: Path, rows: int, operation: str, seed: int) -> tuple[pstats.Stats, float]:
    source = generate(work / f"leads-{rows}.csv", rows, 0.02, seed)
    services = build_services(Settings(data_dir=work / "data", worker=False))
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
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bulkwrite-profile-") as work:
        stats, seconds = profile_job(Path(work), args.rows, args.operation, args.seed)
    print(f"{args.operation} of {args.rows:,} rows: {seconds:.2f} s under cProfile")
    if args.dump is not None:
        stats.dump_stats(args.dump)
    stats.sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
