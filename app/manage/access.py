"""Helpers shared by the back-office views: the current actor, object-level access (AC-06)."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import abort, current_app, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError

from app.db import get_session
from app.models import Programme, User, Workshop
from app.policies import log_denied
from app.services import programmes
from app.services.errors import NotFound


def actor() -> User:
    """The signed-in person as a real User (not the proxy), to pass to services."""
    user: User = current_user._get_current_object()
    return user


def _not_found(error: NotFound, kind: str, object_id: int) -> NoReturn:
    # Someone else's programme looks exactly like a missing one (404), but the attempt is logged.
    if isinstance(error, programmes.AccessDenied):
        log_denied(f"not a facilitator of this {kind}", object_id)
    abort(404)


def managed_programme(programme_id: int) -> Programme:
    """The programme if the current person manages it, else 404 (logged when it exists)."""
    try:
        return programmes.programme_for(get_session(), actor(), programme_id)
    except NotFound as error:
        _not_found(error, "programme", programme_id)


def managed_workshop(workshop_id: int) -> Workshop:
    """The workshop if the current person manages its programme, else 404 (logged when it exists)."""
    try:
        return programmes.workshop_for(get_session(), actor(), workshop_id)
    except NotFound as error:
        _not_found(error, "workshop", workshop_id)


def attach_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Show service errors next to their fields; errors of unknown fields go on the form."""
    for name, message in errors.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            form.form_errors.append(message)


def invitation_ttl() -> int:
    """Lifetime of an invitation link, from the configuration."""
    return int(current_app.config["INVITATION_TTL_S"])


def public_programme_url(programme: Programme) -> str:
    """The programme's public address (with its secret key when link-only), on the public base URL.

    Built on PUBLIC_URL rather than the request's Host header, so a shared link is never poisoned.
    """
    params: dict[str, Any] = {"slug": programme.slug}
    if programme.visibility == "link_only":
        params["cle"] = programme.link_token
    try:
        path = url_for("main.programme", **params)
    except BuildError:
        # The public programme page belongs to another blueprint; keep the agreed URL meanwhile.
        path = f"/parcours/{programme.slug}" + (
            f"?cle={programme.link_token}" if programme.visibility == "link_only" else ""
        )
    return str(current_app.config["SERVER_NAME_URL"]).rstrip("/") + path
