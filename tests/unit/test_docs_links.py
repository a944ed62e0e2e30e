"""The README and docs/ link only to files of the repository, and each linked file exists; no
link climbs out of its page's folder (``../``: a file outside docs/ is named as code text, e.g.
`bench/README.md`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_stay_in_the_repository(page: Path) -> None:
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        path = target.split("#", 1)[0]
        if not path:
            continue  # an anchor of the page itself
        assert "://" not in target, f"{page.name} links outside the repository: {target}"
        assert not path.startswith("../"), f"{page.name}: {target} climbs out of its folder"
        resolved = (page.parent / path).resolve()
        assert resolved.is_relative_to(ROOT), f"{page.name}: {target} leaves the repository"
        assert resolved.exists(), f"{page.name}: {target} does not exist"


def test_the_standard_modules_page_lists_every_field() -> None:
    from bulkwrite.domain.standard_modules import standard_modules

    text = (ROOT / "docs" / "standard-modules.md").read_text(encoding="utf-8")
    for module in standard_modules():
        assert f"## {module.api_name}" in text
        for field in module.fields:
            assert field.system or f"`{field.api_name}`" in text, field.api_name
