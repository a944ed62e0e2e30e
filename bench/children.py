"""Parent-child speed (issue 12 item 7): Quotes with their line items in one job, next to the
raw ceiling of the same rows and to a one-resource job of as many rows as the line items.

``python -m bench.children [--quotes 100000] [--items-per-quote 3] [--runs 3]
[--backends sqlite,postgresql] [--pg-url URL] [--out bench/out/children.json]``

Files (``bench/children_data.py``): a zip of ``Quotes.csv`` and ``Quoted_Items.csv``, and a
``Deals.csv`` of as many rows as there are line items, of their width (7 columns, one lookup).
Each run, for each store:

1. **raw** (``bench/children_raw.py``): the quotes, then the line items (with Parent_Id, Total
   and Net_Total), then the quotes' Sub_Total / Grand_Total, into tables made by the store's own
   DDL; then the Deals into theirs. SQLite: a fresh file, ``executemany``, one transaction per
   20,000 rows; PostgreSQL: a fresh database, COPY, one transaction per 20,000 rows.
2. **bulkwrite**: a fresh ``bulkwrite serve`` (SQLite), or ``serve --no-worker`` and one
   ``bulkwrite worker`` on a fresh database (PostgreSQL, ``bench/cluster.py``). Not timed: an
   Accounts job and a Products job (what the rows look up). Timed: the Quotes + Quoted_Items
   job, uploaded as one zip; the details are polled every 50 ms and the moment the parent
   resource shows COMPLETED splits the job into its **parent** part (create → parent COMPLETED)
   and its **child** part (→ job COMPLETED, the quotes' totals included). Then the Deals job
   (create → COMPLETED).

Figures: parent rows/s, child rows/s, Deals rows/s, each over its raw counterpart of the same
run; and the child part's pace over the Deals job's (1.0: a child row costs what a row of a
one-resource job costs). Sanity checks (exit 1): every row ADDED, none SKIPPED, and the totals
the store holds equal the raw ceiling's (the sum of every quote's Grand_Total and of every line
item's Net_Total).
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.children_data import (
    ACCOUNTS,
    PRODUCTS,
    ChildFiles,
    children_body,
    deals_body,
    setup_body,
    write_children,
    write_deals,
    write_setup,
)
from bench.children_raw import RawChildren, pg_ceiling, sqlite_ceiling
from bench.cluster import running_cluster
from bench.e2e import POLL_SECONDS, BenchError, run_job, running_server
from bench.pgdb import admin_url, fresh_database, server_facts, unreachable_reason
from bench.report import machine_facts
from bench.stats import spread
from bulkwrite.client import Client
from tests.server import LiveServer

BACKENDS = ("sqlite", "postgresql")
JOB_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Files:
    children: ChildFiles
    deals: Path
    accounts: Path
    products: Path


@dataclass(frozen=True)
class Target:
    """Where a bulkwrite server keeps its records: the server, and the PostgreSQL URL (None:
    its SQLite file)."""

    server: LiveServer
    client: Client
    database_url: str | None


def child_job(client: Client, zip_path: Path) -> dict[str, Any]:
    """The Quotes + Quoted_Items job: upload, create, poll; its parts' seconds and counts."""
    start = time.perf_counter()
    file_id = client.upload(zip_path)
    created = time.perf_counter()
    job_id = client.create_job(children_body(file_id))
    parent_done: float | None = None
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        details = client.job(job_id)
        now = time.perf_counter()
        resources = details.resources
        if parent_done is None and resources and resources[0].get("status") == "COMPLETED":
            parent_done = now
        if details.done:
            break
        if time.monotonic() > deadline:
            raise BenchError(f"job {job_id} is still {details.status}")
        time.sleep(POLL_SECONDS)  # a client's polling pace, not a wait for work in a test
    if details.status != "COMPLETED" or parent_done is None:
        raise BenchError(f"the Quotes job ended {details.status}: {details.raw}")
    counts = [
        {k: int(r["file"].get(f"{k}_count") or 0) for k in ("added", "skipped", "total")}
        for r in resources
    ]
    return {
        "upload_seconds": created - start,
        "parent_seconds": parent_done - created,
        "child_seconds": now - parent_done,
        "seconds": now - created,
        "counts": counts,
    }


