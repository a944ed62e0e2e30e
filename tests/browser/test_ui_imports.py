"""Start an import of a file with bad rows from the form, follow it, read its errors, take its
failed rows, fix them and import them again; retry; dry run; markup in cells and file names."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import write_csv
from tests.browser.flows import fact, start_import, wait_for_status
from tests.server import LiveServer

pytestmark = pytest.mark.slow


def bad_rows(tag: str) -> list[list[str]]:
    """Four leads, two of them bad; ``tag`` keeps their emails apart from other tests' ones."""
    return [
        ["Last_Name", "Company", "Email"],
        ["Lovelace", "Analytical Engines", f"ada.{tag}@example.test"],
        ["", "Nameless Ltd", f"nobody.{tag}@example.test"],  # MANDATORY_NOT_FOUND: Last_Name
        ["Hopper", "Navy", "not-an-email"],  # INVALID_DATA: Email
        ["Turing", "Bletchley", f"alan.{tag}@example.test"],
    ]


def test_a_bad_token_signs_no_one_in(fresh_page: Page, ui_server: LiveServer) -> None:
    fresh_page.goto(f"{ui_server.base_url}/ui/jobs")
    expect(fresh_page).to_have_url(re.compile(r"/ui/login"))
    fresh_page.get_by_label("Access token").fill("1000.not.a-token")
    fresh_page.get_by_role("button", name="Sign in").click()
    expect(fresh_page.get_by_role("alert")).to_contain_text("signs no one in")
    assert "bulkwrite_session" not in [c["name"] for c in fresh_page.context.cookies()]


def test_bad_rows_errors_failed_rows_fix_and_reimport(
    page: Page, ui_server: LiveServer, tmp_path: Path
) -> None:
    sent = bad_rows("fix")
    job_id = start_import(page, write_csv(tmp_path / "leads.csv", sent))
    wait_for_status(page, "COMPLETED")  # the page follows the job live, then shows its end
    assert (fact(page, "Added"), fact(page, "Skipped"), fact(page, "Total")) == ("2", "2", "4")
    expect(page.locator("progress").first).to_have_attribute("value", "100.0")

    errors = page.get_by_role("table", name="Errors")
    expect(errors).to_be_visible()
    mandatory = errors.get_by_role("row").filter(has_text="MANDATORY_NOT_FOUND")
    expect(mandatory).to_contain_text("Last_Name")
    expect(mandatory).to_contain_text("Row 2")
    invalid = errors.get_by_role("row").filter(has_text="INVALID_DATA")
    expect(invalid).to_contain_text("Email")
    expect(invalid).to_contain_text("not-an-email")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download failed rows").click()
    saved = tmp_path / "failed.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        text = archive.read(archive.namelist()[0]).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == sent[0] and [r[:3] for r in rows[1:]] == [sent[2], sent[3]]

    # fixed where they failed; the columns the download added are left for the table to skip
    fixed = [
        rows[0],
        ["Nameless", *rows[1][1:]],
        [*rows[2][:2], "grace@example.test", *rows[2][3:]],
    ]
    with page.expect_download() as result:
        page.get_by_role("link", name="Download result").click()
    assert result.value.suggested_filename == f"{job_id}.zip"

    again = start_import(page, write_csv(tmp_path / "fixed.csv", fixed))
    assert again != job_id
    wait_for_status(page, "COMPLETED")
    assert (fact(page, "Added"), fact(page, "Skipped")) == ("2", "0")
    expect(page.get_by_text("No errors: every row made it.")).to_be_visible()
    expect(page.get_by_role("button", name="Retry failed rows")).to_have_count(0)


def test_retry_failed_rows_makes_a_linked_job(page: Page, tmp_path: Path) -> None:
    first = start_import(page, write_csv(tmp_path / "leads.csv", bad_rows("retry")))
    wait_for_status(page, "COMPLETED")
    page.get_by_role("button", name="Retry failed rows").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Job \d+"))).not_to_have_text(
        f"Job {first}"
    )
    wait_for_status(page, "COMPLETED")
    assert (fact(page, "Total"), fact(page, "Skipped")) == ("2", "2")  # the same two, still bad
    expect(page.get_by_role("link", name=f"Job {first}")).to_be_visible()


