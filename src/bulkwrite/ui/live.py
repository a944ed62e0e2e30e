"""The pages' live updates: one ``text/event-stream`` for every open job a page shows, read
from the store through the same job details as the API's events stream (beyond-zoho.md §2),
so one connection serves a Jobs page of many running jobs (a browser opens few at once).

The Jobs page's first page also asks for the jobs created after its newest one (``new=1``,
``after``, and its ``status`` and ``module`` filters): each arrives as a ``new`` event with
its table row, and is followed from then on; such a stream stays open until the page goes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping

import anyio
from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from bulkwrite.api.deps import store_read
from bulkwrite.domain.identity import Principal
from bulkwrite.domain.ids import parse_id
from bulkwrite.errors import BulkWriteError, DataInvalid, StoreUnavailable
from bulkwrite.services.collaborators import Services
from bulkwrite.services.job_events import EVENTS_PER_SECOND, HEARTBEAT_SECONDS, DetailStream
from bulkwrite.services.job_list import list_jobs, parse_list_request
from bulkwrite.ui.views import job_row
from bulkwrite.ui.web import VERSION, SessionDep, fragment

router = APIRouter()
#: The most jobs one stream follows (a page of the Jobs table).
MAX_JOBS = 200
#: The most new jobs one look for them brings (a page of the Jobs table).
NEW_PER_LOOK = 50
#: New jobs are looked for once in this many polls of the followed ones (once a second).
LOOK_EVERY = EVENTS_PER_SECOND
_PARAMETERS = frozenset({"job", "new", "after", "status", "module"})


class NewJobs:
    """The jobs of the caller's org created after ``after`` that a list with these filters
    (``status``, ``module``) shows, each once; at most ``NEW_PER_LOOK`` a look (of a burst of
    more, the newest)."""

    def __init__(
        self,
        services: Services,
        principal: Principal,
        filters: Mapping[str, str],
        after: str | None,
        base: str,
    ) -> None:
        self.services, self.principal, self.base = services, principal, base
        self.params = {**filters, "per_page": str(NEW_PER_LOOK)}
        self.where = parse_list_request(services, principal, self.params).where  # checked
        self.after = int(after) if after else 0

    def poll(self) -> list[dict[str, object]]:
        """The details of the jobs new since the last look, oldest first; a look at the
        newest id of the list (one index entry) unless there are some."""
        with self.services.store.transaction(write=False) as tx:
            newest = tx.list_jobs(self.where, 1)
        if not newest or int(newest[0][0].id) <= self.after:
            return []
        listing = list_jobs(self.services, self.principal, self.params, VERSION, self.base)
        fresh = [d for d in listing["jobs"] if int(d["id"]) > self.after]
        self.after = int(newest[0][0].id)
        return list(reversed(fresh))


@router.get("/live")
async def live(request: Request, session: SessionDep) -> EventSourceResponse:
    """``job`` events (a job's row, each time it changes), ``new`` events (a new job's row, on
    a stream with ``new=1``), ``end`` once all have ended (never, with ``new=1``)."""
    query = request.query_params
    ids = list(dict.fromkeys(query.getlist("job")))
    unknown = sorted(set(query) - _PARAMETERS)
    if unknown:
        raise DataInvalid.at(unknown[0], unknown[0], f"{unknown[0]} is not a parameter here.")
    watching = query.get("new") == "1"
    least = 0 if watching else 1
    if not least <= len(ids) <= MAX_JOBS or any(parse_id(i) is None for i in ids):
        raise DataInvalid.at("job", "job", f"job must name {least} to {MAX_JOBS} job ids.")
    services: Services = request.app.state.services
    base = str(request.base_url).rstrip("/")
    streams = [DetailStream(services, session.principal, i, VERSION, base) for i in ids]
    watch = None
    if watching:
        after = query.get("after")
        if after is not None and parse_id(after) is None:
            raise DataInvalid.at("after", "after", "after must be a job id.")
        filters = {k: query[k] for k in ("status", "module") if query.get(k)}
        watch = await store_read(
            services, NewJobs, services, session.principal, filters, after, base
        )
    return EventSourceResponse(_events(services, streams, watch), ping=HEARTBEAT_SECONDS)


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


def _look(watch: NewJobs, streams: list[DetailStream]) -> list[str]:
    """The new jobs' events (their id and table row, as JSON); each one not ended yet is
    followed by a stream of its own from now on."""
    found = []
    for document in watch.poll():
        row = job_row(document)
        found.append(json.dumps({"id": row.id, "html": fragment("_job_row.html", row=row)}))
        if not row.ended:
            streams.append(
                DetailStream(watch.services, watch.principal, row.id, VERSION, watch.base)
            )
    return found


async def _events(
    services: Services, streams: list[DetailStream], watch: NewJobs | None
) -> AsyncIterator[ServerSentEvent]:
    turn = 0
    while streams or watch is not None:
        fresh: list[str] = []
        try:
            if watch is not None and turn % LOOK_EVERY == 0:  # the first turn looks
                fresh = await store_read(services, _look, watch, streams)
            changed, streams = await store_read(services, _poll, streams)
        except StoreUnavailable:
            changed = []  # the database is away: the stream waits for it
        turn += 1
        for data in fresh:
            yield ServerSentEvent(data, event="new")
        for data in changed:
            yield ServerSentEvent(data, event="job")
        await anyio.sleep(1 / EVENTS_PER_SECOND)
    yield ServerSentEvent("{}", event="end")
