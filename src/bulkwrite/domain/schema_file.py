"""The schema file: modules and fields an org declares in YAML (``bulkwrite schema apply``).

Pure: text in, declared modules out (or every problem found, at once). The format::

    modules:
      - api_name: Projects            # a new module, or one that exists (e.g. Leads)
        singular_label: Project       # optional; new modules default to api_name
        plural_label: Projects        # optional; new modules default to api_name
        name_field: Project_Name      # optional; default: the first text field
        fields:
          - {api_name: Project_Name, type: text, mandatory: true, unique: true, length: 120}
          - {api_name: Tags, type: multiselectpicklist, values: [Red, Green, Blue]}
          - {api_name: Budget, type: integer, min: 0, max: 1000000}
          - {api_name: Client, type: lookup, lookup: Accounts}
          - {api_name: Milestones, type: subform, fields: [{api_name: Title, type: text}]}
          - {api_name: Members, type: multiselectlookup, lookup: Contacts}
          - {api_name: Reviewers, type: multiuserlookup}

Subforms, multi-select and multi-user lookups declare their child module
(``domain.schema_children``).

A field in the file is described completely: an attribute left out takes its default.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import yaml

from bulkwrite.domain.modules import (
    CHILD_TYPES,
    INTEGER_TYPES,
    NUMBER_TYPES,
    SERVER_SET_FIELDS,
    TEXT_TYPES,
    Field,
    FieldType,
    Module,
)
from bulkwrite.domain.schema_children import CHILD_KEYS, child_of, declared_once, subform_child
from bulkwrite.errors import DataInvalid

API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
#: Field names every module has; a schema file cannot declare them.
SYSTEM_NAMES = frozenset({"id", "owner", *(n.lower() for n in SERVER_SET_FIELDS)})
#: Path segments after ``/crm/{v}/`` that are not modules.
RESERVED_MODULES = frozenset({"upload", "users", "org", "settings"})
MAX_LENGTH = {FieldType.TEXTAREA: 32000}
TEXT_MAX_LENGTH = 255
INT_RANGES = {FieldType.INTEGER: (-(2**31), 2**31 - 1), FieldType.BIGINT: (-(2**63), 2**63 - 1)}
UNIQUE_TYPES = TEXT_TYPES | INTEGER_TYPES | NUMBER_TYPES
CHOICE_TYPES = frozenset({FieldType.PICKLIST, FieldType.MULTISELECT})
_MODULE_KEYS = frozenset({"api_name", "singular_label", "plural_label", "name_field", "fields"})
_FIELD_KEYS = frozenset(
    {"api_name", "type", "label", "mandatory", "unique", "length", "values", "lookup", "min", "max"}
    | {"read_only", "fields", "linking_module"}
)
_CHILD_ONLY = frozenset({"fields", "linking_module"})


@dataclass(frozen=True, slots=True)
class DeclaredModule:
    """A module as the file declares it; ``None`` where the file says nothing."""

    api_name: str
    singular_label: str | None
    plural_label: str | None
    name_field: str | None
    fields: tuple[Field, ...]
    #: The child modules its subform, multi-select and multi-user lookup fields declare.
    children: tuple[Module, ...] = ()


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, so picklist values like Yes, No, On stay text."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def schema_error(problems: list[str]) -> DataInvalid:
    summary = problems[0] if len(problems) == 1 else f"{len(problems)} problems: {problems[0]} …"
    return DataInvalid(f"The schema file is not valid: {summary}", {"problems": problems})


def parse_schema(text: str) -> tuple[DeclaredModule, ...]:
    """The modules a schema file declares; raises ``DataInvalid`` listing every problem."""
    modules, problems = read_schema(text)
    if problems:
        raise schema_error(problems)
    return modules


def read_schema(text: str) -> tuple[tuple[DeclaredModule, ...], list[str]]:
    """The modules of a schema file that have no problem, and every problem found."""
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as exc:
        return (), [f"not valid YAML: {exc}"]
    if not isinstance(data, dict) or not isinstance(data.get("modules"), list):
        return (), ["the file must be a mapping with a list under 'modules'"]
    problems = [f"unknown key {key!r} at the top level" for key in data if key != "modules"]
    modules: list[DeclaredModule] = []
    seen: set[str] = set()
    for position, item in enumerate(data["modules"]):
        where = f"modules[{position}]"
        before = len(problems)
        module = _module(item, where, problems)
        if module is None:
            continue
        declared_once(module.api_name, "module", where, seen, problems)
        if len(problems) == before:
            modules.append(module)
    return tuple(modules), problems


def _mapping(
    raw: Any, kind: str, keys: Collection[str], where: str, problems: list[str]
) -> dict[str, Any] | None:
    """``raw`` if it is a mapping (each key not among ``keys`` noted), else None (noted)."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: a {kind} must be a mapping")
        return None
    problems += [f"{where}: unknown key {key!r}" for key in raw if key not in keys]
    return raw


