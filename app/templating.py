"""Jinja filters and globals: French dates in Europe/Paris, labels of reference lists."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import get_locale

from app import domain
from app.formatting import date_long, date_short, datetime_long, time_only


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
