"""The ``bulkwrite`` command."""
