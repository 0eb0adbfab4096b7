"""Jinja filters and globals: French dates in Europe/Paris, labels of reference lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale

from app import domain


def _is_french() -> bool:
    return str(get_locale() or "fr").startswith("fr")


def datetime_long(value: dt.datetime | None) -> str:
    """« jeudi 6 novembre 2026, 14 h 30 » in French, Paris time."""
    if value is None:
        return ""
    pattern = "EEEE d MMMM y, H 'h' mm" if _is_french() else "EEEE d MMMM y, HH:mm"
    return str(format_datetime(value, pattern))


def date_long(value: dt.date | dt.datetime | None) -> str:
    """« 6 novembre 2026 »."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return str(format_datetime(value, "d MMMM y"))
    return str(format_date(value, "d MMMM y"))


def time_only(value: dt.datetime | None) -> str:
    """« 14 h 30 » in French, « 14:30 » in English, Paris time."""
    if value is None:
        return ""
    return str(format_datetime(value, "H 'h' mm" if _is_french() else "HH:mm"))


def date_short(value: dt.datetime | None) -> str:
    """« 06/11/2026 »."""
    if value is None:
        return ""
    return str(format_datetime(value, "dd/MM/y"))


def _label(mapping: dict[str, object]) -> Any:
    def label(value: str | None) -> str:
        if value is None:
            return ""
        return str(mapping.get(value, value))

    return label


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(
        datetime_long=datetime_long,
        date_long=date_long,
        date_short=date_short,
        time_only=time_only,
        profile_label=_label(domain.ACTOR_PROFILES),
        format_label=_label(domain.WORKSHOP_FORMATS),
        status_label=_label(domain.REGISTRATION_STATUSES),
        attendance_label=_label(domain.ATTENDANCES),
        attribution_label=_label(domain.ATTRIBUTION_MODES),
        category_label=_label(domain.NOTE_CATEGORIES),
        role_label=_label(domain.ROLE_LABELS),
        consent_label=_label(domain.CONSENT_PURPOSES),
    )
    app.jinja_env.globals.update(domain=domain, current_locale=lambda: str(get_locale() or "fr"))
