"""``python -m bulkwrite`` is the ``bulkwrite`` command."""

from bulkwrite.cli.main import main

main()
