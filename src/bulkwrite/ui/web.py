"""What every dashboard page shares: the templates, the signed-in caller, the CSRF check, the
security headers, and the error page (a domain error is shown as a page, never a 5xx)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from bulkwrite.api.deps import store_read
from bulkwrite.errors import BulkWriteError
from bulkwrite.services.collaborators import Services
from bulkwrite.ui.sessions import Session, find_session

log = logging.getLogger(__name__)
#: The session cookie's name; it holds the random session id, nothing else.
COOKIE = "bulkwrite_session"
#: The API version whose documents the pages read.
VERSION = "v8"
#: Sent with every page: scripts, styles and images from this server only; never framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_templates = Environment(
    loader=PackageLoader("bulkwrite.ui", "templates"),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # package data: it changes only with the package
)


class SignInNeeded(Exception):
    """The page needs a signed-in caller; the browser is sent to the sign-in form."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class CsrfRefused(BulkWriteError):
    """The form was not sent from this dashboard (its CSRF token is missing or wrong)."""

    code = "CSRF_TOKEN_INVALID"
    http_status = 403


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def current_session(request: Request) -> Session:
    services = services_of(request)
    session = await store_read(services, find_session, services, request.cookies.get(COOKIE))
    if session is None:
        raise SignInNeeded(request.url.path)
    return session


SessionDep = Annotated[Session, Depends(current_session)]


@dataclass(frozen=True)
class Form:
    """A posted form whose CSRF token matched the session's."""

    fields: FormData

    def text(self, name: str) -> str:
        value = self.fields.get(name)
        return value.strip() if isinstance(value, str) else ""


async def checked_form(request: Request, session: Session) -> Form:
    """The request's form, refused (403) unless it carries the session's CSRF token."""
    fields = await request.form(max_files=1, max_fields=1000)
    sent = fields.get("csrf")
    if not session.csrf_matches(sent if isinstance(sent, str) else None):
        raise CsrfRefused()
    return Form(fields)


def page(
    request: Request,
    template: str,
    session: Session | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    html = _templates.get_template(template).render(
        session=session, path=request.url.path, **context
    )
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def fragment(template: str, **context: Any) -> str:
    """A piece of a page (a template of its own, such as a Jobs table row), as HTML text."""
    return _templates.get_template(template).render(**context)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def set_strict_cookie(
    response: Response, request: Request, name: str, value: str, path: str
) -> None:
    """A cookie no script reads, sent only on this site's own requests below ``path`` (and
    only over https when the dashboard is served over https)."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=path,
    )


def set_session_cookie(response: Response, request: Request, session_id: str) -> None:
    set_strict_cookie(response, request, COOKIE, session_id, "/ui")


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/ui"
    )


async def sign_in_needed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInNeeded)
    if request.method != "GET":
        return page(request, "error.html", None, 401, title="Signed out", error=_signed_out())
    return see_other(f"/ui/login?next={quote(exc.path, safe='/')}")


def _signed_out() -> dict[str, Any]:
    return {"code": "AUTHENTICATION_FAILURE", "message": "Sign in again.", "details": {}}


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BulkWriteError)
    status = exc.http_status if exc.http_status < 500 else 503
    if exc.http_status >= 500:
        log.error("dashboard %s failed: %s", request.url.path, exc.message)
    error = {"code": exc.code, "message": exc.message, "details": exc.details or {}}
    session = await _maybe_session(request)
    return page(request, "error.html", session, status, title="Not done", error=error)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no such page, a method a page does not take, a form it could
    not parse) as pages."""
    status = exc.status_code if isinstance(exc, HTTPException) else 400
    session = await _maybe_session(request)
    if status == 404:
        error = {"code": "NOT_FOUND", "message": "There is no such page.", "details": {}}
        return page(request, "error.html", session, 404, title="Not found", error=error)
    detail = exc.detail if isinstance(exc, HTTPException) else "The request is not valid."
    error = {"code": "INVALID_REQUEST", "message": str(detail), "details": {}}
    return page(request, "error.html", session, status, title="Not done", error=error)


async def unexpected(request: Request, exc: Exception) -> Response:
    log.exception("dashboard %s failed", request.url.path)
    error = {"code": "INTERNAL_ERROR", "message": "Something went wrong; see the server log."}
    return page(request, "error.html", None, 503, title="Not done", error={**error, "details": {}})


async def _maybe_session(request: Request) -> Session | None:
    try:
        return await current_session(request)
    except (SignInNeeded, BulkWriteError):
        return None
