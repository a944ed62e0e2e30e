"""``/docs`` (Swagger UI), served offline: its script and styles come from the
``fastapi-offline`` package's static directory, mounted at ``/docs-assets``, never from a CDN.

FastAPI's own page loads Swagger UI from a CDN (blank on a machine without the internet) and a
favicon from FastAPI's site; this page references only this server's files. Swagger UI's
validator badge (an image from swagger.io) is turned off. "Authorize" takes the
``Authorization`` header of the document's security scheme (``openapi_doc.SECURITY_SCHEME``).

There is no ``/redoc``: ReDoc's bundle always loads its maker's logo from a CDN.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Final

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from bulkwrite.api.query_params import NONE, accept_query

DOCS_URL: Final = "/docs"
ASSETS_URL: Final = "/docs-assets"
#: What Swagger UI is told beside FastAPI's defaults: no validator badge (an outside image),
#: and requests shown with the time they took.
SWAGGER_PARAMETERS: Final = {"validatorUrl": None, "displayRequestDuration": True}


def assets_directory() -> str:
    """The directory of ``fastapi-offline``'s copy of Swagger UI."""
    return str(files("fastapi_offline") / "static")


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and its assets; the app is made with ``docs_url=None`` and
    ``redoc_url=None`` so that FastAPI's CDN pages are not served."""
    app.mount(ASSETS_URL, StaticFiles(directory=assets_directory()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        accept_query(request, NONE)
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_PARAMETERS,
        )
