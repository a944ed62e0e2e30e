"""Jobs created while the Jobs page is open appear on it (no reload), on the first page only
and only when they pass its filters; without JavaScript the page still lists them on reload."""

from __future__ import annotations

from playwright.sync_api import Browser, Locator, Page, expect

from bulkwrite import Client, WriteJob
from tests.server import LiveServer

LEADS = b"Last_Name,Company\nNew,Live Ltd\n"
CONTACTS = b"Last_Name\nNew\n"


def _create(server: LiveServer, module: str, rows: bytes) -> str:
    """A job made through the API, as another client would make it."""
    with Client(server.base_url, server.token) as client:
        file_id = client.upload(rows, f"{module.lower()}.csv")
        return client.create_job(WriteJob(module).body(file_id))


def _row(page: Page, job_id: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=job_id, exact=True))


def test_a_job_created_through_the_api_appears_on_the_open_jobs_page(
    page: Page, ui_server: LiveServer
) -> None:
    expect(page.locator("table[data-watch]")).to_have_count(1)  # the first page watches
    page.evaluate("window.notReloaded = true")
    first = _create(ui_server, "Leads", LEADS)
    expect(_row(page, first)).to_be_visible()
    second = _create(ui_server, "Leads", LEADS)
    expect(_row(page, second)).to_be_visible()
    links = page.locator("table.jobs tbody tr td:first-child a")
    expect(links.nth(0)).to_have_text(second)  # newest first
    expect(links.nth(1)).to_have_text(first)
    expect(_row(page, second).locator('[data-cell="status"]')).to_have_text("COMPLETED")
    expect(_row(page, second).locator('[data-cell="added"]')).to_have_text("1")
    assert page.evaluate("window.notReloaded") is True
    expect(page.get_by_role("row").filter(has_text="No jobs yet")).to_have_count(0)


def test_only_jobs_that_pass_the_filters_appear(page: Page, ui_server: LiveServer) -> None:
    page.get_by_label("Module").select_option("Contacts")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table[data-watch]")).to_have_attribute(
        "data-watch", "new=1&module=Contacts"
    )
    page.evaluate("window.notReloaded = true")
    lead = _create(ui_server, "Leads", LEADS)
    contact = _create(ui_server, "Contacts", CONTACTS)
    expect(_row(page, contact)).to_be_visible()
    expect(_row(page, lead)).to_have_count(0)  # made before the contact: it would be there
    assert page.evaluate("window.notReloaded") is True
    page.goto("/ui/jobs?page=2")
    expect(page.locator("table.jobs")).to_be_visible()
    expect(page.locator("table[data-watch]")).to_have_count(0)  # a later page does not


def test_without_javascript_the_page_lists_new_jobs_on_reload(
    browser: Browser, ui_server: LiveServer
) -> None:
    context = browser.new_context(base_url=ui_server.base_url, java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto("/ui/")
        plain.get_by_label("Access token").fill(ui_server.token)
        plain.get_by_role("button", name="Sign in").click()
        made = _create(ui_server, "Leads", LEADS)
        plain.reload()
        expect(_row(plain, made)).to_be_visible()
    finally:
        context.close()
