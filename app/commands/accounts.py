"""CLI commands: accounts."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach this module's commands."""
