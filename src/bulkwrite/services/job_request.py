"""The create-job request body, checked key by key (contract section 5)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from bulkwrite.domain.ids import parse_id, parse_index
from bulkwrite.domain.job import FieldMapping, Operation
from bulkwrite.errors import (
    CallbackMethodInvalid,
    CoexistenceNotAllowed,
    ColumnIndexNotFound,
    DataInvalid,
    FormatInvalid,
    MandatoryNotFound,
)
from bulkwrite.files.encodings import text_encoding

RES = "$.resource[0]"
#: The longest ``format`` pattern of a mapping (Java date patterns of a few dozen characters).
MAX_FORMAT = 100


@dataclass(frozen=True, slots=True)
class ResourceRequest:
    """One entry of ``resource[]``, checked key by key; ``path`` is its JSON path."""

    path: str
    module_name: str | None
    module_id: str | None
    file_id: str
    find_by: str | None
    mappings: tuple[FieldMapping, ...] | None
    ignore_empty: bool
    #: The CSV of the zip it reads (``file_names``: exactly one name), if named.
    file_name: str | None


@dataclass(frozen=True, slots=True)
class JobRequest:
    operation: Operation
    resources: tuple[ResourceRequest, ...]  # the parent first, then its children
    character_encoding: str | None
    callback_url: str | None
    callback_method: str | None
    dry_run: bool = False  # beyond-zoho.md §4

    @property
    def parent(self) -> ResourceRequest:
        return self.resources[0]


def parse_job_request(body: Any) -> JobRequest:
    """Raise the first problem found, naming its key and JSON path."""
    if not isinstance(body, dict):
        raise DataInvalid.at("body", "$", "The request body must be a JSON object.")
    operation = _operation(body)
    callback_url, callback_method = _callback(body)
    encoding = _encoding(body)
    ignore_empty = _flag(body, "ignore_empty", "$.ignore_empty", False)
    resources = tuple(
        _resource_request(resource, i, operation, ignore_empty)
        for i, resource in enumerate(_resources(body))
    )
    for resource in resources[1:]:
        if resource.file_id != resources[0].file_id:
            raise DataInvalid.at(
                "file_id",
                f"{resource.path}.file_id",
                "Every resource of a job reads the same upload (one file_id).",
            )
    request = JobRequest(operation, resources, encoding, callback_url, callback_method)
    return dataclasses.replace(request, dry_run=_dry_run(body))


def _dry_run(body: dict[str, Any]) -> bool:
    """``dry_run`` at the top of the body: true or false, nothing else (null neither)."""
    value = body.get("dry_run", False)
    if not isinstance(value, bool):
        raise DataInvalid.at("dry_run", "$.dry_run", "dry_run must be true or false.")
    return value


def _resource_request(
    resource: dict[str, Any], position: int, operation: Operation, ignore_empty: bool
) -> ResourceRequest:
    path = f"$.resource[{position}]"
    module_name, module_id = _module(resource, path)
    file_id = _file_id(resource, path)
    find_by = _optional_text(resource, "find_by", f"{path}.find_by")
    if position == 0 and find_by is None and operation is not Operation.INSERT:
        raise MandatoryNotFound.at(
            "find_by", f"{path}.find_by", f"find_by is required for {operation.value}."
        )
    if position > 0 and find_by is not None:
        raise DataInvalid.at(
            "find_by",
            f"{path}.find_by",
            "A child resource's rows are always added to their parent; find_by applies to "
            "the first resource.",
        )
    return ResourceRequest(
        path,
        module_name,
        module_id,
        file_id,
        find_by,
        _mappings(resource, path, child=position > 0),
        _flag(resource, "ignore_empty", f"{path}.ignore_empty", ignore_empty),
        _file_names(resource, path),
    )


def _file_names(resource: dict[str, Any], path: str) -> str | None:
    """``file_names``: a list of exactly one CSV name, or absent."""
    value = resource.get("file_names")
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 1
        or not isinstance(value[0], str)
        or not value[0].strip()
    ):
        raise DataInvalid.at(
            "file_names",
            f"{path}.file_names",
            'file_names must be a list of one CSV name of the zip, like ["Quotes.csv"].',
        )
    return str(value[0])


def _operation(body: dict[str, Any]) -> Operation:
    if "operation" not in body or body["operation"] in (None, ""):
        raise MandatoryNotFound.at("operation", "$.operation", "operation is required.")
    value = body["operation"]
    try:
        return Operation(value)
    except ValueError:
        raise DataInvalid.at(
            "operation", "$.operation", "operation must be insert, update or upsert."
        ) from None


def _callback(body: dict[str, Any]) -> tuple[str | None, str | None]:
    callback = body.get("callback")
    if callback is None:
        return None, None
    if not isinstance(callback, dict):
        raise DataInvalid.at("callback", "$.callback", "callback must be an object.")
    url = callback.get("url")
    if url is None or url == "":
        raise MandatoryNotFound.at("url", "$.callback.url", "callback.url is required.")
    parsed = urlparse(url) if isinstance(url, str) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise DataInvalid.at("url", "$.callback.url", "callback.url must be an http(s) URL.")
    method = callback.get("method", "post")
    if not isinstance(method, str) or method.lower() != "post":
        raise CallbackMethodInvalid(
            "The callback method is not supported.", {"supported_callback_methods": ["post"]}
        )
    return url, "post"


def _encoding(body: dict[str, Any]) -> str | None:
    value = body.get("character_encoding")
    if value is None or value == "":
        return None
    return character_encoding(value, "$.character_encoding")


def character_encoding(value: object, path: str) -> str:
    """A ``character_encoding`` value: one of the text encodings a CSV may be read in."""
    try:
        text_encoding(value)
    except LookupError:
        shown = value[:40] if isinstance(value, str) else value
        raise DataInvalid.at(
            "character_encoding", path, f"Unknown character encoding {shown!r}."
        ) from None
    return str(value)


def _resources(body: dict[str, Any]) -> list[dict[str, Any]]:
    resources = body.get("resource")
    if resources is None:
        raise MandatoryNotFound.at("resource", "$.resource", "resource is required.")
    if not isinstance(resources, list) or not resources:
        raise DataInvalid.at("resource", "$.resource", "resource must be a non-empty array.")
    for position, resource in enumerate(resources):
        path = f"$.resource[{position}]"
        if not isinstance(resource, dict):
            raise DataInvalid.at("resource", path, "Each resource must be an object.")
        kind = resource.get("type")
        if kind is None or kind == "":
            raise MandatoryNotFound.at("type", f"{path}.type", "type is required.")
        if kind != "data":
            raise DataInvalid.at("type", f"{path}.type", "type must be 'data'.")
    return resources


def _module(resource: dict[str, Any], at: str) -> tuple[str | None, str | None]:
    module = resource.get("module")
    path = f"{at}.module"
    if module is None or module == "" or module == {}:
        raise MandatoryNotFound.at("module", path, "module is required.")
    if isinstance(module, str):
        return module, None
    if not isinstance(module, dict):
        raise DataInvalid.at("module", path, "module must be an object or a name.")
    name, module_id = module.get("api_name"), module.get("id")
    if name is None and module_id is None:
        raise MandatoryNotFound.at("api_name", f"{path}.api_name", "module.api_name is required.")
    if name is not None and not isinstance(name, str):
        raise DataInvalid.at("api_name", f"{path}.api_name", "module.api_name must be a string.")
    return name, None if module_id is None else module_id_of(module_id, f"{path}.id")


def module_id_of(value: object, path: str) -> str:
    """A ``module.id`` value: an id (digits, as a string or a number)."""
    module_id = parse_id(value)
    if module_id is None:
        raise DataInvalid.at("id", path, "module.id must be a module's id (digits).")
    return module_id


def _file_id(resource: dict[str, Any], path: str) -> str:
    value = resource.get("file_id")
    if value is None or value == "":
        raise MandatoryNotFound.at("file_id", f"{path}.file_id", "file_id is required.")
    return str(value)


def _optional_text(data: dict[str, Any], key: str, path: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise DataInvalid.at(key, path, f"{key} must be a string.")
    return value


def _flag(data: dict[str, Any], key: str, path: str, default: bool) -> bool:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise DataInvalid.at(key, path, f"{key} must be true or false.")
    return value


def _mappings(resource: dict[str, Any], at: str, *, child: bool) -> tuple[FieldMapping, ...] | None:
    raw = resource.get("field_mappings")
    path = f"{at}.field_mappings"
    if raw is None:
        if child:
            raise MandatoryNotFound.at(
                "field_mappings",
                path,
                "A child resource needs field_mappings, one of them with parent_column_index.",
            )
        return None
    if not isinstance(raw, list):
        raise DataInvalid.at("field_mappings", path, "field_mappings must be an array.")
    mappings = tuple(_mapping(item, f"{path}[{i}]") for i, item in enumerate(raw))
    _check_parent_links(mappings, path, child=child)
    return mappings


def _check_parent_links(mappings: tuple[FieldMapping, ...], path: str, *, child: bool) -> None:
    """``parent_column_index``: exactly once on a child resource, never on the first one,
    never beside ``find_by``."""
    links = [i for i, m in enumerate(mappings) if m.parent_column_index is not None]
    for i in links:
        key = f"{path}[{i}].parent_column_index"
        if not child:
            raise DataInvalid.at(
                "parent_column_index",
                key,
                "parent_column_index applies to a child resource, not to the first resource.",
            )
        if mappings[i].find_by is not None:
            raise CoexistenceNotAllowed.at(
                "parent_column_index", key, "parent_column_index and find_by exclude each other."
            )
    if child and not links:
        raise MandatoryNotFound.at(
            "parent_column_index",
            path,
            "A child resource needs one mapping with parent_column_index (its link to the parent).",
        )
    if len(links) > 1:
        raise DataInvalid.at(
            "parent_column_index",
            f"{path}[{links[1]}].parent_column_index",
            "parent_column_index is given once per child resource.",
        )


def _mapping(item: Any, path: str) -> FieldMapping:
    if not isinstance(item, dict):
        raise DataInvalid.at("field_mappings", path, "Each field mapping must be an object.")
    api_name = item.get("api_name")
    if api_name is None or api_name == "":
        raise MandatoryNotFound.at("api_name", f"{path}.api_name", "api_name is required.")
    if not isinstance(api_name, str):
        raise DataInvalid.at("api_name", f"{path}.api_name", "api_name must be a string.")
    raw_index = item.get("index")
    index = None if raw_index is None else column_index(raw_index, f"{path}.index")
    default = item.get("default_value")
    if default is not None and (not isinstance(default, dict) or "value" not in default):
        raise DataInvalid.at(
            "default_value",
            f"{path}.default_value",
            'default_value must be an object like {"value": ...}.',
        )
    module = item.get("module")
    module_name = module.get("api_name") if isinstance(module, dict) else module
    raw_parent = item.get("parent_column_index")
    parent = None
    if raw_parent is not None:
        parent = column_index(raw_parent, f"{path}.parent_column_index", "parent_column_index")
    return FieldMapping(
        api_name,
        index,
        mapping_format(item, f"{path}.format"),
        _optional_text(item, "find_by", f"{path}.find_by"),
        module_name if isinstance(module_name, str) else None,
        default,
        parent,
    )


def column_index(value: object, path: str, key: str = "index") -> int:
    """A mapping's ``index`` (or ``parent_column_index``): a whole number of ASCII digits (a
    JSON number or string), 0 or more."""
    index = parse_index(value)
    if index is None:
        raise DataInvalid.at(key, path, f"{key} must be a whole number.")
    if index < 0:
        raise ColumnIndexNotFound.at(key, path, f"Column index {index} is negative.")
    return index


def mapping_format(item: dict[str, Any], path: str) -> str | None:
    """A mapping's ``format``: a string of at most ``MAX_FORMAT`` characters."""
    value = _optional_text(item, "format", path)
    if value is not None and len(value) > MAX_FORMAT:
        raise FormatInvalid.at(
            "format", path, f"A format pattern has at most {MAX_FORMAT} characters."
        )
    return value
