"""The Idempotency-Key header's rules and the request hashes (beyond-zoho section 6)."""

from __future__ import annotations

import pytest

from bulkwrite.errors import DataInvalid
from bulkwrite.services.idempotency import json_hash, parse_key, request_hash

DETAILS = {"api_name": "Idempotency-Key", "json_path": "Idempotency-Key"}


@pytest.mark.parametrize("key", ["a", "x" * 255, " spaced key ", "".join(map(chr, range(32, 127)))])
def test_printable_ascii_of_1_to_255_characters_is_a_key(key: str) -> None:
    assert parse_key(key) == key


def test_no_header_is_no_key() -> None:
    assert parse_key(None) is None


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, *(f"a{chr(c)}b" for c in [*range(32), 127]), "caf\u00e9", "\u2603"],
)
def test_other_keys_are_refused_naming_the_header(key: str) -> None:
    with pytest.raises(DataInvalid) as caught:
        parse_key(key)
    assert caught.value.details == DETAILS


def test_a_json_body_hashes_as_parsed() -> None:
    assert json_hash("create", {"a": 1, "b": [1, 2]}) == json_hash("create", {"b": [1, 2], "a": 1})
    assert json_hash("create", {"a": 1}) != json_hash("create", {"a": 2})
    assert json_hash("create", {"a": 1}) != json_hash("upload", {"a": 1})


def test_request_parts_are_framed() -> None:
    assert request_hash("upload", b"ab", b"c") != request_hash("upload", b"a", b"bc")
    assert request_hash("upload", b"ab", b"c") == request_hash("upload", b"ab", b"c")