def _setup(client: Client, files: Files) -> None:
    for module, path, header, rows in (
        ("Accounts", files.accounts, ("Account_Name",), ACCOUNTS),
        ("Products", files.products, ("Product_Name", "Unit_Price"), PRODUCTS),
    ):
        timing = run_job(client, path, rows, "insert", setup_body(module, header))
        if timing.counts["added"] != rows:
            raise BenchError(f"{module}: {timing.counts}")


def stored_totals(target: Target) -> dict[str, float]:
    """Quotes and line items the store holds, and the sums of their totals."""
    demo = target.server.demo
    if demo is None:
        raise BenchError("the server has no demo org")
    org = demo.org.id
    with target.server.services.store.transaction(write=False) as tx:
        quotes, items = tx.record_table(org, "Quotes"), tx.record_table(org, "Quoted_Items")
    queries = (
        f'SELECT count(*), sum("Grand_Total"), sum("Sub_Total") FROM "{quotes}"',
        f'SELECT count(*), sum("Net_Total"), 0 FROM "{items}"',
    )
    if target.database_url is None:
        conn = sqlite3.connect(target.server.data_dir / "bulkwrite.sqlite3")
        try:
            found = [conn.execute(q).fetchone() for q in queries]
        finally:
            conn.close()
    else:
        with psycopg.connect(target.database_url) as pg:
            found = [pg.execute(sql.SQL(q)).fetchone() for q in queries]
    (q_count, grand, sub), (i_count, net, _) = (row or (0, 0, 0) for row in found)
    return {
        "quotes": int(q_count),
        "items": int(i_count),
        "grand_total": float(grand or 0),
        "sub_total": float(sub or 0),
        "net_total": float(net or 0),
    }


def bulkwrite_part(target: Target, files: Files) -> dict[str, Any]:
    _setup(target.client, files)
    job = child_job(target.client, files.children.zip_path)
    job["stored"] = stored_totals(target)
    rows = files.children.items
    deals = run_job(target.client, files.deals, rows, "insert", deals_body)
    job["deals"] = {"seconds": deals.processing_seconds, "counts": deals.counts}
    return job


def _ratios(raw: RawChildren, job: dict[str, Any]) -> dict[str, float]:
    quotes, items, deals_raw = raw.quotes, raw.items, raw.deals_seconds
    # The parts are timed by polls: a part that ended between two polls took at least one.
    parent = quotes / max(job["parent_seconds"], POLL_SECONDS)
    child = items / max(job["child_seconds"], POLL_SECONDS)
    deals = items / job["deals"]["seconds"]
    return {
        "parent_rows_per_second": parent,
        "child_rows_per_second": child,
        "deals_rows_per_second": deals,
        "raw_parent_rows_per_second": quotes / raw.parent_seconds,
        "raw_child_rows_per_second": items / raw.child_seconds,
        "raw_deals_rows_per_second": items / deals_raw,
        "parent_ratio": parent / (quotes / raw.parent_seconds),
        "child_ratio": child / (items / raw.child_seconds),
        "deals_ratio": deals / (items / deals_raw),
        "child_over_deals": child / deals,
        "child_ratio_over_deals_ratio": (child / (items / raw.child_seconds))
        / (deals / (items / deals_raw)),
    }


def checks(name: str, run: dict[str, Any], files: Files, raw_net: float) -> list[str]:
    """What must hold for the run's figures to mean anything."""
    problems = []
    job, expected = run["bulkwrite"], (files.children.quotes, files.children.items)
    for counts, rows in zip(job["counts"], expected, strict=True):
        if counts["added"] != rows or counts["skipped"]:
            problems.append(f"{name}: a resource counted {counts}, expected {rows} added")
    if job["deals"]["counts"]["added"] != files.children.items:
        problems.append(f"{name}: the Deals job counted {job['deals']['counts']}")
    stored = job["stored"]
    if (stored["quotes"], stored["items"]) != expected:
        problems.append(f"{name}: the store holds {stored['quotes']} / {stored['items']} rows")
    for key in ("grand_total", "sub_total", "net_total"):
        if not math.isclose(stored[key], raw_net, rel_tol=1e-9, abs_tol=0.01):
            problems.append(f"{name}: {key} sums to {stored[key]:.2f}, the raw rows {raw_net:.2f}")
    return problems


