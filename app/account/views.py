"""Views of the account blueprint."""

from __future__ import annotations

from flask import Blueprint

from app.policies import public

bp = Blueprint("account", __name__, url_prefix="/compte")


@bp.get("/")
@public
def profile() -> str:
    """Stub, replaced by the feature."""
    return "profile"