def test_dry_run_writes_nothing(page: Page, ui_server: LiveServer, tmp_path: Path) -> None:
    rows = [["Last_Name", "Company"], ["Rehearsal", "Nothing Written Ltd"]]
    start_import(page, write_csv(tmp_path / "dry.csv", rows), dry_run=True)
    wait_for_status(page, "COMPLETED")
    expect(page.get_by_role("heading", name=re.compile("dry run"))).to_be_visible()
    assert fact(page, "Added") == "1"
    found = httpx.get(
        f"{ui_server.base_url}/crm/v8/Leads",
        params={"fields": "Last_Name", "per_page": "200"},
        headers=ui_server.headers(),
    )
    assert found.status_code in (200, 204), found.text
    names = [r["Last_Name"] for r in (found.json()["data"] if found.status_code == 200 else [])]
    assert "Rehearsal" not in names  # no record was kept


def test_markup_in_cells_and_file_names_is_text(page: Page) -> None:
    cell = "<script>document.title='owned'</script>"
    payload = f"Last_Name,Company,Email\r\nMallory,Evil Ltd,{cell}\r\n".encode()
    name = "<img src=x onerror=document.title='owned'>.csv"  # Chromium sends " as %22
    start_import(page, {"name": name, "mimeType": "text/csv", "buffer": payload})
    wait_for_status(page, "COMPLETED")
    assert fact(page, "File") == name  # the file name, shown as text
    expect(page.get_by_role("table", name="Errors").get_by_text(cell)).to_be_visible()
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    assert page.title() != "owned"
    page.get_by_role("link", name="Jobs", exact=True).click()
    expect(page.get_by_role("table", name=re.compile("Jobs"))).to_be_visible()
    assert page.title() != "owned"


def test_update_finds_records_by_the_chosen_field(page: Page, tmp_path: Path) -> None:
    rows = [["Last_Name", "Company", "Email"], ["Curie", "Radium Ltd", "marie.upd@example.test"]]
    start_import(page, write_csv(tmp_path / "first.csv", rows))
    wait_for_status(page, "COMPLETED")
    change = [["Email", "Company"], ["marie.upd@example.test", "Sorbonne"]]
    start_import(
        page, write_csv(tmp_path / "change.csv", change), "Leads", "update", find_by="Email"
    )
    wait_for_status(page, "COMPLETED")
    assert (fact(page, "Updated"), fact(page, "Skipped"), fact(page, "Operation")) == (
        "1",
        "0",
        "update",
    )


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_a_zip_of_one_csv_maps_and_one_of_several_says_to_use_the_api(page: Page) -> None:
    one = _zip({"leads.csv": "Last_Name,Company\r\nZipped,One Ltd\r\n"})
    start_import(page, {"name": "one.zip", "mimeType": "application/zip", "buffer": one})
    wait_for_status(page, "COMPLETED")
    assert fact(page, "Added") == "1"
    page.get_by_role("link", name="New import", exact=True).first.click()
    expect(page.get_by_text("A zip of several CSVs")).to_be_visible()  # said before the upload
    expect(page.get_by_role("link", name="the API reference")).to_have_attribute("href", "/docs")
    several = _zip({"deals.csv": "Deal_Name\r\nD\r\n", "items.csv": "Product\r\nP\r\n"})
    page.get_by_label("CSV file").set_input_files(
        {"name": "parent.zip", "mimeType": "application/zip", "buffer": several}
    )
    page.get_by_label("Module").select_option("Leads")
    page.get_by_role("button", name="Upload and map columns").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The uploaded zip holds 2 CSV files (deals.csv, items.csv)")
    expect(alert).to_contain_text("This form imports one CSV")
    file_id = page.url.split("/ui/import/")[1].split("?")[0]
    expect(alert).to_contain_text(f"POST /crm/bulk/v8/write with file_id {file_id}")
    expect(page.get_by_role("table", name=re.compile("Mapping"))).to_have_count(0)
