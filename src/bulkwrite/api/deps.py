"""Dependencies shared by the routers: services, the caller, the API version."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from bulkwrite.api.envelope import VERSION
from bulkwrite.domain.accounts import Principal
from bulkwrite.errors import UrlPatternInvalid
from bulkwrite.services.context import Services
from bulkwrite.services.tokens import authenticate


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_principal(
    request: Request, services: Annotated[Services, Depends(get_services)]
) -> Principal:
    header = request.headers.get("authorization")
    return await run_in_threadpool(authenticate, services, header)


def api_version(version: str) -> str:
    """The ``{v}`` path segment: v2, v2.1, v3 … v8; anything else is an unknown URL."""
    if not VERSION.match(version):
        raise UrlPatternInvalid()
    return version


ServicesDep = Annotated[Services, Depends(get_services)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
VersionDep = Annotated[str, Depends(api_version)]
