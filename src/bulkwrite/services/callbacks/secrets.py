"""Each org's callback secret: made on first use, rotated on demand (``bulkwrite org secret
rotate``), the previous one kept valid for ``ROTATION_OVERLAP`` so receivers can switch."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from bulkwrite.clock import now
from bulkwrite.domain.callback import CallbackSecret
from bulkwrite.services.collaborators import Services
from bulkwrite.store.base import Tx

#: How long the secret before a rotation still signs callbacks.
ROTATION_OVERLAP = timedelta(hours=24)
#: What every secret starts with (so it is recognised in a config file or a leak scan).
PREFIX = "bwcs_"


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def org_secret(tx: Tx, org_id: str, at: datetime) -> CallbackSecret:
    """The org's secret, made now if it has none (in the caller's write transaction)."""
    found = tx.get_callback_secret(org_id)
    if found is None:
        tx.insert_callback_secret(org_id, new_secret(), at)
        found = tx.get_callback_secret(org_id)
    assert found is not None
    return found


def show_secret(services: Services, org_id: str) -> CallbackSecret:
    """The org's secret (made on first use)."""
    with services.store.transaction() as tx:
        return org_secret(tx, org_id, now())


def rotate_secret(services: Services, org_id: str) -> CallbackSecret:
    """A new secret for the org; the one before signs too for ``ROTATION_OVERLAP``."""
    at = now()
    with services.store.transaction() as tx:
        current = org_secret(tx, org_id, at)
        tx.rotate_callback_secret(current, new_secret(), at, at + ROTATION_OVERLAP)
        rotated = tx.get_callback_secret(org_id)
    assert rotated is not None
    return rotated
