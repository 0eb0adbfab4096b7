"""Public pages: home, programme catalogue, accessibility and privacy statements, language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.db import get_session
from app.i18n import LANGUAGE_COOKIE
from app.policies import public
from app.safety import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index() -> str:
    """Home page: what the platform is and the open programmes."""
    from app.services import catalogue

    programmes = catalogue.public_programmes(get_session())
    return render_template("main/index.html", programmes=programmes)


@bp.get("/parcours")
@public
def programmes() -> str:
    """Every public programme."""
    from app.services import catalogue

    return render_template("main/programmes.html", programmes=catalogue.public_programmes(get_session()))


@bp.get("/accessibilite")
@public
def accessibility() -> str:
    """The accessibility statement (RGAA)."""
    return render_template("main/accessibility.html")


@bp.get("/donnees-personnelles")
@public
def privacy() -> str:
    """The full personal-data notice (GD-10)."""
    return render_template("main/privacy.html", notice_version=current_app.config["NOTICE_VERSION"])


@bp.post("/langue")
@public
def set_language() -> Response:
    """Switch the interface language and remember it (cookie, and the account when signed in)."""
    language = request.form.get("language", "fr")
    if language not in current_app.config["LANGUAGES"]:
        language = "fr"
    if current_user.is_authenticated:
        current_user.locale = language
        get_session().commit()
    response = redirect(safe_next(request.form.get("next")) or url_for("main.index"))
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response
