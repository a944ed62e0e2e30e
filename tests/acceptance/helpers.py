"""SDK-independent helpers for the acceptance tests: build input CSVs, read and check result files.

The expectations encode /work/shared/spec/bulk-write-api.md sections 4-7 and the Leads module of
standard-modules.md (Last_Name* text 80, Company* text, Email unique email).
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

RECORD_ID_RE = re.compile(r"^[1-9][0-9]{17,18}$")  # 18-19 digits, no leading zero
RESULT_TAIL = ["STATUS", "RECORD_ID", "ERRORS"]
JOB_RUNNING = {"ADDED", "INPROGRESS", "IN PROGRESS"}

# The Leads input file. "Notes" is deliberately NOT mapped: it must neither be imported nor appear
# in the result file, whose first columns are the first three *mapped* columns in file order.
LEADS_HEADER = ["Last_Name", "Notes", "First_Name", "Company", "Email"]
# Sent in this (non file) order on purpose: the result still lists columns in file order.
LEADS_MAPPING = [("Email", 4), ("Company", 3), ("Last_Name", 0), ("First_Name", 2)]


def is_record_id(value: object) -> bool:
    return isinstance(value, str) and RECORD_ID_RE.match(value) is not None


@dataclass
class Row:
    """One input data row and what the result file must say about it."""

    cells: list[str]
    errors: set[tuple[str, str]] = field(default_factory=set)  # {(CODE, column header)}; empty = ok
    status_if_ok: str = "ADDED"
    record_id: str | None = None  # expected RECORD_ID when known in advance (update/upsert)

    @property
    def status(self) -> str:
        return "SKIPPED" if self.errors else self.status_if_ok


def leads_rows(count: int, tag: str) -> list[Row]:
    """`count` Leads rows (count >= 40); five of them are bad in the ways real CSVs are bad."""
    assert count >= 40
    rows: list[Row] = []
    for i in range(count):
        last = f"Last{i:03d}"
        first = f"First{i:03d}"
        company = f"Company {i % 7}"
        email = f"{tag}.lead{i:03d}@example.com"
        rows.append(Row([last, f"note {i}", first, company, email]))
    # Good rows that exercise quoting, non-ASCII text and the 80-character limit of Last_Name.
    rows[1].cells[3] = 'Acme, "Inc."'
    rows[1].cells[1] = "a note, with a comma"
    rows[6].cells[0] = "Müller-Łukasiewicz"
    rows[6].cells[2] = "José"
    rows[9].cells[0] = "L" * 80
    # The bad rows.
    rows[4].cells[0] = ""
    rows[4].errors = {("MANDATORY_NOT_FOUND", "Last_Name")}
    rows[11].cells[4] = "not-an-email"
    rows[11].errors = {("INVALID_DATA", "Email")}
    rows[19].cells[4] = rows[2].cells[4]  # same Email as an earlier row of the same file
    rows[19].errors = {("DUPLICATE_DATA", "Email")}
    rows[27].cells[3] = ""
    rows[27].errors = {("MANDATORY_NOT_FOUND", "Company")}
    rows[38].cells[0] = ""
    rows[38].cells[4] = "broken@"
    rows[38].errors = {("MANDATORY_NOT_FOUND", "Last_Name"), ("INVALID_DATA", "Email")}
    return rows


def write_csv(path: Path, header: list[str], rows: list[Row]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row.cells)
    return path


def zip_one(csv_path: Path, zip_path: Path) -> Path:
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(csv_path, arcname=csv_path.name)
    return zip_path


def expected_result_header(csv_header: list[str], mapped_indexes: list[int]) -> list[str]:
    """First three mapped source columns in file order, then STATUS, RECORD_ID, ERRORS."""
    first_three = sorted(set(mapped_indexes))[:3]
    return [csv_header[i] for i in first_three] + RESULT_TAIL


def parse_errors(cell: str) -> set[tuple[str, str]]:
    """`MANDATORY_NOT_FOUND-Company,Last_Name:INVALID_DATA-Email` -> {(code, column), ...}.

    Codes are colon-joined; the columns of one code are comma-joined (section 7). The order of
    codes and of columns is not part of the contract, so a set is compared.
    """
    pairs: set[tuple[str, str]] = set()
    if not cell:
        return pairs
    for group in cell.split(":"):
        code, sep, columns = group.partition("-")
        assert sep and code and columns, f"malformed ERRORS group {group!r} in {cell!r}"
        assert re.fullmatch(r"[A-Z_]+", code), f"malformed error code {code!r} in {cell!r}"
        for column in columns.split(","):
            assert column, f"empty column name in {cell!r}"
            pairs.add((code, column))
    return pairs


@dataclass
class ResultFile:
    name: str  # name of the CSV inside the zip
    header: list[str]
    rows: list[list[str]]


def read_result_zip(data: bytes) -> ResultFile:
    """Open a downloaded result zip and check the CSV's encoding and dialect (section 7)."""
    assert data[:4] == b"PK\x03\x04", f"result is not a zip: {data[:40]!r}"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert len(names) == 1, f"result zip must hold exactly one file, holds {names}"
        raw = zf.read(names[0])
    assert not raw.startswith(b"\xef\xbb\xbf"), "result CSV must be UTF-8 without BOM"
    text = raw.decode("utf-8")
    assert text.count("\n") == text.count("\r\n"), "result CSV must use \\r\\n line ends"
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed, "result CSV is empty"
    return ResultFile(name=names[0], header=parsed[0], rows=parsed[1:])


