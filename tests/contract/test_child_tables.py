"""Child modules' record tables on every store (contract section 12): made by the same DDL as
any module's, a link never doubled, rows read back by parent in batches."""

from __future__ import annotations

import pytest

from bulkwrite.domain.children import PARENT_ID, child_indexes, other_column, parent_column
from bulkwrite.domain.identity import Org
from bulkwrite.domain.modules import Field, FieldType, Module
from bulkwrite.domain.schema_file import parse_schema
from bulkwrite.domain.schema_plan import plan_schema
from bulkwrite.domain.standard_modules import standard_modules
from bulkwrite.errors import RecordConflict
from bulkwrite.store.base import Store, Tx
from bulkwrite.store.postgres import pg_ddl
from bulkwrite.store.sqlite import sqlite_ddl
from tests.contract.children import PROJECTS, insert_rows


def _org_with_projects(tx: Tx) -> tuple[Org, dict[str, Module]]:
    org = tx.create_org("Acme")
    for module in standard_modules():
        tx.create_module(org.id, module)
    plan = plan_schema(parse_schema(PROJECTS), tx.list_modules(org.id))
    for module in plan.new_modules:
        tx.create_module(org.id, module)
    return org, {m.api_name: m for m in tx.list_modules(org.id)}


def test_the_schema_file_declares_three_kinds_of_child_module(store: Store) -> None:
    with store.transaction() as tx:
        _, modules = _org_with_projects(tx)
    milestones, links, reviewers = (
        modules["Milestones"],
        modules["Projects_X_Contacts"],
        modules["Reviewers"],
    )
    assert (parent_column(milestones), other_column(milestones)) == (PARENT_ID, None)
    assert (parent_column(links), other_column(links)) == ("Projects", "Contacts")
    assert (parent_column(reviewers), other_column(reviewers)) == (PARENT_ID, "User")
    assert [i.unique for i in child_indexes(links)] == [True]
    reviewer = reviewers.field("User")
    assert reviewer is not None and reviewer.type is FieldType.USERLOOKUP
    projects = modules["Projects"]
    assert [(f.api_name, f.type, f.child_module) for f in projects.fields if f.child_module] == [
        ("Milestones", FieldType.SUBFORM, "Milestones"),
        ("Members", FieldType.MULTISELECTLOOKUP, "Projects_X_Contacts"),
        ("Reviewers", FieldType.MULTIUSERLOOKUP, "Reviewers"),
    ]
    due = milestones.field("Due")
    assert due == Field("Due", FieldType.DATE, id=due.id if due else "")


def test_child_rows_are_read_by_parent_in_order(store: Store) -> None:
    with store.transaction() as tx:
        org, _ = _org_with_projects(tx)
        table = tx.record_table(org.id, "Milestones")
        insert_rows(
            tx,
            table,
            {
                "id": [30, 10, 20, 40],
                PARENT_ID: [2, 1, 1, 3],
                "Title": ["c", "a", "b", "d"],
                "Due": ["2026-12-01", None, "2026-12-24", None],
            },
        )
    with store.transaction(write=False) as tx:
        rows = tx.child_rows(table, PARENT_ID, ["id", "Title", "Due"], [1, 2, 99])
        assert rows == [
            (1, 10, "a", None),
            (1, 20, "b", "2026-12-24"),
            (2, 30, "c", "2026-12-01"),
        ]
        assert tx.child_rows(table, PARENT_ID, ["id"], []) == []
    with store.transaction() as tx:  # the replace rule: rows another job wrote go
        assert tx.delete_children(table, PARENT_ID, [1, 99], job_id=7) == 2
    with store.transaction(write=False) as tx:
        assert tx.child_rows(table, PARENT_ID, ["id"], [1, 2, 3]) == [(2, 30), (3, 40)]


@pytest.mark.parametrize(
    ("module", "other"), [("Projects_X_Contacts", "Contacts"), ("Reviewers", "User")]
)
def test_a_link_is_never_doubled(store: Store, module: str, other: str) -> None:
    with store.transaction() as tx:
        org, modules = _org_with_projects(tx)
        parent = parent_column(modules[module])
        assert parent is not None
        table = tx.record_table(org.id, module)
        insert_rows(tx, table, {"id": [1, 2], parent: [7, 7], other: [100, 101]})
    with pytest.raises(RecordConflict), store.transaction() as tx:
        insert_rows(tx, table, {"id": [3], parent: [7], other: [100]})
    with store.transaction(write=False) as tx:
        rows = tx.child_rows(table, parent, ["id", other], [7])
    assert rows == [(7, 1, 100), (7, 2, 101)]


def test_a_subform_field_has_no_column_in_its_parent_table(store: Store) -> None:
    with store.transaction() as tx:
        org, _ = _org_with_projects(tx)
        table = tx.record_table(org.id, "Quotes")
        insert_rows(tx, table, {"id": [5], "Subject": ["Q"]})
        assert tx.read_records(table, ["id", "Grand_Total"], limit=1, offset=0) == [(5, None)]
    quotes = next(m for m in standard_modules() if m.api_name == "Quotes")
    assert "Quoted_Items" not in sqlite_ddl.record_table_ddl("t", quotes.fields)[0]
    assert "Quoted_Items" not in pg_ddl.record_table_ddl("t", quotes.fields)[0].as_string()
