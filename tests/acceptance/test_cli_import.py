"""``bulkwrite import`` run as a real process against a real server (section 5-7 of the contract).

Exit status: 0 every row added or updated, 1 some skipped, 2 failed or not created.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from bulkwrite.client import Client
from tests.acceptance.clitools import cli_env, read_csv, run_cli, write_text
from tests.acceptance.helpers import RESULT_TAIL, is_record_id, leads_rows, write_csv
from tests.server import LiveServer, free_port

DEALS = """\
Deal_Name,Notes,Stage,Closing_Date,Amount
Alpha,first,Qualification,12/31/2026,1000
"Beta, Inc.",,Needs Analysis,01/15/2027,25.5
Gamma,"two
lines",Closed Won,02/02/2027,

Delta,,Negotiation/Review,03/03/2027,7
"""


def test_every_row_added_exits_0_and_saves_the_result_next_to_the_input(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    source = write_text(tmp_path / "deals.csv", DEALS)
    ran = run_cli("import", "deals.csv", "--module", "Deals", cwd=tmp_path, server=shared_server)

    assert ran.code == 0, ran.stderr
    summary = ran.summary
    assert summary["file"] == "deals.csv"
    assert (summary["status"], summary["total"], summary["added"]) == ("COMPLETED", "4", "4")
    assert (summary["updated"], summary["skipped"]) == ("0", "0")
    assert "Import summary" in ran.stdout and "Top errors" not in ran.stdout
    assert "4/4" in ran.stderr, "the progress bar ends at rows done of the local row count"

    saved = source.with_name("deals.result.csv")
    assert summary["result"] == str(saved.relative_to(tmp_path))
    header, rows = read_csv(saved)
    # Header mapping: Notes is no Deals field, so the first three mapped columns are these.
    assert header == ["Deal_Name", "Stage", "Closing_Date", *RESULT_TAIL]
    assert [r[:3] for r in rows] == [
        ["Alpha", "Qualification", "12/31/2026"],
        ["Beta, Inc.", "Needs Analysis", "01/15/2027"],
        ["Gamma", "Closed Won", "02/02/2027"],
        ["Delta", "Negotiation/Review", "03/03/2027"],
    ]
    assert all(r[3] == "ADDED" and is_record_id(r[4]) and r[5] == "" for r in rows)


def test_skipped_rows_exit_1_with_the_top_error_codes_and_example_rows(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    tag = f"cli{uuid.uuid4().hex[:8]}"
    header = ["Last_Name", "Notes", "First_Name", "Company", "Email"]
    rows = leads_rows(40, tag)
    write_csv(tmp_path / "leads.csv", header, rows)
    ran = run_cli("import", "leads.csv", "-m", "Leads", cwd=tmp_path, server=shared_server)

    assert ran.code == 1, ran.stderr
    summary = ran.summary
    assert (summary["total"], summary["added"], summary["skipped"]) == ("40", "35", "5")
    # Rows count data rows from 1: leads_rows' bad rows are indexes 4, 11, 19, 27, 38.
    tops = {cells[0]: (cells[1], cells[2], cells[3]) for cells in ran.table_rows(4)}
    assert tops == {
        "MANDATORY_NOT_FOUND": ("3", "Last_Name, Company", "5, 28, 39"),
        "INVALID_DATA": ("2", "Email", "12, 39"),
        "DUPLICATE_DATA": ("1", "Email", "20"),
    }, ran.stdout

    result_header, result_rows = read_csv(tmp_path / "leads.result.csv")
    assert result_header == ["Last_Name", "First_Name", "Company", *RESULT_TAIL]
    assert len(result_rows) == len(rows)
    for got, want in zip(result_rows, rows, strict=True):
        assert got[:3] == [want.cells[0], want.cells[2], want.cells[3]]
        assert got[3] == want.status
        codes = {
            (c, col)
            for c, _, cols in [g.partition("-") for g in got[5].split(":") if g]
            for col in cols.split(",")
        }
        assert codes == want.errors
        assert is_record_id(got[4]) == (want.status == "ADDED")


def test_map_format_default_and_result_path(shared_server: LiveServer, tmp_path: Path) -> None:
    # Semicolons, a header that is not API names, a number and a date in local formats.
    write_text(
        tmp_path / "pipeline.csv",
        "Name;Close;Value;Owner email\nOmega;2026-12-31;1.234,50;x\nSigma;2027-01-15;99;y\n",
    )
    ran = run_cli(
        "import", "pipeline.csv", "--module", "Deals",
        "--map", "name=Deal_Name", "--map", "1=Closing_Date", "--map", "Value=Amount",
        "--format", "Closing_Date=yyyy-MM-dd", "--format", "Amount=#.##0,00",
        "--default", "Stage=Qualification",
        "--result", "out/pipeline-result.csv",
        cwd=tmp_path, server=shared_server,
    )  # fmt: skip

    assert ran.code == 0, ran.stdout + ran.stderr
    header, rows = read_csv(tmp_path / "out" / "pipeline-result.csv")
    assert header == ["Name", "Close", "Value", *RESULT_TAIL]
    assert [r[3] for r in rows] == ["ADDED", "ADDED"]
    with Client(shared_server.base_url, shared_server.token) as client:
        mappings = client.job(ran.summary["job"]).resource["field_mappings"]
        record = client.record("Deals", rows[0][4])
    assert [(m["api_name"], m["index"], m["format"]) for m in mappings] == [
        ("Deal_Name", 0, None),
        ("Closing_Date", 1, "yyyy-MM-dd"),
        ("Amount", 2, "#.##0,00"),
        ("Stage", None, None),
    ]
    assert mappings[3]["default_value"] == {"value": "Qualification"}
    assert (record["Deal_Name"], record["Closing_Date"], record["Amount"]) == (
        "Omega",
        "2026-12-31",
        1234.5,
    )
    assert record["Stage"] == "Qualification"


def test_upsert_and_update_by_a_unique_field(shared_server: LiveServer, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    a, b, c = (f"{n}.{tag}@example.com" for n in "abc")
    write_text(
        tmp_path / "first.csv", f"Last_Name,First_Name,Company,Email\nA,Ann,Co,{a}\nB,Bo,Co,{b}\n"
    )
    first = run_cli("import", "first.csv", "-m", "Leads", cwd=tmp_path, server=shared_server)
    assert first.code == 0, first.stderr
    _, first_rows = read_csv(tmp_path / "first.result.csv")

    # Upsert: two existing emails (one with an empty First_Name kept by --ignore-empty), one new.
    write_text(
        tmp_path / "second.csv",
        f"Email,Company,First_Name,Last_Name\n{b},New Co,,B\n{c},Co,Cy,C\n{a},Other,Al,A\n",
    )
    ran = run_cli(
        "import", "second.csv", "-m", "Leads", "--operation", "upsert", "--find-by", "Email",
        "--ignore-empty", cwd=tmp_path, server=shared_server,
    )  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert (ran.summary["added"], ran.summary["updated"]) == ("1", "2")
    _, rows = read_csv(tmp_path / "second.result.csv")
    assert [r[3] for r in rows] == ["UPDATED", "ADDED", "UPDATED"]
    assert (rows[0][4], rows[2][4]) == (first_rows[1][4], first_rows[0][4])
    with Client(shared_server.base_url, shared_server.token) as client:
        kept = client.record("Leads", rows[0][4])
    assert (kept["Company"], kept["First_Name"]) == ("New Co", "Bo")

    # Update never creates: an unknown email is skipped, so the exit status is 1.
    write_text(tmp_path / "third.csv", f"Email,Company\nnobody.{tag}@example.com,X\n{c},Y\n")
    ran = run_cli(
        "import", "third.csv", "-m", "Leads", "--operation", "update", "--find-by", "Email",
        cwd=tmp_path, server=shared_server,
    )  # fmt: skip
    assert ran.code == 1
    _, rows = read_csv(tmp_path / "third.result.csv")
    assert [(r[-3], r[-1]) for r in rows] == [
        ("SKIPPED", "RESOURCE_NOT_FOUND-Email"),
        ("UPDATED", ""),
    ]


def test_quiet_prints_only_the_summary_line_and_flags_beat_the_environment(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    write_text(tmp_path / "q.csv", "Deal_Name,Stage,Closing_Date\nQ,Qualification,12/31/2026\n")
    ran = run_cli(
        "import", "q.csv", "-m", "Deals", "--quiet",
        "--server", shared_server.base_url, "--token", shared_server.token,
        cwd=tmp_path, server=None,
    )  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert len(ran.stdout.splitlines()) == 1
    assert ran.summary["added"] == "1"
    # only the job id, printed as soon as the job exists (beyond-zoho: never lost)
    assert ran.stderr == f"job {ran.summary['job']} created\n"
    assert (tmp_path / "q.result.csv").exists()


def test_a_job_that_fails_exits_2_with_the_servers_reason(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    # Declared ASCII, a byte beyond ASCII in the second data row: the job FAILS while running.
    (tmp_path / "latin.csv").write_bytes(
        b"Deal_Name,Stage,Closing_Date\nA,Qualification,12/31/2026\nB\xe9,Qualification,12/31/2026\n"
    )
    ran = run_cli(
        "import", "latin.csv", "-m", "Deals", "--encoding", "ascii",
        cwd=tmp_path, server=shared_server,
    )  # fmt: skip
    line = ran.last_error_line()
    assert re.fullmatch(r"error: job \d+ FAILED: INVALID_DATA: .*not valid ascii.*", line), line
    assert ran.summary["status"] == "FAILED"


def _deals_csv(directory: Path) -> Path:
    return write_text(
        directory / "d.csv", "Deal_Name,Stage,Closing_Date\nX,Qualification,12/31/2026\n"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["missing.csv", "-m", "Deals"], "error: no such file: missing.csv"),
        (["picture.png", "-m", "Deals"], "error: picture.png is not a CSV file (binary content)"),
        (["empty.csv", "-m", "Deals"], "error: empty.csv is empty"),
        (
            ["d.csv", "-m", "Dealz"],
            "error: MODULE_NOT_AVAILABLE: The module Dealz is not available.",
        ),
        (
            ["d.csv", "-m", "Deals", "--map", "Deal_Name=Deal_Nam"],
            "error: INVALID_FIELD: The field Deal_Nam does not exist in Deals.",
        ),
        (
            ["d.csv", "-m", "Deals", "--map", "Deal_Name"],
            "error: --map 'Deal_Name': expected COL=Field",
        ),
        (
            ["d.csv", "-m", "Deals", "--map", "=Deal_Name"],
            "error: --map '=Deal_Name': expected COL=Field",
        ),
        (
            ["d.csv", "-m", "Deals", "--map", "Title=Deal_Name"],
            "error: --map 'Title=Deal_Name': the file has no column 'Title'",
        ),
        (
            ["d.csv", "-m", "Deals", "--map", "3=Deal_Name"],
            "error: --map '3=Deal_Name': column index 3 is beyond the header's 3 columns (0 to 2)",
        ),
        (
            ["d.csv", "-m", "Deals", "--format", "Amount=#,##0.00"],
            "error: --format 'Amount=#,##0.00': no column is mapped to Amount",
        ),
        (
            ["d.csv", "-m", "Deals", "--operation", "update"],
            "error: --find-by is required with --operation update",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    shared_server: LiveServer, tmp_path: Path, args: list[str], expected: str
) -> None:
    _deals_csv(tmp_path)
    (tmp_path / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    (tmp_path / "empty.csv").write_bytes(b"")
    ran = run_cli("import", *args, cwd=tmp_path, server=shared_server)
    assert ran.one_error_line() == expected
    assert ran.stdout == ""
    assert not list(tmp_path.glob("*.result.csv"))


def test_a_rejected_token_is_one_line(shared_server: LiveServer, tmp_path: Path) -> None:
    _deals_csv(tmp_path)
    ran = run_cli(
        "import", "d.csv", "-m", "Deals", cwd=tmp_path, server=shared_server, token="1000.nope"
    )
    assert ran.one_error_line() == "error: INVALID_TOKEN: invalid oauth token"


def test_no_token_and_a_server_that_is_down(tmp_path: Path) -> None:
    _deals_csv(tmp_path)
    ran = run_cli("import", "d.csv", "-m", "Deals", cwd=tmp_path)
    assert ran.one_error_line() == (
        "error: no access token: pass --token or set BULKWRITE_TOKEN (or use a --profile with one)"
    )

    url = f"http://127.0.0.1:{free_port()}"
    ran = run_cli(
        "import", "d.csv", "-m", "Deals", "--server", url, "--token", "1000.x", cwd=tmp_path
    )
    assert ran.one_error_line() == f"error: cannot reach server at {url} (connection failed)"


def test_ctrl_c_during_the_upload_exits_130(tmp_path: Path) -> None:
    """A server that takes the start of the upload and then stops reading (a real socket):
    the client is blocked sending when SIGINT comes."""
    rows = "".join(f"{uuid.uuid4().hex}{uuid.uuid4().hex},{uuid.uuid4().hex}\n" for _ in range(4))
    big = tmp_path / "big.csv"
    with big.open("w") as out:
        out.write("Last_Name,Company\n")
        for _ in range(100_000):  # ~27 MB of random text: the zip stays big
            out.write(rows.replace("\n", uuid.uuid4().hex[:4] + "\n", 1))
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    receiving = threading.Event()
    held: list[socket.socket] = []  # open, unread, until the test ends

    def stall() -> None:
        conn, _ = listener.accept()
        held.append(conn)
        conn.recv(65536)
        receiving.set()

    threading.Thread(target=stall, daemon=True).start()
    argv = [sys.executable, "-m", "bulkwrite", "import", str(big), "-m", "Leads"]
    argv += ["--server", f"http://127.0.0.1:{port}", "--token", "1000.x"]
    with subprocess.Popen(
        argv, cwd=tmp_path, env=cli_env(None), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as child:
        assert receiving.wait(timeout=120), "the upload never started"
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    for conn in held:
        conn.close()
    listener.close()
    assert child.returncode == 130, (out, err)
    assert err.decode().strip().splitlines()[-1] == "error: interrupted before the job was created"
    assert b"Traceback" not in err + out
