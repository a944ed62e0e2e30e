"""Modules and fields of an org's record store."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    """A field's data type; values are Zoho's ``data_type`` strings."""

    TEXT = "text"
    TEXTAREA = "textarea"
    PHONE = "phone"
    WEBSITE = "website"
    EMAIL = "email"
    INTEGER = "integer"
    BIGINT = "bigint"
    DECIMAL = "decimal"
    CURRENCY = "currency"
    DOUBLE = "double"
    PERCENT = "percent"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    PICKLIST = "picklist"
    MULTISELECT = "multiselectpicklist"
    LOOKUP = "lookup"
    OWNERLOOKUP = "ownerlookup"
    USERLOOKUP = "userlookup"


TEXT_TYPES = frozenset(
    {FieldType.TEXT, FieldType.TEXTAREA, FieldType.PHONE, FieldType.WEBSITE, FieldType.EMAIL}
)
INTEGER_TYPES = frozenset({FieldType.INTEGER, FieldType.BIGINT})
NUMBER_TYPES = frozenset(
    {FieldType.DECIMAL, FieldType.CURRENCY, FieldType.DOUBLE, FieldType.PERCENT}
)
REFERENCE_TYPES = frozenset({FieldType.LOOKUP, FieldType.OWNERLOOKUP, FieldType.USERLOOKUP})

DEFAULT_LENGTH = {
    FieldType.TEXT: 255,
    FieldType.TEXTAREA: 32000,
    FieldType.PHONE: 30,
    FieldType.WEBSITE: 255,
    FieldType.EMAIL: 100,
}

#: Fields the server sets itself; a mapping may not name them.
SERVER_SET_FIELDS = frozenset({"Created_Time", "Modified_Time", "Created_By", "Modified_By"})


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a module."""

    api_name: str
    type: FieldType
    id: str = ""
    label: str = ""
    mandatory: bool = False
    unique: bool = False
    length: int | None = None
    picklist: tuple[str, ...] = ()
    lookup_module: str | None = None
    min_value: int | None = None
    max_value: int | None = None
    system: bool = False

    @property
    def max_length(self) -> int | None:
        return self.length if self.length is not None else DEFAULT_LENGTH.get(self.type)

    @property
    def display_label(self) -> str:
        return self.label or self.api_name.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Module:
    """One module (a table of records) of an org."""

    api_name: str
    id: str
    fields: tuple[Field, ...]
    name_field: str
    singular_label: str = ""
    plural_label: str = ""
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.api_name: f for f in self.fields})

    def field(self, api_name: str) -> Field | None:
        return self.by_name.get(api_name)

    @property
    def mandatory_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.mandatory)

    @property
    def unique_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.unique)


#: The audit datetimes every record table has, set to the writing transaction's clock when a
#: record is created (both) or changed (Modified_Time).
STAMPED = ("Created_Time", "Modified_Time")
