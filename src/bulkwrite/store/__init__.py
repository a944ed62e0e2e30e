"""Persistence. Only this package imports database drivers."""