@contextmanager
def _sqlite_target(work: Path) -> Iterator[Target]:
    with running_server(work / "data") as (server, client):
        yield Target(server, client, None)


@contextmanager
def _pg_target(work: Path, admin: str) -> Iterator[Target]:
    with fresh_database(admin) as url, running_cluster(work / "pg", url, 1) as cluster:
        yield Target(cluster.server, cluster.client, url)


def one_run(backend: str, work: Path, files: Files, admin: str) -> tuple[dict[str, Any], float]:
    """One store's run: the raw ceiling, then bulkwrite; and the raw line items' Net_Total sum."""
    work.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        raw = sqlite_ceiling(work / "raw.sqlite3", files.children, files.deals)
        target = _sqlite_target(work)
    else:
        with fresh_database(admin) as url:
            raw = pg_ceiling(url, files.children, files.deals)
        target = _pg_target(work, admin)
    with target as live:
        job = bulkwrite_part(live, files)
    run = {"raw": raw.as_json(), "bulkwrite": job, "figures": _ratios(raw, job)}
    return run, raw.net_total


FIGURES = (
    "parent_rows_per_second",
    "raw_parent_rows_per_second",
    "parent_ratio",
    "child_rows_per_second",
    "raw_child_rows_per_second",
    "child_ratio",
    "deals_rows_per_second",
    "raw_deals_rows_per_second",
    "deals_ratio",
    "child_over_deals",
    "child_ratio_over_deals_ratio",
)


def summary(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    return {name: spread([r["figures"][name] for r in runs]) for name in FIGURES}


def run_all(
    quotes: int, per_quote: int, runs: int, backends: Sequence[str], admin: str, work: Path
) -> dict[str, Any]:
    accounts, products = write_setup(work)
    children = write_children(work, quotes, per_quote)
    files = Files(children, write_deals(work / "Deals.csv", children.items), accounts, products)
    document: dict[str, Any] = {
        "quotes": quotes,
        "items_per_quote": per_quote,
        "items": children.items,
        "runs": runs,
        "backends": list(backends),
        "problems": [],
    }
    for backend in backends:
        each: list[dict[str, Any]] = []
        for k in range(runs):
            name = f"{backend} run {k + 1}"
            run, raw_net = one_run(backend, work / f"{backend}-{k}", files, admin)
            document["problems"] += checks(name, run, files, raw_net)
            each.append(run)
            f = run["figures"]
            print(
                f"{name}: parent {f['parent_rows_per_second']:,.0f} rows/s "
                f"(x{f['parent_ratio']:.3f} of raw), child {f['child_rows_per_second']:,.0f} "
                f"(x{f['child_ratio']:.3f}), Deals {f['deals_rows_per_second']:,.0f} "
                f"(x{f['deals_ratio']:.3f}); child / Deals x{f['child_over_deals']:.3f}",
                flush=True,
            )
        document[backend] = {"runs": each, "summary": summary(each)}
    document["machine"] = machine_facts()
    if "postgresql" in backends:
        document["machine"]["postgresql"] = server_facts(admin)
    return document


def print_summary(document: dict[str, Any]) -> None:
    for backend in document["backends"]:
        print(f"\n{backend}: median (min-max) over {document['runs']} runs")
        for name, values in document[backend]["summary"].items():
            digits = 0 if name.endswith("per_second") else 3
            low, mid, high = (f"{values[k]:,.{digits}f}" for k in ("min", "median", "max"))
            print(f"  {name:30} {mid:>10} ({low} - {high})")
    for problem in document["problems"]:
        print(f"PROBLEM: {problem}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=100_000)
    parser.add_argument("--items-per-quote", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--pg-url", default=admin_url())
    parser.add_argument("--out", type=Path, default=Path("bench/out/children.json"))
    args = parser.parse_args(argv)
    backends = [b for b in args.backends.split(",") if b]
    if unknown := set(backends) - set(BACKENDS):
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    if "postgresql" in backends and (reason := unreachable_reason(args.pg_url)):
        print(f"error: PostgreSQL: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bw-children-") as work:
        document = run_all(
            args.quotes, args.items_per_quote, args.runs, backends, args.pg_url, Path(work)
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2))
    print_summary(document)
    return 1 if document["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
