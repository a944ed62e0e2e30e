"""Every kind of file imports as the equivalent CSV does; admin commands refuse a directory
with no database; --version and shell completion (``python -m bulkwrite`` as a user runs it)."""

from __future__ import annotations

import gzip
import uuid
import zipfile
from datetime import date
from pathlib import Path

import pytest

from bulkwrite.client import Client
from tests.acceptance.clitools import read_csv, run_cli, write_text
from tests.server import LiveServer
from tests.sheets import write_ods, write_xlsx

KINDS = ["csv", "tsv", "txt", "noext", "gz", "zip-tsv", "xlsx", "ods"]


def _rows(tag: str) -> list[list[object]]:
    return [
        ["Deal Name", "Stage", "Closing Date", "Amount"],
        [f"Acme {tag}", "Qualification", date(2026, 12, 31), 12000.0],
        [f"Globex, Inc. {tag}", "Closed Won", date(2027, 1, 15), 4500.5],
        [f"Bad {tag}", "Won", date(2027, 2, 1), 1.0],
    ]


def _text(rows: list[list[object]], delimiter: str) -> str:
    def cell(value: object) -> str:
        if isinstance(value, date):
            return value.strftime("%m/%d/%Y")
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else str(value)
        text = str(value)
        return f'"{text}"' if delimiter in text else text

    return "".join(delimiter.join(cell(v) for v in row) + "\n" for row in rows)


def _write(kind: str, directory: Path, rows: list[list[object]]) -> Path:
    if kind == "xlsx":
        return write_xlsx(directory / "deals.xlsx", rows, sheets=["Notes"])
    if kind == "ods":
        return write_ods(directory / "deals.ods", rows)
    if kind == "gz":
        path = directory / "deals.csv.gz"
        path.write_bytes(gzip.compress(_text(rows, ",").encode()))
        return path
    if kind == "zip-tsv":
        path = directory / "deals.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("export/readme.txt", "not a table")
            archive.writestr("export/deals.tsv", _text(rows, "\t"))
        return path
    name = {"csv": "deals.csv", "tsv": "deals.tsv", "txt": "deals.txt", "noext": "deals"}[kind]
    return write_text(directory / name, _text(rows, "\t" if kind == "tsv" else ","))


def _import(server: LiveServer, path: Path) -> tuple[int, list[list[str]], list[dict[str, object]]]:
    ran = run_cli("import", path.name, "-m", "Deals", "--quiet", cwd=path.parent, server=server)
    assert ran.code == 1, ran.stdout + ran.stderr  # the "Won" row is skipped
    header, rows = read_csv(path.parent / f"{path.stem}.result.csv")
    with Client(server.base_url, server.token) as client:
        records = [client.record("Deals", r[4]) for r in rows if r[4]]
    fields = ("Deal_Name", "Stage", "Closing_Date", "Amount")
    return len(header), [r[:4] + r[5:] for r in rows], [{f: r[f] for f in fields} for r in records]


@pytest.mark.parametrize("kind", KINDS[1:])
def test_each_kind_of_file_imports_as_the_csv_does(
    shared_server: LiveServer, tmp_path: Path, kind: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    (tmp_path / "csv").mkdir()
    (tmp_path / kind).mkdir()
    expected = _import(shared_server, _write("csv", tmp_path / "csv", _rows(tag)))
    got = _import(shared_server, _write(kind, tmp_path / kind, _rows(tag + "x")))
    assert got[0] == expected[0]
    assert [[c.replace(tag + "x", tag) for c in row] for row in got[1]] == expected[1]
    renamed = [{k: str(v).replace(tag + "x", tag) for k, v in r.items()} for r in got[2]]
    assert renamed == [{k: str(v) for k, v in r.items()} for r in expected[2]]
    assert expected[2][0]["Closing_Date"] == "2026-12-31" and expected[2][0]["Amount"] == 12000


def test_another_sheet_and_misused_options_are_one_line(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", [["Deal_Name"]], sheets=["Q4"])
    ran = run_cli("import", "book.xlsx", "-m", "Deals", "--sheet", "Q5", cwd=tmp_path,
                  server=shared_server)  # fmt: skip
    assert ran.one_error_line() == (
        f"error: {path.name}: The spreadsheet has no sheet 'Q5'; its sheets: 'Data', 'Q4'"
    )
    write_text(tmp_path / "d.csv", "Deal_Name\nX\n")
    ran = run_cli("import", "d.csv", "-m", "Deals", "--sheet", "Q4", cwd=tmp_path,
                  server=shared_server)  # fmt: skip
    assert ran.one_error_line() == (
        "error: d.csv: d.csv is not a spreadsheet (.xlsx, .ods): it has no sheets"
    )


@pytest.mark.parametrize(
    "args",
    [["token", "create"], ["token", "revoke", "1000.x"], ["schema", "show"],
     ["schema", "apply", "schema.yaml"], ["org", "create", "Acme", "--admin-email", "a@b.c"],
     ["user", "add", "u@b.c"], ["profile", "add", "Sales"], ["db", "status"], ["db", "upgrade"]],
)  # fmt: skip
def test_admin_commands_in_an_empty_directory_refuse_in_one_line(
    tmp_path: Path, args: list[str]
) -> None:
    (tmp_path / "schema.yaml").write_text("modules: []\n")
    ran = run_cli(*args, cwd=tmp_path)
    line = ran.one_error_line()
    assert line.startswith(f"error: the data directory {tmp_path / '.bulkwrite'} does not exist")
    assert "--data-dir" in line and "BULKWRITE_DATA_DIR" in line and "bulkwrite init" in line
    assert not (tmp_path / ".bulkwrite").exists()
    (tmp_path / "data").mkdir()
    ran = run_cli(*args, "--data-dir", "data", cwd=tmp_path)
    assert ran.one_error_line().startswith(
        f"error: no bulkwrite database in {tmp_path / 'data'} (looked for "
    )
    assert list((tmp_path / "data").iterdir()) == []


def test_init_creates_the_data_then_admin_commands_work(tmp_path: Path) -> None:
    ran = run_cli("init", cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    assert "Full-scope access token" in ran.stdout and "bulkwrite serve" in ran.stdout
    token = run_cli("token", "create", cwd=tmp_path)
    assert token.code == 0 and token.stdout.startswith("1000."), token.stderr
    again = run_cli("init", cwd=tmp_path)
    assert again.code == 0 and again.stdout == "" and "nothing done" in again.stderr


def test_version_completion_and_usage_errors(tmp_path: Path) -> None:
    ran = run_cli("--version", cwd=tmp_path)
    assert ran.code == 0 and ran.stdout.startswith("bulkwrite ")
    ran = run_cli("--show-completion", "bash", cwd=tmp_path)
    assert ran.code == 0 and "_bulkwrite_completion" in ran.stdout
    ran = run_cli("import", cwd=tmp_path)
    assert ran.one_error_line() == "error: Missing argument 'FILE' (see bulkwrite import --help)"
    help_text = run_cli("import", "--help", cwd=tmp_path).stdout
    assert "<bool>" not in help_text and "--strict" in help_text and "--sheet NAME" in help_text
