"""Every command of the ``bulkwrite`` CLI is documented in docs/cli.md (as sqlite-utils checks)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from bulkwrite.cli.main import app

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def commands(command: Any, path: str) -> Iterator[str]:
    """The full name of every leaf command under ``command``."""
    children = getattr(command, "commands", None)
    if not children:
        yield path
        return
    for name, child in children.items():
        yield from commands(child, f"{path} {name}")


ALL = sorted(commands(typer.main.get_command(app), "bulkwrite"))


def test_the_cli_has_the_commands_this_test_expects() -> None:
    assert "bulkwrite import" in ALL and "bulkwrite token create" in ALL
    assert len(ALL) >= 14


@pytest.mark.parametrize("name", ALL)
def test_every_command_is_in_the_docs(name: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert f"| `{name}` |" in text, f"{name} is not in the command table of docs/cli.md"
