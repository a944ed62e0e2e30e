"""The pages' live updates: one ``text/event-stream`` for every open job a page shows, read
from the store through the same job details as the API's events stream (beyond-zoho.md §2),
so one connection serves a Jobs page of many running jobs (a browser opens few at once)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import anyio
from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from bulkwrite.api.deps import store_read
from bulkwrite.domain.ids import parse_id
from bulkwrite.errors import BulkWriteError, DataInvalid, StoreUnavailable
from bulkwrite.services.collaborators import Services
from bulkwrite.services.job_events import EVENTS_PER_SECOND, HEARTBEAT_SECONDS, DetailStream
from bulkwrite.ui.views import job_row
from bulkwrite.ui.web import VERSION, SessionDep

router = APIRouter()
#: The most jobs one stream follows (a page of the Jobs table).
MAX_JOBS = 200


@router.get("/live")
async def live(request: Request, session: SessionDep) -> EventSourceResponse:
    """``job`` events (a job's row, each time it changes), ``end`` once all have ended."""
    ids = list(dict.fromkeys(request.query_params.getlist("job")))
    unknown = sorted(set(request.query_params) - {"job"})
    if unknown:
        raise DataInvalid.at(unknown[0], unknown[0], f"{unknown[0]} is not a parameter here.")
    if not ids or len(ids) > MAX_JOBS or any(parse_id(i) is None for i in ids):
        raise DataInvalid.at("job", "job", f"job must name 1 to {MAX_JOBS} job ids.")
    services: Services = request.app.state.services
    base = str(request.base_url).rstrip("/")
    streams = [DetailStream(services, session.principal, i, VERSION, base) for i in ids]
    return EventSourceResponse(_events(services, streams), ping=HEARTBEAT_SECONDS)


def _poll(streams: list[DetailStream]) -> tuple[list[str], list[DetailStream]]:
    """The rows that changed (as JSON), and the streams still open after them."""
    changed, still = [], []
    for stream in streams:
        try:
            document = stream.poll()
        except StoreUnavailable:
            raise
        except BulkWriteError:
            continue  # gone, or no longer readable: followed no more
        if document is not None:
            row = job_row(document)
            changed.append(json.dumps(row.live()))
            if row.ended:
                continue
        still.append(stream)
    return changed, still


async def _events(
    services: Services, streams: list[DetailStream]
) -> AsyncIterator[ServerSentEvent]:
    while streams:
        try:
            changed, streams = await store_read(services, _poll, streams)
        except StoreUnavailable:
            changed = []  # the database is away: the stream waits for it
        for data in changed:
            yield ServerSentEvent(data, event="job")
        if streams:
            await anyio.sleep(1 / EVENTS_PER_SECOND)
    yield ServerSentEvent("{}", event="end")
