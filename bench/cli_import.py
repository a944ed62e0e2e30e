"""``bulkwrite import`` as a user runs it, whole command, against ``sqlite3 .import`` of the same
file into a fresh database, in the same run (issue 17's target: at least half its speed).

The file is ``bench.generate``'s Leads file (no bad rows) with a tenth column, ``City``: ten
columns, ``--rows`` rows (default 100,000). A ``bulkwrite serve`` (SQLite) runs for the whole
bench; each import goes to an org of its own (a fresh, empty Leads table), so every run adds
every row. The runs alternate between the two commands; each is timed from process start to
exit. With ``--psql URL`` a ``psql \\copy`` of the file into a fresh table of that server is
timed too (the ceiling of a PostgreSQL deployment's import).

``python -m bench.cli_import [--rows 100000] [--runs 5] [--psql postgresql://…]``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.generate import HEADER, iter_rows
from tests.server import LiveServer, make_server

CITIES = ("Lisbon", "Zürich", "São Paulo", "Kraków", "Osaka", "Nairobi", "Austin")


def write_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*HEADER, "City"])
        for number, (row, _) in enumerate(iter_rows(rows, bad=0.0, seed=1), start=1):
            writer.writerow([*row, CITIES[number % len(CITIES)]])


#: The summary's "Time" row: the job's own time, from its creation to its end.
JOB_TIME = re.compile(r"Time\s*│\s*([\d,.]+) s")


def timed(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    return run(command, env, cwd)[0]


def run(
    command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, str]:
    """Seconds from process start to exit, and what it printed on stdout."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command[:4]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return took, done.stdout


def bulkwrite_run(server: LiveServer, source: Path, number: int, work: Path) -> tuple[float, float]:
    """The whole command's seconds, and the job's own (created to ended) as it reports them."""
    org = server.new_org(f"Bench {number}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKWRITE_")}
    env.update(BULKWRITE_URL=server.base_url, BULKWRITE_TOKEN=org.token)
    result = work / f"result-{number}.csv"
    command = [sys.executable, "-m", "bulkwrite", "import", str(source), "--module", "Leads"]
    took, out = run([*command, "--result", str(result)], env=env, cwd=work)
    found = JOB_TIME.search(out)
    assert found, out
    with result.open(encoding="utf-8", newline="") as file:
        statuses = {row["STATUS"] for row in csv.DictReader(file)}
    assert statuses == {"ADDED"}, statuses
    return took, float(found.group(1).replace(",", ""))


def sqlite_run(source: Path, run: int, work: Path) -> float:
    database = work / f"raw-{run}.db"
    took = timed(["sqlite3", str(database), f".import --csv {source} leads"])
    assert database.stat().st_size > source.stat().st_size // 2
    return took


def psql_run(url: str, source: Path, run: int) -> float:
    table = f"bench_cli_{run}"
    columns = ", ".join(f'"{name}" text' for name in [*HEADER, "City"])
    create = f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} ({columns})"
    copy = f"\\copy {table} FROM '{source}' WITH (FORMAT csv, HEADER true)"
    steps = ["-c", create, "-c", copy, "-c", f"DROP TABLE {table}"]
    return timed(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, *steps])


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(values), 3),
        "min_s": round(min(values), 3),
        "max_s": round(max(values), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--psql", default="", help="a postgresql:// URL to time psql \\copy on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        work = Path(root)
        source = work / "leads10.csv"
        write_file(source, args.rows)
        server = make_server(work / "data")
        server.start()
        try:
            bulkwrite_run(server, source, 0, work)  # warm: the first org's tables, page cache
            times: dict[str, list[float]] = {"bulkwrite": [], "sqlite3": [], "psql": []}
            times.update(bulkwrite_job=[], bulkwrite_start=[])
            for number in range(1, args.runs + 1):
                times["sqlite3"].append(sqlite_run(source, number, work))
                whole, job = bulkwrite_run(server, source, number, work)
                times["bulkwrite"].append(whole)
                times["bulkwrite_job"].append(job)
                start_up = [sys.executable, "-m", "bulkwrite", "--help"]
                times["bulkwrite_start"].append(timed(start_up, cwd=work))
                if args.psql:
                    times["psql"].append(psql_run(args.psql, source, number))
        finally:
            server.stop()
    result: dict[str, Any] = {
        "rows": args.rows,
        "columns": len(HEADER) + 1,
        "runs": args.runs,
        **{name: spread(values) for name, values in times.items() if values},
        "runs_s": times,
    }
    ratios = [s / b for s, b in zip(times["sqlite3"], times["bulkwrite"], strict=True)]
    result["bulkwrite_vs_sqlite3"] = {
        "median": round(statistics.median(ratios), 3),
        "min": round(min(ratios), 3),
        "max": round(max(ratios), 3),
    }
    if times["psql"]:
        ratios = [p / b for p, b in zip(times["psql"], times["bulkwrite"], strict=True)]
        result["bulkwrite_vs_psql"] = round(statistics.median(ratios), 3)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
