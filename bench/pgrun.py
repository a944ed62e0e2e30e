"""The PostgreSQL half of a run: raw COPY ceilings, then bulkwrite with 1 and 2 workers.

Each step gets a fresh database (bench/pgdb.py), dropped when the step ends:

1. raw: COPY insert, then staged upsert (bench/pgraw.py);
2. 1 worker: ``serve --no-worker`` + one ``bulkwrite worker --concurrency 1``; an insert job of
   the file, then an upsert job (find_by Email) of it;
3. 2 workers: the same with two worker processes (with the default settings a job runs on one of
   them; with ``BULKWRITE_SPLIT_JOBS=true`` both would convert its chunks);
4. 2 workers, 2 jobs: two insert jobs of two files of the same size with no Email in common,
   started together, then two upsert jobs of them; aggregate rows/s = both files' rows over the
   wall time from the first upload to the last result downloaded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.cluster import Cluster, concurrent_jobs, running_cluster, watched
from bench.e2e import job_json, run_job
from bench.generate import Summary
from bench.pgdb import BackendCpu, fresh_database
from bench.pgraw import connect, raw_pg_insert, raw_pg_upsert
from bench.raw import RawResult, raw_json
from bench.report import MIB
from bench.stats import spread

OPERATIONS = ("insert", "upsert")


@dataclass(frozen=True)
class PgFiles:
    """The main file, and its twin for the second of two concurrent jobs."""

    main: Summary
    twin: Summary


def _raw(url: str, source: Summary) -> dict[str, Any]:
    conn = connect(url)
    try:
        steps: dict[str, Any] = {}
        measure: tuple[tuple[str, Callable[[Any, Path], RawResult]], ...] = (
            ("insert", raw_pg_insert),
            ("upsert", raw_pg_upsert),
        )
        for name, step in measure:
            backends = BackendCpu(url)
            backends.start()
            result = step(conn, source.path)
            steps[name] = {**raw_json(result), **backends.stop()}
        return steps
    finally:
        conn.close()


def _job(cluster: Cluster, source: Summary, operation: str) -> dict[str, Any]:
    timing, resources = watched(
        cluster, lambda: run_job(cluster.client, source.path, source.rows, operation)
    )
    timing.server_cpu_seconds = resources["api_cpu_seconds"]
    return {**job_json(timing), "resources": resources}


def _pair(cluster: Cluster, files: PgFiles, operation: str) -> dict[str, Any]:
    both = [(files.main.path, files.main.rows), (files.twin.path, files.twin.rows)]
    jobs, resources = watched(cluster, lambda: concurrent_jobs(cluster, both, operation))
    return {
        **jobs.as_json(),
        "each": [job_json(timing) for timing in jobs.timings],
        "resources": resources,
    }


def pg_run(index: int, work: Path, files: PgFiles, admin: str, console: Console) -> dict[str, Any]:
    """Every PostgreSQL measurement of one run, each on its own fresh database."""
    source = files.main
    console.log(f"run {index}: raw PostgreSQL COPY insert and staged upsert")
    with fresh_database(admin) as url:
        raw = _raw(url, source)
    run: dict[str, Any] = {"raw_insert": raw["insert"], "raw_upsert": raw["upsert"]}
    for workers in (1, 2):
        console.log(f"run {index}: bulkwrite on PostgreSQL, {workers} worker(s), insert and upsert")
        with (
            fresh_database(admin) as url,
            running_cluster(work / f"pg-workers-{workers}", url, workers) as cluster,
        ):
            run[f"workers_{workers}"] = {op: _job(cluster, source, op) for op in OPERATIONS}
    console.log(f"run {index}: bulkwrite on PostgreSQL, 2 workers, 2 concurrent jobs")
    with (
        fresh_database(admin) as url,
        running_cluster(work / "pg-workers-2-jobs-2", url, 2) as cluster,
    ):
        run["workers_2_jobs_2"] = {op: _pair(cluster, files, op) for op in OPERATIONS}
    run["ratios"] = _ratios(run)
    ratios = run["ratios"]
    console.log(
        f"run {index}: PostgreSQL raw COPY {raw['insert']['rows_per_second']:,.0f} rows/s, "
        f"bulkwrite insert x{ratios['insert_workers_1']:.3f} (1 worker), "
        f"upsert x{ratios['upsert_workers_1']:.3f}; 2 jobs on 2 workers: insert "
        f"x{ratios['insert_workers_2_jobs_2']:.3f}, upsert x{ratios['upsert_workers_2_jobs_2']:.3f}"
    )
    return run


def _ratios(run: dict[str, Any]) -> dict[str, float]:
    """bulkwrite's rows/s over the raw ceiling of the same operation (2 jobs: aggregate), and
    2 jobs on 2 workers over 1 job on 1 worker."""
    ratios: dict[str, float] = {}
    for op in OPERATIONS:
        raw = run[f"raw_{op}"]["rows_per_second"]
        for setup in ("workers_1", "workers_2", "workers_2_jobs_2"):
            ratios[f"{op}_{setup}"] = run[setup][op]["rows_per_second"] / raw
        ratios[f"{op}_scaling"] = (
            run["workers_2_jobs_2"][op]["rows_per_second"] / run["workers_1"][op]["rows_per_second"]
        )
    return ratios


def pg_checks(run: dict[str, Any], files: PgFiles, index: int) -> list[str]:
    """What must hold for the PostgreSQL figures to mean anything."""
    source, twin = files.main, files.twin
    expect: list[tuple[str, dict[str, Any], dict[str, int]]] = [
        ("raw_insert", run["raw_insert"], {"rows": source.rows, "records_after": source.rows}),
        ("raw_upsert", run["raw_upsert"], {"rows": source.rows, "records_after": source.rows}),
    ]
    added = {"added": source.good_rows, "skipped": source.bad_rows}
    updated = {"updated": source.good_rows, "added": 0}
    for setup in ("workers_1", "workers_2"):
        expect.append((f"{setup} insert", run[setup]["insert"]["counts"], added))
        expect.append((f"{setup} upsert", run[setup]["upsert"]["counts"], updated))
    pair = run["workers_2_jobs_2"]
    for number, summary in enumerate((source, twin)):
        expect.append(
            (
                f"workers_2_jobs_2 insert #{number + 1}",
                pair["insert"]["each"][number]["counts"],
                {"added": summary.good_rows, "skipped": summary.bad_rows},
            )
        )
        expect.append(
            (
                f"workers_2_jobs_2 upsert #{number + 1}",
                pair["upsert"]["each"][number]["counts"],
                {"updated": summary.good_rows, "added": 0},
            )
        )
    problems = []
    for name, got, wanted in expect:
        for key, value in wanted.items():
            if got.get(key) != value:
                problems.append(
                    f"run {index}: PostgreSQL {name} {key} = {got.get(key)}, not {value}"
                )
    return problems


def _per_second(step: dict[str, Any], seconds: float, key: str) -> float:
    """A CPU figure of a step over its wall seconds (NaN when unknown)."""
    value = step.get(key)
    return math.nan if value is None else float(value) / seconds


def run_figures(run: dict[str, Any]) -> dict[str, float]:
    """The PostgreSQL figures of one run, flat, keys prefixed ``pg_``."""
    figures: dict[str, float] = {}
    for op in OPERATIONS:
        raw = run[f"raw_{op}"]
        figures[f"pg_raw_{op}_rows_per_second"] = raw["rows_per_second"]
        figures[f"pg_raw_{op}_wal_mib"] = raw["wal_bytes"] / MIB
        for cpu in ("backend", "server"):
            figures[f"pg_raw_{op}_{cpu}_cpu_share"] = _per_second(
                raw, raw["seconds"], f"{cpu}_cpu_seconds"
            )
        for setup in ("workers_1", "workers_2", "workers_2_jobs_2"):
            step = run[setup][op]
            figures[f"pg_{setup}_{op}_rows_per_second"] = step["rows_per_second"]
            figures[f"pg_{setup}_{op}_ratio"] = run["ratios"][f"{op}_{setup}"]
            resources = step["resources"]
            for cpu in ("worker", "backend", "server", "api"):
                figures[f"pg_{setup}_{op}_{cpu}_cpu_share"] = _per_second(
                    resources, step["seconds"], f"{cpu}_cpu_seconds"
                )
            figures[f"pg_{setup}_{op}_wal_mib"] = resources["wal_bytes"] / MIB
        figures[f"pg_{op}_scaling"] = run["ratios"][f"{op}_scaling"]
        if f"{op}_vs_sqlite" in run["ratios"]:
            figures[f"pg_{op}_vs_sqlite"] = run["ratios"][f"{op}_vs_sqlite"]
    figures["pg_raw_upsert_copy_seconds"] = run["raw_upsert"]["phases"]["copy"]
    figures["pg_raw_upsert_statement_seconds"] = run["raw_upsert"]["phases"]["upsert"]
    insert = run["workers_1"]["insert"]
    for phase in ("upload", "processing", "download"):
        figures[f"pg_workers_1_insert_{phase}_seconds"] = insert[f"{phase}_seconds"]
    for q in ("p50", "p99"):
        figures[f"pg_workers_1_details_{q}_ms"] = insert.get(f"details_{q}_ms", math.nan)
    for who in ("api", "worker"):
        figures[f"pg_workers_1_{who}_peak_rss_mib"] = (
            insert["resources"][f"{who}_peak_rss_bytes"] / MIB
        )
    return figures


def pg_summary(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """min/median/max over the runs of each PostgreSQL figure (``run_figures``)."""
    each = [run_figures(run["postgresql"]) for run in runs]
    return {key: spread([float(figures[key]) for figures in each]) for key in each[0]}