def _module(entry: Any, where: str, problems: list[str]) -> DeclaredModule | None:
    item = _mapping(entry, "module", _MODULE_KEYS, where, problems)
    name = None if item is None else _name(item.get("api_name"), where, problems)
    if item is None or name is None:
        return None
    where = f"{where} ({name})"
    if name.lower() in RESERVED_MODULES:
        problems.append(f"{where}: {name} is reserved for another endpoint")
    raw_fields = item.get("fields", [])
    if not isinstance(raw_fields, list):
        problems.append(f"{where}: fields must be a list")
        raw_fields = []
    fields: list[Field] = []
    children: list[Module] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_fields):
        field = _field(raw, f"{where}.fields[{position}]", problems)
        if field is not None and field.type in CHILD_TYPES:
            field, child = _child(field, raw, name, f"{where}.fields[{position}]", problems)
            if child is None:
                continue
            children.append(child)
        if field is None:
            continue
        declared_once(field.api_name, "field", where, seen, problems)
        fields.append(field)
    return DeclaredModule(
        name,
        _text(item, "singular_label", where, problems),
        _text(item, "plural_label", where, problems),
        _text(item, "name_field", where, problems),
        tuple(fields),
        tuple(children),
    )


def _child(
    field: Field, raw: dict[str, Any], parent: str, where: str, problems: list[str]
) -> tuple[Field, Module | None]:
    where = f"{where} ({field.api_name})"
    allowed = CHILD_KEYS[field.type]
    problems += [
        f"{where}: {key} does not apply to a {field.type.value} field"
        for key in ("mandatory", "unique", "read_only")
        if raw.get(key)
    ]
    if field.type is FieldType.SUBFORM:
        return subform_child(field, raw, parent, where, problems, _field)
    if "lookup" in allowed and not isinstance(raw.get("lookup"), str):
        return field, None  # already reported by _lookups
    return child_of(field, raw, parent, where, problems)


def _field(entry: Any, where: str, problems: list[str]) -> Field | None:
    raw = _mapping(entry, "field", _FIELD_KEYS, where, problems)
    if raw is None:
        return None
    name = _name(raw.get("api_name"), where, problems)
    kind = _type(raw.get("type"), where, problems)
    if name is None or kind is None:
        return None
    where = f"{where} ({name})"
    problems += [
        f"{where}: {key} does not apply to a {kind.value} field"
        for key in _CHILD_ONLY
        if key in raw and key not in CHILD_KEYS.get(kind, ())
    ]
    if name.lower() in SYSTEM_NAMES:
        problems.append(f"{where}: {name} is a system field every module has")
    before = len(problems)
    lookup, polymorphic = _lookups(raw, kind, where, problems)
    field = Field(
        name,
        kind,
        label=_text(raw, "label", where, problems) or "",
        mandatory=_flag(raw, "mandatory", where, problems),
        unique=_flag(raw, "unique", where, problems),
        length=_length(raw, kind, where, problems),
        picklist=_values(raw, kind, where, problems),
        lookup_module=lookup,
        min_value=_bound(raw, "min", kind, where, problems),
        max_value=_bound(raw, "max", kind, where, problems),
        read_only=_flag(raw, "read_only", where, problems),
        lookup_modules=polymorphic,
    )
    if field.unique and kind not in UNIQUE_TYPES:
        problems.append(f"{where}: a {kind.value} field cannot be unique")
    low, high = field.min_value, field.max_value
    if low is not None and high is not None and low > high:
        problems.append(f"{where}: min is greater than max")
    return field if len(problems) == before else None


