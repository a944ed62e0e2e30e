"""Sign in with an access token, sign out."""

from __future__ import annotations

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
)

router = APIRouter()
#: Longest access token taken from the form (a real one is 70 characters).
MAX_TOKEN = 500


def _next(raw: str | None) -> str:
    """Where to go after signing in: a dashboard page of this server, else the Jobs page."""
    if raw and raw.startswith("/ui/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/ui/jobs"


@router.get("/login")
async def login_form(request: Request) -> Response:
    return page(
        request, "login.html", None, title="Sign in", next=_next(request.query_params.get("next"))
    )


@router.post("/login")
async def login(request: Request) -> Response:
    fields = await request.form(max_files=0, max_fields=10)
    token, wanted = fields.get("token"), fields.get("next")
    target = _next(wanted if isinstance(wanted, str) else None)
    services = services_of(request)
    session = None
    if isinstance(token, str) and len(token) <= MAX_TOKEN:
        session = await run_in_threadpool(try_sign_in, services, token)
    if session is None:
        return page(
            request,
            "login.html",
            None,
            401,
            title="Sign in",
            next=target,
            failed="That access token signs no one in: it is unknown, revoked or expired.",
        )
    response = see_other(target)
    set_session_cookie(response, request, session.session_id)
    return response


@router.post("/logout")
async def logout(request: Request, session: SessionDep) -> Response:
    await checked_form(request, session)
    await run_in_threadpool(sign_out, services_of(request), session.session_id)
    response = see_other("/ui/login")
    clear_session_cookie(response, request)
    return response
