"""Route access policies (AC-01): every view declares who may call it."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user

from app.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])

POLICY_ATTRIBUTE = "access_policy"
POLICIES = ("public", "signed_in", "facilitator", "admin", "token")

security_log = logging.getLogger("ateliers.security")


def _mark(view: Callable[..., Any], name: str) -> None:
    setattr(view, POLICY_ATTRIBUTE, name)


def public(view: F) -> F:
    """Anyone may call this route."""
    _mark(view, "public")
    return view


def token(view: F) -> F:
    """Anyone holding the secret token in the URL may call this route (the view checks it)."""
    _mark(view, "token")
    return view


def log_denied(reason: str, object_id: object = None) -> None:
    """Log a refused access attempt: user, route, object id (AC-10), never content."""
    user_id = current_user.get_id().split(":", 1)[0] if current_user.is_authenticated else "anonymous"
    security_log.warning(
        "access denied: user=%s route=%s object=%s reason=%s", user_id, request.path, object_id, reason
    )


def _require(check: Callable[[], bool], name: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not check():
                log_denied(f"policy {name}")
                abort(403)
            return view(*args, **kwargs)

        _mark(wrapper, name)
        return wrapper  # type: ignore[return-value]

    return decorator


signed_in = _require(lambda: True, "signed_in")
signed_in.__doc__ = "Any signed-in person."
facilitator = _require(lambda: bool(current_user.is_facilitator), "facilitator")
facilitator.__doc__ = "Facilitators and admins; the view then checks the programme (AC-06)."
admin = _require(lambda: bool(current_user.is_admin), "admin")
admin.__doc__ = "Administrators only."


def policy_of(view: Callable[..., Any]) -> str | None:
    """The declared policy of a view function, if any."""
    return getattr(view, POLICY_ATTRIBUTE, None)
