"""Back office: a workshop's registrations (filters, manual add, promote, cancel with a reason)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app import domain
from app.db import get_session
from app.i18n import _
from app.manage.access import actor, attach_errors, invitation_ttl, managed_workshop
from app.manage.blueprint import bp
from app.manage.forms import CancelForm, ConfirmForm, ExportForm, FilterForm, ManualAddForm
from app.models import Workshop
from app.policies import facilitator
from app.services import roster
from app.services.errors import DomainError, NotFound

# The add form shares the page with the filters: prefixed names keep every id unique.
ADD_PREFIX = "ajout"


def _render_workshop(workshop: Workshop, add_form: ManualAddForm, status: int = 200) -> ResponseReturnValue:
    filters = FilterForm(formdata=request.args)
    session = get_session()
    return (
        render_template(
            "manage/workshop.html",
            workshop=workshop,
            lines=roster.roster(session, workshop.id, filters.to_filters()),
            counts=roster.counts(session, workshop),
            filters=filters,
            filtered=any(request.args.get(name) for name in ("profil", "organisation", "statut")),
            add_form=add_form,
            action_form=ConfirmForm(),
            export_form=ExportForm(formdata=None),
            export_columns=roster.export_column_labels(),
            named_columns=roster.NAMED_COLUMNS + roster.PRIVATE_COLUMNS,
        ),
        status,
    )


@bp.get("/ateliers/<int:workshop_id>")
@facilitator
def workshop(workshop_id: int) -> ResponseReturnValue:
    """Registrations of a workshop with filters, counts and the actions of each row."""
    return _render_workshop(managed_workshop(workshop_id), ManualAddForm(formdata=None, prefix=ADD_PREFIX))


@bp.post("/ateliers/<int:workshop_id>/inscriptions")
@facilitator
def add_registration(workshop_id: int) -> ResponseReturnValue:
    """Add a person by e-mail (a new account is invited); a seat if one is free, else the waitlist."""
    found = managed_workshop(workshop_id)
    form = ManualAddForm(prefix=ADD_PREFIX)
    if not form.validate():
        return _render_workshop(found, form, 400)
    session = get_session()
    try:
        enrolment = roster.add_manually(
            session, found, actor(), form.to_person(), invitation_ttl_s=invitation_ttl()
        )
        session.commit()
    except DomainError as error:
        session.rollback()
        attach_errors(form, {error.field or "email": str(error.message)})
        return _render_workshop(found, form, 400)
    status = str(domain.REGISTRATION_STATUSES[enrolment.registration.status])
    message = _("%(email)s a été ajoutée ou ajouté : %(status)s.", email=form.email.data, status=status)
    if enrolment.account_created:
        message += " " + _("Un compte a été créé et une invitation envoyée par e-mail.")
    flash(message, "success")
    return redirect(url_for("manage.workshop", workshop_id=workshop_id))


@bp.post("/ateliers/<int:workshop_id>/inscriptions/<int:registration_id>/promouvoir")
@facilitator
def promote(workshop_id: int, registration_id: int) -> ResponseReturnValue:
    """Give a seat to one person of the waitlist, even past capacity (logged, e-mailed)."""
    managed_workshop(workshop_id)
    session = get_session()
    try:
        promoted = roster.promote(session, workshop_id, registration_id, actor())
        session.commit()
    except NotFound:
        session.rollback()
        abort(404)
    except DomainError as error:
        session.rollback()
        flash(str(error.message), "error")
    else:
        flash(_("%(name)s a maintenant une place confirmée.", name=promoted.user.full_name), "success")
    return redirect(url_for("manage.workshop", workshop_id=workshop_id, _anchor=f"r-{registration_id}"))


@bp.get("/ateliers/<int:workshop_id>/inscriptions/<int:registration_id>/annuler")
@facilitator
def confirm_cancel(workshop_id: int, registration_id: int) -> ResponseReturnValue:
    """Ask for the reason before cancelling a registration."""
    found = managed_workshop(workshop_id)
    try:
        registration = roster.registration_in(get_session(), workshop_id, registration_id)
    except NotFound:
        abort(404)
    return render_template(
        "manage/cancel.html", workshop=found, registration=registration, form=CancelForm(formdata=None)
    )


@bp.post("/ateliers/<int:workshop_id>/inscriptions/<int:registration_id>/annuler")
@facilitator
def cancel(workshop_id: int, registration_id: int) -> ResponseReturnValue:
    """Cancel with the stated reason (audit log); a freed seat goes to the waitlist."""
    found = managed_workshop(workshop_id)
    session = get_session()
    try:
        registration = roster.registration_in(session, workshop_id, registration_id)
    except NotFound:
        abort(404)
    form = CancelForm()
    if form.validate():
        try:
            roster.cancel(session, workshop_id, registration_id, actor(), form.reason.data or "")
            session.commit()
        except DomainError as error:
            session.rollback()
            attach_errors(form, {error.field or "reason": str(error.message)})
        else:
            flash(_("Inscription annulée : %(name)s.", name=registration.user.full_name), "success")
            return redirect(url_for("manage.workshop", workshop_id=workshop_id))
    return render_template("manage/cancel.html", workshop=found, registration=registration, form=form), 400
