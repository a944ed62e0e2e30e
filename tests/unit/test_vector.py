"""The vectorised column converters agree with the per-cell reference converters, cell for cell."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkwrite.domain.modules import Field, FieldType
from bulkwrite.importer.columns import Column
from bulkwrite.importer.convert import INVALID, make_converter
from bulkwrite.importer.vector import convert_column, store_value

T = FieldType
FIELDS = [
    Field("Name", T.TEXT, length=5),
    Field("Notes", T.TEXTAREA),
    Field("Mail", T.EMAIL),
    Field("Count", T.INTEGER, min_value=-5, max_value=1000),
    Field("Big", T.BIGINT),
    Field("Money", T.CURRENCY),
    Field("Share", T.PERCENT),
    Field("Flag", T.BOOLEAN),
    Field("Pick", T.PICKLIST, picklist=("Cold Call", "Web", "web ")),
    Field("Free", T.PICKLIST),
    Field("Ref", T.LOOKUP, lookup_module="Accounts"),
    Field("When", T.DATE),
]

PIECES = st.sampled_from(
    [
        *" +-.,@%0123456789eExA",
        "true",
        "Yes",
        "web",
        "cold call",
        "a@b.co",
        "\t",
        "\u00a0",
        "\u3000",
        "\x1c",
        "é",
        "İ",
        "ß",
        "9" * 20,
        "1/2/2026",
        "12/31/1999",
        "50%",
    ]
)
CELLS = st.lists(st.lists(PIECES, max_size=4).map("".join), min_size=1, max_size=40)


def reference(field: Field, cells: list[str]) -> tuple[list[object], list[bool], list[bool]]:
    convert = make_converter(field)
    values: list[object] = []
    empty: list[bool] = []
    invalid: list[bool] = []
    for cell in cells:
        blank = not cell or cell.isspace()
        value = None if blank else convert(cell)
        bad = value is INVALID
        values.append(None if bad or blank else store_value(value))
        empty.append(blank)
        invalid.append(bad)
    return values, empty, invalid


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.type.value + "-" + f.api_name)
@settings(max_examples=60, deadline=None)
@given(cells=CELLS)
def test_vectorised_equals_reference(field: Field, cells: list[str]) -> None:
    column = Column(field, 0, field.api_name, make_converter(field), None, None)
    got = convert_column(pl.Series(cells, dtype=pl.String), column)
    values, empty, invalid = reference(field, cells)
    assert got.empty.to_list() == empty
    assert got.invalid.to_list() == invalid
    assert got.values.to_list() == values


def test_non_ascii_cells_take_the_reference_path() -> None:
    field = Field("Pick", T.PICKLIST, picklist=("Straße",))
    column = Column(field, 0, "Pick", make_converter(field), None, None)
    got = convert_column(pl.Series(["STRASSE", "straße", " Straße "]), column)
    assert got.values.to_list() == ["Straße", "Straße", "Straße"]
