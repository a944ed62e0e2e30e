"""Benchmarks of bulkwrite against the raw speed of the database underneath it.

``python -m bench.generate`` writes a realistic Leads CSV; ``python -m bench.run`` measures
bulkwrite end to end over HTTP next to a raw SQLite insert/upsert of the same file.
"""
