"""PostgreSQL plans of record look-ups stay right while a record table grows.

psycopg prepares a statement run five times on a connection, and the server may then keep one
generic plan for it. A look-up planned while the table was empty (a seq scan of "110 rows")
and kept after a million rows were written made each chunk of a job that looks records up
(upsert, find_by, the uniqueness check of a dry run) compare every key with every record: a
1M-row dry run took 490 s against 30 s for the real one. Every query is planned for the
table as it is when it runs (``plan_cache_mode``, ``pg_store.SESSION_SETUP``).
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from bulkwrite.domain.modules import Field, FieldType, Module
from bulkwrite.store.base import Store
from tests.contract.test_store_contract import _org

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])

KEYS = [f"k{i:06d}" for i in range(2_000)]
GROWN = 60_000
WIDTH = 24


def _plans(conn: Any, table: str) -> list[str]:
    """The plan each statement prepared on ``conn`` that reads ``table`` would run now."""
    plans = []
    names = conn.execute(
        "SELECT name FROM pg_prepared_statements WHERE statement LIKE %s",
        (f"%{table}%",),
        prepare=False,
    ).fetchall()
    for (name,) in names:
        rows = conn.execute(
            f"EXPLAIN EXECUTE {name}('{{k000001,k000002}}')", prepare=False
        ).fetchall()
        plans.append("\n".join(row[0] for row in rows))
    return plans


def test_a_look_up_planned_on_an_empty_table_uses_the_index_once_it_is_full(
    store: Store,
) -> None:
    with store.transaction() as tx:
        org, _ = _org(tx)
        # Wide rows, as a Leads record's: ten empty pages then hold "110 rows", few enough
        # for a generic plan to prefer a seq scan to the index.
        wide = tuple(Field(f"Text_{n}", FieldType.TEXT) for n in range(WIDTH))
        fields = (Field("Name", FieldType.TEXT, unique=True), *wide)
        tx.create_module(org.id, Module("Things", "", fields, "Name"))
        table = tx.record_table(org.id, "Things")
    keys = pl.Series(KEYS)
    with store.transaction() as tx:
        for _ in range(12):  # prepared, and planned generic if the server would
            assert tx.match_frame(table, "Name", keys).height == 0
        first = tx.allocate_ids(GROWN)
        names = [f"k{i:06d}" for i in range(GROWN)]
        tx.insert_frame(table, pl.DataFrame({"id": range(first, first + GROWN), "Name": names}))
        assert tx.match_frame(table, "Name", keys).height == len(KEYS)
        conn = tx.conn  # type: ignore[attr-defined]
        plans = _plans(conn, table)
        mode = conn.execute("SHOW plan_cache_mode", prepare=False).fetchone()
    assert plans, "the look-up was prepared"
    for plan in plans:
        assert "Seq Scan" not in plan, plan
    assert mode == ("force_custom_plan",)
