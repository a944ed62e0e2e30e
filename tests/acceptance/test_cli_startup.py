"""``bulkwrite`` starts without what its command does not need: ``--help`` and a whole
``import`` against a real server load neither the server's stack (FastAPI, Starlette, uvicorn),
nor the database drivers and stores, nor polars (the server's readers), nor the server's settings
(pydantic-settings). The module set is read from the real process, as it exits. (pydantic itself
is typer's: this typer coerces every command's parameters with it.)"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.acceptance.clitools import cli_env, run_cli
from tests.server import LiveServer

#: Top-level packages and bulkwrite modules the CLI must not import for these commands.
HEAVY = (
    "polars",
    "fastapi",
    "starlette",
    "uvicorn",
    "psycopg",
    "pydantic_settings",
    "procrastinate",
)
SERVER_SIDE = ("bulkwrite.api", "bulkwrite.store", "bulkwrite.services", "bulkwrite.settings")

#: Runs ``bulkwrite`` with the arguments after the first, writing the modules it imported to
#: the file named first when the process exits (after ``typer.Exit`` / ``SystemExit`` too).
PROBE = """
import atexit, json, runpy, sys
out, args = sys.argv[1], sys.argv[2:]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["bulkwrite", *args]
runpy.run_module("bulkwrite", run_name="__main__")
"""


def modules_of(tmp_path: Path, *args: str, server: LiveServer | None = None) -> list[str]:
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        cwd=tmp_path,
        env=cli_env(server),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    loaded: list[str] = json.loads(out.read_text())
    assert "bulkwrite.cli.main" in loaded
    return loaded


def heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(SERVER_SIDE)]


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    assert heavy(modules_of(tmp_path, "--help")) == []
    assert heavy(modules_of(tmp_path, "import", "--help")) == []


def test_an_import_imports_nothing_heavy(live_server: LiveServer, tmp_path: Path) -> None:
    source = tmp_path / "leads.csv"
    source.write_text("Last_Name,Company\nLovelace,Analytical Engines\n")
    loaded = modules_of(tmp_path, "import", str(source), "--module", "Leads", server=live_server)
    assert "httpx" in loaded and "bulkwrite.client" in loaded  # it did talk to the server
    assert heavy(loaded) == []
    assert (tmp_path / "leads.result.csv").is_file()


def test_the_bar_and_the_summary_show_one_rate(live_server: LiveServer, tmp_path: Path) -> None:
    """The progress bar's last rows/s and the summary's are the same figure (issue 13)."""
    source = tmp_path / "leads.csv"
    source.write_text("Last_Name,Company\n" + "".join(f"L{n},Co\n" for n in range(50)))
    ran = run_cli("import", str(source), "--module", "Leads", cwd=tmp_path, server=live_server)
    assert ran.code == 0, ran.stderr
    bar = re.findall(r"50/50 rows ([\d,]+) rows/s", ran.stderr)
    summary = re.findall(r"\(([\d,]+) rows/s\)", ran.stdout)
    assert bar and summary and bar[-1] == summary[-1], (ran.stderr, ran.stdout)
