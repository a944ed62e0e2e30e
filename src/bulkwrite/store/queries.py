"""Named queries: every statement of the store's jobs, control and split code is a block of a
``.sql`` file in ``store/sql/``, called by its name.

A file starts with a header comment, then holds blocks of this shape::

    -- get_org --
    -- One org by its id
    SELECT id, zgid, name, created_time FROM orgs WHERE id = :org_id;

Parameters are named (``:org_id``): SQLite takes them as they are; for psycopg they become
``%(org_id)s`` (and a ``%`` of the text ``%%``), so no string literal of a query may hold a
colon before a letter. Comment lines are for the reader: they are not sent. A name is defined
once among the files a store loads.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

#: Where the query files live, inside this package.
SQL_DIR = "sql"
#: ``-- name --`` on a line of its own opens a block.
BLOCK = re.compile(r"^-- ([a-z][a-z0-9_]*) --$", re.MULTILINE)
#: A named parameter: a colon before a name, but not a cast's ``::``.
PARAMETER = re.compile(r"(?<!:):(?!:)([A-Za-z_]\w*)")

#: How a driver takes parameters: ``:name`` (sqlite3) or ``%(name)s`` (psycopg).
Paramstyle = Literal["named", "pyformat"]

log = logging.getLogger("bulkwrite.store.sql")


@dataclass(frozen=True, slots=True)
class Query:
    """One named query: its one-line description and its text as the driver takes it."""

    name: str
    doc: str
    text: str
    source: str


#: Called with each named query as it is run (``Store(tracer=…)``).
Tracer = Callable[[Query], None]


def log_query(query: Query) -> None:
    """A tracer: the query's name in the log (``bulkwrite.store.sql``), its SQL too at DEBUG."""
    if log.isEnabledFor(logging.DEBUG):
        log.debug("query %s: %s", query.name, query.text)
    else:
        log.info("query %s", query.name)


def parse(text: str, source: str) -> dict[str, Query]:
    """The blocks of one query file, by name, their text as written."""
    parts = BLOCK.split(text)
    found: dict[str, Query] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        first, _, rest = body.strip().partition("\n")
        lines = [line for line in rest.splitlines() if not line.lstrip().startswith("--")]
        statement = "\n".join(lines).strip().removesuffix(";").strip()
        if not first.startswith("-- ") or not statement:
            raise ValueError(f"{source}: block {name} wants a description line, then its query")
        if name in found:
            raise ValueError(f"{source}: block {name} is defined twice")
        found[name] = Query(name, first.removeprefix("-- ").strip(), statement, source)
    return found


def read_file(source: str) -> dict[str, Query]:
    """The blocks of one of the package's query files (``common.sql``…)."""
    text = resources.files("bulkwrite.store").joinpath(SQL_DIR, source).read_text(encoding="utf-8")
    return parse(text, source)


@cache
def load(sources: tuple[str, ...], paramstyle: Paramstyle) -> Mapping[str, Query]:
    """Every block of the files, in the driver's parameter style; loaded once per process."""
    queries: dict[str, Query] = {}
    for source in sources:
        for name, query in read_file(source).items():
            if name in queries:
                raise ValueError(f"{source}: block {name} is defined in {queries[name].source}")
            queries[name] = _styled(query, paramstyle)
    return queries


def _styled(query: Query, paramstyle: Paramstyle) -> Query:
    if paramstyle == "named":
        return query
    text = PARAMETER.sub(r"%(\1)s", query.text.replace("%", "%%"))
    return Query(query.name, query.doc, text, query.source)


def names(sources: Sequence[str]) -> set[str]:
    """The block names the files define."""
    return {name for source in sources for name in read_file(source)}
