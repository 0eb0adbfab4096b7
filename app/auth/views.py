"""Views of the auth blueprint."""

from __future__ import annotations

from flask import Blueprint

from app.policies import public

bp = Blueprint("auth", __name__)


@bp.get("/connexion")
@public
def login() -> str:
    """Stub, replaced by the feature."""
    return "login"


@bp.get("/creer-un-compte")
@public
def signup() -> str:
    """Stub, replaced by the feature."""
    return "signup"


@bp.post("/deconnexion")
@public
def logout() -> str:
    """Stub, replaced by the feature."""
    return "logout"