def check_result(
    result: ResultFile, header: list[str], rows: list[Row], mapped: list[int]
) -> list[str]:
    """Check the result file row by row; return the RECORD_ID of every row, '' for skipped ones."""
    assert result.header == expected_result_header(header, mapped)
    source_columns = sorted(set(mapped))[:3]
    assert len(result.rows) == len(rows), "one result row per input data row"
    record_ids: list[str] = []
    for n, (got, want) in enumerate(zip(result.rows, rows, strict=True), start=2):
        where = f"result line {n}: {got!r}"
        assert len(got) == len(result.header), where
        status, record_id, errors = got[-3:]
        assert got[:-3] == [want.cells[i] for i in source_columns], (
            f"{where}: source cells, in input order"
        )
        assert status == want.status, where
        assert parse_errors(errors) == want.errors, where
        if want.errors:
            assert record_id == "", f"{where}: a skipped row has no RECORD_ID"
        else:
            assert is_record_id(record_id), f"{where}: RECORD_ID must be 18-19 digits"
            if want.record_id is not None:
                assert record_id == want.record_id, where
        record_ids.append(record_id)
    added = [r for r in record_ids if r]
    assert len(added) == len(set(added)), "record ids must be distinct"
    return record_ids


def poll(
    fetch: Callable[[], T], done: Callable[[T], bool], *, attempts: int = 300, interval: float = 0.2
) -> T:
    """Call fetch() until done(result), at most `attempts` times (the server works on its own)."""
    last: T | None = None
    for _ in range(attempts):
        last = fetch()
        if done(last):
            return last
        time.sleep(interval)
    raise AssertionError(f"job not finished after {attempts} polls; last answer: {last!r}")


class CallbackReceiver:
    """A loopback HTTP endpoint that records the job callbacks the server POSTs (section 8)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    parsed: Any = json.loads(body)
                except ValueError:
                    parsed = None
                call = {
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type", ""),
                    "body": body,
                    "json": parsed,
                }
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with receiver._cond:
                    receiver.calls.append(call)
                    receiver._cond.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/bulk-callback"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> CallbackReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Block until `count` callbacks arrived (they come after the job's final state)."""
        with self._cond:
            arrived = self._cond.wait_for(lambda: len(self.calls) >= count, timeout=timeout)
            assert arrived, f"expected {count} callback(s) within {timeout}s, got {len(self.calls)}"
            return list(self.calls)
