"""Views of the calendar blueprint."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calendar", __name__)
