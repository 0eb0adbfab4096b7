"""Exports benchmark: every synthesis format for 5,000 notes (see README.md)."""
