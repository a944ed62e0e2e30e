"""The values of a page's subform, multi-select and multi-user lookup fields (contract
section 12), read from their child modules: one query per child module per page, never per
record.

- a subform or line-item field: an array of row objects, each with its own ``id`` and typed
  values (lookups as ``{"id", "name"}``);
- a multi-select lookup: an array of ``{"id", "name"}`` of the linked records;
- a multi-user lookup: an array of ``{"id", "name", "email"}`` of the linked users.

A record with no rows or links has ``[]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bulkwrite.domain.children import other_column, parent_column
from bulkwrite.domain.modules import CHILD_TYPES, Field, FieldType, Module
from bulkwrite.store.base import Tx

#: Renders rows of ``id`` then ``fields`` as records (``records.render_records``).
Renderer = Callable[[Tx, str, Sequence[Field], Sequence[Sequence[object]]], list[dict[str, Any]]]
#: Each record id of the page, to the value of one child-type field.
ChildValues = dict[int, list[dict[str, Any]]]


def child_values(
    tx: Tx, org_id: str, fields: Sequence[Field], record_ids: Sequence[int], render: Renderer
) -> dict[str, ChildValues]:
    """For each child-type field among ``fields``, its value on each of ``record_ids``."""
    values: dict[str, ChildValues] = {}
    for field in fields:
        if field.type not in CHILD_TYPES:
            continue
        child = tx.get_module(org_id, field.child_module or "")
        parent = parent_column(child) if child is not None else None
        if child is None or parent is None or not record_ids:
            values[field.api_name] = {}
        elif field.type is FieldType.SUBFORM:
            values[field.api_name] = _subform(tx, org_id, child, parent, record_ids, render)
        elif field.type is FieldType.MULTISELECTLOOKUP:
            values[field.api_name] = _linked(tx, org_id, field, child, parent, record_ids)
        else:
            values[field.api_name] = _users(tx, org_id, child, parent, record_ids)
    return values


def _subform(
    tx: Tx, org_id: str, child: Module, parent: str, ids: Sequence[int], render: Renderer
) -> ChildValues:
    own = [f for f in child.fields if not f.system and f.type not in CHILD_TYPES]
    table = tx.record_table(org_id, child.api_name)
    rows = tx.child_rows(table, parent, ["id", *(f.api_name for f in own)], ids)
    rendered = render(tx, org_id, own, [row[1:] for row in rows])
    grouped: ChildValues = {}
    for row, record in zip(rows, rendered, strict=True):
        grouped.setdefault(int(str(row[0])), []).append(record)
    return grouped


def _linked(
    tx: Tx, org_id: str, field: Field, child: Module, parent: str, ids: Sequence[int]
) -> ChildValues:
    other = other_column(child)
    target = tx.get_module(org_id, field.lookup_module or "")
    if other is None or target is None:
        return {}
    rows = tx.child_rows(tx.record_table(org_id, child.api_name), parent, [other], ids)
    linked = sorted({int(str(r[1])) for r in rows if r[1] is not None})
    table = tx.record_table(org_id, target.api_name)
    names = tx.record_names(table, target.name_field, linked) if linked else {}
    grouped: ChildValues = {}
    for owner, link in rows:
        if link is not None:
            value = {"id": str(link), "name": names.get(int(str(link)))}
            grouped.setdefault(int(str(owner)), []).append(value)
    return grouped


def _users(tx: Tx, org_id: str, child: Module, parent: str, ids: Sequence[int]) -> ChildValues:
    other = other_column(child)
    if other is None:
        return {}
    rows = tx.child_rows(tx.record_table(org_id, child.api_name), parent, [other], ids)
    users = {u.id: u for u in tx.list_users(org_id)} if rows else {}
    grouped: ChildValues = {}
    for owner, link in rows:
        user = users.get(str(link)) if link is not None else None
        if link is not None:
            value = {
                "id": str(link),
                "name": user.full_name if user else None,
                "email": user.email if user else None,
            }
            grouped.setdefault(int(str(owner)), []).append(value)
    return grouped
