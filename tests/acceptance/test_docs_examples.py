"""Every ```bash and ```python example of docs/cli.md and docs/client.md runs against a server.

An example is marked by a ``<!-- test -->`` comment on the line before its fence (``<!-- test
exit=1 -->`` when it is meant to exit 1). The examples of one page run in order, each in its own
process, in one scratch directory, with ``BULKWRITE_URL`` and ``BULKWRITE_TOKEN`` naming the test
server (and the documented default URL replaced by it), so later examples see earlier files.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.server import LiveServer

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["cli.md", "client.md"]
RUNNABLE = {"bash", "python"}
MARKER = re.compile(r"^<!--\s*test(?:\s+exit=(?P<exit>\d+))?\s*-->$")
DEFAULT_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Example:
    page: str
    line: int
    lang: str
    code: str
    marked: bool
    exit_code: int

    def __str__(self) -> str:
        return f"docs/{self.page}:{self.line} ({self.lang})"


def examples(page: str) -> list[Example]:
    """The fenced blocks of a page, with the marker of the line before each."""
    found: list[Example] = []
    lines = (DOCS / page).read_text(encoding="utf-8").splitlines()
    previous, index = "", 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            lang, start = line[3:].strip(), index + 1
            end = next(i for i in range(start, len(lines)) if lines[i].startswith("```"))
            marker = MARKER.match(previous.strip())
            code = "\n".join(lines[start:end]) + "\n"
            exit_code = int(marker.group("exit") or 0) if marker else 0
            found.append(Example(page, start, lang, code, marker is not None, exit_code))
            index, previous = end + 1, ""
            continue
        if line.strip():
            previous = line
        index += 1
    return found


@pytest.mark.parametrize("page", PAGES)
def test_every_example_is_marked_to_run(page: str) -> None:
    runnable = [e for e in examples(page) if e.lang in RUNNABLE]
    assert len(runnable) >= 4, f"docs/{page} should show examples"
    unmarked = [str(e) for e in runnable if not e.marked]
    assert not unmarked, f"examples without <!-- test -->: {unmarked}"
    stray = [str(e) for e in examples(page) if e.marked and e.lang not in RUNNABLE]
    assert not stray, f"<!-- test --> before a block that is neither bash nor python: {stray}"


@pytest.mark.parametrize("page", PAGES)
def test_the_examples_run(shared_server: LiveServer, tmp_path: Path, page: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKWRITE_")}
    env.update(
        {
            "BULKWRITE_URL": shared_server.base_url,
            "BULKWRITE_TOKEN": shared_server.token,
            # `bulkwrite token create` opens the server's database, as it would on its host.
            "BULKWRITE_DATA_DIR": shared_server.env["BULKWRITE_DATA_DIR"],
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "COLUMNS": "120",
        }
    )
    for example in (e for e in examples(page) if e.marked):
        code = example.code.replace(DEFAULT_URL, shared_server.base_url)
        command = (
            ["bash", "-euo", "pipefail", "-c", code]
            if example.lang == "bash"
            else [sys.executable, "-c", code]
        )
        done = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == example.exit_code, (
            f"{example} exited {done.returncode}, not {example.exit_code}\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
