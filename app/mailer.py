"""Delivery of the e-mail outbox after each committed request (wired by H2)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the hooks that send pending mail once the request's transaction is committed."""
