"""Views of the calendar blueprint: the personal calendar feed behind a secret URL."""

from __future__ import annotations

from flask import Blueprint, abort
from werkzeug.wrappers import Response

from app import policies
from app.db import get_session
from app.services import calendar_feed

bp = Blueprint("calendar", __name__)


@bp.get("/calendrier/<token>.ics")
@policies.token
def feed(token: str) -> Response:
    """Every confirmed workshop of the person holding this secret token, as iCalendar."""
    session = get_session()
    user = calendar_feed.user_for_token(session, token)
    if user is None:
        abort(404)
    response = Response(calendar_feed.feed_bytes(session, user), content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="ateliers.ics"'
    # A secret URL: never cached on the way nor indexed.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
