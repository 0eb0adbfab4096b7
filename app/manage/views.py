"""Views of the manage blueprint."""

from __future__ import annotations

from flask import Blueprint

from app.policies import public

bp = Blueprint("manage", __name__, url_prefix="/gestion")


@bp.get("/")
@public
def index() -> str:
    """Stub, replaced by the feature."""
    return "index"
