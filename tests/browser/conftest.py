"""Browser tests of the dashboard: Debian's Chromium driven by Playwright (never a downloaded
browser) against a real ``bulkwrite serve``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import LiveServer, running

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

#: The flags the issue names: a headless Chromium that reaches for nothing on the network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: How long a page waits for a condition (ms): a job on a loaded two-core machine.
WAIT_MS = 60_000
#: Rows a job is cut into: small, so that a large file's job runs long enough to be cancelled.
CHUNK_SIZE = "100"


def chromium_path() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("chromium is not installed: apt-get install chromium (.ci/run does it)")
    return found


# Package scope, not session: while Playwright's sync API runs, an asyncio loop is running in the
# thread, so a test that calls ``asyncio.run`` after the browser tests on the same xdist worker
# would fail. Leaving this package closes the browser and stops the loop.
@pytest.fixture(scope="package")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running(tmp_path_factory.mktemp("ui") / "data", chunk_size=CHUNK_SIZE) as server:
        yield server


def sign_in(page: sync_api.Page, server: LiveServer, token: str | None = None) -> None:
    page.goto(f"{server.base_url}/ui/")
    page.get_by_label("Access token").fill(token or server.token)
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()


def new_page(browser: sync_api.Browser, server: LiveServer) -> sync_api.Page:
    """A page of a browser context of its own (its own cookies)."""
    context = browser.new_context(base_url=server.base_url, accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    sync_api.expect.set_options(timeout=WAIT_MS)
    return context.new_page()


@pytest.fixture
def fresh_page(browser: sync_api.Browser, ui_server: LiveServer) -> Iterator[sync_api.Page]:
    """A page not signed in."""
    opened = new_page(browser, ui_server)
    try:
        yield opened
    finally:
        opened.context.close()


@pytest.fixture
def page(fresh_page: sync_api.Page, ui_server: LiveServer) -> sync_api.Page:
    """A page signed in with the demo org's full-scope token."""
    sign_in(fresh_page, ui_server)
    return fresh_page


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    return path
