"""The dashboard as an application of its own, mounted at ``/ui`` of the API's app (same
process, same port, same services), so its errors are pages and the API's stay envelopes."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from bulkwrite.errors import BulkWriteError
from bulkwrite.services.collaborators import Services
from bulkwrite.ui import import_pages, jobs_pages, live, login_pages, modules_page
from bulkwrite.ui.web import (
    SignInNeeded,
    domain_error,
    http_error,
    see_other,
    sign_in_needed,
    unexpected,
)


def create_ui(services: Services) -> FastAPI:
    ui = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False)
    ui.state.services = services
    ui.add_exception_handler(SignInNeeded, sign_in_needed)
    ui.add_exception_handler(BulkWriteError, domain_error)
    ui.add_exception_handler(HTTPException, http_error)
    ui.add_exception_handler(RequestValidationError, http_error)
    ui.add_exception_handler(Exception, unexpected)
    static = StaticFiles(directory=str(files("bulkwrite.ui") / "static"))
    ui.mount("/static", static, name="static")
    for module in (login_pages, jobs_pages, live, import_pages, modules_page):
        ui.include_router(module.router)

    @ui.get("/")
    async def home(request: Request) -> Response:
        return see_other("/ui/jobs")

    return ui


def install_ui(app: FastAPI, services: Services) -> None:
    """``/ui`` (the dashboard) and ``/`` (sent to it) on the API's app."""
    app.mount("/ui", create_ui(services))

    @app.get("/", include_in_schema=False)
    @app.get("/ui", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/jobs", status_code=303)
