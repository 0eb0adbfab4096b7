"""The published synthesis, for the participants of the programme (and its facilitators)."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from app.db import get_session
from app.exports.synthesis_model import Chart, Count
from app.manage.access import actor
from app.models import Programme, Workshop
from app.policies import log_denied, signed_in
from app.services import synthesis
from app.synthesis.blueprint import bp
from app.synthesis.rendering import chart_svg, markdown_html


def _chart_svgs(snapshot: dict[str, Any]) -> list[Markup]:
    result = []
    for item in snapshot.get("charts", []):
        bars = tuple(Count(str(bar["label"]), int(bar["value"])) for bar in item.get("bars", []))
        result.append(chart_svg(Chart(str(item.get("key", "")), str(item.get("title", "")), bars)))
    return result


def _show(scope: synthesis.Scope, object_id: int) -> ResponseReturnValue:
    session = get_session()
    if not synthesis.may_read_published(session, actor(), scope.programme):
        log_denied("published synthesis of a programme the person does not follow", object_id)
        abort(404)
    publication = synthesis.latest_publication(session, scope)
    if publication is None:
        return render_template("synthesis/not_published.html", scope=scope)
    snapshot = publication.snapshot
    return render_template(
        "synthesis/published.html",
        scope=scope,
        publication=publication,
        data=snapshot,
        charts=_chart_svgs(snapshot),
        markdown_html=markdown_html,
    )


@bp.app_template_global()
def synthesis_published(workshop_id: int) -> bool:
    """For the participants' pages: link to the synthesis once a version is published."""
    workshop = get_session().get(Workshop, workshop_id)
    return (
        workshop is not None
        and synthesis.latest_publication(get_session(), synthesis.workshop_scope(workshop)) is not None
    )


@bp.get("/ateliers/<int:workshop_id>/synthese")
@signed_in
def published(workshop_id: int) -> ResponseReturnValue:
    """The latest published synthesis of a workshop, exactly as it was published."""
    workshop = get_session().get(Workshop, workshop_id)
    if workshop is None:
        abort(404)
    return _show(synthesis.workshop_scope(workshop), workshop_id)


@bp.get("/parcours/<int:programme_id>/synthese")
@signed_in
def programme_published(programme_id: int) -> ResponseReturnValue:
    """The latest published roll-up of a programme."""
    programme = get_session().get(Programme, programme_id)
    if programme is None:
        abort(404)
    return _show(synthesis.programme_scope(get_session(), programme), programme_id)


@bp.app_template_global()
def programme_synthesis_readable(programme_id: int) -> bool:
    """For the programme page (signed-in people only): link to the roll-up once published, for the
    people who may read it."""
    session = get_session()
    programme = session.get(Programme, programme_id)
    if programme is None or not synthesis.may_read_published(session, actor(), programme):
        return False
    return synthesis.latest_publication(session, synthesis.programme_scope(session, programme)) is not None