def _name(value: Any, where: str, problems: list[str]) -> str | None:
    if value is None:
        problems.append(f"{where}: api_name is required")
        return None
    if not isinstance(value, str) or not API_NAME.match(value):
        problems.append(
            f"{where}: api_name {value!r} must start with a letter and hold only letters, "
            "digits and underscores (at most 100)"
        )
        return None
    return value


def _type(value: Any, where: str, problems: list[str]) -> FieldType | None:
    if value is None:
        problems.append(f"{where}: type is required")
        return None
    try:
        kind = FieldType(str(value).lower())
    except ValueError:
        known = ", ".join(t.value for t in FieldType if t is not FieldType.OWNERLOOKUP)
        problems.append(f"{where}: unknown type {value!r}; one of {known}")
        return None
    if kind is FieldType.OWNERLOOKUP:
        problems.append(f"{where}: ownerlookup is the Owner field only; use userlookup")
        return None
    return kind


def _text(data: dict[str, Any], key: str, where: str, problems: list[str]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: {key} must be non-empty text")
        return None
    return value.strip()


def _flag(data: dict[str, Any], key: str, where: str, problems: list[str]) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        problems.append(f"{where}: {key} must be true or false")
        return False
    return value


def _length(data: dict[str, Any], kind: FieldType, where: str, problems: list[str]) -> int | None:
    value = data.get("length")
    if value is None:
        return None
    if kind not in TEXT_TYPES:
        problems.append(f"{where}: length applies to text fields only")
        return None
    limit = MAX_LENGTH.get(kind, TEXT_MAX_LENGTH)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        problems.append(f"{where}: length must be a whole number from 1 to {limit}")
        return None
    return value


def _values(
    data: dict[str, Any], kind: FieldType, where: str, problems: list[str]
) -> tuple[str, ...]:
    value = data.get("values")
    if kind not in CHOICE_TYPES:
        if value is not None:
            problems.append(f"{where}: values apply to picklist fields only")
        return ()
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: a {kind.value} field needs a non-empty list of values")
        return ()
    texts: list[str] = []
    for item in value:
        if isinstance(item, dict | list) or item is None or not str(item).strip():
            problems.append(f"{where}: the value {item!r} is not a text value")
            continue
        texts.append(str(item).strip())
    folded = [t.casefold() for t in texts]
    doubled = sorted({t for t, f in zip(texts, folded, strict=True) if folded.count(f) > 1})
    if doubled:
        problems.append(f"{where}: values repeated: {', '.join(doubled)}")
    return tuple(texts)


def _lookups(
    data: dict[str, Any], kind: FieldType, where: str, problems: list[str]
) -> tuple[str | None, tuple[str, ...]]:
    """A lookup's target, or a polymorphic lookup's targets (``lookup: [A, B]``)."""
    value = data.get("lookup")
    if kind not in (FieldType.LOOKUP, FieldType.MULTISELECTLOOKUP):
        if value is not None:
            problems.append(f"{where}: lookup applies to lookup fields only")
        return None, ()
    if isinstance(value, list) and len(value) > 1 and kind is FieldType.LOOKUP:
        names = tuple(v for v in value if isinstance(v, str) and API_NAME.match(v))
        if len(names) == len(value):
            return None, names
    if not isinstance(value, str) or not API_NAME.match(value):
        hint = " (a list of two or more: a polymorphic lookup)" if kind is FieldType.LOOKUP else ""
        problems.append(f"{where}: a {kind.value} field needs 'lookup: <module api_name>'{hint}")
        return None, ()
    return value, ()


def _bound(
    data: dict[str, Any], key: str, kind: FieldType, where: str, problems: list[str]
) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if kind not in INTEGER_TYPES:
        problems.append(f"{where}: {key} applies to integer and bigint fields only")
        return None
    low, high = INT_RANGES[kind]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{where}: {key} must be a whole number from {low} to {high}")
        return None
    return value
