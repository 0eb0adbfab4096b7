"""Public pages: home, programme catalogue, accessibility and privacy statements, language switch."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.db import get_session, utcnow
from app.i18n import LANGUAGE_COOKIE
from app.policies import public
from app.safety import safe_next
from app.services import catalogue
from app.services.errors import NotFound

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index() -> str:
    """Home page: what the platform is and the open programmes."""
    now = utcnow()
    programmes = catalogue.open_programmes(get_session(), now)
    return render_template("main/index.html", programmes=programmes, now=now)


@bp.get("/parcours")
@public
def programmes() -> str:
    """Every public programme: current ones first, then the finished ones."""
    now = utcnow()
    everything = catalogue.public_programmes(get_session())
    current = [programme for programme in everything if catalogue.is_current(programme, now)]
    finished = [programme for programme in everything if not catalogue.is_current(programme, now)]
    return render_template("main/programmes.html", current=current, finished=finished, now=now)


@bp.get("/parcours/<slug>")
@public
def programme(slug: str) -> Response:
    """A programme's page and its workshops; a link-only programme needs its key (`?cle=`)."""
    session = get_session()
    key = request.args.get("cle") or None
    viewer = current_user._get_current_object() if current_user.is_authenticated else None
    try:
        found = catalogue.programme_by_slug(session, slug, key, viewer)
    except NotFound:
        abort(404)
    unlisted = found.visibility != "public"
    response = make_response(
        render_template(
            "main/programme.html",
            programme=found,
            items=catalogue.listings(session, found.workshops),
            key=key if catalogue.key_matches(found, key) else None,
            unlisted=unlisted,
        )
    )
    if unlisted:
        # The page is reachable only through a private link: keep it out of shared caches and indexes.
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


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
