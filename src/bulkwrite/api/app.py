"""Build the FastAPI application; nothing is built at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bulkwrite.api import (
    bulk_routes,
    control_routes,
    meta_routes,
    record_routes,
    repair_routes,
    settings_routes,
)
from bulkwrite.api.docs_pages import install_docs
from bulkwrite.api.envelope import install_error_handlers
from bulkwrite.api.openapi_doc import install_openapi
from bulkwrite.bootstrap import build_services, make_worker
from bulkwrite.services.collaborators import Services
from bulkwrite.services.uploads import sweep_stale_temp_files
from bulkwrite.settings import Settings
from bulkwrite.ui.app import install_ui

log = logging.getLogger(__name__)


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    services = services or build_services(settings)
    worker = make_worker(services) if settings.worker else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sweep_stale_temp_files(services)
        if worker is not None:
            worker.start()
        yield
        if worker is not None:
            worker.stop()
        services.store.close()

    app = FastAPI(
        title="bulkwrite",
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url=None,  # /docs is served offline by install_docs
        redoc_url=None,  # ReDoc always loads a logo from a CDN
        openapi_url="/openapi.json",
    )
    app.state.services = services
    app.state.worker = worker
    install_error_handlers(app)
    install_openapi(app)
    install_docs(app)
    app.include_router(meta_routes.router)
    app.include_router(bulk_routes.router)
    app.include_router(settings_routes.router)
    app.include_router(repair_routes.router)  # beyond-zoho.md §5
    app.include_router(control_routes.router)  # beyond-zoho.md sections 1-3
    app.include_router(record_routes.router)  # last: its paths would shadow the others
    install_ui(app, services)  # the dashboard at /ui (beyond-zoho.md §8)
    return app
