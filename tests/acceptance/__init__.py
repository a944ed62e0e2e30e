"""Acceptance tests: Zoho's official Python SDKs driving a live `bulkwrite serve`."""

import pytest

# Give the shared helpers pytest's detailed assertion messages.
pytest.register_assert_rewrite(f"{__name__}.helpers")
