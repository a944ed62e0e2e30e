"""Every ```bash and ```python example of docs/cli.md, docs/client.md and README.md runs.

An example is marked by a ``<!-- test -->`` comment on the line before its fence (``<!-- test
exit=1 -->`` when it is meant to exit 1); ``<!-- not run: why -->`` marks one that cannot run
here (``./scripts/serve`` itself). The examples of a docs page run in order, each in its own
process, in one scratch directory, with ``BULKWRITE_URL`` and ``BULKWRITE_TOKEN`` naming the test
server (and the documented default URL replaced by it), so later examples see earlier files.

README.md's walk-through is pasted into one shell, as a new user would: its examples run in one
bash process, in a scratch directory laid out like a fresh clone with ``./scripts/serve``
running (``.venv/bin/bulkwrite`` and ``.venv/bin/activate``; the data directory is the test
server's), with nothing of the test server in the environment but its address. An example
marked ``<!-- test output -->`` must print what the ```text block after it shows, ids and times
aside.
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
ROOT = DOCS.parent
PAGES = ["cli.md", "client.md"]
RUNNABLE = {"bash", "python"}
MARKER = re.compile(r"^<!--\s*test(?:\s+exit=(?P<exit>\d+))?(?P<output>\s+output)?\s*-->$")
NOT_RUN = re.compile(r"^<!--\s*not run: .+-->$")
DEFAULT_URL = "http://127.0.0.1:8000"
SEPARATOR = "=== bulkwrite docs test: next example ==="
IDS = re.compile(r"\b\d{18,19}\b")
TIMES = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?")


@dataclass(frozen=True)
class Example:
    page: str
    line: int
    lang: str
    code: str
    marked: bool
    exit_code: int
    output: bool = False  # the next ```text block is what it prints
    not_run: bool = False

    def __str__(self) -> str:
        return f"{self.page}:{self.line} ({self.lang})"


def examples(page: str) -> list[Example]:
    """The fenced blocks of a page (``README.md``, or a page of docs/), with the marker of the
    line before each."""
    found: list[Example] = []
    path = ROOT / page if page == "README.md" else DOCS / page
    lines = path.read_text(encoding="utf-8").splitlines()
    previous, index = "", 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            lang, start = line[3:].strip(), index + 1
            end = next(i for i in range(start, len(lines)) if lines[i].startswith("```"))
            marker = MARKER.match(previous.strip())
            code = "\n".join(lines[start:end]) + "\n"
            exit_code = int(marker.group("exit") or 0) if marker else 0
            output = bool(marker and marker.group("output"))
            skipped = NOT_RUN.match(previous.strip()) is not None
            found.append(
                Example(page, start, lang, code, marker is not None, exit_code, output, skipped)
            )
            index, previous = end + 1, ""
            continue
        if line.strip():
            previous = line
        index += 1
    return found


@pytest.mark.parametrize("page", [*PAGES, "README.md"])
def test_every_example_is_marked_to_run(page: str) -> None:
    runnable = [e for e in examples(page) if e.lang in RUNNABLE and not e.not_run]
    assert len(runnable) >= 4, f"{page} should show examples"
    assert len([e for e in examples(page) if e.not_run]) <= 2, "only serve and test go unrun"
    unmarked = [str(e) for e in runnable if not e.marked]
    assert not unmarked, f"examples without <!-- test -->: {unmarked}"
    stray = [str(e) for e in examples(page) if e.marked and e.lang not in RUNNABLE]
    assert not stray, f"<!-- test --> before a block that is neither bash nor python: {stray}"


@pytest.mark.slow
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


def expected_outputs(page: str) -> list[tuple[Example, str | None]]:
    """Each example to run, with the text block after it when it is marked ``output``."""
    blocks = examples(page)
    pairs: list[tuple[Example, str | None]] = []
    for position, example in enumerate(blocks):
        if not example.marked:
            continue
        following = blocks[position + 1] if position + 1 < len(blocks) else None
        shown = None
        if example.output:
            assert following is not None and following.lang == "text", f"{example}: no output"
            shown = following.code
        pairs.append((example, shown))
    return pairs


def normalised(text: str, base_url: str) -> str:
    text = text.replace(base_url, DEFAULT_URL).replace("\r\n", "\n")
    text = TIMES.sub("<time>", IDS.sub("<id>", text))
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def fresh_clone(directory: Path) -> None:
    """What a clone with a running ``./scripts/serve`` has that the walk-through uses."""
    bin_dir = directory / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    shim = bin_dir / "bulkwrite"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m bulkwrite "$@"\n')
    shim.chmod(0o755)
    real_bin = Path(sys.executable).parent
    (bin_dir / "activate").write_text(f'PATH="{bin_dir}:{real_bin}:$PATH"; export PATH\n')


def pasted_into_one_shell(
    page: str, server: LiveServer, directory: Path
) -> list[tuple[Example, str | None, str]]:
    """Run a page's marked examples in one bash process in ``directory`` (laid out as a fresh
    clone), as a new user pastes them; each example with what it should print and printed."""
    fresh_clone(directory)
    pairs = expected_outputs(page)
    script = []
    for example, _ in pairs:
        code = example.code.replace(DEFAULT_URL, server.base_url)
        if example.lang == "python":
            code = f"python3 - <<'BULKWRITE_PY'\n{code}BULKWRITE_PY\n"
        script.append(f"{code}echo '{SEPARATOR}'\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKWRITE_")}
    env["BULKWRITE_DATA_DIR"] = server.env["BULKWRITE_DATA_DIR"]  # as ./.bulkwrite
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-eu", "-c", "".join(script)],
        cwd=directory, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    printed = done.stdout.split(f"{SEPARATOR}\n")
    assert len(printed) == len(pairs) + 1, done.stdout
    return [(example, shown, out) for (example, shown), out in zip(pairs, printed, strict=False)]


@pytest.mark.slow
def test_the_readme_walk_through_pasted_into_one_shell(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    for example, shown, out in pasted_into_one_shell("README.md", shared_server, tmp_path):
        if shown is not None:
            want = normalised(shown, shared_server.base_url)
            assert normalised(out, shared_server.base_url) == want, f"{example} printed:\n{out}"
