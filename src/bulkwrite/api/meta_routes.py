"""What the SDKs ask at start-up (current user, org) and a health check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bulkwrite.api.deps import PrincipalDep, ServicesDep, VersionDep
from bulkwrite.api.envelope import ZohoJSON
from bulkwrite.api.openapi_doc import USERS_EXTRA
from bulkwrite.api.query_params import NONE, USERS_UNSUPPORTED, accept_query
from bulkwrite.domain.identity import Principal, User
from bulkwrite.domain.scopes import may_read_org, may_read_users
from bulkwrite.domain.user_types import ALL_USERS, CURRENT_USER, user_filter
from bulkwrite.errors import ScopeMismatch
from bulkwrite.services.collaborators import Services

router = APIRouter()


@router.get("/health")
async def health(request: Request) -> ZohoJSON:
    accept_query(request, NONE)
    return ZohoJSON({"status": "ok"})


@router.get("/crm/{version}/users", openapi_extra=USERS_EXTRA)
async def users(
    version: VersionDep, request: Request, services: ServicesDep, principal: PrincipalDep
) -> ZohoJSON:
    if not may_read_users(principal.scopes):
        raise ScopeMismatch()
    accept_query(request, frozenset({"type"}), USERS_UNSUPPORTED)
    kind = request.query_params.get("type", ALL_USERS)
    if kind == CURRENT_USER:
        listed = [principal.user]
    else:
        keep = user_filter(kind)
        listed = [u for u in await run_in_threadpool(_org_users, services, principal) if keep(u)]
    body = {
        "users": [_user(u, principal) for u in listed],
        "info": {"per_page": 200, "count": len(listed), "page": 1, "more_records": False},
    }
    return ZohoJSON(body)


def _org_users(services: Services, principal: Principal) -> list[User]:
    with services.store.transaction(write=False) as tx:
        return tx.list_users(principal.org.id)


def _user(user: User, principal: Principal) -> dict[str, Any]:
    first, _, last = user.full_name.partition(" ")
    return {
        "id": user.id,
        "full_name": user.full_name,
        "first_name": first,
        "last_name": last or first,
        "email": user.email,
        "status": user.status,
        "confirm": True,
        "zuid": user.id,
        "profile": {"id": user.profile.id, "name": user.profile.name},
        "role": {"id": user.profile.id, "name": "CEO" if user.profile.is_admin else "Member"},
        "time_zone": "UTC",
        "locale": "en_US",
        "country_locale": "en_US",
        "created_time": principal.org.created_time.isoformat(),
    }


@router.get("/crm/{version}/org")
async def org(version: VersionDep, request: Request, principal: PrincipalDep) -> ZohoJSON:
    accept_query(request, NONE)
    if not may_read_org(principal.scopes):
        raise ScopeMismatch()
    found = principal.org
    return ZohoJSON(
        {
            "org": [
                {
                    "id": found.id,
                    "zgid": found.zgid,
                    "company_name": found.name,
                    "domain_name": "org" + found.zgid,
                    "primary_email": principal.user.email,
                    "time_zone": "UTC",
                    "iso_code": "USD",
                    "currency_symbol": "$",
                    "currency": "USD",
                    "country_code": "US",
                    "type": "production",
                }
            ]
        }
    )
