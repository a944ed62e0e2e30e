"""The files of the parent-child benchmark (``bench/children.py``), seeded and streamed.

- ``Accounts.csv`` and ``Products.csv``: what the Quotes and their line items look up (made
  before the timed part, by ordinary jobs): ``ACCOUNTS`` accounts, ``PRODUCTS`` products each
  with a Unit_Price.
- ``Quotes.csv`` (the parent, 7 columns): Subject (``Quote <n>``, unique: the link value),
  Account_Name (a lookup by name), Quote_Stage, Carrier (picklists), Billing_City,
  Billing_Country, Description.
- ``Quoted_Items.csv`` (the child, 7 columns): Quote (the Subject of its quote: the
  ``Parent_Id`` column, ``parent_column_index`` 0), Product_Name (a lookup by name), Quantity,
  List_Price (empty in one row of ten: the product's Unit_Price), Discount, Tax, Description;
  ``items`` rows per quote, in quote order.
- ``Deals.csv`` (the one-resource case, 7 columns as the line items, one lookup as they have):
  Deal_Name, Account_Name (a lookup by name), Amount, Probability, Stage, Next_Step,
  Description; Closing_Date (mandatory) is the mapping's ``default_value``.

Every row is good: the benchmark measures writing, the Leads bench measures refusing.
"""

from __future__ import annotations

import csv
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkwrite.domain.standard_modules import STAGES

ACCOUNTS = 200
PRODUCTS = 500
QUOTES_CSV, ITEMS_CSV = "Quotes.csv", "Quoted_Items.csv"
QUOTE_HEADER = (
    "Subject",
    "Account_Name",
    "Quote_Stage",
    "Carrier",
    "Billing_City",
    "Billing_Country",
    "Description",
)
ITEM_HEADER = ("Quote", "Product_Name", "Quantity", "List_Price", "Discount", "Tax", "Description")
DEAL_HEADER = (
    "Deal_Name",
    "Account_Name",
    "Amount",
    "Probability",
    "Stage",
    "Next_Step",
    "Description",
)
QUOTE_STAGES = ("Draft", "Negotiation", "Delivered", "On Hold", "Confirmed")
CARRIERS = ("FedEX", "UPS", "USPS", "DHL", "BlueDart")
CITIES = ("Zürich", "São Paulo", "Kraków", "東京", "Lyon, Rhône", "Austin")
CLOSING_DATE = "2026-06-30"
#: Fields looked up by name: (module, its name field), as the mappings' ``find_by``.
LOOKUPS = {"Account_Name": "Account_Name", "Product_Name": "Product_Name"}


def account_name(n: int) -> str:
    return f"Account {n:04d}"


def product_name(n: int) -> str:
    return f"Product {n:04d}"


def unit_price(n: int) -> float:
    """Product ``n``'s Unit_Price."""
    return round(5 + (n * 7919) % 995 + (n % 100) / 100, 2)


@dataclass(frozen=True)
class ChildFiles:
    """The files of one case: the zip uploaded and the two CSVs in it (for the raw ceiling)."""

    zip_path: Path
    quotes_csv: Path
    items_csv: Path
    quotes: int
    items: int


def _write(path: Path, header: tuple[str, ...], rows: Any) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


def write_setup(work: Path) -> tuple[Path, Path]:
    """``Accounts.csv`` and ``Products.csv`` (Product_Name, Unit_Price)."""
    accounts, products = work / "Accounts.csv", work / "Products.csv"
    _write(accounts, ("Account_Name",), ([account_name(n)] for n in range(ACCOUNTS)))
    rows = ([product_name(n), f"{unit_price(n):.2f}"] for n in range(PRODUCTS))
    _write(products, ("Product_Name", "Unit_Price"), rows)
    return accounts, products


