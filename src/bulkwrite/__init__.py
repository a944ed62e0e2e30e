"""bulkwrite: a self-hosted Bulk Write service speaking Zoho CRM's Bulk Write API."""

__version__ = "0.1.0"
