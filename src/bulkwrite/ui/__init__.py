"""The dashboard (beyond-zoho.md §8): server-rendered pages at ``/ui`` over the same services
as the API, signed in with an access token (docs/dashboard.md)."""
