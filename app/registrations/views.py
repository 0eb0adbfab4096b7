"""Views of the registrations blueprint."""

from __future__ import annotations

from flask import Blueprint

from app.policies import public

bp = Blueprint("registrations", __name__)


@bp.get("/mes-ateliers")
@public
def mine() -> str:
    """Stub, replaced by the feature."""
    return "mine"
