"""What every groups view answers with: the page (possibly with an error), or a redirect to it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm.exc import StaleDataError

from app.db import get_session, utcnow
from app.groups.forms import GenerateForm, GroupExportForm, RolesForm
from app.i18n import _
from app.models import Workshop
from app.policies import log_denied
from app.services import group_reports, grouping, roster
from app.services.errors import DomainError, NotFound
from app.services.programmes import StaleEdit

PARIS = ZoneInfo("Europe/Paris")


def takes_place_today(workshop: Workshop) -> bool:
    """True when today, in Paris, is one of the workshop's days (check-in counts are « today's »)."""
    today = utcnow().astimezone(PARIS).date()
    return workshop.starts_at.astimezone(PARIS).date() <= today <= workshop.ends_at.astimezone(PARIS).date()


def render_page(
    workshop: Workshop,
    *,
    form: GenerateForm | None = None,
    roles_forms: dict[int, RolesForm] | None = None,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The groups page: the criteria form, then the plan (or an error above it, input kept)."""
    session = get_session()
    plan = group_reports.plan_view(session, workshop)
    if form is None:
        form = GenerateForm(formdata=None)
        form.fill(plan.settings)
    # Always the current versions: after a 409 the person can simply send again.
    form.version.data = plan.token
    return (
        render_template(
            "groups/manage.html",
            workshop=workshop,
            plan=plan,
            form=form,
            counts=roster.counts(session, workshop),
            today=takes_place_today(workshop),
            export_form=GroupExportForm(formdata=None),
            roles_forms=roles_forms or {},
            role_labels=grouping.role_choices(),
            error=error,
            stale=status == 409,
        ),
        status,
    )


def failure(workshop: Workshop, error: Exception, **kwargs: object) -> ResponseReturnValue:
    """Undo the transaction and show why: 404 for a forged id, 409 when stale, 400 otherwise."""
    session = get_session()
    session.rollback()
    if isinstance(error, NotFound):
        log_denied("group object of another workshop or unknown", workshop.id)
        abort(404)
    if isinstance(error, StaleEdit | StaleDataError):
        message = (
            str(error.message)
            if isinstance(error, StaleEdit)
            else _(
                "Les sous-groupes ont été modifiés entre-temps : rien n'a été enregistré. "
                "Voici la version actuelle."
            )
        )
        return render_page(workshop, error=message, status=409, **kwargs)  # type: ignore[arg-type]
    assert isinstance(error, DomainError)
    return render_page(workshop, error=str(error.message), status=400, **kwargs)  # type: ignore[arg-type]


def back(workshop_id: int, anchor: str | None = None) -> ResponseReturnValue:
    """PRG: back to the groups page (at a card when given)."""
    return redirect(url_for("groups.manage", workshop_id=workshop_id, _anchor=anchor))
