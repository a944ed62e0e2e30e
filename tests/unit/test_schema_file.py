"""The schema file: parsing, every refusal, the plan against an org, show → apply round trips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bulkwrite.domain.modules import Field, FieldType, Module
from bulkwrite.domain.schema_dump import dump_schema
from bulkwrite.domain.schema_file import parse_schema
from bulkwrite.domain.schema_plan import plan_schema
from bulkwrite.domain.standard_modules import standard_modules
from bulkwrite.errors import DataInvalid

EXAMPLE = Path(__file__).parents[2] / "examples" / "schema.yaml"


def org_modules() -> list[Module]:
    """Standard modules as an org stores them: every module and field has an id."""
    counter = iter(range(10**17, 10**18))
    return [
        replace(
            m,
            id=str(next(counter)),
            fields=tuple(Field(**{**_as_dict(f), "id": str(next(counter))}) for f in m.fields),
        )
        for m in standard_modules()
    ]


def _as_dict(field: Field) -> dict[str, object]:
    return {name: getattr(field, name) for name in Field.__slots__}


def problems(text: str, existing: list[Module] | None = None) -> list[str]:
    with pytest.raises(DataInvalid) as caught:
        plan_schema(parse_schema(text), existing if existing is not None else org_modules())
    found: list[str] = caught.value.details["problems"]
    assert caught.value.code == "INVALID_DATA"
    return found


def one_field(spec: str) -> Field:
    (module,) = parse_schema(f"modules:\n  - api_name: M\n    fields:\n      - {spec}\n")
    (field,) = module.fields
    return field


# --- parsing ---------------------------------------------------------------------------------


def test_every_attribute_is_read() -> None:
    text = EXAMPLE.read_text()
    projects, leads = parse_schema(text)
    assert projects.api_name == "Projects" and projects.name_field == "Project_Name"
    fields = {f.api_name: f for f in projects.fields}
    assert fields["Project_Name"] == Field(
        "Project_Name", FieldType.TEXT, mandatory=True, unique=True, length=120
    )
    assert fields["Code"].label == "Project Code"
    assert fields["Client"].lookup_module == "Accounts"
    assert fields["Tags"].picklist == ("Internal", "Billable", "Urgent", "Yes", "No")
    assert (fields["Hours"].min_value, fields["Hours"].max_value) == (0, 100000)
    assert fields["Notes"].length == 5000
    assert [f.api_name for f in leads.fields] == ["Score", "Project"]
    assert leads.singular_label is None and leads.name_field is None


@pytest.mark.parametrize("kind", [t.value for t in FieldType if t is not FieldType.OWNERLOOKUP])
def test_every_field_type_can_be_declared(kind: str) -> None:
    extra = {"picklist": ", values: [A, B]", "multiselectpicklist": ", values: [A, B]"}
    extra["lookup"] = ", lookup: Accounts"
    extra["multiselectlookup"] = ", lookup: Accounts"
    extra["subform"] = ", fields: [{api_name: Title, type: text}]"
    field = one_field(f"{{api_name: F, type: {kind}{extra.get(kind, '')}}}")
    assert field.type is FieldType(kind)


def test_yes_and_no_stay_text_and_values_are_trimmed() -> None:
    field = one_field("{api_name: F, type: picklist, values: [Yes, No, On, ' Off ', 3]}")
    assert field.picklist == ("Yes", "No", "On", "Off", "3")


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("{type: text}", "api_name is required"),
        ("{api_name: 1abc, type: text}", "must start with a letter"),
        ("{api_name: F}", "type is required"),
        ("{api_name: F, type: strin}", "unknown type 'strin'"),
        ("{api_name: F, type: ownerlookup}", "use userlookup"),
        ("{api_name: Owner, type: text}", "system field"),
        ("{api_name: created_time, type: text}", "system field"),
        ("{api_name: F, type: text, mandatory: yes}", "mandatory must be true or false"),
        ("{api_name: F, type: text, mandatry: true}", "unknown key 'mandatry'"),
        ("{api_name: F, type: text, length: 256}", "from 1 to 255"),
        ("{api_name: F, type: textarea, length: 32001}", "from 1 to 32000"),
        ("{api_name: F, type: integer, length: 5}", "length applies to text fields only"),
        ("{api_name: F, type: picklist}", "needs a non-empty list of values"),
        ("{api_name: F, type: multiselectpicklist, values: []}", "non-empty list of values"),
        ("{api_name: F, type: picklist, values: [A, a]}", "values repeated: A, a"),
        ("{api_name: F, type: picklist, values: [A, [B]]}", "is not a text value"),
        ("{api_name: F, type: text, values: [A]}", "values apply to picklist fields only"),
        ("{api_name: F, type: lookup}", "needs 'lookup: <module api_name>'"),
        ("{api_name: F, type: text, lookup: Accounts}", "lookup applies to lookup fields only"),
        ("{api_name: F, type: decimal, min: 1}", "integer and bigint fields only"),
        ("{api_name: F, type: integer, min: 5, max: 1}", "min is greater than max"),
        ("{api_name: F, type: integer, max: 2147483648}", "from -2147483648 to 2147483647"),
        ("{api_name: F, type: integer, min: 1.5}", "min must be a whole number"),
        ("{api_name: F, type: boolean, unique: true}", "a boolean field cannot be unique"),
        ("{api_name: F, type: lookup, lookup: Accounts, unique: true}", "cannot be unique"),
    ],
)
def test_bad_fields_are_named(spec: str, fragment: str) -> None:
    text = f"modules:\n  - api_name: M\n    fields:\n      - {spec}\n"
    with pytest.raises(DataInvalid) as caught:
        parse_schema(text)
    listed = caught.value.details["problems"]
    assert any(fragment in p for p in listed), listed
    assert all(p.startswith("modules[0]") for p in listed), listed


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("modules: [", "not valid YAML"),
        ("- a\n- b\n", "a mapping with a list under 'modules'"),
        ("modules: {Leads: {}}", "a mapping with a list under 'modules'"),
        ("modules: []\nextra: 1\n", "unknown key 'extra' at the top level"),
        ("modules: [Leads]", "a module must be a mapping"),
        ("modules: [{api_name: A, fields: x}]", "fields must be a list"),
        ("modules: [{api_name: A, colour: red}]", "unknown key 'colour'"),
        ("modules: [{api_name: Users}]", "reserved for another endpoint"),
        ("modules: [{api_name: A}, {api_name: a}]", "declared twice"),
        ("modules: [{api_name: A, plural_label: ''}]", "plural_label must be non-empty text"),
        (
            "modules: [{api_name: A, fields: [{api_name: F, type: text}, "
            "{api_name: f, type: text}]}]",
            "field f is declared twice",
        ),
    ],
)
def test_bad_files_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(DataInvalid) as caught:
        parse_schema(text)
    assert any(fragment in p for p in caught.value.details["problems"])


def test_every_problem_is_listed_at_once() -> None:
    text = (
        "modules:\n  - api_name: M\n    fields:\n"
        "      - {api_name: A, type: nope}\n      - {api_name: B, type: text, length: 0}\n"
    )
    with pytest.raises(DataInvalid) as caught:
        parse_schema(text)
    assert len(caught.value.details["problems"]) == 2
    assert caught.value.message.startswith("The schema file is not valid: 2 problems")


# --- the plan against an org -----------------------------------------------------------------


def test_a_new_module_gets_system_fields_labels_and_a_name_field() -> None:
    plan = plan_schema(
        parse_schema("modules: [{api_name: Gadgets, fields: [{api_name: Serial, type: text}]}]"),
        org_modules(),
    )
    (gadgets,) = plan.new_modules
    assert gadgets.name_field == "Serial"
    assert (gadgets.singular_label, gadgets.plural_label) == ("Gadgets", "Gadgets")
    assert [f.api_name for f in gadgets.fields] == [
        "Serial",
        "Owner",
        "Created_Time",
        "Modified_Time",
        "Created_By",
        "Modified_By",
    ]
    assert not plan.new_fields and not plan.changed_fields


def test_the_example_plans_a_module_and_two_fields() -> None:
    plan = plan_schema(parse_schema(EXAMPLE.read_text()), org_modules())
    assert [m.api_name for m in plan.new_modules] == [
        "Projects",
        "Milestones",
        "Projects_X_Contacts",
        "Reviewers",
    ]
    assert [(m, f.api_name) for m, f in plan.new_fields] == [
        ("Leads", "Score"),
        ("Leads", "Project"),
    ]


def test_showing_an_org_and_applying_it_changes_nothing() -> None:
    modules = org_modules()
    assert plan_schema(parse_schema(dump_schema(modules)), modules).empty


def test_a_changed_label_length_or_values_is_a_changed_field_keeping_its_id() -> None:
    modules = org_modules()
    text = (
        "modules:\n  - api_name: Leads\n    fields:\n"
        "      - {api_name: Rating, type: picklist, values: [Hot, Warm, Cold], label: Heat}\n"
        "      - {api_name: Last_Name, type: text, mandatory: true, length: 80}\n"
    )
    plan = plan_schema(parse_schema(text), modules)
    ((module, rating),) = plan.changed_fields
    old = modules[0].field("Rating")
    assert old is not None
    assert module == "Leads" and rating.id == old.id
    assert (rating.picklist, rating.label) == (("Hot", "Warm", "Cold"), "Heat")


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ("{api_name: Email, type: text}", "cannot change the type from email to text"),
        ("{api_name: Email, type: email}", "cannot change whether the field is unique"),
        ("{api_name: email, type: email, unique: true}", "exists as Email (mind the case)"),
        ("{api_name: Ref, type: lookup, lookup: Nowhere}", "Nowhere, a module that does not exist"),
        ("{api_name: Ref, type: lookup, lookup: accounts}", "(did you mean Accounts?)"),
    ],
)
def test_refused_changes_to_an_existing_module(fields: str, fragment: str) -> None:
    text = f"modules:\n  - api_name: Leads\n    fields:\n      - {fields}\n"
    listed = problems(text)
    assert any(fragment in p for p in listed), listed


def test_changing_a_lookup_target_is_refused() -> None:
    text = "modules:\n  - api_name: Deals\n    fields:\n"
    text += "      - {api_name: Account_Name, type: lookup, lookup: Vendors}\n"
    assert problems(text) == [
        "Deals.Account_Name: cannot change the lookup target from Accounts to Vendors"
    ]


@pytest.mark.parametrize(
    ("module", "fragment"),
    [
        ("{api_name: leads}", "exists as Leads (mind the case)"),
        ("{api_name: Leads, name_field: Email}", "name_field is 'Last_Name'"),
        ("{api_name: Leads, plural_label: Prospects}", "cannot change it to 'Prospects'"),
        ("{api_name: Empty}", "needs a text field to name its records"),
        (
            "{api_name: N, name_field: Size, fields: [{api_name: Size, type: integer}]}",
            "name_field Size is not a text field",
        ),
    ],
)
def test_refused_module_declarations(module: str, fragment: str) -> None:
    listed = problems(f"modules: [{module}]")
    assert any(fragment in p for p in listed), listed


def test_lookups_may_point_at_modules_of_the_same_file_and_at_themselves() -> None:
    text = (
        "modules:\n"
        "  - api_name: Teams\n    fields: [{api_name: Team_Name, type: text}]\n"
        "  - api_name: Players\n    fields:\n"
        "      - {api_name: Player_Name, type: text}\n"
        "      - {api_name: Team, type: lookup, lookup: Teams}\n"
        "      - {api_name: Mentor, type: lookup, lookup: Players}\n"
    )
    plan = plan_schema(parse_schema(text), [])
    assert [m.api_name for m in plan.new_modules] == ["Teams", "Players"]
