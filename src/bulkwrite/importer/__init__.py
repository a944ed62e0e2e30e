"""Pure CSV-row processing: mappings compiled against a module, cells converted to values.

No files, database, clock or logging here; row problems are data, never exceptions.
"""
