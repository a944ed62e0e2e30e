"""Reading records back (contract section 10): pages of typed values, references as {id, name}."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bulkwrite.clock import iso, now
from bulkwrite.domain.children import stored_fields
from bulkwrite.domain.identity import Principal, Right
from bulkwrite.domain.ids import parse_digits, parse_id
from bulkwrite.domain.modules import (
    CHILD_TYPES,
    INTEGER_TYPES,
    NUMBER_TYPES,
    Field,
    FieldType,
    Module,
)
from bulkwrite.domain.scopes import may_read_records
from bulkwrite.domain.standard_inventory import SE_MODULE
from bulkwrite.errors import (
    DataInvalid,
    NoPermission,
    ResourceNotFound,
    ScopeMismatch,
    UrlPatternInvalid,
)
from bulkwrite.services import page_tokens
from bulkwrite.services.collaborators import Services
from bulkwrite.services.record_children import child_values
from bulkwrite.store.base import Tx

MAX_PER_PAGE = 200
MAX_PAGE = 10**9
USER_TYPES = frozenset({FieldType.OWNERLOOKUP, FieldType.USERLOOKUP})


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """The query parameters of a records read, as the caller sent them (``None``: absent);
    ``tokens``: whether the API version has page tokens (v3 and later)."""

    fields: str | None = None
    page: str | None = None
    per_page: str | None = None
    sort_by: str | None = None
    sort_order: str | None = None
    page_token: str | None = None
    tokens: bool = True


@dataclass(frozen=True, slots=True)
class RecordPage:
    data: list[dict[str, Any]]
    page: int
    per_page: int
    more_records: bool
    #: ``(next_page_token, page_token_expiry)`` on a version with page tokens, else None.
    token: tuple[str | None, str] | None = None

    def document(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "per_page": self.per_page,
            "count": len(self.data),
            "page": self.page,
            "more_records": self.more_records,
        }
        if self.token is not None:
            info["next_page_token"], info["page_token_expiry"] = self.token
        return {"data": self.data, "info": info}


def list_records(
    services: Services, principal: Principal, module_name: str, query: RecordQuery
) -> RecordPage:
    """One page of a module's records; an empty ``data`` when the page holds none. A page
    named by ``page_token`` is read from where the page before ended (``store.keyset``)."""
    module = readable_module(services, principal, module_name)
    fields = _fields(module, query.fields)
    per_page = _whole(query.per_page, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)
    order_by = _sort_by(module, query.sort_by)
    descending = _descending(query.sort_order)
    binding = page_tokens.Binding(
        principal.org.id,
        module.api_name,
        tuple(f.api_name for f in fields),
        per_page,
        order_by,
        descending,
    )
    at = now()
    start, key = _start(services, query, binding, at)
    page = start.page if start else _whole(query.page, "page", 1, MAX_PAGE)
    with services.store.transaction(write=False) as tx:
        table = tx.record_table(principal.org.id, module.api_name)
        rows = tx.read_keyset(
            table,
            ["id", *(f.api_name for f in stored_fields(fields))],
            limit=per_page + 1,
            order_by=order_by,
            descending=descending,
            after=start.after if start else None,
            offset=0 if start else (page - 1) * per_page,
        )
        data = render_page(tx, principal.org.id, fields, [row for row, _ in rows[:per_page]])
    more = len(rows) > per_page
    if not query.tokens:
        return RecordPage(data, page, per_page, more)
    key = key or page_tokens.page_key(services, principal.org.id)
    following = None
    if more:
        following = page_tokens.issue(key, binding, page + 1, rows[per_page - 1][1], at)
    return RecordPage(data, page, per_page, more, (following, iso(page_tokens.expiry(at))))


def _start(
    services: Services, query: RecordQuery, binding: page_tokens.Binding, at: datetime
) -> tuple[page_tokens.PageStart | None, bytes | None]:
    """The page ``page_token`` opens (None: no token) and the org's key if it was read."""
    if query.page_token is None:
        return None, None
    if not query.tokens:
        raise DataInvalid(
            "page_token is a parameter of API v3 and later.",
            {"api_name": "page_token", "param_name": "page_token"},
        )
    if query.page is not None:
        raise DataInvalid(
            "page and page_token cannot be given together.",
            {"api_name": "page", "param_name": "page"},
        )
    key = page_tokens.page_key(services, binding.org_id)
    return page_tokens.read(key, binding, query.page_token, at), key


