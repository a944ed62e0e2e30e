"""A seeded generator of realistic Leads CSV files, streamed to disk row by row.

The file imports into the standard ``Leads`` module with columns mapped by header. Cells carry
what real exports carry: quotes, commas, embedded newlines and non-ASCII text. Every row's Email
is unique (the row number is part of it), so an insert creates one record per good row and an
upsert with ``find_by: Email`` updates each of them.

A share of the rows (``bad``, default 2 %) is bad on purpose, each with one defect drawn evenly
from: an invalid email, a missing mandatory field (Last_Name or Company), an integer outside
No_of_Employees' 32-bit range, a Lead_Source outside the picklist, or a mix of two or three of
these. Bad cells stay storable by a plain SQL insert: invalid emails are still unique and the
out-of-range integers still fit SQLite's 64-bit integers.

The same seed gives the same bytes; a file of N rows is a prefix of a file of M > N rows with the
same seed. ``first`` numbers the rows from another start: with the same seed, a file numbered
from N + 1 has the same defects and, but for the row numbers in its Emails, the same cells as the
first N rows, and no Email in common with them (the benchmark's second of two concurrent jobs).

``python -m bench.generate --rows N --bad 0.02 --seed 1 [--first 1] -o FILE``.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from bulkwrite.domain.standard_modules import LEAD_SOURCES

MODULE = "Leads"
HEADER: tuple[str, ...] = (
    "Last_Name",
    "First_Name",
    "Company",
    "Email",
    "Phone",
    "Lead_Source",
    "Annual_Revenue",
    "No_of_Employees",
    "Description",
)
COLUMN = {name: index for index, name in enumerate(HEADER)}
#: The unique field the upsert finds records by.
KEY = "Email"


class Defect(StrEnum):
    """Why a generated row is bad."""

    EMAIL = "invalid_email"
    MANDATORY = "missing_mandatory"
    INTEGER = "integer_out_of_range"
    PICKLIST = "bad_picklist"
    MIXED = "mixed"


SINGLE_DEFECTS = (Defect.EMAIL, Defect.MANDATORY, Defect.INTEGER, Defect.PICKLIST)
ALL_DEFECTS = (*SINGLE_DEFECTS, Defect.MIXED)

LAST_NAMES = (
    "Smith",
    "Johnson",
    "Müller",
    "O'Brien",
    "García",
    "Nguyễn",
    "Østergaard",
    "Kowalski",
    "Dvořák",
    "Papadopoulos",
    "van der Berg",
    "Smith, Jr.",
    'D"Angelo',
    "Åberg",
    "Łukaszewicz",
    "Öztürk",
    "Sørensen",
    "Brown",
    "Williams",
    "Tanaka 田中",
    "Иванова",
    "Núñez",
)
FIRST_NAMES = (
    "Anna",
    "John",
    "Zoë",
    "José",
    "Łukasz",
    "Søren",
    "Björn",
    "François",
    "Mohammed",
    "Yuki",
    "Chloé",
    "Siobhán",
    "Mary-Jane",
    "Ægir",
    "",
    "Olga",
    "Priya",
    "Wei",
)
COMPANY_HEADS = (
    "Acme",
    "Müller & Söhne",
    "Blue Sky",
    "Société Générale de Test",
    "Nordisk Ærø",
    "株式会社テスト",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Łódź Logistics",
    '"Big River"',
    "Café Crème",
)
COMPANY_TAILS = (" Inc.", ", Inc.", " GmbH", " Ltd", " S.A.", " & Co.", "", " Holdings, LLC", " AB")
DOMAINS = ("example.com", "example.org", "mail.example.net", "corp.example.co.uk", "example.de")
DESCRIPTION_PARTS = (
    "Met at the trade show.",
    'Asked for a "premium" quote, with discount.',
    "Follow up next week, after the budget review.",
    "Prefers email; do not call before 10:00.",
    "Interested in the 12-month plan — maybe 24.",
    "Notes from call:\n- wants a demo\n- has 3 offices",
    'Spoke with the CFO, who said: "we\'ll see".',
    "Référence client : à confirmer.",
    "Größere Bestellung möglich, Rückruf erbeten.",
    "見積もりを送付済み。",
    "Budget: $50k, timeline Q3.",
    "Line one\r\nline two, with a comma",
)
BAD_PICKLIST = ("Billboard", "Carrier Pigeon", "Referral", "TV Ad", "Radio", "Door to door")
INT32_MAX = 2**31 - 1


@dataclass
class Summary:
    """What a generated file holds."""

    path: Path
    rows: int
    bad_rows: int = 0
    defects: dict[str, int] = field(default_factory=dict)
    bytes: int = 0

    @property
    def good_rows(self) -> int:
        return self.rows - self.bad_rows


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum()) or "x"


def _good_row(rng: random.Random, number: int) -> list[str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    company = rng.choice(COMPANY_HEADS) + rng.choice(COMPANY_TAILS)
    email = f"{_ascii(first)}.{_ascii(last)}.{number}@{rng.choice(DOMAINS)}"
    phone = f"+1 ({rng.randint(200, 999)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
    source = rng.choice(LEAD_SOURCES)
    if rng.random() < 0.1:
        source = source.lower()  # picklists match case-insensitively
    elif rng.random() < 0.1:
        source = ""
    revenue = f"{rng.randint(10_000, 900_000_000)}.{rng.randint(0, 99):02d}"
    employees = str(rng.randint(1, 250_000)) if rng.random() < 0.9 else ""
    parts = rng.randint(0, 4)
    description = " ".join(rng.choice(DESCRIPTION_PARTS) for _ in range(parts))
    return [last, first, company, email, phone, source, revenue, employees, description]


def _spoil(rng: random.Random, row: list[str], defect: Defect, number: int) -> None:
    """Give ``row`` the ``defect``; every spoiled email stays unique."""
    if defect is Defect.EMAIL:
        local = row[COLUMN["Email"]].split("@", 1)[0]
        row[COLUMN["Email"]] = rng.choice(
            (
                f"{local}.at.example.com",
                f"{local}@localhost{number}",
                f"{local} {number}@example.com",
                f"{local}@{number}@example.com",
            )
        )
    elif defect is Defect.MANDATORY:
        for name in rng.choice((("Last_Name",), ("Company",), ("Last_Name", "Company"))):
            row[COLUMN[name]] = ""
    elif defect is Defect.INTEGER:
        row[COLUMN["No_of_Employees"]] = str(rng.randint(INT32_MAX + 1, 10**12))
    elif defect is Defect.PICKLIST:
        row[COLUMN["Lead_Source"]] = rng.choice(BAD_PICKLIST)
    else:
        for single in rng.sample(SINGLE_DEFECTS, rng.randint(2, 3)):
            _spoil(rng, row, single, number)


def _check_share(bad: float) -> None:
    if not 0.0 <= bad <= 1.0:
        raise ValueError("bad must be between 0 and 1")


def iter_rows(
    rows: int, bad: float = 0.02, seed: int = 1, first: int = 1
) -> Iterator[tuple[list[str], Defect | None]]:
    """Each data row (without the header) and its defect, ``None`` for a good row.

    Rows are numbered from ``first``; the number is part of each Email, so files numbered apart
    have no Email in common (with the same seed, they differ only there).
    """
    _check_share(bad)
    rng = random.Random(seed)
    for number in range(first, first + rows):
        row = _good_row(rng, number)
        defect = rng.choice(ALL_DEFECTS) if rng.random() < bad else None
        if defect is not None:
            _spoil(rng, row, defect, number)
        yield row, defect


def generate(path: Path, rows: int, bad: float = 0.02, seed: int = 1, first: int = 1) -> Summary:
    """Write the header and ``rows`` data rows to ``path``, one row at a time, numbered from
    ``first`` (see ``iter_rows``)."""
    _check_share(bad)
    path.parent.mkdir(parents=True, exist_ok=True)
    defects: Counter[str] = Counter()
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADER)
        for row, defect in iter_rows(rows, bad, seed, first):
            writer.writerow(row)
            if defect is not None:
                defects[defect.value] += 1
    return Summary(path, rows, sum(defects.values()), dict(defects), path.stat().st_size)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="data rows (default 100000)")
    parser.add_argument("--bad", type=float, default=0.02, help="share of bad rows (0.02)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--first", type=int, default=1, help="number of the first row (1)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="CSV file to write")
    args = parser.parse_args(argv)
    summary = generate(args.output, args.rows, args.bad, args.seed, args.first)
    print(
        f"{summary.path}: {summary.rows} rows ({summary.bad_rows} bad: {summary.defects}), "
        f"{summary.bytes} bytes",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
