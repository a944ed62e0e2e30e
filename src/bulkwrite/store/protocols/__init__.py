"""The store's contract, one module per area of its transactions: control (orgs, users,
tokens, modules), jobs (files, jobs, chunks, splits), records (record tables), callbacks,
keys (idempotency and page-token keys) and job control. ``store.base`` joins them into ``Tx``
and defines ``Store``."""
