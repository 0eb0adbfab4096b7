"""Ateliers: application factory."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, g, request
from flask_login import current_user
from werkzeug.wrappers import Response

from app import db
from app.extensions import babel, csrf, limiter
from config import BASE_DIR, DEV_SECRET_KEY, Config


def create_app(config_class: type[Config] | None = None) -> Flask:
    """Build the application: config -> extensions -> blueprints -> CLI -> errors. No I/O here."""
    if config_class is None:
        from config import config_from_environment

        config_class = config_from_environment()
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder="static",
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.from_object(config_class)
    _refuse_unsafe_production(app)
    _trust_proxies(app)
    logging.basicConfig(level=app.config["LOG_LEVEL"])

    db.init_app(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_hooks(app)
    from app import errors, mailer, templating

    errors.init_app(app)
    mailer.init_app(app)
    templating.init_app(app)
    return app


def _refuse_unsafe_production(app: Flask) -> None:
    """SE-10: production never runs with the development key or a short one."""
    if app.config["ENV_NAME"] != "production":
        return
    key = app.config["SECRET_KEY"]
    if not key or key == DEV_SECRET_KEY or len(key) < 32:
        raise RuntimeError("SECRET_KEY must be set to a random value of at least 32 characters in production")


def _trust_proxies(app: Flask) -> None:
    """Behind a reverse proxy, trust exactly PROXY_FIX_COUNT hops of X-Forwarded-* headers."""
    count = app.config["PROXY_FIX_COUNT"]
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_prefix=count
        )


def _init_extensions(app: Flask) -> None:
    from app.auth.loader import init_login

    init_login(app)
    csrf.init_app(app)
    from app.i18n import select_locale, select_timezone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from app.account.views import bp as account_bp
    from app.auth.views import bp as auth_bp
    from app.calendar.views import bp as calendar_bp
    from app.groups.views import bp as groups_bp
    from app.main.views import bp as main_bp
    from app.manage.views import bp as manage_bp
    from app.notes.views import bp as notes_bp
    from app.registrations.views import bp as registrations_bp
    from app.synthesis.views import bp as synthesis_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(registrations_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(notes_bp)
    app.register_blueprint(synthesis_bp)


def _register_cli(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)


def _register_hooks(app: Flask) -> None:
    @app.before_request
    def _csp_nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        return apply_security_headers(response)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def apply_security_headers(response: Response) -> Response:
    """HD-01..05: CSP without inline scripts, nosniff, referrer policy, no-store when private."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    is_download = "attachment" in response.headers.get("Content-Disposition", "")
    signed_in = request.endpoint != "static" and current_user.is_authenticated
    if signed_in or is_download or request.path.startswith("/calendrier/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response
