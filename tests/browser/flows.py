"""What the browser tests do through the pages, by role and label as a person would."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect


def start_import(
    page: Page,
    file: Path | dict[str, object],
    module: str = "Leads",
    operation: str = "insert",
    dry_run: bool = False,
    find_by: str | None = None,
) -> str:
    """Upload ``file`` with the New import form, keep the suggested mapping, start the job;
    the new job's id (its page is open)."""
    page.get_by_role("link", name="New import", exact=True).first.click()
    page.get_by_label("CSV file").set_input_files(file)  # type: ignore[arg-type]
    page.get_by_label("Module").select_option(module)
    page.get_by_label("Operation").select_option(operation)
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("table", name=re.compile("Mapping"))).to_be_visible()
    if find_by is not None:
        page.get_by_label("Find by").select_option(find_by)
    if dry_run:
        page.get_by_label("Dry run").check()
    page.get_by_role("button", name="Start import").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Job \d+"))).to_be_visible()
    match = re.search(r"/ui/jobs/(\d+)$", page.url)
    assert match is not None, page.url
    return match.group(1)


def status_of(page: Page) -> str:
    return page.locator('[data-cell="status"]').first.inner_text()


def wait_for_status(page: Page, status: str) -> None:
    expect(page.locator('section[data-job] [data-cell="status"]')).to_have_text(status)


def fact(page: Page, name: str) -> str:
    """The value after the ``<dt>`` ``name`` of a Job page's summary."""
    return page.locator(f'dl.facts dt:text-is("{name}") + dd').inner_text()
