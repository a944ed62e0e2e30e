"""A dry run against the real run of the same file, same store, same server (beyond-zoho.md
§4: a dry run costs no more than the real run). Inserts the file dry, then for real, then an
upsert of it dry and for real (every row then an update); prints seconds and the ratios.

    .venv/bin/python -m bench.dry_run --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.e2e import _poll, job_body, running_server
from bench.generate import generate
from bulkwrite.client import Client


def timed(client: Client, file_id: str, operation: str, dry: bool) -> tuple[float, Any]:
    start = time.perf_counter()
    job_id = client.create_job(job_body(operation, file_id), dry_run=dry)
    details = _poll(client, job_id, [])
    seconds = time.perf_counter() - start
    if details.status != "COMPLETED":
        raise SystemExit(f"{operation} dry={dry}: {details.status}")
    counts = [details.count(n) for n in ("added", "updated", "skipped")]
    return seconds, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        csv_path = generate(Path(work) / "leads.csv", args.rows, seed=1).path
        with running_server(Path(work) / "data") as (_, client):
            file_id = client.upload(csv_path)
            out: dict[str, Any] = {"rows": args.rows}
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
    print(json.dumps(out))


if __name__ == "__main__":
    main()
