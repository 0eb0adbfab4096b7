"""Back office: the dashboard; the other pages live in the sibling modules imported below."""

from __future__ import annotations

from flask import render_template

from app.db import get_session
from app.manage import (  # noqa: F401 - importing registers each module's routes on `bp`
    checkin_views,
    export_views,
    import_views,
    programme_views,
    registration_views,
    user_views,
    workshop_views,
)
from app.manage.access import actor
from app.manage.blueprint import bp
from app.policies import facilitator
from app.services import programmes, roster

__all__ = ["bp"]


@bp.get("/")
@facilitator
def index() -> str:
    """The programmes the person manages (all for admins), their workshops and counts."""
    session = get_session()
    managed = programmes.manageable_programmes(session, actor())
    workshops = [workshop for programme in managed for workshop in programme.workshops]
    return render_template(
        "manage/index.html",
        programmes=managed,
        counts=roster.counts_by_workshop(session, workshops),
    )
