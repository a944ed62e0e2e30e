"""A line item's Quantity is a number greater than 0, by the cell converter and the column
converter alike; the standard modules' picklists of the second table accept ``-None-``."""

from __future__ import annotations

import polars as pl

from bulkwrite.domain.standard_inventory import inventory_modules, line_item_module
from bulkwrite.domain.standard_modules import standard_modules
from bulkwrite.importer.columns import Column
from bulkwrite.importer.convert import INVALID, make_converter
from bulkwrite.importer.vector import convert_column

CELLS = ["2", "0.5", "0", "-1", "abc"]


def test_quantity_must_be_greater_than_zero_cell_by_cell() -> None:
    quantity = line_item_module("Quotes").field("Quantity")
    assert quantity is not None and quantity.positive
    convert = make_converter(quantity, None)
    assert [convert(c) for c in CELLS] == [2.0, 0.5, INVALID, INVALID, INVALID]


def test_quantity_must_be_greater_than_zero_column_wise() -> None:
    quantity = line_item_module("Quotes").field("Quantity")
    assert quantity is not None
    column = Column(quantity, 0, "Qty", make_converter(quantity, None), None, None)
    converted = convert_column(pl.Series(CELLS, dtype=pl.String), column)
    assert converted.invalid.to_list() == [False, False, True, True, True]


def test_other_numbers_may_be_zero_or_negative() -> None:
    price = line_item_module("Quotes").field("List_Price")
    assert price is not None and not price.positive
    convert = make_converter(price, None)
    assert [convert(c) for c in ("0", "-1")] == [0.0, -1.0]


def test_every_picklist_of_the_second_table_accepts_none() -> None:
    for module in inventory_modules():
        for field in module.fields:
            if field.picklist and field.api_name != "$se_module":
                assert field.picklist[0] == "-None-", (module.api_name, field.api_name)


def test_module_names_are_unique_and_lookup_targets_exist_before_use() -> None:
    modules = standard_modules()
    names = [m.api_name for m in modules]
    assert len(names) == len(set(names)) == 6 + 9 + 4
    for module in modules:
        for field in module.fields:
            for target in (field.lookup_module, *field.lookup_modules):
                assert target is None or target in names, (module.api_name, field.api_name)


def test_a_child_module_knows_its_parent_field() -> None:
    from bulkwrite.domain.children import child_field

    modules = {m.api_name: m for m in standard_modules()}
    field = child_field(modules["Quotes"], modules["Quoted_Items"])
    assert field is not None and field.api_name == "Quoted_Items"
    assert child_field(modules["Invoices"], modules["Quoted_Items"]) is None
    assert child_field(modules["Quotes"], modules["Leads"]) is None
