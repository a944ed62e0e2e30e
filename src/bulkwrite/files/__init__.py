"""Uploaded files and result files: storing, reading and writing them in bounded memory.

The package imports none of its modules: a light one (``dialect``, ``tables``, ``zipsafe``)
is imported without the polars-based readers, which the CLI never needs.
"""
