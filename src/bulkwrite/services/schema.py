"""An org's modules and fields: applying a schema file, showing it, and reading its metadata."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bulkwrite.domain.identity import Principal
from bulkwrite.domain.modules import Module
from bulkwrite.domain.schema_dump import dump_schema
from bulkwrite.domain.schema_file import read_schema, schema_error
from bulkwrite.domain.schema_plan import SchemaPlan, plan_schema
from bulkwrite.domain.scopes import may_read_settings
from bulkwrite.domain.standard_modules import standard_modules
from bulkwrite.errors import DataInvalid, ModuleNotAvailable, ResourceNotFound, ScopeMismatch
from bulkwrite.services.collaborators import Services
from bulkwrite.store.base import Tx


@dataclass(frozen=True)
class SchemaChanges:
    """What ``apply_schema`` did, as ``Module`` and ``Module.Field`` names."""

    created_modules: tuple[str, ...] = ()
    added_fields: tuple[str, ...] = ()
    changed_fields: tuple[str, ...] = ()

    @property
    def nothing(self) -> bool:
        return not (self.created_modules or self.added_fields or self.changed_fields)

    def lines(self) -> list[str]:
        if self.nothing:
            return ["no changes"]
        return (
            [f"created module {m}" for m in self.created_modules]
            + [f"added field {f}" for f in self.added_fields]
            + [f"changed field {f}" for f in self.changed_fields]
        )


def apply_schema(services: Services, org_id: str, text: str) -> SchemaChanges:
    """Make the org's modules match a schema file, all in one transaction, or change nothing.

    Idempotent: applying the same file again changes nothing. Raises ``DataInvalid`` (its
    ``details["problems"]`` lists every problem) when the file is invalid or asks for a
    change that is refused.
    """
    declared, problems = read_schema(text)
    with services.store.transaction() as tx:
        try:
            plan = plan_schema(declared, tx.list_modules(org_id))
        except DataInvalid as exc:  # the plan's refusals, listed with the file's problems
            refused = [str(p) for p in exc.details.get("problems", [])] or [exc.message]
            raise schema_error(problems + refused) from None
        if problems:
            raise schema_error(problems)
        _execute(tx, org_id, plan)
    return SchemaChanges(
        tuple(m.api_name for m in plan.new_modules),
        tuple(f"{m}.{f.api_name}" for m, f in plan.new_fields),
        tuple(f"{m}.{f.api_name}" for m, f in plan.changed_fields),
    )


def _execute(tx: Tx, org_id: str, plan: SchemaPlan) -> None:
    for module in plan.new_modules:
        tx.create_module(org_id, module)
    current = {m.api_name: m for m in tx.list_modules(org_id)}
    for name, field in plan.new_fields:
        current[name] = tx.add_field(org_id, current[name], field)
    for name, field in plan.changed_fields:
        old = current[name]
        fields = tuple(field if f.api_name == field.api_name else f for f in old.fields)
        new = replace(old, fields=fields)
        tx.replace_module(org_id, old, new)
        current[name] = new


def show_schema(services: Services, org_id: str, module: str | None = None) -> str:
    """The org's modules (or one) as a schema file."""
    with services.store.transaction(write=False) as tx:
        if module is None:
            modules = tx.list_modules(org_id)
        else:
            found = tx.get_module(org_id, module)
            if found is None:
                raise ResourceNotFound(f"No module {module}.")
            children = [m for m in tx.list_modules(org_id) if m.parent == found.api_name]
            modules = [found, *children]  # its subforms' fields are written with it
    return dump_schema(modules)


# --- metadata (GET /crm/{v}/settings/...) -----------------------------------------------------


def metadata_modules(services: Services, principal: Principal) -> list[Module]:
    if not may_read_settings(principal.scopes):
        raise ScopeMismatch()
    with services.store.transaction(write=False) as tx:
        return tx.list_modules(principal.org.id)


def metadata_module(services: Services, principal: Principal, name: str | None) -> Module:
    """One module of the caller's org by API name (any case)."""
    return metadata_fields(services, principal, name)[0]


def metadata_fields(
    services: Services, principal: Principal, name: str | None
) -> tuple[Module, dict[str, str]]:
    """One module by API name (any case), and every module's id by name (lookup targets)."""
    if not may_read_settings(principal.scopes):
        raise ScopeMismatch()
    if not name:
        raise DataInvalid("The module parameter is required.", {"param_name": "module"})
    with services.store.transaction(write=False) as tx:
        module = tx.get_module(principal.org.id, name)
        ids = {m.api_name: m.id for m in tx.list_modules(principal.org.id)}
    if module is None:
        raise ModuleNotAvailable(f"The module {name} is not available.", {"param_name": "module"})
    return module, ids


def standard_field_names() -> dict[str, frozenset[str]]:
    """The fields each standard module starts with (the others are custom)."""
    return {m.api_name: frozenset(f.api_name for f in m.fields) for m in standard_modules()}
