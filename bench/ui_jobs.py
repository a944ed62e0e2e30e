"""The dashboard's Jobs page with 10,000 jobs of the org in the store, over real HTTP against
``bulkwrite serve`` on SQLite and on PostgreSQL: p50/p99 of ``GET /ui/jobs`` (its first page of
50, a status-filtered page, a deep page by the "Next page" token), each next to the API's job
list of the same page timed in the same run (``GET /crm/bulk/v8/write``), interleaved.

``python -m bench.ui_jobs [--jobs 10000] [--requests 200] [--store sqlite|postgresql|both]``
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.job_control import WRITE, _seed, _server
from bench.stats import percentile
from tests.server import LiveServer
from tests.ui_client import ui_sign_in

_NEXT = re.compile(r'href="/ui/jobs\?page_token=([^"&]+)')


def _signed_in(server: LiveServer) -> httpx.Client:
    ui = httpx.Client(base_url=server.base_url, timeout=60)
    answer = ui_sign_in(ui, server.token)
    assert answer.status_code == 303, answer.text
    return ui


def _pair(
    ui: httpx.Client, api: httpx.Client, requests: int, params: dict[str, str]
) -> dict[str, Any]:
    """The page and the API's list of the same jobs, one after the other, ``requests`` times."""
    page_ms, api_ms = [], []
    for _ in range(requests):
        start = time.perf_counter()
        answer = ui.get("/ui/jobs", params=params)
        page_ms.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200 and "<table" in answer.text
        start = time.perf_counter()
        listed = api.get(WRITE, params={"per_page": "50", **params})
        api_ms.append((time.perf_counter() - start) * 1000)
        assert listed.status_code == 200
    page = {"p50_ms": percentile(page_ms, 50), "p99_ms": percentile(page_ms, 99)}
    listing = {"p50_ms": percentile(api_ms, 50), "p99_ms": percentile(api_ms, 99)}
    return {"page": page, "api_list": listing, "p50_ratio": page["p50_ms"] / listing["p50_ms"]}


def figures(server: LiveServer, jobs: int, requests: int) -> dict[str, Any]:
    _seed(server, jobs)
    ui = _signed_in(server)
    api = httpx.Client(base_url=server.base_url, headers=server.headers(), timeout=60)
    try:
        token = ""
        for _ in range(1, min(100, jobs // 50)):  # walk the "Next page" links to page 100
            params = {"page_token": token} if token else {}
            found = _NEXT.search(ui.get("/ui/jobs", params=params).text)
            assert found is not None
            token = found.group(1)
        return {
            "jobs": jobs,
            "first_page": _pair(ui, api, requests, {}),
            "status_filtered": _pair(ui, api, requests, {"status": "FAILED"}),
            "page_100_by_token": _pair(ui, api, requests, {"page_token": token}),
        }
    finally:
        ui.close()
        api.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as root:
        for store in stores:
            with _server(store, Path(root), worker="false") as server:
                out[store] = figures(server, args.jobs, args.requests)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
