"""Child modules made in a test org the way the schema services make modules (contract
section 12): a subform of Deals with computed totals, the linking module of a Deals - Contacts
multi-select lookup, and a multi-user lookup of Deals; a schema file declaring Projects with
one child module of each kind; and parent-child zips and job bodies."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from typing import Any

import polars as pl

from bulkwrite.domain.modules import Field, FieldType, Module, ModuleKind
from bulkwrite.domain.standard_modules import system_fields
from bulkwrite.services.collaborators import Services
from bulkwrite.store.base import Tx
from tests.contract.harness import Harness

T = FieldType
ITEMS, LINKS, REVIEWERS = "Deal_Items", "Deals_X_Contacts", "Reviewers"

#: Created and Modified time of rows written with the store directly.
STAMP = datetime(2026, 11, 28, 12, 0, tzinfo=UTC).isoformat()
#: A schema file (``bulkwrite schema apply``): Projects with a subform, a multi-select lookup
#: of Contacts and a multi-user lookup.
PROJECTS = """
modules:
  - api_name: Projects
    fields:
      - {api_name: Project_Name, type: text, mandatory: true}
      - api_name: Milestones
        type: subform
        fields:
          - {api_name: Title, type: text, mandatory: true}
          - {api_name: Due, type: date}
          - {api_name: Weight, type: decimal}
          - {api_name: Contact, type: lookup, lookup: Contacts}
      - {api_name: Members, type: multiselectlookup, lookup: Contacts,
         linking_module: Projects_X_Contacts}
      - {api_name: Reviewers, type: multiuserlookup}
"""


def insert_rows(tx: Tx, table: str, frame: dict[str, list[object]]) -> None:
    """Rows written with the store directly (a job writes them through the same tables)."""
    tx.insert_frame(table, pl.DataFrame(frame), {"Created_Time": STAMP, "Modified_Time": STAMP})


def _child(api_name: str, kind: ModuleKind, name_field: str, fields: list[Field]) -> Module:
    return Module(
        api_name=api_name,
        id="",
        fields=tuple(fields + system_fields()),
        name_field=name_field,
        singular_label=api_name,
        plural_label=api_name,
        kind=kind,
        parent="Deals",
    )


def child_modules() -> list[Module]:
    """A line-item subform (``Deal_Items``), a linking module and a multi-user lookup."""
    items = _child(
        ITEMS,
        ModuleKind.SUBFORM,
        "Product_Name",
        [
            Field("Parent_Id", T.LOOKUP, mandatory=True, lookup_module="Deals"),
            Field("Product_Name", T.LOOKUP, mandatory=True, lookup_module="Products"),
            Field("Quantity", T.DOUBLE, mandatory=True),
            Field("List_Price", T.CURRENCY),
            Field("Discount", T.CURRENCY),
            Field("Tax", T.CURRENCY),
            Field("Total", T.CURRENCY, read_only=True),
            Field("Net_Total", T.CURRENCY, read_only=True),
            Field("Note", T.TEXT),
        ],
    )
    links = _child(
        LINKS,
        ModuleKind.LINKING,
        "Deals",
        [
            Field("Deals", T.LOOKUP, mandatory=True, lookup_module="Deals"),
            Field("Contacts", T.LOOKUP, mandatory=True, lookup_module="Contacts"),
        ],
    )
    reviewers = _child(
        REVIEWERS,
        ModuleKind.MULTIUSER,
        "User",
        [
            Field("Parent_Id", T.LOOKUP, mandatory=True, lookup_module="Deals"),
            Field("User", T.USERLOOKUP, mandatory=True),
        ],
    )
    return [items, links, reviewers]


def parent_fields() -> list[Field]:
    """The Deals fields that hold the children, and its computed totals."""
    return [
        Field("Items", T.SUBFORM, child_module=ITEMS),
        Field("Linked_Contacts", T.MULTISELECTLOOKUP, lookup_module="Contacts", child_module=LINKS),
        Field("Reviewers", T.MULTIUSERLOOKUP, child_module=REVIEWERS),
        Field("Sub_Total", T.CURRENCY, read_only=True),
        Field("Grand_Total", T.CURRENCY, read_only=True),
    ]


def add_children(harness: Harness) -> None:
    """Give the harness's org the child modules of Deals."""
    add_children_to(harness.services, harness.org.org.id)


def add_children_to(services: Services, org_id: str) -> None:
    """Give an org the child modules of Deals, through the store's module creation."""
    with services.store.transaction() as tx:
        _add(tx, org_id)


def _add(tx: Tx, org_id: str) -> None:
    for module in child_modules():
        tx.create_module(org_id, module)
    deals = tx.get_module(org_id, "Deals")
    assert deals is not None
    for field in parent_fields():
        deals = tx.add_field(org_id, deals, field)


def zipped(files: dict[str, str]) -> bytes:
    """A zip of CSVs, as Zoho's docs build a parent-child upload."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def table(*rows: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


DEALS = table(
    ["Ref", "Deal_Name", "Stage", "Closing_Date"],
    ["D1", "Alpha", "Qualification", "01/15/2027"],
    ["D2", "Beta", "Qualification", "01/16/2027"],
)
ITEMS_CSV = table(
    ["Deal_Ref", "Product", "Qty", "Price"],
    ["D1", "Widget", "2", "10"],
    ["D2", "Widget", "1", ""],
)


def deal_mappings() -> list[dict[str, Any]]:
    return [
        {"api_name": "Deal_Name", "index": 1},
        {"api_name": "Stage", "index": 2},
        {"api_name": "Closing_Date", "index": 3},
    ]


def item_mappings(parent_column: int = 0) -> list[dict[str, Any]]:
    return [
        {"api_name": "Parent_Id", "index": 0, "parent_column_index": parent_column},
        {"api_name": "Product_Name", "index": 1, "find_by": "Product_Name"},
        {"api_name": "Quantity", "index": 2},
        {"api_name": "List_Price", "index": 3},
    ]


PRODUCTS = table(["Product_Name", "Unit_Price"], ["Widget", "5"], ["Gadget", "7.5"])


def with_children_and_products(harness: Harness, products: str = PRODUCTS) -> Harness:
    """The harness's org with the child modules of Deals, and Products for line items to find."""
    add_children(harness)
    assert harness.job(products, "Products")["status"] == "COMPLETED"
    return harness


def resource(
    module: str, file_id: str, file_name: str, mappings: list[dict[str, Any]]
) -> dict[str, Any]:
    """One resource of a parent-child job: a module, the CSV it reads in the zip, its mappings."""
    return {
        "type": "data",
        "module": {"api_name": module},
        "file_id": file_id,
        "file_names": [file_name],
        "field_mappings": mappings,
    }


def two_resources(
    file_id: str,
    operation: str = "insert",
    parent: dict[str, Any] | None = None,
    child: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Deals + Deal_Items job body over the zip ``file_id`` (deals.csv, items.csv)."""
    first = {**resource("Deals", file_id, "deals.csv", deal_mappings()), **(parent or {})}
    second = {**resource(ITEMS, file_id, "items.csv", item_mappings()), **(child or {})}
    return {"operation": operation, "resource": [first, second]}