def get_record(
    services: Services, principal: Principal, module_name: str, record_id: str, fields: str | None
) -> RecordPage:
    """One record by id; another org's or a missing one is ``RESOURCE_NOT_FOUND``."""
    module = readable_module(services, principal, module_name)
    chosen = _fields(module, fields)
    if parse_id(record_id) is None:
        raise ResourceNotFound()
    with services.store.transaction(write=False) as tx:
        table = tx.record_table(principal.org.id, module.api_name)
        rows = tx.read_records(
            table,
            ["id", *(f.api_name for f in stored_fields(chosen))],
            limit=1,
            offset=0,
            record_id=int(record_id),
        )
        if not rows:
            raise ResourceNotFound()
        data = render_page(tx, principal.org.id, chosen, rows)
    return RecordPage(data, 1, 1, False)


def readable_module(services: Services, principal: Principal, name: str) -> Module:
    """The module named in the URL, after the scope and profile checks.

    A name that is no module of the caller's org is an unknown URL (``INVALID_URL_PATTERN``).
    """
    if not may_read_records(principal.scopes, name):
        raise ScopeMismatch()
    with services.store.transaction(write=False) as tx:
        module = tx.get_module(principal.org.id, name)
    if module is None:
        raise UrlPatternInvalid()
    if not principal.user.profile.has(module.api_name, Right.READ):
        raise NoPermission("Permission denied to read")
    return module


def _fields(module: Module, wanted: str | None) -> list[Field]:
    if wanted is None or not wanted.strip():
        return list(module.fields)
    chosen: list[Field] = []
    for name in (n.strip() for n in wanted.split(",")):
        if not name or name == "id":
            continue
        field = module.field(name)
        if field is None:
            raise DataInvalid(
                f"The field {name} does not exist in {module.api_name}.",
                {"api_name": name, "param_name": "fields"},
            )
        if field not in chosen:
            chosen.append(field)
    return chosen


def _whole(text: str | None, name: str, default: int, highest: int) -> int:
    if text is None or text == "":
        return default
    value = parse_digits(text, 10) or 0
    if not 1 <= value <= highest:
        raise DataInvalid(
            f"{name} must be a whole number from 1 to {highest}.", {"param_name": name}
        )
    return value


def _sort_by(module: Module, text: str | None) -> str:
    if text is None or text == "" or text == "id":
        return "id"
    field = module.field(text)
    if field is None or field.type in CHILD_TYPES:
        raise DataInvalid(
            f"sort_by must be id or a field of {module.api_name}.", {"param_name": "sort_by"}
        )
    return field.api_name


def _descending(text: str | None) -> bool:
    if text is None or text == "" or text.lower() == "asc":
        return False
    if text.lower() == "desc":
        return True
    raise DataInvalid("sort_order must be asc or desc.", {"param_name": "sort_order"})


# --- typed values ----------------------------------------------------------------------------


def render_page(
    tx: Tx, org_id: str, fields: Sequence[Field], rows: Sequence[Sequence[object]]
) -> list[dict[str, Any]]:
    """Rows of ``id`` then the stored ones of ``fields`` as records, with the values of the
    child-type fields (subforms, multi-select and multi-user lookups) from their modules;
    each record's keys in the order of ``fields``."""
    stored = stored_fields(fields)
    records = render_records(tx, org_id, stored, rows)
    if len(stored) == len(fields):
        return records
    ids = [int(str(row[0])) for row in rows]
    children = child_values(tx, org_id, fields, ids, render_records)
    ordered = []
    for record_id, record in zip(ids, records, strict=True):
        full: dict[str, Any] = {"id": record["id"]}
        for field in fields:
            name = field.api_name
            full[name] = children[name].get(record_id, []) if name in children else record[name]
        ordered.append(full)
    return ordered


