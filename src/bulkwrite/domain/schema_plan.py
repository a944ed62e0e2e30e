"""What applying a schema file changes in an org: new modules, new fields, changed fields.

Pure: the declared modules and the org's modules in, a plan (or every refusal) out. Applying is
additive: nothing absent from the file is removed or changed. A field's type, lookup target and
uniqueness never change; its label, mandatory flag, length, values and bounds may.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from bulkwrite.domain.modules import TEXT_TYPES, Field, Module
from bulkwrite.domain.schema_file import DeclaredModule, schema_error
from bulkwrite.domain.standard_modules import system_fields


@dataclass(frozen=True, slots=True)
class SchemaPlan:
    new_modules: tuple[Module, ...] = ()
    new_fields: tuple[tuple[str, Field], ...] = ()  # (module api_name, field)
    changed_fields: tuple[tuple[str, Field], ...] = ()  # the new definition, id kept

    @property
    def empty(self) -> bool:
        return not (self.new_modules or self.new_fields or self.changed_fields)


@dataclass
class _Planner:
    existing: dict[str, Module]  # by lower-case api_name
    targets: set[str]  # every module name a lookup may point at (exact spelling)
    problems: list[str]
    new_modules: list[Module]
    new_fields: list[tuple[str, Field]]
    changed: list[tuple[str, Field]]
    declared: set[str]  # child modules the file declares (exact spelling)


def plan_schema(declared: Iterable[DeclaredModule], existing: Iterable[Module]) -> SchemaPlan:
    """The changes that make the org match the file; raises ``DataInvalid`` listing refusals."""
    declared = tuple(declared)
    by_lower = {m.api_name.lower(): m for m in existing}
    targets = {m.api_name for m in by_lower.values()} | {d.api_name for d in declared}
    planner = _Planner(by_lower, targets, [], [], [], [], set())
    for module in declared:
        current = by_lower.get(module.api_name.lower())
        if current is None:
            _plan_new_module(planner, module)
        else:
            _plan_existing_module(planner, module, current)
    if planner.problems:
        raise schema_error(planner.problems)
    return SchemaPlan(tuple(planner.new_modules), tuple(planner.new_fields), tuple(planner.changed))


def _plan_new_module(planner: _Planner, module: DeclaredModule) -> None:
    for field in module.fields:
        _check_lookup(planner, module.api_name, field)
    texts = [f.api_name for f in module.fields if f.type in TEXT_TYPES]
    name_field = module.name_field or (texts[0] if texts else None)
    if name_field is None:
        planner.problems.append(
            f"{module.api_name}: a new module needs a text field to name its records"
        )
        return
    if name_field not in texts:
        planner.problems.append(
            f"{module.api_name}: name_field {name_field} is not a text field of the module"
        )
        return
    planner.new_modules.append(
        Module(
            module.api_name,
            "",
            (*module.fields, *system_fields()),
            name_field,
            module.singular_label or module.api_name,
            module.plural_label or module.api_name,
        )
    )
    for child in module.children:
        _plan_new_child(planner, child)


def _plan_new_child(planner: _Planner, child: Module) -> None:
    """A child module declared by a new subform, multi-select or multi-user lookup field."""
    if child.api_name.lower() in planner.existing or child.api_name in planner.declared:
        planner.problems.append(
            f"{child.parent}: {child.api_name}, the module of its "
            f"{child.kind.value} field, is the name of another module"
        )
        return
    planner.declared.add(child.api_name)
    for field in child.fields:
        _check_lookup(planner, child.api_name, field)
    planner.new_modules.append(child)


def _plan_existing_child(planner: _Planner, child: Module) -> None:
    """The declared fields of a child module that exists: new ones added, others compared."""
    current = planner.existing.get(child.api_name.lower())
    if current is None or current.parent is None:
        _plan_new_child(planner, child)
        return
    fields = tuple(f for f in child.fields if not f.system)
    _plan_existing_module(
        planner, DeclaredModule(child.api_name, None, None, None, fields), current
    )


def _plan_existing_module(planner: _Planner, module: DeclaredModule, current: Module) -> None:
    name = current.api_name
    if module.api_name != name:
        planner.problems.append(f"{module.api_name}: the module exists as {name} (mind the case)")
        return
    for key, wanted, actual in (
        ("name_field", module.name_field, current.name_field),
        ("singular_label", module.singular_label, current.singular_label),
        ("plural_label", module.plural_label, current.plural_label),
    ):
        if wanted is not None and wanted != actual:
            planner.problems.append(
                f"{name}: {key} is {actual!r}; a schema file cannot change it to {wanted!r}"
            )
    fields = {f.api_name.lower(): f for f in current.fields}
    children = {c.api_name: c for c in module.children}
    for field in module.fields:
        found = fields.get(field.api_name.lower())
        if found is None:
            _check_lookup(planner, name, field)
            planner.new_fields.append((name, field))
            if field.child_module in children:
                _plan_new_child(planner, children[field.child_module])
        else:
            _plan_existing_field(planner, name, field, found)
            if field.child_module in children and found.child_module == field.child_module:
                _plan_existing_child(planner, children[field.child_module])


def _plan_existing_field(planner: _Planner, module: str, field: Field, current: Field) -> None:
    where = f"{module}.{field.api_name}"
    problems = planner.problems
    if current.system:
        problems.append(f"{where}: {current.api_name} is a system field")
    elif current.api_name != field.api_name:
        problems.append(f"{where}: the field exists as {current.api_name} (mind the case)")
    elif current.type is not field.type:
        problems.append(
            f"{where}: cannot change the type from {current.type.value} to {field.type.value}"
        )
    elif current.lookup_module != field.lookup_module:
        problems.append(
            f"{where}: cannot change the lookup target from {current.lookup_module} "
            f"to {field.lookup_module}"
        )
    elif current.unique != field.unique:
        problems.append(f"{where}: cannot change whether the field is unique")
    elif (current.child_module, current.lookup_modules) != (
        field.child_module,
        field.lookup_modules or current.lookup_modules,
    ):
        problems.append(f"{where}: cannot change the module holding its rows or its targets")
    else:
        # what a schema file does not state is kept (a line item's Quantity > 0)
        wanted = replace(field, id=current.id, positive=current.positive)
        if wanted != current:
            planner.changed.append((module, wanted))


def _check_lookup(planner: _Planner, module: str, field: Field) -> None:
    for target in (field.lookup_module, *field.lookup_modules):
        _check_target(planner, module, field, target)


def _check_target(planner: _Planner, module: str, field: Field, target: str | None) -> None:
    if target is None or target in planner.targets:
        return
    spelled = [t for t in planner.targets if t.lower() == target.lower()]
    hint = f" (did you mean {spelled[0]}?)" if spelled else ""
    planner.problems.append(
        f"{module}.{field.api_name}: lookup to {target}, a module that does not exist{hint}"
    )
