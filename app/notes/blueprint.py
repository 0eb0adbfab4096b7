"""The notes blueprint object, shared by the view modules of the package."""

from __future__ import annotations

from flask import Blueprint

# No URL prefix: participants' pages under /notes/..., the JSON under /api/notes/..., the
# facilitators' dashboard under /gestion/ateliers/...
bp = Blueprint("notes", __name__)
