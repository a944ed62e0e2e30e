"""Dependencies shared by the routers: services, the caller, the API version.

Every dependency is ``async def``: FastAPI runs a plain ``def`` dependency on a thread of its
pool, and each such hop costs two hand-overs of the GIL, which wait while a worker thread of the
same process converts a chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from bulkwrite.api.envelope import VERSION
from bulkwrite.domain.identity import Principal
from bulkwrite.errors import UrlPatternInvalid
from bulkwrite.services.collaborators import Services
from bulkwrite.services.tokens import authenticate

P = ParamSpec("P")
T = TypeVar("T")


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def store_read(
    services: Services, read: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """A short read of the store, answered without leaving the event loop when it can be.

    With SQLite the read runs inline: it is a local file whose readers never wait for its writer
    (WAL), and it takes a fraction of a millisecond, far less than the two GIL hand-overs of a
    hop to the thread pool while a job runs in this process. PostgreSQL reads go to the pool: a
    network round trip, or a database away, must not stall every other request.
    """
    if services.settings.uses_postgres:
        return await run_in_threadpool(read, *args, **kwargs)
    return read(*args, **kwargs)


async def get_principal(
    request: Request, services: Annotated[Services, Depends(get_services)]
) -> Principal:
    header = request.headers.get("authorization")
    return await store_read(services, authenticate, services, header)


async def api_version(version: str) -> str:
    """The ``{v}`` path segment: v2, v2.1, v3 … v8; anything else is an unknown URL."""
    if not VERSION.match(version):
        raise UrlPatternInvalid()
    return version


ServicesDep = Annotated[Services, Depends(get_services)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
VersionDep = Annotated[str, Depends(api_version)]
