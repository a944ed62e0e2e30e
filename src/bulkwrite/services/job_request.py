"""The create-job request body, checked key by key (contract section 5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from bulkwrite.domain.ids import parse_id, parse_index
from bulkwrite.domain.job import FieldMapping, Operation
from bulkwrite.errors import (
    CallbackMethodInvalid,
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
class JobRequest:
    operation: Operation
    module_name: str | None
    module_id: str | None
    file_id: str
    find_by: str | None
    mappings: tuple[FieldMapping, ...] | None
    ignore_empty: bool
    character_encoding: str | None
    callback_url: str | None
    callback_method: str | None


def parse_job_request(body: Any) -> JobRequest:
    """Raise the first problem found, naming its key and JSON path."""
    if not isinstance(body, dict):
        raise DataInvalid.at("body", "$", "The request body must be a JSON object.")
    operation = _operation(body)
    callback_url, callback_method = _callback(body)
    encoding = _encoding(body)
    resource = _resource(body)
    module_name, module_id = _module(resource)
    file_id = _file_id(resource)
    find_by = _optional_text(resource, "find_by", f"{RES}.find_by")
    if find_by is None and operation is not Operation.INSERT:
        raise MandatoryNotFound.at(
            "find_by", f"{RES}.find_by", f"find_by is required for {operation.value}."
        )
    ignore_empty = _flag(
        resource,
        "ignore_empty",
        f"{RES}.ignore_empty",
        _flag(body, "ignore_empty", "$.ignore_empty", False),
    )
    return JobRequest(
        operation,
        module_name,
        module_id,
        file_id,
        find_by,
        _mappings(resource),
        ignore_empty,
        encoding,
        callback_url,
        callback_method,
    )


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


def _resource(body: dict[str, Any]) -> dict[str, Any]:
    resources = body.get("resource")
    if resources is None:
        raise MandatoryNotFound.at("resource", "$.resource", "resource is required.")
    if not isinstance(resources, list) or not resources:
        raise DataInvalid.at("resource", "$.resource", "resource must be a non-empty array.")
    if len(resources) > 1:
        raise DataInvalid.at("resource", "$.resource[1]", "A job writes one resource.")
    resource = resources[0]
    if not isinstance(resource, dict):
        raise DataInvalid.at("resource", RES, "Each resource must be an object.")
    kind = resource.get("type")
    if kind is None or kind == "":
        raise MandatoryNotFound.at("type", f"{RES}.type", "type is required.")
    if kind != "data":
        raise DataInvalid.at("type", f"{RES}.type", "type must be 'data'.")
    return resource


def _module(resource: dict[str, Any]) -> tuple[str | None, str | None]:
    module = resource.get("module")
    path = f"{RES}.module"
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


def _file_id(resource: dict[str, Any]) -> str:
    value = resource.get("file_id")
    if value is None or value == "":
        raise MandatoryNotFound.at("file_id", f"{RES}.file_id", "file_id is required.")
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


def _mappings(resource: dict[str, Any]) -> tuple[FieldMapping, ...] | None:
    raw = resource.get("field_mappings")
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise DataInvalid.at(
            "field_mappings", f"{RES}.field_mappings", "field_mappings must be an array."
        )
    return tuple(_mapping(item, f"{RES}.field_mappings[{i}]") for i, item in enumerate(raw))


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
    return FieldMapping(
        api_name,
        index,
        mapping_format(item, f"{path}.format"),
        _optional_text(item, "find_by", f"{path}.find_by"),
        module_name if isinstance(module_name, str) else None,
        default,
    )


def column_index(value: object, path: str) -> int:
    """A mapping's ``index``: a whole number of ASCII digits (a JSON number or string), 0 or
    more."""
    index = parse_index(value)
    if index is None:
        raise DataInvalid.at("index", path, "index must be a whole number.")
    if index < 0:
        raise ColumnIndexNotFound.at("index", path, f"Column index {index} is negative.")
    return index


def mapping_format(item: dict[str, Any], path: str) -> str | None:
    """A mapping's ``format``: a string of at most ``MAX_FORMAT`` characters."""
    value = _optional_text(item, "format", path)
    if value is not None and len(value) > MAX_FORMAT:
        raise FormatInvalid.at(
            "format", path, f"A format pattern has at most {MAX_FORMAT} characters."
        )
    return value
