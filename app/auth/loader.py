"""Flask-Login wiring: the session cookie holds `id:token`, so rotating the token ends sessions."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from app.db import get_session
from app.errors import SECRET_FIELDS
from app.extensions import login_manager
from app.models import User


def load_user(user_id: str) -> User | None:
    """Return the account for a session identifier, or None if the token was rotated."""
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = get_session().get(User, int(raw_id))
    if user is None or not user.is_active:
        return None
    if not secrets.compare_digest(user.session_token, token):
        return None
    return user


def unauthorized() -> Response:
    """AC-02: JSON callers get 401, pages redirect to the sign-in page with a safe `next`."""
    wants_json = request.is_json or request.accept_mimetypes.best == "application/json"
    if wants_json or request.path.startswith("/api/"):
        response = jsonify(error="authentication required", message=str(_l("Connexion requise.")))
        response.status_code = 401
        return response
    kept = _typed_text()
    if kept:
        # CS-06: a form sent after the session expired must not lose what was typed.
        back = _same_site_referrer() or url_for("main.index")
        page = render_template(
            "errors/session_expired.html", kept_fields=kept, login_url=url_for("auth.login", next=back)
        )
        return Response(page, status=401)
    flash(str(_l("Veuillez vous connecter pour accéder à cette page.")), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


# Fields where people write at length (notes, summaries, sections, messages): a form carrying one
# comes back with its text instead of the usual redirect to the sign-in page.
LONG_TEXT_FIELDS = frozenset({"text", "body", "message"})


def _typed_text() -> list[tuple[str, str]]:
    """What a person typed in a refused POST form with a long text (never secrets nor tokens)."""
    if request.method != "POST" or not any(request.form.get(name, "").strip() for name in LONG_TEXT_FIELDS):
        return []
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in SECRET_FIELDS and name not in ("submission_id", "version") and value.strip()
    ]


def _same_site_referrer() -> str | None:
    """The page the form came from, as a same-site path (for « next »)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return None
    path = referrer.path
    return path if path.startswith("/") and not path.startswith("//") else None


def init_login(app: Flask) -> None:
    """Bind Flask-Login to the app."""
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.session_protection = "basic"
