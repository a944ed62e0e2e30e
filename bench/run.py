"""Run the benchmark: bulkwrite end to end next to raw SQLite, on one generated file.

``python -m bench.run [--rows 100000] [--runs 3] [--big-rows 0] [--out bench/out/results.json]``

Each run measures, on the same file: the raw insert and upsert ceilings (bench/raw.py), then a
fresh ``bulkwrite serve`` doing an insert job (with its details latency, peak RSS and CPU time)
and an upsert job (find_by Email) of the file, then another fresh server doing one 25,000-row
insert job (Zoho's largest file). ``--big-rows N`` adds one insert job of N rows for its
throughput and peak RSS. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.e2e import JobTiming, run_job, running_server, watched_job
from bench.generate import Summary, generate
from bench.raw import RawResult, connect, raw_insert, raw_upsert
from bench.report import MIB, machine_facts, print_report, write_json
from bench.stats import percentile, spread

ZOHO_MAX_ROWS = 25_000
#: 1-minute load average above which the figures are flagged as noisy.
BUSY_LOAD = 0.5


@dataclass(frozen=True)
class Options:
    rows: int
    runs: int
    big_rows: int
    out: Path
    bad: float
    seed: int
    workdir: Path | None
    keep: bool


def _raw_json(result: RawResult) -> dict[str, Any]:
    return {
        "rows": result.rows,
        "seconds": result.seconds,
        "rows_per_second": result.rows_per_second,
        "records_after": result.records_after,
    }


def _job_json(timing: JobTiming) -> dict[str, Any]:
    document = timing.as_json()
    if timing.details_ms:
        document["details_p50_ms"] = percentile(timing.details_ms, 50)
        document["details_p99_ms"] = percentile(timing.details_ms, 99)
        document["details_max_ms"] = max(timing.details_ms)
    return document


def _raw_pair(work: Path, source: Summary) -> tuple[RawResult, RawResult]:
    conn = connect(work / "raw.sqlite3")
    try:
        return raw_insert(conn, source.path), raw_upsert(conn, source.path)
    finally:
        conn.close()


def _checks(run: dict[str, Any], source: Summary, zoho: Summary) -> list[str]:
    """What must hold for the figures to mean anything."""
    expect = {
        "bulkwrite_insert": {"added": source.good_rows, "skipped": source.bad_rows},
        "bulkwrite_upsert": {"updated": source.good_rows, "added": 0},
        "zoho_25k": {"added": zoho.good_rows, "skipped": zoho.bad_rows},
        "raw_insert": {"rows": source.rows},
        "raw_upsert": {"rows": source.rows},
    }
    problems = []
    for name, wanted in expect.items():
        got = run[name].get("counts", run[name])
        for key, value in wanted.items():
            if got.get(key) != value:
                problems.append(f"run {run['run']}: {name} {key} = {got.get(key)}, not {value}")
    return problems


def one_run(
    index: int, work: Path, source: Summary, zoho: Summary, console: Console
) -> dict[str, Any]:
    console.log(f"run {index}: raw SQLite insert and upsert")
    raw_in, raw_up = _raw_pair(work, source)
    console.log(f"run {index}: bulkwrite insert and upsert of {source.rows:,} rows")
    with running_server(work / "server") as (server, client):
        insert = watched_job(server, client, source.path, source.rows)
        upsert = run_job(client, source.path, source.rows, "upsert")
    console.log(f"run {index}: bulkwrite {zoho.rows:,}-row job")
    with running_server(work / "server-25k") as (_, client):
        small = run_job(client, zoho.path, zoho.rows, "insert")
    run = {
        "run": index,
        "raw_insert": _raw_json(raw_in),
        "raw_upsert": _raw_json(raw_up),
        "bulkwrite_insert": _job_json(insert),
        "bulkwrite_upsert": _job_json(upsert),
        "zoho_25k": _job_json(small),
        "insert_ratio": insert.rows_per_second / raw_in.rows_per_second,
        "upsert_ratio": upsert.rows_per_second / raw_up.rows_per_second,
    }
    console.log(
        f"run {index}: raw insert {raw_in.rows_per_second:,.0f} rows/s, "
        f"bulkwrite insert {insert.rows_per_second:,.0f} rows/s "
        f"(x{run['insert_ratio']:.3f}), upsert x{run['upsert_ratio']:.3f}"
    )
    return run


def summarise(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    def each(*path: str) -> list[float]:
        values = []
        for run in runs:
            node: Any = run
            for key in path:
                node = node[key]
            values.append(float(node))
        return values

    insert = "bulkwrite_insert"
    cpu = [
        r[insert]["server_cpu_seconds"] / r[insert]["seconds"] for r in runs if r[insert]["seconds"]
    ]
    return {
        "raw_insert_rows_per_second": spread(each("raw_insert", "rows_per_second")),
        "raw_upsert_rows_per_second": spread(each("raw_upsert", "rows_per_second")),
        "bulkwrite_insert_rows_per_second": spread(each(insert, "rows_per_second")),
        "bulkwrite_upsert_rows_per_second": spread(each("bulkwrite_upsert", "rows_per_second")),
        "insert_ratio": spread(each("insert_ratio")),
        "upsert_ratio": spread(each("upsert_ratio")),
        "insert_upload_seconds": spread(each(insert, "upload_seconds")),
        "insert_processing_seconds": spread(each(insert, "processing_seconds")),
        "insert_download_seconds": spread(each(insert, "download_seconds")),
        "insert_server_cpu_share": spread(cpu),
        "zoho_25k_seconds": spread(each("zoho_25k", "completed_seconds")),
        "details_p50_ms": spread(each(insert, "details_p50_ms")),
        "details_p99_ms": spread(each(insert, "details_p99_ms")),
        "peak_rss_mib": spread([v / MIB for v in each(insert, "peak_rss_bytes")]),
    }


def big_run(work: Path, options: Options, console: Console) -> dict[str, Any]:
    console.log(f"big: generating {options.big_rows:,} rows")
    big = generate(
        work / f"leads-{options.big_rows}.csv", options.big_rows, options.bad, options.seed
    )
    console.log(f"big: bulkwrite insert of {big.rows:,} rows ({big.bytes / MIB:,.0f} MiB)")
    with running_server(work / "server-big") as (server, client):
        timing = watched_job(server, client, big.path, big.rows)
    big.path.unlink()
    job = _job_json(timing)
    figures = {
        "rows_per_second": timing.rows_per_second,
        "processing_seconds": timing.processing_seconds,
        "details_p99_ms": job.get("details_p99_ms", float("nan")),
        "peak_rss_mib": job["peak_rss_bytes"] / MIB,
    }
    return {"file": _file_json(big), "job": job, "figures": figures}


def _file_json(summary: Summary) -> dict[str, Any]:
    return {
        "rows": summary.rows,
        "bad_rows": summary.bad_rows,
        "defects": summary.defects,
        "bytes": summary.bytes,
    }


def run_all(options: Options, work: Path, console: Console) -> dict[str, Any]:
    load_before = os.getloadavg()
    if load_before[0] > BUSY_LOAD:
        console.log(
            f"[yellow]the machine is busy (load {load_before[0]:.2f}): figures will be noisy"
        )
    console.log(f"generating {options.rows:,} rows (seed {options.seed}, bad {options.bad:.1%})")
    source = generate(work / f"leads-{options.rows}.csv", options.rows, options.bad, options.seed)
    zoho = generate(work / f"leads-{ZOHO_MAX_ROWS}.csv", ZOHO_MAX_ROWS, options.bad, options.seed)
    runs, problems = [], []
    for index in range(1, options.runs + 1):
        run_dir = work / f"run-{index}"
        run = one_run(index, run_dir, source, zoho, console)
        problems += _checks(run, source, zoho)
        runs.append(run)
        shutil.rmtree(run_dir, ignore_errors=True)
    big = big_run(work, options, console) if options.big_rows else None
    return {
        "machine": {**machine_facts(), "load_average_before": load_before},
        "config": {
            "rows": options.rows,
            "runs": options.runs,
            "big_rows": options.big_rows,
            "bad": options.bad,
            "seed": options.seed,
            "raw_rows": "all rows, bad ones included, none validated",
        },
        "files": {"main": _file_json(source), "zoho_25k": _file_json(zoho)},
        "summary": summarise(runs),
        "runs": runs,
        "big": big,
        "problems": problems,
    }


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the main file")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of every measurement")
    parser.add_argument("--big-rows", type=int, default=0, help="one extra insert of this size")
    parser.add_argument("--out", type=Path, default=Path("bench/out/results.json"))
    parser.add_argument("--bad", type=float, default=0.02, help="share of bad rows")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="for the files (default: a temp dir, removed)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp work directory")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.runs < 1 or args.big_rows < 0:
        parser.error("--rows and --runs must be positive, --big-rows not negative")
    return Options(
        args.rows, args.runs, args.big_rows, args.out, args.bad, args.seed, args.workdir, args.keep
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    console = Console(stderr=True)
    temporary = options.workdir is None
    work = options.workdir or Path(tempfile.mkdtemp(prefix="bulkwrite-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        document = run_all(options, work, console)
    finally:
        if temporary and not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    write_json(options.out, document)
    print_report(Console(), document)
    console.log(f"figures written to {options.out}")
    return 1 if document["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
