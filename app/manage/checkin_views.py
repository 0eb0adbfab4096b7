"""Back office: the day's check-in, made for a phone (one tap per person, walk-ins)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.db import get_session
from app.i18n import _
from app.manage.access import actor, attach_errors, invitation_ttl, managed_workshop
from app.manage.blueprint import bp
from app.manage.forms import AttendanceForm, WalkInForm
from app.models import Workshop
from app.policies import facilitator
from app.services import roster
from app.services.errors import DomainError, NotFound

SEARCH_MAX = 100


def _render(workshop: Workshop, walk_in_form: WalkInForm, status: int = 200) -> ResponseReturnValue:
    search = request.args.get("q", "").strip()[:SEARCH_MAX]
    session = get_session()
    lines = roster.roster(session, workshop.id, roster.RosterFilters(search=search))
    return (
        render_template(
            "manage/checkin.html",
            workshop=workshop,
            search=search,
            confirmed=[line for line in lines if line.registration.status == "confirmed"],
            waitlisted=[line for line in lines if line.registration.status == "waitlisted"],
            counts=roster.counts(session, workshop),
            action_form=AttendanceForm(formdata=None),
            walk_in_form=walk_in_form,
        ),
        status,
    )


def _back(workshop_id: int, search: str, registration_id: int | None = None) -> ResponseReturnValue:
    anchor = f"r-{registration_id}" if registration_id else None
    return redirect(url_for("manage.checkin", workshop_id=workshop_id, q=search or None, _anchor=anchor))


@bp.get("/ateliers/<int:workshop_id>/pointage")
@facilitator
def checkin(workshop_id: int) -> ResponseReturnValue:
    """People expected today, searchable by name, with present / absent buttons and a walk-in form."""
    return _render(managed_workshop(workshop_id), WalkInForm(formdata=None))


@bp.post("/ateliers/<int:workshop_id>/pointage/<int:registration_id>")
@facilitator
def mark_attendance(workshop_id: int, registration_id: int) -> ResponseReturnValue:
    """One tap: present, absent or back to « to check »; back to the same person in the list."""
    managed_workshop(workshop_id)
    form = AttendanceForm()
    if not form.validate():
        abort(400)
    session = get_session()
    search = (form.q.data or "").strip()
    try:
        seat = roster.set_attendance(session, workshop_id, registration_id, form.attendance.data, actor())
        session.commit()
    except NotFound:
        session.rollback()
        abort(404)
    except DomainError as error:
        session.rollback()
        flash(str(error.message), "error")
    else:
        name = seat.user.full_name
        messages = {
            "present": _("%(name)s : présence notée.", name=name),
            "absent": _("%(name)s : absence notée.", name=name),
            "unknown": _("%(name)s : pointage remis à faire.", name=name),
        }
        flash(messages[seat.attendance], "success")
    return _back(workshop_id, search, registration_id)


@bp.post("/ateliers/<int:workshop_id>/pointage/sur-place")
@facilitator
def walk_in(workshop_id: int) -> ResponseReturnValue:
    """Someone came without a seat: confirmed and present at once, even past capacity."""
    found = managed_workshop(workshop_id)
    form = WalkInForm()
    if not form.validate():
        return _render(found, form, 400)
    session = get_session()
    try:
        seat = roster.walk_in(session, found, actor(), form.to_person(), invitation_ttl_s=invitation_ttl())
        session.commit()
    except DomainError as error:
        session.rollback()
        attach_errors(form, {error.field or "last_name": str(error.message)})
        return _render(found, form, 400)
    flash(_("%(name)s est accueillie ou accueilli : présence notée.", name=seat.user.full_name), "success")
    return _back(workshop_id, "", seat.id)
