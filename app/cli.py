"""Flask commands: create-admin, seed-demo, outbox send, send-reminders, purge."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    """Attach every command group to the app."""
    from app import commands

    commands.register(app)
