"""The OpenAPI document (``/openapi.json``, ``/docs``): what each endpoint takes and answers.

The routes read their bodies and query strings themselves (for the contract's own errors and
for speed), so FastAPI cannot see them; the schemas here describe them. They document what the
endpoints accept and change none of it: a request outside them still gets the contract's
answer (most often a 400 in the error envelope). Every error answer is the envelope, so
FastAPI's 422 ("Validation Error"), which the service never sends, is replaced by it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from bulkwrite.api.deps import get_principal
from bulkwrite.domain.user_types import CURRENT_USER, USER_TYPES

VERSIONS: Final = ["v2", "v2.1", "v3", "v4", "v5", "v6", "v7", "v8"]
ID: Final = {"type": "string", "pattern": "^[1-9][0-9]{17,18}$", "examples": ["111111000000100129"]}
API_NAME: Final = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]{0,99}$"}

ERROR: Final = {
    "type": "object",
    "required": ["code", "details", "message", "status"],
    "properties": {
        "code": {"type": "string", "examples": ["INVALID_DATA"]},
        "details": {"type": "object", "examples": [{"api_name": "find_by", "json_path": "$.x"}]},
        "message": {"type": "string"},
        "status": {"type": "string", "enum": ["error"]},
    },
}
_MODULE_REF: Final = {
    "oneOf": [
        {**API_NAME, "description": "v2: the module's API name"},
        {
            "type": "object",
            "properties": {"api_name": API_NAME, "id": ID},
            "description": "v2.1 and later: api_name and/or id (one module)",
        },
    ]
}
FIELD_MAPPING: Final = {
    "type": "object",
    "required": ["api_name"],
    "properties": {
        "api_name": {"type": "string", "examples": ["Last_Name"]},
        "index": {"type": "integer", "minimum": 0, "description": "0-based CSV column"},
        "format": {"type": "string", "maxLength": 100, "examples": ["yyyy-MM-dd"]},
        "find_by": {"type": "string", "description": "lookups only: the target's key field"},
        "module": {"oneOf": [API_NAME, {"type": "object", "properties": {"api_name": API_NAME}}]},
        "default_value": {
            "type": "object",
            "required": ["value"],
            "properties": {"value": {"description": "a string, or the field's JSON type"}},
        },
        "parent_column_index": {
            "type": "integer",
            "minimum": 0,
            "description": "a child resource's link: the parent CSV's column its values are of",
        },
    },
}
RESOURCE: Final = {
    "type": "object",
    "required": ["type", "module", "file_id"],
    "properties": {
        "type": {"type": "string", "enum": ["data"]},
        "module": _MODULE_REF,
        "file_id": ID,
        "find_by": {"type": "string", "description": "update/upsert: id or a unique field"},
        "ignore_empty": {"type": "boolean"},
        "file_names": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {"type": "string", "minLength": 1},
            "description": "the CSV of the uploaded zip this resource reads",
        },
        "field_mappings": {"type": "array", "maxItems": 200, "items": FIELD_MAPPING},
    },
}
CREATE_JOB: Final = {
    "type": "object",
    "required": ["operation", "resource"],
    "properties": {
        "operation": {"type": "string", "enum": ["insert", "update", "upsert"]},
        "character_encoding": {"type": "string", "maxLength": 40, "examples": ["UTF-8"]},
        "ignore_empty": {"type": "boolean"},
        "dry_run": {
            "type": "boolean",
            "description": "run every check and make the result file, write no record",
        },
        "callback": {
            "type": "object",
            "required": ["url"],
            "properties": {
                "url": {"type": "string", "format": "uri", "maxLength": 2048},
                "method": {"type": "string", "enum": ["post"]},
            },
        },
        "resource": {
            "type": "array",
            "minItems": 1,
            "items": RESOURCE,
            "description": "the parent resource first, then its child resources",
        },
    },
}
UPLOAD: Final = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": (
                "a CSV (or TSV, delimited text, .xlsx, .ods), gzipped or not, or a zip of one"
                " CSV, or of several CSVs for a job of several resources"
            ),
        }
    },
}
#: The name of the security scheme in ``components.securitySchemes``.
SECURITY_NAME: Final = "ZohoOAuthToken"
SECURITY_SCHEME: Final = {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": (
        "The access token, as Zoho's clients send it: the header's value is"
        " `Zoho-oauthtoken <token>` (for example `Zoho-oauthtoken 1000.abc…`), with the"
        " `Zoho-oauthtoken ` prefix typed in too. `bulkwrite token create` makes a token."
    ),
}


def query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return parameter("query", name, schema, description)


def header(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return parameter("header", name, schema, description)


def parameter(where: str, name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    found = {"name": name, "in": where, "required": False, "schema": schema}
    return {**found, "description": description} if description else found


#: ``openapi_extra`` of each route that reads its own input.
#: The Idempotency-Key header of upload and create (docs/idempotency.md).
IDEMPOTENCY_KEY: Final = header(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    "a repeat within 24 h answers as the first request did and makes nothing",
)
UPLOAD_EXTRA: Final = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": UPLOAD}}},
    "parameters": [
        header("feature", {"type": "string", "enum": ["bulk-write"]}, "bulk-write, if given"),
        header("X-CRM-ORG", {"type": "string"}, "the org's zgid, if given"),
        IDEMPOTENCY_KEY,
    ],
}
CREATE_EXTRA: Final = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": CREATE_JOB}}},
    "parameters": [IDEMPOTENCY_KEY],
}
RECORDS_EXTRA: Final = {
    "parameters": [
        query("fields", {"type": "string"}, "comma-separated API names"),
        query("page", {"type": "integer", "minimum": 1}),
        query("per_page", {"type": "integer", "minimum": 1, "maximum": 200}),
        query("sort_by", {"type": "string"}),
        query("sort_order", {"type": "string", "enum": ["asc", "desc"]}),
        query("page_token", {"type": "string"}, "info.next_page_token of the page before (v3+)"),
    ]
}
RECORD_EXTRA: Final = {"parameters": [query("fields", {"type": "string"})]}
USERS_EXTRA: Final = {
    "parameters": [query("type", {"type": "string", "enum": [*USER_TYPES, CURRENT_USER]})]
}
FIELDS_EXTRA: Final = {"parameters": [query("module", API_NAME, "the module's API name")]}
_PATH_SCHEMAS: Final = {
    "version": {"type": "string", "enum": VERSIONS},
    "job_id": ID,
    "record_id": ID,
    "zgid": ID,
    "module": API_NAME,
}


def install_openapi(app: FastAPI) -> None:
    """Serve the document built by ``openapi_document`` (once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with the path parameters' formats, the error envelope, and the
    security scheme on every operation that authenticates its caller."""
    document = get_openapi(title=app.title, version=app.version, routes=app.routes)
    document.setdefault("components", {})["securitySchemes"] = {SECURITY_NAME: SECURITY_SCHEME}
    for path, method in authenticated_operations(app):
        document["paths"][path][method]["security"] = [{SECURITY_NAME: []}]
    components = document["components"].setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    components["Error"] = ERROR
    for operations in document["paths"].values():
        for operation in operations.values():
            for param in operation.get("parameters", ()):
                if param["in"] == "path" and param["name"] in _PATH_SCHEMAS:
                    param["schema"] = _PATH_SCHEMAS[param["name"]]
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses["4XX"] = {
                "description": "An error, in the contract's envelope",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
    return document


def authenticated_operations(app: FastAPI) -> list[tuple[str, str]]:
    """(path, method) of each documented operation whose route depends on ``get_principal``."""
    return [
        (route.path_format, method.lower())
        for route in _api_routes(app.routes)
        if route.include_in_schema and _authenticates(route.dependant)
        for method in route.methods or ()
    ]


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """The API routes of ``routes``, those of included routers too: FastAPI keeps a copy of each
    in the app's routes up to 0.12x, and the router itself (``original_router``) from 0.13x on.
    The routers are included without a prefix, so each route's path is the document's."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        router = getattr(route, "original_router", None)
        if isinstance(router, APIRouter):
            yield from _api_routes(router.routes)


def _authenticates(dependant: Dependant) -> bool:
    return dependant.call is get_principal or any(
        _authenticates(sub) for sub in dependant.dependencies
    )