def write_children(work: Path, quotes: int, items: int, seed: int = 1) -> ChildFiles:
    """``Quotes.csv`` and ``Quoted_Items.csv`` (``items`` line items per quote), and a zip
    holding both (deflated, as Zoho's own examples)."""
    rng = random.Random(seed)
    quotes_csv, items_csv = work / QUOTES_CSV, work / ITEMS_CSV
    with (
        quotes_csv.open("w", newline="", encoding="utf-8") as q_out,
        items_csv.open("w", newline="", encoding="utf-8") as i_out,
    ):
        q_writer, i_writer = csv.writer(q_out), csv.writer(i_out)
        q_writer.writerow(QUOTE_HEADER)
        i_writer.writerow(ITEM_HEADER)
        for n in range(quotes):
            subject = f"Quote {n}"
            q_writer.writerow(
                [
                    subject,
                    account_name(rng.randrange(ACCOUNTS)),
                    rng.choice(QUOTE_STAGES),
                    rng.choice(CARRIERS),
                    rng.choice(CITIES),
                    "Schweiz" if n % 3 else "Deutschland",
                    f'Quote {n} for "the usual", second year\nterms as agreed',
                ]
            )
            for k in range(items):
                product = rng.randrange(PRODUCTS)
                listed = "" if rng.random() < 0.1 else f"{unit_price(product) * 0.9:.2f}"
                i_writer.writerow(
                    [
                        subject,
                        product_name(product),
                        str(rng.randrange(1, 50)),
                        listed,
                        f"{rng.randrange(0, 500) / 100:.2f}",
                        f"{rng.randrange(0, 900) / 100:.2f}",
                        f"Line {k + 1} of quote {n}, as discussed",
                    ]
                )
    zip_path = work / "quotes.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as packed:
        packed.write(quotes_csv, QUOTES_CSV)
        packed.write(items_csv, ITEMS_CSV)
    return ChildFiles(zip_path, quotes_csv, items_csv, quotes, quotes * items)


def write_deals(path: Path, rows: int, seed: int = 1) -> Path:
    """``rows`` Deals of the line items' width (7 columns, one lookup by name)."""
    rng = random.Random(seed)

    def row(n: int) -> list[str]:
        return [
            f"Deal {n}",
            account_name(rng.randrange(ACCOUNTS)),
            f"{rng.randrange(100, 10**6) / 100:.2f}",
            str(rng.randrange(0, 101)),
            rng.choice(STAGES),
            "Call back",
            f"Deal {n}, renewal of the contract, second year",
        ]

    _write(path, DEAL_HEADER, (row(n) for n in range(rows)))
    return path


def _resource(module: str, file_id: str, mappings: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "data",
        "module": {"api_name": module},
        "file_id": file_id,
        "field_mappings": mappings,
    }


def _mapped(header: tuple[str, ...], skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every column of ``header`` mapped to the field of its name (a lookup by name)."""
    mappings: list[dict[str, Any]] = []
    for index, name in enumerate(header):
        if name in skip:
            continue
        mapping: dict[str, Any] = {"api_name": name, "index": index}
        if name in LOOKUPS:
            mapping["find_by"] = LOOKUPS[name]
        mappings.append(mapping)
    return mappings


def children_body(file_id: str) -> dict[str, Any]:
    """Quotes then Quoted_Items, one zip; each item tied to its quote by the Subject."""
    quotes = _resource("Quotes", file_id, _mapped(QUOTE_HEADER)) | {"file_names": [QUOTES_CSV]}
    link = {"api_name": "Parent_Id", "index": 0, "parent_column_index": 0}
    items = _resource("Quoted_Items", file_id, [link, *_mapped(ITEM_HEADER, ("Quote",))])
    return {"operation": "insert", "resource": [quotes, items | {"file_names": [ITEMS_CSV]}]}


def deals_body(file_id: str) -> dict[str, Any]:
    closing = {"api_name": "Closing_Date", "default_value": {"value": CLOSING_DATE}}
    return {
        "operation": "insert",
        "resource": [_resource("Deals", file_id, [*_mapped(DEAL_HEADER), closing])],
    }


def setup_body(module: str, header: tuple[str, ...]) -> Callable[[str], dict[str, Any]]:
    """An insert of a setup file (Accounts, Products), columns by index."""

    def body(file_id: str) -> dict[str, Any]:
        mappings = [{"api_name": n, "index": i} for i, n in enumerate(header)]
        return {"operation": "insert", "resource": [_resource(module, file_id, mappings)]}

    return body


def line_totals(quantity: float, listed: float, discount: float, tax: float) -> tuple[float, float]:
    """A line item's (Total, Net_Total), as bulkwrite computes them (contract section 12)."""
    total = quantity * listed
    return round(total, 2), round(total - discount + tax, 2)
