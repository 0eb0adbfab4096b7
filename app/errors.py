"""Error pages: French, accessible, never a traceback (HD-07); an expired form keeps its text (CS-06)."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

log = logging.getLogger("ateliers.errors")

PLAIN_ERROR_PAGE = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Erreur {code} · Ateliers</title>'
    "</head><body><main><h1>Requête refusée ({code})</h1>"
    "<p>La requête n'a pas pu être traitée.</p></main></body></html>"
)

SECRET_FIELDS = frozenset({"password", "new_password", "current_password", "confirm", "csrf_token"})


def _wants_json() -> bool:
    return request.is_json or request.path.startswith("/api/")


def handle_http_error(error: HTTPException) -> tuple[Response | str, int]:
    """Render an HTTP error as a page (or JSON for API callers)."""
    code = error.code or 500
    if _wants_json():
        return jsonify(error=error.name, status=code), code
    if request_ctx.url_adapter is None:
        # An untrusted Host header (IV-05) leaves no URL adapter: answer without building links.
        return PLAIN_ERROR_PAGE.format(code=code), code
    return render_template("errors/error.html", code=code, error=error), code


def handle_csrf_error(error: CSRFError) -> tuple[Response | str, int]:
    """CS-01/CS-06: refuse the request (400) but give the typed text back with a fresh form."""
    if _wants_json():
        if request.path.startswith("/api/") and not current_user.is_authenticated:
            # A session that expired took its CSRF token along: say what the caller must do.
            return jsonify(error="authentication required", message=str(_l("Connexion requise."))), 401
        return jsonify(
            error="csrf", message=str(_l("Le jeton de sécurité a expiré : rechargez la page."))
        ), 400
    kept = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in SECRET_FIELDS and value.strip()
    ]
    return render_template("errors/csrf.html", kept_fields=kept, action=request.path), 400


def handle_unexpected(error: Exception) -> tuple[Response | str, int]:
    """Log the traceback server-side, show a plain page to the person."""
    log.exception("unhandled error on %s", request.path)
    if _wants_json():
        return jsonify(error="Internal Server Error", status=500), 500
    return render_template("errors/error.html", code=500, error=None), 500


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
