"""Dates at column speed: one Deals file imported with and without its date column.

``python -m bench.deals [--rows 200000] [--runs 3] [--out bench/out/deals.json]``

Three files of the same deals (Deal_Name, Amount, Stage, Probability, Description), the same
seed, differing only in their Closing_Date (a mandatory date field):

- ``no_date``: no Closing_Date column; the mapping gives it a ``default_value`` (one value,
  converted once), so the job writes the same records with no date to read;
- ``date``: a Closing_Date column in the default pattern (``MM/dd/yyyy``), no ``format``;
- ``date_format``: the column written ``dd.MM.yyyy``, the mapping's ``format`` saying so.

Each job runs on a fresh ``bulkwrite serve`` (``bench/e2e.py``), timed from upload start to
COMPLETED; runs of the three alternate, so a busy moment of the machine falls on all of them.
The figure to read is each date case's median over ``no_date``'s median, in the same run.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.e2e import run_job, running_server
from bulkwrite.domain.standard_modules import STAGES

CASES = ("no_date", "date", "date_format")
COLUMNS = ["Deal_Name", "Amount", "Stage", "Probability", "Description"]
DEFAULT_CLOSING = "2026-06-30"
FIRST_DAY = date(2020, 1, 1)


def write_deals(path: Path, rows: int, case: str, seed: int = 1) -> None:
    """The Deals file of ``case``: the same rows, the date column as the case says."""
    rng = random.Random(seed)
    header = COLUMNS + ([] if case == "no_date" else ["Closing_Date"])
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for n in range(rows):
            day = FIRST_DAY + timedelta(days=rng.randrange(3650))
            row = [
                f"Deal {n}",
                f"{rng.randrange(100, 10**7) / 100:.2f}",
                rng.choice(STAGES),
                str(rng.randrange(0, 101)),
                f"Renewal of contract {n}, second year",
            ]
            if case == "date":
                row.append(day.strftime("%m/%d/%Y"))
            elif case == "date_format":
                row.append(day.strftime("%d.%m.%Y"))
            writer.writerow(row)


def job_body(case: str) -> Callable[[str], dict[str, Any]]:
    """The create request of ``case``: columns mapped by index, the date as the case says."""
    mappings: list[dict[str, Any]] = [{"api_name": n, "index": i} for i, n in enumerate(COLUMNS)]
    if case == "no_date":
        mappings.append({"api_name": "Closing_Date", "default_value": {"value": DEFAULT_CLOSING}})
    else:
        closing: dict[str, Any] = {"api_name": "Closing_Date", "index": len(COLUMNS)}
        if case == "date_format":
            closing["format"] = "dd.MM.yyyy"
        mappings.append(closing)

    def body(file_id: str) -> dict[str, Any]:
        resource = {"type": "data", "module": {"api_name": "Deals"}, "file_id": file_id}
        return {"operation": "insert", "resource": [resource | {"field_mappings": mappings}]}

    return body


def run(rows: int, runs: int, work: Path) -> dict[str, Any]:
    """Every case ``runs`` times, alternating; the seconds to COMPLETED and the ratios."""
    files = {case: work / f"deals-{case}.csv" for case in CASES}
    for case, path in files.items():
        write_deals(path, rows, case)
    seconds: dict[str, list[float]] = {case: [] for case in CASES}
    for k in range(runs):
        for case in CASES:
            with running_server(work / f"data-{case}-{k}") as (_server, client):
                timing = run_job(client, files[case], rows, "insert", job_body(case))
            if timing.counts["added"] != rows:
                raise SystemExit(f"{case}: {timing.counts} (expected {rows} added)")
            seconds[case].append(timing.completed_seconds)
            print(f"run {k + 1} {case:12} {timing.completed_seconds:7.3f} s", flush=True)
    medians = {case: statistics.median(values) for case, values in seconds.items()}
    return {
        "rows": rows,
        "runs": runs,
        "seconds": seconds,
        "median_seconds": medians,
        "ratio_to_no_date": {c: medians[c] / medians["no_date"] for c in CASES},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/out/deals.json"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bw-deals-") as work:
        result = run(args.rows, args.runs, Path(work))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    for case in CASES:
        ratio = result["ratio_to_no_date"][case]
        print(f"{case:12} median {result['median_seconds'][case]:7.3f} s  {ratio:.3f}x of no_date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
