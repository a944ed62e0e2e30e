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
    #: A field whose value is rows of their own (a subform, or the line items of Quotes,
    #: Sales_Orders, Purchase_Orders, Invoices), kept in its ``child_module``.
    SUBFORM = "subform"
    #: Links to several records of ``lookup_module``, kept as records of its linking module
    #: (``child_module``), which has a lookup to each side.
    MULTISELECTLOOKUP = "multiselectlookup"
    #: Links to several users of the org, kept in its ``child_module``.
    MULTIUSERLOOKUP = "multiuserlookup"


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

#: Fields whose values live in a child module, written by a child resource of a job (contract
#: section 12), never by a column of the parent's CSV.
CHILD_TYPES = frozenset({FieldType.SUBFORM, FieldType.MULTISELECTLOOKUP, FieldType.MULTIUSERLOOKUP})


class ModuleKind(StrEnum):
    """What a module's records are."""

    #: Records of their own (a standard or custom module): a job's first resource writes them.
    MODULE = "module"
    #: The rows of a subform or line-item field of ``parent``; each row's ``Parent_Id`` is its
    #: parent record. Written only as a child resource of a job on the parent.
    SUBFORM = "subform"
    #: The linking module of a multi-select lookup field of ``parent``: one record per link,
    #: with a lookup to each side, named after the two modules.
    LINKING = "linking"
    #: The links of a multi-user lookup field of ``parent``: one row per (parent record, user).
    MULTIUSER = "multiuser"


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
    #: Computed by the server (a line item's Total, a parent's Grand_Total): never mapped.
    read_only: bool = False
    #: A polymorphic lookup's target modules (Tasks' ``What_Id``); ``lookup_module`` is None.
    lookup_modules: tuple[str, ...] = ()
    #: A ``CHILD_TYPES`` field: the module that holds its rows or links.
    child_module: str | None = None
    #: A number that must be greater than 0 (a line item's Quantity).
    positive: bool = False

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
    kind: ModuleKind = ModuleKind.MODULE
    #: A child module's parent: the module whose subform, multi-select or multi-user lookup
    #: field it holds (None for ``ModuleKind.MODULE``).
    parent: str | None = None
    #: The id of its one layout, ``Standard`` (contract section 12).
    layout_id: str = ""
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
