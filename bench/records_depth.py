"""Records read at depth (contract section 10), over real HTTP against ``bulkwrite serve``, on
SQLite and on PostgreSQL: p50/p99 of ``GET /crm/v8/Leads`` (200 a page, every field) for page 1,
a deep page by ``page_token`` and the same page by ``page`` (LIMIT/OFFSET), on a Leads table
filled by raw SQL (``--rows``, default 10,000,000; ids, names, companies and unique emails).

The deep page's token is made as the server makes it (``services.page_tokens.issue``, the org's
key from the store) for the position the page before ends at, rather than walked to; the bench
checks that it answers the records ``page`` does. The query plans of the deep reads are printed.

``python -m bench.records_depth [--rows 10000000] [--page 40000] [--requests 100]
[--store sqlite|postgresql|both]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.job_control import _server
from bench.stats import percentile
from bulkwrite.clock import iso, now
from bulkwrite.services import page_tokens
from bulkwrite.services.tokens import authenticate
from bulkwrite.store.keyset import Position
from tests.server import LiveServer

URL = "/crm/v8/Leads"
PER_PAGE = 200
#: Rows inserted per statement while filling.
BATCH = 1_000_000


def fill(server: LiveServer, rows: int) -> tuple[str, int]:
    """``rows`` leads in the demo org's table, by raw SQL; (the table, the first id)."""
    services = server.services
    org_id = authenticate(services, f"Zoho-oauthtoken {server.token}").org.id
    postgres = services.settings.database_url.startswith("postgresql")
    stamp = iso(now())
    with services.store.transaction() as tx:
        table = tx.record_table(org_id, "Leads")
        first = tx.allocate_ids(rows)
    for start in range(0, rows, BATCH):
        count = min(BATCH, rows - start)
        with services.store.transaction() as tx:
            conn: Any = tx.conn  # type: ignore[attr-defined]
            if postgres:
                conn.execute(
                    f'INSERT INTO "{table}" (id, "Last_Name", "Company", "Email", '
                    '"Created_Time", "Modified_Time") '
                    "SELECT %(first)s + n, 'Name' || (n %% 1000), 'Co' || (n %% 97), "
                    "'l' || n || '@example.com', %(stamp)s, %(stamp)s "
                    "FROM generate_series(%(low)s::bigint, %(high)s::bigint) AS n",
                    {"first": first, "stamp": stamp, "low": start, "high": start + count - 1},
                )
            else:
                conn.execute(
                    "WITH RECURSIVE c(n) AS (SELECT :low UNION ALL SELECT n + 1 FROM c "
                    f'WHERE n < :high) INSERT INTO "{table}" (id, "Last_Name", "Company", '
                    '"Email", "Created_Time", "Modified_Time") '
                    "SELECT :first + n, 'Name' || (n % 1000), 'Co' || (n % 97), "
                    "'l' || n || '@example.com', :stamp, :stamp FROM c",
                    {"first": first, "stamp": stamp, "low": start, "high": start + count - 1},
                )
    with services.store.transaction() as tx:
        tx.conn.execute("ANALYZE")  # type: ignore[attr-defined]
    return table, first


def deep_token(server: LiveServer, page: int, first: int) -> str:
    """The token of page ``page`` (ids are ``first`` on, consecutive), as the server issues it."""
    services = server.services
    principal = authenticate(services, f"Zoho-oauthtoken {server.token}")
    with services.store.transaction(write=False) as tx:
        module = tx.get_module(principal.org.id, "Leads")
    assert module is not None
    binding = page_tokens.Binding(
        principal.org.id,
        "Leads",
        tuple(f.api_name for f in module.fields),
        PER_PAGE,
        "id",
        False,
    )
    last = first + (page - 1) * PER_PAGE - 1
    key = page_tokens.page_key(services, principal.org.id)
    return page_tokens.issue(key, binding, page, Position(last, last), now())


def plans(server: LiveServer, table: str, after: int, offset: int) -> list[str]:
    """The plans of the deep keyset read and of the OFFSET read, as the store runs them."""
    postgres = server.services.settings.database_url.startswith("postgresql")
    explain = "EXPLAIN" if postgres else "EXPLAIN QUERY PLAN"
    keyset = f'{explain} SELECT id FROM "{table}" WHERE id > {after} ORDER BY id LIMIT 201'
    paged = f'{explain} SELECT id FROM "{table}" ORDER BY id, id LIMIT 201 OFFSET {offset}'
    with server.services.store.transaction(write=False) as tx:
        conn: Any = tx.conn  # type: ignore[attr-defined]
        found = [conn.execute(query).fetchall() for query in (keyset, paged)]
    return [" / ".join(str(row[0 if postgres else -1]) for row in rows) for rows in found]


def timed(http: httpx.Client, requests: int, params: dict[str, str]) -> dict[str, float]:
    took = []
    for _ in range(requests):
        start = time.perf_counter()
        answer = http.get(URL, params=params)
        took.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.text
    return {
        "requests": requests,
        "p50_ms": round(percentile(took, 50), 1),
        "p99_ms": round(percentile(took, 99), 1),
        "min_ms": round(min(took), 1),
        "max_ms": round(max(took), 1),
    }


def figures(store: str, root: Path, rows: int, page: int, requests: int) -> dict[str, Any]:
    with _server(store, root) as server:
        started = time.perf_counter()
        table, first = fill(server, rows)
        filled = time.perf_counter() - started
        token = deep_token(server, page, first)
        base = {"per_page": str(PER_PAGE)}
        with httpx.Client(base_url=server.base_url, headers=server.headers(), timeout=600) as http:
            by_token = http.get(URL, params={**base, "page_token": token}).json()
            by_number = http.get(URL, params={**base, "page": str(page)}).json()
            same = [r["id"] for r in by_token["data"]] == [r["id"] for r in by_number["data"]]
            assert same and by_token["info"]["page"] == page, "the token reads page {page}"
            result = {
                "store": store,
                "rows": rows,
                "fill_s": round(filled, 1),
                "page_1": timed(http, requests, base),
                f"page_{page}_by_token": timed(http, requests, {**base, "page_token": token}),
                f"page_{page}_by_page": timed(
                    http, max(3, requests // 20), {**base, "page": str(page)}
                ),
            }
        after = first + (page - 1) * PER_PAGE - 1
        result["plans"] = plans(server, table, after, (page - 1) * PER_PAGE)
        deep = result[f"page_{page}_by_token"]["p99_ms"]
        result["token_p99_over_page_1_p99"] = round(deep / result["page_1"]["p99_ms"], 2)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--page", type=int, default=40_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.page * PER_PAGE > args.rows:
        parser.error(f"page {args.page} of {PER_PAGE} needs at least {args.page * PER_PAGE} rows")
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    out = []
    with tempfile.TemporaryDirectory() as root:
        for store in stores:
            result = figures(store, Path(root), args.rows, args.page, args.requests)
            print(json.dumps(result, indent=2), flush=True)
            out.append(result)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = Path("bench/out") / f"records_depth-{stamp}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
