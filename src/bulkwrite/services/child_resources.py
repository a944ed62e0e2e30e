"""The child resources of a job of several resources, checked at create (contract section 12):
each one a subform / line-item module, linking module or multi-user lookup of the first
resource's module, linked to it by the one mapping with ``parent_column_index``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bulkwrite.domain.identity import FileMember, StoredFile
from bulkwrite.domain.job import JobSpec, Operation, ResourceSpec
from bulkwrite.domain.modules import CHILD_TYPES, FieldType, Module, ModuleKind
from bulkwrite.errors import ColumnIndexNotFound, DataInvalid
from bulkwrite.importer.headers import unread_columns
from bulkwrite.importer.plan import MappingPlan, PlanRequest, compile_plan
from bulkwrite.services.collaborators import Services
from bulkwrite.services.job_request import JobRequest, ResourceRequest
from bulkwrite.services.resource_input import find_module, read_dialect, read_header


@dataclass(frozen=True, slots=True)
class ChildContext:
    """What the children are checked against: the parent's module, the org's modules, the
    upload and the CSV each resource reads (request order)."""

    parent: Module
    modules: dict[str, Module]
    stored: StoredFile
    csvs: list[FileMember]
    parent_width: int  # the number of columns of the parent's CSV


def with_children(
    services: Services, request: JobRequest, spec: JobSpec, context: ChildContext
) -> JobSpec:
    """``spec`` with its child resources, each checked; raises the contract's 400s."""
    children = tuple(
        _child(services, request, resource, context, csv)
        for resource, csv in zip(request.resources[1:], context.csvs[1:], strict=True)
    )
    return dataclasses.replace(spec, children=children)


def check_parent_module(module: Module, path: str) -> None:
    """A subform, linking module or multi-user lookup is written only as a child resource."""
    if module.kind is not ModuleKind.MODULE:
        raise DataInvalid.at(
            "module",
            f"{path}.module",
            f"{module.api_name} is written only as a child resource of a job on "
            f"{module.parent or 'its parent module'}.",
        )


def child_module(resource: ResourceRequest, parent: Module, modules: dict[str, Module]) -> Module:
    """The module a child resource names: a subform / multi-select / multi-user lookup field
    of the parent (its ``child_module``), or that child module by its own name or id."""
    name = (resource.module_name or "").lower()
    for field in parent.fields:
        if field.type in CHILD_TYPES and field.api_name.lower() == name and field.child_module:
            module = modules.get(field.child_module)
            if module is not None:
                return module
    module = find_module(resource, modules)
    if module.kind is ModuleKind.MODULE or module.parent != parent.api_name:
        raise DataInvalid.at(
            "module",
            f"{resource.path}.module",
            f"{module.api_name} is not a subform, multi-select lookup or multi-user lookup "
            f"of {parent.api_name}.",
        )
    return module


def _child(
    services: Services,
    request: JobRequest,
    resource: ResourceRequest,
    context: ChildContext,
    csv: FileMember,
) -> ResourceSpec:
    module = child_module(resource, context.parent, context.modules)
    path = services.files.local_path(csv.path)
    dialect = read_dialect(request, resource, csv, path)
    header = read_header(path, dialect, resource.path)
    mappings = resource.mappings or ()
    link = next(i for i, m in enumerate(mappings) if m.parent_column_index is not None)
    _check_link(resource, link, module, context.parent, context.parent_width)
    child = ResourceSpec(
        module.api_name,
        csv.name,
        mappings,
        link,
        resource.ignore_empty,
        dialect.encoding,
        dialect.delimiter,
        unread_columns(header, mappings),
        module.id,
    )
    compile_child(
        child, module, context.modules, header, services.settings.max_columns, resource.path
    )
    return child


def compile_child(
    child: ResourceSpec,
    module: Module,
    modules: dict[str, Module],
    header: list[str],
    max_columns: int,
    path: str = "$.resource[1]",
) -> MappingPlan:
    """A child resource's mappings compiled against its CSV: its rows are always inserted;
    the link column is converted as a lookup by id (the runner puts the parent's record id
    in it)."""
    return compile_plan(
        PlanRequest(
            operation=Operation.INSERT,
            module=module,
            header=header,
            mappings=child.mappings,
            find_by=None,
            modules=modules,
            max_columns=max_columns,
            path=path,
        )
    )


def _check_link(
    resource: ResourceRequest, link: int, module: Module, parent: Module, parent_width: int
) -> None:
    """The link mapping names the child's lookup to the parent (``Parent_Id``, or a linking
    module's field named after the parent) and a column of the parent CSV."""
    mapping = (resource.mappings or ())[link]
    at = f"{resource.path}.field_mappings[{link}]"
    field = module.field(mapping.api_name)
    if (
        field is None
        or field.type is not FieldType.LOOKUP
        or field.lookup_module != parent.api_name
    ):
        raise DataInvalid.at(
            "parent_column_index",
            f"{at}.api_name",
            f"parent_column_index goes on {module.api_name}'s lookup to {parent.api_name} "
            f"({_link_name(module, parent)}), not on {mapping.api_name}.",
        )
    if mapping.index is None:
        raise DataInvalid.at(
            "index", f"{at}.index", "The link mapping needs the index of its column."
        )
    index = mapping.parent_column_index
    assert index is not None
    if index >= parent_width:
        raise ColumnIndexNotFound.at(
            "parent_column_index",
            f"{at}.parent_column_index",
            f"Column index {index} is not in the parent's file, which has {parent_width} columns.",
        )


def _link_name(module: Module, parent: Module) -> str:
    names = [
        f.api_name
        for f in module.fields
        if f.type is FieldType.LOOKUP and f.lookup_module == parent.api_name
    ]
    return names[0] if names else "Parent_Id"
