"""Running ``python -m bulkwrite`` as a user would, against a real server; reading its output."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.server import LiveServer

SUMMARY_RE = re.compile(
    r"^(?P<file>.+): job (?P<job>\d{18,19}) (?P<status>[A-Z]+), (?P<total>[\d,]+) rows?: "
    r"(?P<added>[\d,]+) added, (?P<updated>[\d,]+) updated, (?P<skipped>[\d,]+) skipped"
    r"(?:; result: (?P<result>.+))?$"
)


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    @property
    def summary(self) -> dict[str, str]:
        """The fields of the last line of stdout, the summary line."""
        lines = self.stdout.strip().splitlines()
        assert lines, f"no output; stderr: {self.stderr}"
        match = SUMMARY_RE.match(lines[-1])
        assert match, f"not a summary line: {lines[-1]!r}"
        return {k: v for k, v in match.groupdict().items() if v is not None}

    def table_rows(self, width: int) -> list[list[str]]:
        """The cells of the rows of rich tables in stdout that have ``width`` columns."""
        rows = []
        for line in self.stdout.splitlines():
            cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
            if "│" in line and len(cells) == width:
                rows.append(cells)
        return rows

    def last_error_line(self) -> str:
        """The command exited 2 with an ``error:`` line last on stderr and no traceback."""
        assert self.code == 2, f"exit {self.code}; stdout {self.stdout!r}; stderr {self.stderr!r}"
        assert "Traceback" not in self.stderr + self.stdout
        line = self.stderr.strip().splitlines()[-1]
        assert line.startswith("error: "), line
        return line

    def one_error_line(self) -> str:
        """The command failed with exactly one line on stderr and no traceback."""
        assert self.code == 2, f"exit {self.code}; stdout {self.stdout!r}; stderr {self.stderr!r}"
        assert "Traceback" not in self.stderr + self.stdout
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1, f"expected one error line, got {lines!r}"
        assert lines[0].startswith("error: "), lines[0]
        return lines[0]


def cli_env(server: LiveServer | None, token: str | None = None) -> dict[str, str]:
    """The environment of a user's shell: BULKWRITE_URL/TOKEN, a wide terminal, no server vars."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKWRITE_")}
    env["COLUMNS"] = "200"
    if server is not None:
        env["BULKWRITE_URL"] = server.base_url
        env["BULKWRITE_TOKEN"] = token or server.token
    return env


def run_cli(
    *args: str,
    cwd: Path,
    server: LiveServer | None = None,
    token: str | None = None,
    env: dict[str, str] | None = None,
) -> Ran:
    """``python -m bulkwrite ARGS`` in ``cwd``; ``env`` adds to (or, None values, removes
    from) the environment of ``cli_env``."""
    environment = cli_env(server, token)
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "bulkwrite", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a result CSV, checking its dialect (UTF-8 without BOM, CRLF)."""
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8")
    assert text.count("\n") == text.count("\r\n")
    header, *rows = csv.reader(io.StringIO(text, newline=""))
    return header, rows


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
