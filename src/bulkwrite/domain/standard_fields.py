"""Building blocks of the standard modules: plain fields, the system fields, a module."""

from __future__ import annotations

from bulkwrite.domain.modules import Field, FieldType, Module, ModuleKind

T = FieldType

#: The value every picklist of the second table also accepts (Zoho's empty choice).
NONE_CHOICE = "-None-"


def text_field(
    name: str, *, mandatory: bool = False, unique: bool = False, length: int | None = None
) -> Field:
    """A text field."""
    return Field(name, T.TEXT, mandatory=mandatory, unique=unique, length=length)


def fields_of(kind: FieldType, *names: str) -> list[Field]:
    """Plain fields of one type."""
    return [Field(name, kind) for name in names]


def system_fields() -> list[Field]:
    """Fields every module has; the server sets all but ``Owner``."""
    return [
        Field("Owner", T.OWNERLOOKUP, system=True),
        Field("Created_Time", T.DATETIME, system=True),
        Field("Modified_Time", T.DATETIME, system=True),
        Field("Created_By", T.USERLOOKUP, system=True),
        Field("Modified_By", T.USERLOOKUP, system=True),
    ]


def standard_module(api_name: str, name_field: str, singular: str, fields: list[Field]) -> Module:
    """A module of records of their own, with the system fields after ``fields``."""
    return Module(
        api_name=api_name,
        id="",
        fields=tuple(fields + system_fields()),
        name_field=name_field,
        singular_label=singular,
        plural_label=api_name,
    )


def picklist(name: str, *values: str, mandatory: bool = False) -> Field:
    """A picklist that also accepts ``-None-``."""
    return Field(name, T.PICKLIST, mandatory=mandatory, picklist=(NONE_CHOICE, *values))


def child_module(api_name: str, kind: ModuleKind, parent: str, fields: list[Field]) -> Module:
    """A module holding a field of ``parent``'s rows or links (a subform, the linking module
    of a multi-select lookup, the links of a multi-user lookup); it has the system fields so
    that rows are written as any record is."""
    return Module(
        api_name=api_name,
        id="",
        fields=tuple(fields + system_fields()),
        name_field="id",
        singular_label=api_name,
        plural_label=api_name,
        kind=kind,
        parent=parent,
    )
