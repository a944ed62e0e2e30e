"""A running job's row follows it live on the Jobs page (no reload), and "Cancel job" stops
it; the Modules page."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import new_page, sign_in
from tests.browser.flows import start_import, wait_for_status
from tests.server import LiveServer

pytestmark = pytest.mark.slow

#: Rows of the large file: at the tests' chunk size, a job of many chunks, long enough to be
#: cancelled while it runs.
LARGE_ROWS = 400_000


def _large_csv(path: Path) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Last_Name", "Company"])
        writer.writerows([f"Lead {i}", "Large Ltd"] for i in range(LARGE_ROWS))
    return path


def test_cancel_a_running_job_while_its_row_follows_live(
    page: Page, browser: Browser, ui_server: LiveServer, tmp_path: Path
) -> None:
    jobs = new_page(browser, ui_server)  # signed in first: the job's run is the only wait
    sign_in(jobs, ui_server)
    job_id = start_import(page, _large_csv(tmp_path / "large.csv"))
    wait_for_status(page, "INPROGRESS")

    jobs.reload()
    row = jobs.get_by_role("row").filter(has=jobs.get_by_role("link", name=job_id))
    expect(row).to_contain_text("INPROGRESS")
    jobs.evaluate("window.notReloaded = true")

    page.get_by_role("button", name="Cancel job").click()
    wait_for_status(page, "CANCELLED")
    expect(page.get_by_role("button", name="Cancel job")).to_have_count(0)
    expect(page.get_by_role("button", name="Retry failed rows")).to_be_visible()

    expect(row.locator('[data-cell="status"]')).to_have_text("CANCELLED")  # live, no reload
    assert jobs.evaluate("window.notReloaded") is True
    assert int(row.get_attribute("data-updates") or "0") >= 1
    jobs.context.close()


def test_the_jobs_page_filters_by_status_and_module(page: Page) -> None:
    page.get_by_label("Status").select_option("FAILED")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=FAILED"))
    table = page.get_by_role("table", name=re.compile("Jobs"))
    for cell in table.locator('[data-cell="status"]').all():
        assert cell.inner_text() == "FAILED"
    headers = table.get_by_role("columnheader").all_inner_texts()
    assert headers == [
        "Job", "Module", "Operation", "Status", "Progress",
        "Added", "Updated", "Skipped", "Total", "Created",
    ]  # fmt: skip


def test_the_modules_page_shows_fields(page: Page) -> None:
    page.get_by_role("link", name="Modules", exact=True).click()
    leads = page.get_by_role("region", name=re.compile("Leads"))
    last_name = leads.get_by_role("row").filter(has_text="Last_Name")
    expect(last_name).to_contain_text("yes")  # mandatory
    expect(leads.get_by_role("columnheader", name="Unique")).to_be_visible()
