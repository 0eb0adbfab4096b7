"""The peer-groups blueprint object, shared by the view modules of the package."""

from __future__ import annotations

from flask import Blueprint

# No URL prefix: facilitator pages live under /gestion/ateliers/..., the participant's under /ateliers/...
bp = Blueprint("groups", __name__)
