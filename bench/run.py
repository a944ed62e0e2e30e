"""Run the benchmark: bulkwrite end to end next to raw SQLite and raw PostgreSQL, on one
generated file.

``python -m bench.run [--rows 100000] [--runs 3] [--big-rows 0] [--backends sqlite,postgresql]
[--out bench/out/results.json]``

Each run measures, on the same file. SQLite: the raw insert and upsert ceilings (bench/raw.py),
then a fresh ``bulkwrite serve`` doing an insert job (with its details latency, peak RSS and CPU
time) and an upsert job (find_by Email) of the file, then another fresh server doing one
25,000-row insert job (Zoho's largest file). PostgreSQL (bench/pgrun.py), each step on a fresh
database: the raw COPY insert and staged upsert ceilings, then an API process with one worker
process and with two doing the insert and upsert jobs, then two concurrent jobs on two workers.
``--big-rows N`` adds one SQLite insert of N rows, raw and by a job, for the ratio, the
throughput and the peak RSS at that size. See
bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.e2e import SERVER_SETTINGS, BenchError, job_json, run_job, running_server, watched_job
from bench.generate import Summary, generate
from bench.pgdb import admin_url, redacted, server_facts, unreachable_reason
from bench.pgrun import PgFiles, pg_checks, pg_run, pg_summary
from bench.raw import RawResult, connect, raw_insert, raw_json, raw_upsert
from bench.report import MIB, machine_facts, print_report, write_json
from bench.stats import spread

ZOHO_MAX_ROWS = 25_000
#: 1-minute load average above which the figures are flagged as noisy.
BUSY_LOAD = 0.5
BACKENDS = ("sqlite", "postgresql")


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
    #: None: SQLite, and PostgreSQL when ``pg_url`` is reachable.
    backends: tuple[str, ...] | None = None
    pg_url: str = ""


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


def sqlite_run(
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
        "raw_insert": raw_json(raw_in),
        "raw_upsert": raw_json(raw_up),
        "bulkwrite_insert": job_json(insert),
        "bulkwrite_upsert": job_json(upsert),
        "zoho_25k": job_json(small),
        "insert_ratio": insert.rows_per_second / raw_in.rows_per_second,
        "upsert_ratio": upsert.rows_per_second / raw_up.rows_per_second,
    }
    console.log(
        f"run {index}: raw insert {raw_in.rows_per_second:,.0f} rows/s, "
        f"bulkwrite insert {insert.rows_per_second:,.0f} rows/s "
        f"(x{run['insert_ratio']:.3f}), upsert x{run['upsert_ratio']:.3f}"
    )
    return run


def one_run(
    index: int, work: Path, files: dict[str, Summary], options: Options, console: Console
) -> tuple[dict[str, Any], list[str]]:
    """One run of every backend asked for: its figures, and the sanity checks that failed."""
    backends = options.backends or ()
    run: dict[str, Any] = {"run": index}
    problems: list[str] = []
    if "sqlite" in backends:
        run.update(sqlite_run(index, work, files["main"], files["zoho_25k"], console))
        problems += _checks(run, files["main"], files["zoho_25k"])
    if "postgresql" in backends:
        pg_files = PgFiles(files["main"], files["twin"])
        run["postgresql"] = pg_run(index, work, pg_files, options.pg_url, console)
        problems += pg_checks(run["postgresql"], pg_files, index)
        if "sqlite" in backends:
            run["postgresql"]["ratios"]["insert_vs_sqlite"] = (
                run["postgresql"]["workers_1"]["insert"]["rows_per_second"]
                / run["bulkwrite_insert"]["rows_per_second"]
            )
            run["postgresql"]["ratios"]["upsert_vs_sqlite"] = (
                run["postgresql"]["workers_1"]["upsert"]["rows_per_second"]
                / run["bulkwrite_upsert"]["rows_per_second"]
            )
    return run, problems


def summarise(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """min/median/max over the runs of every figure the runs have."""
    summary: dict[str, dict[str, float]] = {}
    if "raw_insert" in runs[0]:
        summary.update(sqlite_summary(runs))
    if "postgresql" in runs[0]:
        summary.update(pg_summary(runs))
    return summary


def sqlite_summary(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
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
        "own_peak_rss_mib": spread([v / MIB for v in each(insert, "own_peak_rss_bytes")]),
    }


def big_run(work: Path, options: Options, console: Console) -> dict[str, Any]:
    console.log(f"big: generating {options.big_rows:,} rows")
    big = generate(
        work / f"leads-{options.big_rows}.csv", options.big_rows, options.bad, options.seed
    )
    console.log(f"big: raw SQLite insert of {big.rows:,} rows")
    conn = connect(work / "raw-big.db")
    try:
        raw = raw_insert(conn, big.path)
    finally:
        conn.close()
    (work / "raw-big.db").unlink(missing_ok=True)
    console.log(f"big: bulkwrite insert of {big.rows:,} rows ({big.bytes / MIB:,.0f} MiB)")
    with running_server(work / "server-big") as (server, client):
        timing = watched_job(server, client, big.path, big.rows)
    big.path.unlink()
    job = job_json(timing)
    figures = {
        "raw_rows_per_second": raw.rows_per_second,
        "insert_ratio": timing.rows_per_second / raw.rows_per_second,
        "job_only_ratio": raw.seconds / timing.processing_seconds,
        "upload_seconds": timing.upload_seconds,
        "rows_per_second": timing.rows_per_second,
        "processing_seconds": timing.processing_seconds,
        "details_p99_ms": job.get("details_p99_ms", float("nan")),
        "peak_rss_mib": job["peak_rss_bytes"] / MIB,
        "own_peak_rss_mib": job["own_peak_rss_bytes"] / MIB,
    }
    return {"file": _file_json(big), "raw_insert": raw_json(raw), "job": job, "figures": figures}


def _file_json(summary: Summary) -> dict[str, Any]:
    return {
        "rows": summary.rows,
        "bad_rows": summary.bad_rows,
        "defects": summary.defects,
        "bytes": summary.bytes,
    }


def input_files(options: Options, work: Path) -> dict[str, Any]:
    """The generated CSV files every run measures, by role."""
    backends = options.backends or ()
    files = {
        "main": generate(
            work / f"leads-{options.rows}.csv", options.rows, options.bad, options.seed
        )
    }
    if "sqlite" in backends:
        files["zoho_25k"] = generate(
            work / f"leads-{ZOHO_MAX_ROWS}.csv", ZOHO_MAX_ROWS, options.bad, options.seed
        )
    if "postgresql" in backends:
        # The second of two concurrent jobs: same size and seed, rows numbered after the main
        # file's, so no Email in common.
        files["twin"] = generate(
            work / f"leads-{options.rows}-twin.csv",
            options.rows,
            options.bad,
            options.seed,
            first=options.rows + 1,
        )
    return files


def run_all(options: Options, work: Path, console: Console) -> dict[str, Any]:
    load_before = os.getloadavg()
    if load_before[0] > BUSY_LOAD:
        console.log(
            f"[yellow]the machine is busy (load {load_before[0]:.2f}): figures will be noisy"
        )
    console.log(f"generating {options.rows:,} rows (seed {options.seed}, bad {options.bad:.1%})")
    backends = options.backends or ()
    files = input_files(options, work)
    runs, problems = [], []
    for index in range(1, options.runs + 1):
        run_dir = work / f"run-{index}"
        run, failed = one_run(index, run_dir, files, options, console)
        problems += failed
        runs.append(run)
        shutil.rmtree(run_dir, ignore_errors=True)
    big = big_run(work, options, console) if options.big_rows and "sqlite" in backends else None
    machine = {**machine_facts(), "load_average_before": load_before}
    if "postgresql" in backends:
        machine["postgresql"] = server_facts(options.pg_url)
    return {
        "machine": machine,
        "config": {
            "rows": options.rows,
            "runs": options.runs,
            "big_rows": options.big_rows,
            "bad": options.bad,
            "seed": options.seed,
            "backends": list(backends),
            "settings": dict(SERVER_SETTINGS),
            "raw_rows": "all rows, bad ones included, none validated",
            "postgresql_workers": "bulkwrite worker --concurrency 1 per worker process",
        },
        "files": {name: _file_json(summary) for name, summary in files.items()},
        "summary": summarise(runs),
        "runs": runs,
        "big": big,
        "problems": problems,
    }


def make_parser() -> argparse.ArgumentParser:
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
    parser.add_argument(
        "--backends",
        default=None,
        help="comma-separated, of sqlite,postgresql (default: both, PostgreSQL if reachable)",
    )
    parser.add_argument(
        "--pg-url",
        default=None,
        help="PostgreSQL server to create the bench databases on (a postgresql:// URL of a "
        "database to connect to; default: BULKWRITE_TEST_PG, else the local postgres database)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting of every bulkwrite process the bench starts (as BULKWRITE_<NAME>), "
        "e.g. --set convert_process=false; repeatable",
    )
    return parser


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = make_parser()
    args = parser.parse_args(argv)
    for item in args.set:
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            parser.error(f"--set takes NAME=VALUE, not {item!r}")
        SERVER_SETTINGS[name.strip().lower()] = value
    if args.rows < 1 or args.runs < 1 or args.big_rows < 0:
        parser.error("--rows and --runs must be positive, --big-rows not negative")
    backends: tuple[str, ...] | None = None
    if args.backends is not None:
        backends = tuple(dict.fromkeys(b.strip() for b in args.backends.split(",") if b.strip()))
        unknown = [b for b in backends if b not in BACKENDS]
        if unknown or not backends:
            parser.error(f"--backends takes {','.join(BACKENDS)}, not {args.backends!r}")
    return Options(
        args.rows,
        args.runs,
        args.big_rows,
        args.out,
        args.bad,
        args.seed,
        args.workdir,
        args.keep,
        backends,
        args.pg_url or admin_url(),
    )


def with_backends(options: Options, console: Console) -> Options:
    """The options with the backends to measure settled: PostgreSQL is left out of the default
    when unreachable, and an error when asked for."""
    wanted = options.backends
    if wanted is not None and "postgresql" not in wanted:
        return options
    reason = unreachable_reason(options.pg_url)
    if reason is None:
        return replace(options, backends=wanted or BACKENDS)
    if wanted is not None:
        raise BenchError(reason)
    console.log(f"[yellow]{reason}: PostgreSQL left out (--backends sqlite)")
    return replace(options, backends=("sqlite",))


def main(argv: Sequence[str] | None = None) -> int:
    console = Console(stderr=True)
    try:
        options = with_backends(parse_args(argv), console)
    except BenchError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        return 2
    console.log(
        f"backends: {', '.join(options.backends or ())}"
        + (
            f" (PostgreSQL at {redacted(options.pg_url)})"
            if "postgresql" in (options.backends or ())
            else ""
        )
    )
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
