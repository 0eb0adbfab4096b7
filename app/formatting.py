"""Dates and times as readers expect them, in Europe/Paris (French first): one place for pages,
e-mails and exported documents alike."""

from __future__ import annotations

import datetime as dt

from flask_babel import format_date, format_datetime, get_locale


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
