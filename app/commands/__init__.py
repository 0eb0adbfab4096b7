"""CLI command modules; each module exposes commands attached in `register`."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach every command to the app."""
    from app.commands import accounts, demo, mail, synthesis

    for module in (accounts, demo, mail, synthesis):
        module.register(app)
