"""The store's named queries (``store/sql/*.sql``): every name the code calls is defined for
each store that runs that code, the two stores' own files define the same names, no block is
left unused, and the loader puts parameters in each driver's style."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import bulkwrite.store
from bulkwrite.domain.job import FINAL_STATES, JobStatus
from bulkwrite.store import queries
from bulkwrite.store.postgres.pg_tx import PostgresDialect
from bulkwrite.store.sql_tx import Dialect
from bulkwrite.store.sqlite.sqlite_tx import SqliteDialect

STORE = Path(bulkwrite.store.__file__).parent
#: The methods (of ``SqlTx``) whose first argument is a query's name.
BY_NAME = {"query", "run", "compare_and_set", "stream"}


def called_names(folder: Path) -> set[str]:
    """The names given to ``self.<BY_NAME>(…)`` by the modules directly in ``folder`` (the
    methods themselves pass their ``name`` on)."""
    found: set[str] = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            on_self = isinstance(node.func.value, ast.Name) and node.func.value.id == "self"
            if not (on_self and node.func.attr in BY_NAME and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Name) and first.id == "name":
                continue
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"{path.name}:{node.lineno}: a query is called by a literal name"
            )
            found.add(first.value)
    return found


def stores() -> list[tuple[Dialect, set[str]]]:
    """Each store's dialect, and the names its code calls (the shared modules and its own)."""
    shared = called_names(STORE)
    return [
        (SqliteDialect(), shared | called_names(STORE / "sqlite")),
        (PostgresDialect(), shared | called_names(STORE / "postgres")),
    ]


STORES = ["sqlite", "postgres"]


def test_the_code_calls_queries_by_name() -> None:
    assert {"get_job", "allocate_ids", "move_job"} <= called_names(STORE)
    assert "defer_task" in called_names(STORE / "postgres")


@pytest.mark.parametrize(("dialect", "called"), stores(), ids=STORES)
def test_every_name_called_is_defined_for_the_store(dialect: Dialect, called: set[str]) -> None:
    assert called - set(dialect.queries) == set()


@pytest.mark.parametrize(("dialect", "called"), stores(), ids=STORES)
def test_no_block_is_left_unused(dialect: Dialect, called: set[str]) -> None:
    assert set(dialect.queries) - called == set()


def test_the_stores_own_files_define_the_same_names() -> None:
    assert queries.names(["sqlite.sql"]) == queries.names(["postgres.sql"])


def test_every_query_file_is_loaded_by_a_store() -> None:
    files = {path.name for path in (STORE / queries.SQL_DIR).glob("*.sql")}
    assert files == {*SqliteDialect().sources, *PostgresDialect().sources}


def test_the_state_lists_written_out_are_the_domain_s() -> None:
    """``status IN (…)`` in the shared queries lists the open states or the final ones."""
    text = (STORE / queries.SQL_DIR / "common.sql").read_text(encoding="utf-8")
    lists = [set(re.findall(r"'(\w+)'", m)) for m in re.findall(r"status IN \(([^)]*)\)", text)]
    final = {s.value for s in FINAL_STATES}
    assert lists and all(found in ({s.value for s in JobStatus} - final, final) for found in lists)


def test_parameters_take_each_driver_s_style() -> None:
    text = "-- header\n\n-- q --\n-- A query\nSELECT :a, :a::text, x::int, '5%' FROM t -- note\n;\n"
    (named,) = queries.parse(text, "t.sql").values()
    assert (named.name, named.doc) == ("q", "A query")
    assert named.text == "SELECT :a, :a::text, x::int, '5%' FROM t -- note"
    styled = queries._styled(named, "pyformat")
    assert styled.text == "SELECT %(a)s, %(a)s::text, x::int, '5%%' FROM t -- note"


@pytest.mark.parametrize(
    "text",
    [
        "-- q --\nSELECT 1;\n",  # no description
        "-- q --\n-- A query\n",  # no query
        "-- q --\n-- A query\nSELECT 1;\n-- q --\n-- Again\nSELECT 2;\n",  # twice
    ],
)
def test_a_malformed_file_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="block q"):
        queries.parse(text, "t.sql")
