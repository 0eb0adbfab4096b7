"""Back office: create and edit workshops (times typed in Paris time, stored in UTC)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm.exc import StaleDataError

from app.db import get_session
from app.i18n import _
from app.manage.access import actor, attach_errors, managed_programme, managed_workshop
from app.manage.blueprint import bp
from app.manage.forms import WorkshopForm
from app.models import Programme, Workshop
from app.policies import facilitator
from app.services import programmes, roster
from app.services.errors import DomainError
from app.services.programmes import InvalidInput, StaleEdit


def _prefilled(workshop: Workshop) -> WorkshopForm:
    data: dict[str, Any] = {
        "title": workshop.title,
        "description": workshop.description,
        "format": workshop.format,
        "starts_at": workshop.starts_at,
        "ends_at": workshop.ends_at,
        "place": workshop.place,
        "online_url": workshop.online_url,
        "capacity": workshop.capacity,
        "registration_opens_at": workshop.registration_opens_at,
        "registration_closes_at": workshop.registration_closes_at,
        "note_categories": list(workshop.note_categories),
        "attribution_mode": workshop.attribution_mode,
        "version": str(workshop.version),
    }
    data.update({f"quota_{quota.actor_profile}": quota.seats for quota in workshop.quotas})
    return WorkshopForm(data=data)


def _render(
    form: WorkshopForm,
    programme: Programme,
    workshop: Workshop | None,
    status: int = 200,
    stale: bool = False,
) -> ResponseReturnValue:
    confirmed = roster.counts(get_session(), workshop).confirmed if workshop is not None else 0
    return (
        render_template(
            "manage/workshop_form.html",
            form=form,
            programme=programme,
            workshop=workshop,
            confirmed=confirmed,
            stale=stale,
        ),
        status,
    )


def _version(form: WorkshopForm) -> int:
    try:
        return int(form.version.data or "")
    except ValueError:
        return -1


@bp.get("/parcours/<int:programme_id>/ateliers/nouveau")
@facilitator
def new_workshop(programme_id: int) -> ResponseReturnValue:
    """Empty workshop form (every note category ticked)."""
    programme = managed_programme(programme_id)
    return _render(WorkshopForm(), programme, None)


@bp.post("/parcours/<int:programme_id>/ateliers/nouveau")
@facilitator
def create_workshop(programme_id: int) -> ResponseReturnValue:
    """Create the workshop and open its registrations page."""
    programme = managed_programme(programme_id)
    form = WorkshopForm()
    if not form.validate():
        return _render(form, programme, None, 400)
    session = get_session()
    try:
        workshop = programmes.create_workshop(session, actor(), programme_id, form.to_input())
        session.commit()
    except InvalidInput as error:
        session.rollback()
        attach_errors(form, error.errors)
        return _render(form, programme, None, 400)
    flash(_("L'atelier « %(title)s » a été créé.", title=workshop.title), "success")
    return redirect(url_for("manage.workshop", workshop_id=workshop.id))


@bp.get("/ateliers/<int:workshop_id>/modifier")
@facilitator
def edit_workshop(workshop_id: int) -> ResponseReturnValue:
    """The workshop form, pre-filled in Paris time, carrying the version it was read at."""
    workshop = managed_workshop(workshop_id)
    return _render(_prefilled(workshop), workshop.programme, workshop)


@bp.post("/ateliers/<int:workshop_id>/modifier")
@facilitator
def update_workshop(workshop_id: int) -> ResponseReturnValue:
    """Save the edit: nothing changes on any error; a stale edit answers 409 with the input kept."""
    workshop = managed_workshop(workshop_id)
    form = WorkshopForm()
    if not form.validate():
        return _render(form, workshop.programme, workshop, 400)
    session = get_session()
    try:
        _saved, promoted = programmes.update_workshop(
            session, actor(), workshop_id, form.to_input(), _version(form)
        )
        session.commit()
    except InvalidInput as error:
        session.rollback()
        attach_errors(form, error.errors)
        return _render(form, workshop.programme, workshop, 400)
    except (StaleEdit, StaleDataError):
        session.rollback()
        session.refresh(workshop)
        form.version.data = str(workshop.version)
        return _render(form, workshop.programme, workshop, 409, stale=True)
    except DomainError as error:
        session.rollback()
        attach_errors(form, {error.field or "title": str(error.message)})
        return _render(form, workshop.programme, workshop, 400)
    flash(_("L'atelier a été enregistré."), "success")
    if promoted:
        flash(
            _(
                "Personnes de la liste d'attente qui ont obtenu une place (prévenues par e-mail) : "
                "%(count)s.",
                count=len(promoted),
            ),
            "success",
        )
    return redirect(url_for("manage.workshop", workshop_id=workshop_id))
