"""``/docs`` in a real browser (Debian's Chromium, driven by Playwright) with every request to
another host aborted: Swagger UI renders the operations from bulkwrite's own assets, "Authorize"
takes a token, and "Try it out" sends it in the ``Authorization`` header and gets a 200. No
browser is ever downloaded: the test uses the system's ``chromium``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server import LiveServer

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: How long one step may wait for the page (a deadline, not a pause).
STEP_MS = 30_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)"),
]


@pytest.fixture
def browser_page(shared_server: LiveServer) -> Iterator[tuple[Any, list[str]]]:
    """A page whose requests to any host but the test server are aborted (and listed)."""
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(f"{shared_server.base_url}/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = browser.new_context()
            context.route("**/*", only_local)
            page = context.new_page()
            page.set_default_timeout(STEP_MS)
            yield page, outside
        finally:
            browser.close()


def test_swagger_ui_renders_offline_and_try_it_out_sends_the_token(
    shared_server: LiveServer, browser_page: tuple[Any, list[str]]
) -> None:
    page, outside = browser_page
    page.goto(f"{shared_server.base_url}/docs")
    page.wait_for_selector(".opblock")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/crm/bulk/{version}/write" in path for path in paths), paths
    assert len(page.locator(".opblock").all()) >= 15

    page.click("button.authorize")
    dialog = page.locator(".modal-ux")
    dialog.locator("input").first.fill(f"Zoho-oauthtoken {shared_server.token}")
    dialog.locator("button.authorize").click()
    dialog.locator("button.btn-done, button.close-modal").first.click()

    operation = page.locator(".opblock-get", has=page.locator("[data-path='/crm/{version}/org']"))
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("select").first.select_option("v8")
    with page.expect_request(lambda r: r.url.endswith("/crm/v8/org")) as sent:
        operation.locator("button.execute").click()
    assert sent.value.headers.get("authorization") == f"Zoho-oauthtoken {shared_server.token}"
    status = operation.locator(".live-responses-table tr.response .response-col_status").first
    sync_api.expect(status).to_have_text("200", timeout=STEP_MS)
    assert outside == [], f"the page asked other hosts for {outside}"
