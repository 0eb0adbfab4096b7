"""« Mon sous-groupe »: a participant's own group in each published round, never another group."""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue

from app.db import get_session
from app.groups.blueprint import bp
from app.manage.access import actor
from app.models import Workshop
from app.policies import log_denied, signed_in
from app.services import group_reports, grouping
from app.services.errors import NotFound


@bp.get("/ateliers/<int:workshop_id>/mon-sous-groupe")
@signed_in
def mine(workshop_id: int) -> ResponseReturnValue:
    """The person's group, table, role and peers per published round (as the attribution mode allows)."""
    session = get_session()
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        abort(404)
    try:
        view = group_reports.my_groups(session, workshop, actor())
    except NotFound:
        log_denied("groups of a workshop the person is not registered to", workshop_id)
        abort(404)
    return render_template(
        "groups/mine.html", workshop=workshop, view=view, role_labels=grouping.role_choices()
    )


@bp.app_template_global()
def groups_published(workshop_id: int) -> bool:
    """For the participant's pages: show « Mon sous-groupe » once groups are published."""
    return grouping.is_published(get_session(), workshop_id)


@bp.app_template_filter()
def short_profile(profile: str) -> str:
    """A short label of an actor profile, for badges."""
    return group_reports.short_profile(profile)
