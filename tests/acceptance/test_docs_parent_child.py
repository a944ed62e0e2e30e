"""docs/parent-child-curl.md, pasted into one shell against a real ``bulkwrite serve`` with the
schema of examples/schema.yaml applied by its own command: a Quotes + Quoted_Items job, a custom
module with a subform (Projects + Milestones) and a Contacts - Projects multi-select lookup job
(Projects + Projects_X_Contacts), each through curl, print exactly the per-resource counts,
result CSVs and records read back that the page shows.

Ids differ from run to run, so each distinct id is numbered by its first appearance in the whole
walk-through, in the page and in what ran alike: a RECORD_ID of a result CSV must come back as
that row's id when the record is read, and a child row's Parent_Id must be its parent's id.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance.test_docs_examples import (
    DEFAULT_URL,
    ROOT,
    SEPARATOR,
    examples,
    pasted_into_one_shell,
)
from tests.server import LiveServer, running

PAGE = "parent-child-curl.md"
IDS = re.compile(r"\b\d{18,19}\b")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own: the page adds modules to its org."""
    with running(tmp_path / "data") as made:
        yield made


def numbered(text: str) -> str:
    """``text`` with each distinct id replaced by ``<id N>``, N its order of first appearance."""
    order: dict[str, int] = {}
    return IDS.sub(lambda m: f"<id {order.setdefault(m.group(0), len(order) + 1)}>", text)


def test_every_block_of_the_page_runs_and_shows_its_output() -> None:
    blocks = [e for e in examples(PAGE) if e.lang == "bash"]
    assert len(blocks) >= 8
    assert all(e.marked and e.output for e in blocks), "every block is run and its output shown"


@pytest.mark.slow
def test_the_parent_child_walk_through_pasted_into_one_shell(
    server: LiveServer, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    (clone / "examples").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "schema.yaml", clone / "examples" / "schema.yaml")
    ran = pasted_into_one_shell(PAGE, server, clone)
    shown = numbered(SEPARATOR.join(want or "" for _, want, _ in ran))
    printed = numbered(
        SEPARATOR.join(out for _, _, out in ran).replace(server.base_url, DEFAULT_URL)
    )
    for (example, _, out), want, got in zip(
        ran, shown.split(SEPARATOR), printed.split(SEPARATOR), strict=True
    ):
        want_lines = [line.rstrip() for line in want.strip().splitlines()]
        got_lines = [line.rstrip() for line in got.strip().splitlines()]
        assert got_lines == want_lines, f"{example} printed:\n{out}"
