"""Write a PNG of each dashboard page into docs/screenshots/ (``scripts/screenshots``): a real
``bulkwrite serve`` in a temporary folder, driven by Debian's Chromium as the browser tests
drive it, with an import of a file that has bad rows to show."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from tests.browser.conftest import CHROMIUM_ARGS, WAIT_MS, chromium_path
from tests.browser.flows import wait_for_status
from tests.server import LiveServer, make_server

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
LEADS = (
    "Last_Name,Company,E-mail,Lead Sorce,Shoe size\n"
    "Lovelace,Analytical Engines,ada@example.test,Online Store,38\n"
    ",Nameless Ltd,nobody@example.test,Partner,41\n"
    "Hopper,US Navy,not-an-email,Partner,39\n"
    "Turing,Bletchley Park,alan@example.test,Cold Call,44\n"
)


def shoot(page: Page, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print(f"wrote {(OUT / f'{name}.png').relative_to(ROOT)}")


def tour(page: Page, server: LiveServer, folder: Path) -> None:
    page.goto("/ui/login")
    shoot(page, "login")
    page.get_by_label("Access token").fill(server.token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="New import", exact=True).first.click()
    (folder / "leads.csv").write_text(LEADS)
    page.get_by_label("CSV file").set_input_files(folder / "leads.csv")
    page.get_by_label("Module").select_option("Leads")
    shoot(page, "import")
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("table", name=re.compile("Mapping"))).to_be_visible()
    shoot(page, "mapping")
    page.get_by_role("button", name="Start import").click()
    wait_for_status(page, "COMPLETED")
    shoot(page, "job")
    page.get_by_role("link", name="Jobs", exact=True).click()
    shoot(page, "jobs")
    page.get_by_role("link", name="Modules", exact=True).click()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(OUT / "modules.png"))  # the first screen: the page is long
    print(f"wrote {(OUT / 'modules.png').relative_to(ROOT)}")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        server = make_server(Path(tmp) / "data")
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium_path(), args=CHROMIUM_ARGS
                )
                context = browser.new_context(
                    base_url=server.base_url, viewport={"width": 1280, "height": 800}
                )
                context.set_default_timeout(WAIT_MS)
                tour(context.new_page(), server, Path(tmp))
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
