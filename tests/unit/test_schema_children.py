"""Subforms, multi-select and multi-user lookups in the schema file: the child modules they
declare, every problem reported at once with its path, and ``schema show`` writing them back."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bulkwrite.domain.children import PARENT_ID
from bulkwrite.domain.modules import FieldType, Module, ModuleKind
from bulkwrite.domain.schema_dump import dump_schema
from bulkwrite.domain.schema_file import parse_schema, read_schema
from bulkwrite.domain.schema_plan import plan_schema
from bulkwrite.errors import DataInvalid
from tests.unit.test_schema_file import org_modules

PROJECTS = """
modules:
  - api_name: Projects
    fields:
      - {api_name: Project_Name, type: text}
      - api_name: Milestones
        type: subform
        fields:
          - {api_name: Title, type: text, mandatory: true}
          - {api_name: Contact, type: lookup, lookup: Contacts}
      - {api_name: Members, type: multiselectlookup, lookup: Contacts}
      - {api_name: Reviewers, type: multiuserlookup}
"""


_ids = iter(range(10**18, 2 * 10**18))


def _apply(text: str, existing: list[Module]) -> list[Module]:
    """The modules after applying ``text`` as the store does (ids given to what is new)."""
    plan = plan_schema(parse_schema(text), existing)
    by_name = {m.api_name: m for m in existing}
    for name, field in plan.new_fields:
        old = by_name[name]
        by_name[name] = replace(old, fields=(*old.fields, replace(field, id=str(next(_ids)))))
    for module in plan.new_modules:
        fields = tuple(replace(f, id=str(next(_ids))) for f in module.fields)
        by_name[module.api_name] = replace(module, id=str(next(_ids)), fields=fields)
    return list(by_name.values())


def test_each_child_field_declares_its_module() -> None:
    (projects,) = parse_schema(PROJECTS)
    children = {c.api_name: c for c in projects.children}
    assert set(children) == {"Milestones", "Projects_X_Contacts", "Reviewers"}
    milestones = children["Milestones"]
    assert (milestones.kind, milestones.parent) == (ModuleKind.SUBFORM, "Projects")
    assert [f.api_name for f in milestones.fields if not f.system] == [
        PARENT_ID,
        "Title",
        "Contact",
    ]
    links = children["Projects_X_Contacts"]
    assert [(f.api_name, f.lookup_module) for f in links.fields if not f.system] == [
        ("Projects", "Projects"),
        ("Contacts", "Contacts"),
    ]
    users = children["Reviewers"]
    assert [(f.api_name, f.type) for f in users.fields if not f.system] == [
        (PARENT_ID, FieldType.LOOKUP),
        ("User", FieldType.USERLOOKUP),
    ]
    members = next(f for f in projects.fields if f.api_name == "Members")
    assert (members.lookup_module, members.child_module) == ("Contacts", "Projects_X_Contacts")


def test_problems_are_reported_at_once_with_their_path() -> None:
    text = """
modules:
  - api_name: Projects
    fields:
      - {api_name: Project_Name, type: text}
      - {api_name: Steps, type: subform}
      - {api_name: Parts, type: subform, fields: [{api_name: Inner, type: subform, fields: []}]}
      - {api_name: Members, type: multiselectlookup}
      - {api_name: Self, type: multiselectlookup, lookup: Projects}
      - {api_name: Reviewers, type: multiuserlookup, unique: true}
      - {api_name: Note, type: text, fields: []}
"""
    _, problems = read_schema(text)
    where = "modules[0] (Projects).fields"
    assert problems == [
        f"{where}[1] (Steps): a subform needs a non-empty list of fields",
        f"{where}[2] (Parts).fields[0]: a subform's field cannot hold rows or links itself",
        f"{where}[3] (Members): a multiselectlookup field needs 'lookup: <module api_name>'",
        f"{where}[4] (Self): a multi-select lookup to its own module is not supported",
        f"{where}[5] (Reviewers): a multiuserlookup field cannot be unique",
        f"{where}[6] (Note): fields does not apply to a text field",
    ]


def test_a_child_module_needs_a_free_name() -> None:
    text = PROJECTS.replace("api_name: Milestones", "api_name: Quoted_Items")
    with pytest.raises(DataInvalid) as caught:
        plan_schema(parse_schema(text), org_modules())
    assert caught.value.details["problems"] == [
        "Projects: Quoted_Items, the module of its subform field, is the name of another module"
    ]


def test_schema_show_writes_them_back_and_applying_that_changes_nothing() -> None:
    modules = _apply(PROJECTS, org_modules())
    shown = dump_schema(modules)
    assert (
        "{api_name: Members, type: multiselectlookup, lookup: Contacts, "
        "linking_module: Projects_X_Contacts}" in shown
    )
    assert "{api_name: Reviewers, type: multiuserlookup}" in shown
    assert (
        "{api_name: Milestones, type: subform, fields: [{api_name: Title, type: text, "
        "mandatory: true}, {api_name: Contact, type: lookup, lookup: Contacts}]}" in shown
    )
    assert "- api_name: Milestones\n" not in shown  # child modules come with their field
    assert plan_schema(parse_schema(shown), modules).empty


def test_an_existing_module_gains_a_subform_and_its_rows_gain_a_field() -> None:
    text = "modules:\n  - api_name: Leads\n    fields:\n"
    text += "      - {api_name: Visits, type: subform, fields: [{api_name: Day, type: date}]}\n"
    plan = plan_schema(parse_schema(text), org_modules())
    assert [f.api_name for _, f in plan.new_fields] == ["Visits"]
    assert [(m.api_name, m.parent) for m in plan.new_modules] == [("Visits", "Leads")]
    modules = _apply(text, org_modules())
    more = text.replace("type: date}]", "type: date}, {api_name: Hour, type: integer}]")
    again = plan_schema(parse_schema(more), modules)
    assert [(m, f.api_name) for m, f in again.new_fields] == [("Visits", "Hour")]
    assert not again.new_modules
    renamed = text.replace("{api_name: Day, type: date}", "{api_name: Day, type: datetime}")
    with pytest.raises(DataInvalid, match=r"Visits\.Day: cannot change the type"):
        plan_schema(parse_schema(renamed), modules)
