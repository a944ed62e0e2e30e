"""Use cases: each one transaction-shaped, none aware of HTTP."""
