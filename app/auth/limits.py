"""Throttling of sign-in, sign-up and reset requests (RL-01, RL-02) with Flask-Limiter.

Limits are windows, never permanent lockouts; each can be tuned through the app config
(`LOGIN_LIMIT_PER_IP`, ...). The storage is `RATELIMIT_STORAGE_URI` (Redis in production, so that
every worker process shares the counts).
"""

from __future__ import annotations

from flask import current_app, request
from werkzeug.wrappers import Response

DEFAULTS = {
    # Failed sign-ins only: a shared office IP should not lock out its colleagues.
    "LOGIN_LIMIT_PER_IP": "30 per 15 minutes",
    "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
    # Every sign-up attempt counts: the duplicate-address error must not become an enumeration oracle.
    "SIGNUP_LIMIT_PER_IP": "20 per hour",
    "RESET_LIMIT_PER_IP": "10 per hour",
    "RESET_LIMIT_PER_EMAIL": "3 per hour",
}


def _setting(name: str) -> str:
    return str(current_app.config.get(name, DEFAULTS[name]))


def login_per_ip() -> str:
    """Failed sign-ins allowed per IP address and window."""
    return _setting("LOGIN_LIMIT_PER_IP")


def login_per_account() -> str:
    """Failed sign-ins allowed per submitted address and window."""
    return _setting("LOGIN_LIMIT_PER_ACCOUNT")


def signup_per_ip() -> str:
    """Sign-up attempts allowed per IP address and window."""
    return _setting("SIGNUP_LIMIT_PER_IP")


def reset_per_ip() -> str:
    """Reset requests allowed per IP address and window."""
    return _setting("RESET_LIMIT_PER_IP")


def reset_per_email() -> str:
    """Reset requests allowed per submitted address and window."""
    return _setting("RESET_LIMIT_PER_EMAIL")


def submitted_email() -> str:
    """Rate-limit key of the address typed in the form (the account, existing or not)."""
    email = request.form.get("email", "").strip().lower()[:254]
    return f"email:{email or '-'}"


def failed(response: Response) -> bool:
    """A sign-in failed when it did not end with a redirect."""
    return not 300 <= response.status_code < 400
