"""Language and time zone selection: French by default, English on request (remembered)."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import get_locale, gettext, lazy_gettext
from flask_babel import ngettext as babel_ngettext
from flask_login import current_user

LANGUAGE_COOKIE = "ateliers_lang"


def select_locale() -> str:
    """The signed-in person's language, else the footer switch cookie, else French."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if request.endpoint != "static" and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def current_language() -> str:
    """The language texts are being rendered in now (« fr » outside a request)."""
    return str(get_locale() or "fr")


def select_timezone() -> str:
    """Times are always shown in Europe/Paris."""
    return "Europe/Paris"


def _(message: str, **variables: Any) -> str:
    """Translate now (typed wrapper around flask_babel.gettext)."""
    return str(gettext(message, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Translate now, choosing the singular or plural form by `num` (also `%(num)d` in the text)."""
    return str(babel_ngettext(singular, plural, num, **variables))


def _l(message: str, **variables: Any) -> Any:
    """Translate lazily, when the text is rendered (for module-level labels)."""
    return lazy_gettext(message, **variables)
