"""Back office: create, show and edit programmes."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm.exc import StaleDataError

from app.db import get_session
from app.i18n import _
from app.manage.access import actor, attach_errors, managed_programme, public_programme_url
from app.manage.blueprint import bp
from app.manage.forms import ConfirmForm, ProgrammeForm, choices_of
from app.models import Programme
from app.policies import facilitator
from app.services import programmes, roster
from app.services.programmes import InvalidInput, StaleEdit


def _form(programme: Programme | None = None) -> ProgrammeForm:
    """The programme form with the facilitator accounts as choices (pre-filled when editing)."""
    session = get_session()
    if programme is None:
        form = ProgrammeForm()
    else:
        form = ProgrammeForm(
            data={
                "title": programme.title,
                "slug": programme.slug,
                "description": programme.description,
                "start_date": programme.start_date,
                "end_date": programme.end_date,
                "organisations": "\n".join(org.name for org in programme.organisations),
                "facilitators": [link.user.email for link in programme.facilitator_links if link.user.email],
                "visibility": programme.visibility,
                "version": str(programme.version),
            }
        )
    form.facilitators.choices = choices_of(
        [
            (user.email or "", f"{user.full_name} ({user.email})")
            for user in programmes.facilitator_accounts(session)
        ]
    )
    return form


def _version(form: ProgrammeForm) -> int:
    try:
        return int(form.version.data or "")
    except ValueError:
        return -1


def _render(
    form: ProgrammeForm, programme: Programme | None, status: int = 200, stale: bool = False
) -> ResponseReturnValue:
    return render_template("manage/programme_form.html", form=form, programme=programme, stale=stale), status


@bp.get("/parcours/nouveau")
@facilitator
def new_programme() -> ResponseReturnValue:
    """Empty programme form; the person creating it is pre-selected as facilitator."""
    form = _form()
    if actor().email:
        form.facilitators.data = [actor().email]
    return _render(form, None)


@bp.post("/parcours/nouveau")
@facilitator
def create_programme() -> ResponseReturnValue:
    """Create the programme and go to its page."""
    form = _form()
    if not form.validate():
        return _render(form, None, 400)
    session = get_session()
    try:
        programme = programmes.create_programme(session, actor(), form.to_input())
        session.commit()
    except InvalidInput as error:
        session.rollback()
        attach_errors(form, error.errors)
        return _render(form, None, 400)
    flash(_("Le parcours « %(title)s » a été créé.", title=programme.title), "success")
    return redirect(url_for("manage.programme", programme_id=programme.id))


@bp.get("/parcours/<int:programme_id>")
@facilitator
def programme(programme_id: int) -> ResponseReturnValue:
    """A programme: its facilitators, organisations, shareable link and workshops with counts."""
    found = managed_programme(programme_id)
    return render_template(
        "manage/programme.html",
        programme=found,
        counts=roster.counts_by_workshop(get_session(), found.workshops),
        public_url=public_programme_url(found),
        link_form=ConfirmForm(),
    )


@bp.get("/parcours/<int:programme_id>/modifier")
@facilitator
def edit_programme(programme_id: int) -> ResponseReturnValue:
    """The programme form, pre-filled, carrying the version it was read at."""
    found = managed_programme(programme_id)
    return _render(_form(found), found)


@bp.post("/parcours/<int:programme_id>/modifier")
@facilitator
def update_programme(programme_id: int) -> ResponseReturnValue:
    """Save the edit; a stale one answers 409 with the typed values kept (REL-01)."""
    found = managed_programme(programme_id)
    form = _form()
    if not form.validate():
        return _render(form, found, 400)
    session = get_session()
    try:
        programmes.update_programme(session, actor(), programme_id, form.to_input(), _version(form))
        session.commit()
    except InvalidInput as error:
        session.rollback()
        attach_errors(form, error.errors)
        return _render(form, found, 400)
    except (StaleEdit, StaleDataError):
        session.rollback()
        session.refresh(found)
        # The next save is a deliberate choice made after seeing the warning: accept it then.
        form.version.data = str(found.version)
        return _render(form, found, 409, stale=True)
    flash(_("Le parcours a été enregistré."), "success")
    return redirect(url_for("manage.programme", programme_id=programme_id))


@bp.post("/parcours/<int:programme_id>/lien")
@facilitator
def rotate_link(programme_id: int) -> ResponseReturnValue:
    """Replace the secret link of a link-only programme (the old link stops working)."""
    managed_programme(programme_id)
    session = get_session()
    programmes.rotate_link(session, actor(), programme_id)
    session.commit()
    flash(_("Un nouveau lien de partage a été créé ; l'ancien ne fonctionne plus."), "success")
    return redirect(url_for("manage.programme", programme_id=programme_id))
