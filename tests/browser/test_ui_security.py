"""The dashboard's security as the API's: org isolation, scopes, the session cookie, CSRF
tokens on every form that changes something, sign-out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import new_page, sign_in, write_csv
from tests.browser.flows import start_import, wait_for_status
from tests.server import LiveServer

pytestmark = pytest.mark.slow


def _a_job(page: Page, tmp_path: Path) -> str:
    rows = [["Last_Name", "Company"], ["Secret", "First Org Ltd"]]
    job_id = start_import(page, write_csv(tmp_path / "first.csv", rows))
    wait_for_status(page, "COMPLETED")
    return job_id


def test_a_second_orgs_user_sees_none_of_the_first_orgs_jobs(
    page: Page, browser: Browser, ui_server: LiveServer, tmp_path: Path
) -> None:
    job_id = _a_job(page, tmp_path)
    other = new_page(browser, ui_server)
    sign_in(other, ui_server, ui_server.new_org("Second Org").token)
    jobs = other.get_by_role("table", name=re.compile("Jobs"))
    expect(jobs).to_contain_text("No jobs yet")
    expect(other.get_by_role("link", name=job_id)).to_have_count(0)
    for path in (f"/ui/jobs/{job_id}", f"/ui/jobs/{job_id}/failed_rows"):
        answer = other.goto(path)
        assert answer is not None and answer.status == 404
        expect(other.get_by_role("alert")).to_be_visible()
    answer = other.request.post(f"/ui/jobs/{job_id}/retry", form={"csrf": _csrf(other)})
    assert answer.status == 404
    other.context.close()


def test_a_token_without_the_bulk_scopes_sees_no_jobs(
    browser: Browser, ui_server: LiveServer
) -> None:
    reader = new_page(browser, ui_server)
    reader.goto("/ui/login")
    reader.get_by_label("Access token").fill(ui_server.make_token(["ZohoCRM.settings.ALL"]))
    reader.get_by_role("button", name="Sign in").click()
    expect(reader.get_by_role("alert")).to_contain_text("SCOPE")  # as the API answers it
    answer = reader.goto("/ui/modules")
    assert answer is not None and answer.status == 200  # what its scope does allow
    reader.context.close()


def _csrf(page: Page) -> str:
    return page.locator('input[name="csrf"]').first.get_attribute("value") or ""


def test_the_session_cookie_is_httponly_strict_and_holds_no_token(
    page: Page, ui_server: LiveServer
) -> None:
    (cookie,) = page.context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/ui"
    assert ui_server.token not in cookie["value"]
    assert page.evaluate("document.cookie") == ""
    assert ui_server.token not in page.content()


def test_a_post_without_the_csrf_token_is_refused(
    page: Page, ui_server: LiveServer, tmp_path: Path
) -> None:
    job_id = _a_job(page, tmp_path)
    for form in ({}, {"csrf": "forged"}):
        answer = page.request.post(f"/ui/jobs/{job_id}/retry", form=form)
        assert answer.status == 403 and "CSRF" in answer.text()
        answer = page.request.post("/ui/logout", form=form)
        assert answer.status == 403
    page.reload()
    expect(page.get_by_role("link", name=re.compile(r"^Job \d+"))).to_have_count(0)  # no retry
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # still signed in


def test_sign_out_ends_the_session(page: Page, ui_server: LiveServer) -> None:
    (cookie,) = page.context.cookies()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Access token")).to_be_visible()
    page.goto("/ui/jobs")
    expect(page).to_have_url(re.compile(r"/ui/login\?next=/ui/jobs"))
    page.context.add_cookies([cookie])  # the old session id, put back: it is gone on the server
    page.goto("/ui/jobs")
    expect(page).to_have_url(re.compile(r"/ui/login"))
