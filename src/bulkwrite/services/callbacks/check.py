"""The callback URL of a create request, checked against the SSRF guard's rules."""

from __future__ import annotations

from bulkwrite.errors import DataInvalid
from bulkwrite.services.callbacks.guard import Allowance, CallbackRefused, check_url
from bulkwrite.settings import Settings


def allowance(settings: Settings) -> Allowance:
    """The exceptions ``BULKWRITE_CALLBACK_ALLOW`` opens."""
    return Allowance.parse(settings.callback_allow)


def check_callback_url(url: str | None, settings: Settings) -> None:
    """400 ``INVALID_DATA`` at ``$.callback.url`` for a bad URL or a refused literal address
    (a host name is resolved and checked at every delivery)."""
    if url is None:
        return
    try:
        check_url(url, allowance(settings))
    except CallbackRefused as exc:
        raise DataInvalid.at("url", "$.callback.url", str(exc)) from None
