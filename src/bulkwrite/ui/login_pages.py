"""Sign in with an access token, sign out."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from bulkwrite.ui.sessions import sign_out, try_sign_in
from bulkwrite.ui.web import (
    SessionDep,
    checked_form,
    clear_session_cookie,
    page,
    see_other,
    services_of,
    set_session_cookie,
    set_strict_cookie,
)

router = APIRouter()
#: Longest access token taken from the form (a real one is 70 characters).
MAX_TOKEN = 500
#: The sign-in form's own CSRF cookie (no session exists yet to hold its token).
LOGIN_COOKIE = "bulkwrite_login"
LOGIN_CSRF_LENGTH = len(secrets.token_urlsafe(32))
UNKNOWN = "That access token signs no one in: it is unknown, revoked or expired."


def _next(raw: str | None) -> str:
    """Where to go after signing in: a dashboard page of this server, else the Jobs page."""
    if raw and raw.startswith("/ui/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/ui/jobs"


def _login_page(
    request: Request, target: str, status: int = 200, failed: str | None = None
) -> Response:
    """The sign-in form with a fresh login CSRF token, in its field and in a cookie of its
    own (another site can post the form, but can neither read nor set that cookie); a
    browser that has one keeps it, so two sign-in tabs both work."""
    kept = request.cookies.get(LOGIN_COOKIE, "")
    csrf = kept if len(kept) == LOGIN_CSRF_LENGTH else secrets.token_urlsafe(32)
    shown = page(
        request, "login.html", None, status, title="Sign in", next=target, csrf=csrf, failed=failed
    )
    set_strict_cookie(shown, request, LOGIN_COOKIE, csrf, "/ui/login")
    return shown


@router.get("/login")
async def login_form(request: Request) -> Response:
    return _login_page(request, _next(request.query_params.get("next")))


@router.post("/login")
async def login(request: Request) -> Response:
    fields = await request.form(max_files=0, max_fields=10)
    token, wanted, sent = fields.get("token"), fields.get("next"), fields.get("csrf")
    target = _next(wanted if isinstance(wanted, str) else None)
    kept = request.cookies.get(LOGIN_COOKIE, "")
    if not kept or not isinstance(sent, str) or not hmac.compare_digest(sent, kept):
        return _login_page(request, target, 403, "The sign-in form had expired; sign in again.")
    session = None
    if isinstance(token, str) and len(token) <= MAX_TOKEN:
        session = await run_in_threadpool(try_sign_in, services_of(request), token)
    if session is None:
        return _login_page(request, target, 401, UNKNOWN)
    response = see_other(target)
    set_session_cookie(response, request, session.session_id)
    response.delete_cookie(LOGIN_COOKIE, path="/ui/login")
    return response


@router.post("/logout")
async def logout(request: Request, session: SessionDep) -> Response:
    await checked_form(request, session)
    await run_in_threadpool(sign_out, services_of(request), session.session_id)
    response = see_other("/ui/login")
    clear_session_cookie(response, request)
    return response
