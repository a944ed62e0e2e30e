"""bulkwrite: a self-hosted Bulk Write service speaking Zoho CRM's Bulk Write API.

``from bulkwrite import Client, BulkWriteAPIError`` gives the Python client; it is imported on
first use, so importing ``bulkwrite`` itself loads nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bulkwrite.client import (
        BulkWriteAPIError,
        BulkWriteClientError,
        Client,
        Counts,
        FieldMap,
        JobDetails,
        JobError,
        ServerUnreachable,
        WriteJob,
    )

__version__ = "0.1.0"
__all__ = [
    "BulkWriteAPIError",
    "BulkWriteClientError",
    "Client",
    "Counts",
    "FieldMap",
    "JobDetails",
    "JobError",
    "ServerUnreachable",
    "WriteJob",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from bulkwrite import client

        return getattr(client, name)
    raise AttributeError(f"module 'bulkwrite' has no attribute {name!r}")