def render_records(
    tx: Tx, org_id: str, fields: Sequence[Field], rows: Sequence[Sequence[object]]
) -> list[dict[str, Any]]:
    """Rows of ``id`` then ``fields`` as Zoho returns records; names in one query per target."""
    users: dict[str, str] = {}
    if any(f.type in USER_TYPES for f in fields):
        users = {u.id: u.full_name for u in tx.list_users(org_id)}
    names = _lookup_names(tx, org_id, fields, rows)
    records = []
    for row in rows:
        record: dict[str, Any] = {"id": str(row[0])}
        for field, raw in zip(fields, row[1:], strict=True):
            record[field.api_name] = _value(field, raw, users, names)
        records.append(record)
    return records


def _lookup_names(
    tx: Tx, org_id: str, fields: Sequence[Field], rows: Sequence[Sequence[object]]
) -> dict[str, dict[int, object]]:
    """For each lookup target module, the name of every record the rows point at."""
    wanted: dict[str, set[int]] = {}
    for position, field in enumerate(fields, start=1):
        if field.type is FieldType.LOOKUP and field.lookup_module:
            ids = wanted.setdefault(field.lookup_module, set())
            ids.update(int(str(r[position])) for r in rows if r[position] is not None)
        for target, record_id in _polymorphic_targets(fields, field, position, rows):
            wanted.setdefault(target, set()).add(record_id)
    names: dict[str, dict[int, object]] = {}
    for target, ids in wanted.items():
        module = tx.get_module(org_id, target)
        if module is None or not ids:
            names[target] = {}
            continue
        table = tx.record_table(org_id, module.api_name)
        names[target] = tx.record_names(table, module.name_field, sorted(ids))
    return names


def _polymorphic_targets(
    fields: Sequence[Field], field: Field, position: int, rows: Sequence[Sequence[object]]
) -> list[tuple[str, int]]:
    """(module, id) of each value of a polymorphic lookup: the row's ``$se_module`` when the
    page reads it, else every target (ids are unique across an org's modules)."""
    if not field.lookup_modules:
        return []
    se = next((i for i, f in enumerate(fields, start=1) if f.api_name == SE_MODULE), None)
    pairs: list[tuple[str, int]] = []
    for row in rows:
        if row[position] is None:
            continue
        record_id = int(str(row[position]))
        known = str(row[se]) if se is not None and row[se] is not None else None
        targets = [known] if known in field.lookup_modules else field.lookup_modules
        pairs += [(target, record_id) for target in targets if target is not None]
    return pairs


def _value(
    field: Field, raw: object, users: dict[str, str], names: dict[str, dict[int, object]]
) -> Any:
    if raw is None:
        return None
    kind = field.type
    if kind in INTEGER_TYPES:
        return int(str(raw))
    if kind in NUMBER_TYPES:
        return float(str(raw))
    if kind is FieldType.BOOLEAN:
        return bool(raw)
    if kind is FieldType.MULTISELECT:
        return _choices(raw)
    if kind is FieldType.LOOKUP:
        record_id = int(str(raw))
        targets = field.lookup_modules or (field.lookup_module or "",)
        found = (names[t][record_id] for t in targets if record_id in names.get(t, {}))
        return {"id": str(raw), "name": next(found, None)}
    if kind in USER_TYPES:
        return {"id": str(raw), "name": users.get(str(raw))}
    return str(raw)


def _choices(raw: object) -> list[str]:
    try:
        chosen = json.loads(str(raw))
    except ValueError:
        return [str(raw)]
    return [str(c) for c in chosen] if isinstance(chosen, list) else [str(chosen)]
