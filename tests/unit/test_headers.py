"""Header matching: API names, labels, loose spellings, and the columns that map to nothing."""

from __future__ import annotations

import pytest

from bulkwrite.domain.job import FieldMapping
from bulkwrite.domain.modules import Field, FieldType, Module
from bulkwrite.domain.standard_modules import standard_modules
from bulkwrite.importer.headers import match_headers, squash, unread_columns
from bulkwrite.importer.plan import auto_mappings

MODULES = {m.api_name: m for m in standard_modules()}
LEADS = MODULES["Leads"]
VISITS = Module(
    "Visits",
    "1",
    (
        Field("Visit_Name", FieldType.TEXT, mandatory=True),
        Field("Ref_Code", FieldType.TEXT, label="Reference #"),
        Field("Account", FieldType.LOOKUP, lookup_module="Accounts"),
        Field("Owner", FieldType.OWNERLOOKUP, system=True),
        Field("Created_Time", FieldType.DATETIME, system=True),
    ),
    "Visit_Name",
)


def fields_of(module: Module, header: list[str]) -> list[str | None]:
    return [c.api_name for c in match_headers(module, header, MODULES).columns]


@pytest.mark.parametrize(
    ("text", "squashed"),
    [("E-mail", "email"), ("Last Name", "lastname"), ("last_name", "lastname"),
     ("No. of Employees", "noofemployees"), (" Zip-Code ", "zipcode"), ("Ünïcode", "ünïcode")],
)  # fmt: skip
def test_squash_drops_case_spaces_underscores_and_punctuation(text: str, squashed: str) -> None:
    assert squash(text) == squashed


def test_api_names_labels_and_loose_spellings_map_the_rest_is_named() -> None:
    header = ["Last Name", "Company", "E-mail", "first_name", "Phone_Number", "Favourite Colour"]
    match = match_headers(LEADS, header)
    assert [c.api_name for c in match.columns] == [
        "Last_Name", "Company", "Email", "First_Name", None, None,
    ]  # fmt: skip
    assert [c.header for c in match.unmapped] == ["Phone_Number", "Favourite Colour"]
    assert match.unmapped[0].suggestion == "Phone"
    assert match.unmapped[1].suggestion is None
    assert match.mappings() == (
        FieldMapping("Last_Name", index=0),
        FieldMapping("Company", index=1),
        FieldMapping("Email", index=2),
        FieldMapping("First_Name", index=3),
    )


def test_a_label_that_differs_from_the_api_name_maps() -> None:
    match = match_headers(VISITS, ["visit name", "Reference #", "REFERENCE"])
    assert [c.api_name for c in match.columns] == ["Visit_Name", "Ref_Code", None]
    assert [c.matched_by for c in match.columns[:2]] == ["api_name", "label"]
    assert match.columns[2].reason == "Ref_Code is already read from 'Reference #'"


def test_an_exact_api_name_wins_over_a_loose_spelling_of_the_same_field() -> None:
    match = match_headers(LEADS, ["E-mail", "Email", "Last_Name", "last name"])
    assert [c.api_name for c in match.columns] == [None, "Email", "Last_Name", None]
    assert match.columns[0].reason == "Email is already read from 'Email'"
    assert match.columns[3].reason == "Last_Name is already read from 'Last_Name'"


def test_lookup_headers_name_the_target_field_loosely_when_modules_are_given() -> None:
    contacts = MODULES["Contacts"]
    header = ["Last_Name", "Account Name.account name", "Owner.email"]
    match = match_headers(contacts, header, MODULES)
    assert [(c.api_name, c.find_by) for c in match.columns] == [
        ("Last_Name", None), ("Account_Name", "Account_Name"), ("Owner", "email"),
    ]  # fmt: skip
    assert match_headers(contacts, ["Account_Name.id"]).columns[0].find_by == "id"
    # Without the org's modules the target's field is kept as written.
    assert match_headers(contacts, ["Account_Name.account name"]).columns[0].find_by == (
        "account name"
    )


def test_a_dot_in_a_header_that_is_no_lookup_leaves_it_unmapped() -> None:
    assert fields_of(LEADS, ["Company.Name", "No. of Employees"]) == [None, "No_of_Employees"]


def test_id_server_set_fields_and_blank_headers() -> None:
    match = match_headers(VISITS, ["ID", "Created Time", "", "  "])
    assert [c.api_name for c in match.columns] == ["id", None, None, None]
    assert match.columns[1].reason == "Created_Time is set by the server"
    assert [c.header for c in match.unmapped] == ["Created Time"]  # blank headers: unnamed


def test_auto_mappings_is_the_header_match() -> None:
    header = ["Last Name", "Company", "E-mail", "junk"]
    assert auto_mappings(LEADS, header) == match_headers(LEADS, header).mappings()


def test_unread_columns_are_those_no_mapping_reads() -> None:
    mappings = (FieldMapping("Last_Name", index=2), FieldMapping("Lead_Source", default_value={}))
    assert unread_columns(["a", "", "b", " c "], mappings) == ("a", "c")
