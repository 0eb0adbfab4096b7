"""The participant's note space as plain pages: every action is a form, answered by a redirect (PRG).

The page works fully without JavaScript; `notes.js` enhances it with the JSON API of `api.py`
(same services, same rules). A refused form comes back with what was typed (REL-11).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from app.db import get_session
from app.i18n import _
from app.manage.access import actor
from app.models import Workshop
from app.notes import api, manage_views  # noqa: F401 - registers routes
from app.notes.blueprint import bp
from app.notes.forms import EditNoteForm, EmptyForm, ModerateForm, NoteForm, SummaryForm, VersionForm
from app.notes.page import note_space_of, prepare, render_space, space_or_404
from app.policies import log_denied, signed_in
from app.services import notes
from app.services.errors import DomainError, NotFound
from app.services.programmes import InvalidInput

__all__ = ["bp"]


def _back(group_id: int, anchor: str | None = None) -> ResponseReturnValue:
    return redirect(url_for("notes.space", group_id=group_id, _anchor=anchor))


def _first_error(form: NoteForm | EditNoteForm | SummaryForm | VersionForm) -> str:
    for name, errors in form.errors.items():
        if name == "csrf_token":
            return _("Le formulaire a expiré : votre texte est repris ci-dessous, renvoyez-le.")
        if errors:
            return str(errors[0])
    return _("La demande est incomplète.")


def _refused(space: notes.Space, error: DomainError, **forms: object) -> ResponseReturnValue:
    """Undo, then show the space again with the person's text and why (403 / 400 / 409)."""
    get_session().rollback()
    if isinstance(error, NotFound):
        log_denied("note of another group or unknown", space.group.id)
        abort(404)
    if isinstance(error, notes.Forbidden):
        log_denied("note action refused", space.group.id)
        status = 403
    elif isinstance(error, notes.NoteConflict):
        status = 409
    else:
        status = 400
    return render_space(space, error=str(error.message), status=status, **forms)  # type: ignore[arg-type]


@bp.get("/ateliers/<int:workshop_id>/notes")
@signed_in
def current(workshop_id: int) -> ResponseReturnValue:
    """The person's note space in the workshop's current round, or why there is none yet."""
    session = get_session()
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        abort(404)
    group_id = notes.current_group_id(session, actor(), workshop)
    if group_id is None:
        return render_template("notes/no_group.html", workshop=workshop)
    return _back(group_id)


@bp.get("/notes/sous-groupes/<int:group_id>")
@signed_in
def space(group_id: int) -> ResponseReturnValue:
    """The group's note space: one column per category, the group summary, the facilitators' messages."""
    return render_space(space_or_404(group_id))


@bp.post("/notes/sous-groupes/<int:group_id>/ajouter")
@signed_in
def add(group_id: int) -> ResponseReturnValue:
    """Add a note (a resent form with the same submission id adds nothing twice)."""
    current_space = space_or_404(group_id)
    form = NoteForm()
    prepare(form, current_space)
    if not form.validate():
        return render_space(current_space, add_form=form, error=_first_error(form), status=400)
    data = notes.NoteInput(form.category.data, form.text.data or "", list(form.tags.data or []))
    try:
        note, _created = notes.create_note(get_session(), current_space, data, form.submission_id.data)
        get_session().commit()
    except InvalidInput as error:
        get_session().rollback()
        for name, message in error.errors.items():
            if name in form:
                form[name].errors = [*form[name].errors, message]
        return render_space(current_space, add_form=form, error=str(error.message), status=400)
    except DomainError as error:
        return _refused(current_space, error, add_form=form)
    flash(_("Enregistré : votre note est visible par le sous-groupe."), "success")
    return _back(group_id, f"note-{note.id}")


@bp.post("/notes/<int:note_id>/modifier")
@signed_in
def edit(note_id: int) -> ResponseReturnValue:
    """Change one's note; an edit based on an old version shows both texts (REL-01)."""
    current_space, note = note_space_of(note_id)
    form = EditNoteForm()
    prepare(form, current_space)
    if not form.validate():
        return render_space(current_space, edit_forms={note_id: form}, error=_first_error(form), status=400)
    data = notes.NoteInput(form.category.data, form.text.data or "", list(form.tags.data or []))
    try:
        notes.edit_note(get_session(), current_space, note_id, form.version.data, data)
        get_session().commit()
    except notes.NoteConflict as conflict:
        get_session().rollback()
        return render_space(
            current_space,
            conflict={
                "note_id": note_id,
                "mine": form.text.data or "",
                "mine_category": form.category.data,
                "theirs": conflict.current_text,
                "version": conflict.current_version,
            },
            error=str(conflict.message),
            status=409,
        )
    except InvalidInput as error:
        get_session().rollback()
        for name, message in error.errors.items():
            if name in form:
                form[name].errors = [*form[name].errors, message]
        return render_space(current_space, edit_forms={note_id: form}, error=str(error.message), status=400)
    except DomainError as error:
        return _refused(current_space, error, edit_forms={note_id: form})
    flash(_("Enregistré : la note est modifiée."), "success")
    return _back(note.group_id, f"note-{note_id}")


@bp.get("/notes/<int:note_id>/historique")
@signed_in
def history(note_id: int) -> ResponseReturnValue:
    """Every saved version of a note (who edited, as the attribution mode allows)."""
    current_space, note = note_space_of(note_id)
    try:
        entries = notes.history(get_session(), current_space, note_id)
    except NotFound:
        abort(404)
    return render_template("notes/history.html", space=current_space, note=note, entries=entries)


@bp.post("/notes/<int:note_id>/supprimer")
@signed_in
def delete(note_id: int) -> ResponseReturnValue:
    """Remove one's note from the space (its history keeps it)."""
    current_space, note = note_space_of(note_id)
    form = VersionForm()
    if not form.validate():
        return render_space(current_space, error=_first_error(form), status=400)
    try:
        notes.delete_note(get_session(), current_space, note_id, form.version.data)
        get_session().commit()
    except DomainError as error:
        return _refused(current_space, error)
    flash(_("La note est supprimée."), "success")
    return _back(note.group_id)


@bp.post("/notes/<int:note_id>/plus-un")
@signed_in
def vote(note_id: int) -> ResponseReturnValue:
    """« +1 / je partage » on someone else's note, or take it back."""
    current_space, note = note_space_of(note_id)
    if not EmptyForm().validate():
        return render_space(current_space, error=_("Le formulaire a expiré : renvoyez-le."), status=400)
    try:
        on = notes.toggle_vote(get_session(), current_space, note_id)
        get_session().commit()
    except DomainError as error:
        return _refused(current_space, error)
    flash(_("Vous partagez cette note.") if on else _("Vous ne partagez plus cette note."), "success")
    return _back(note.group_id, f"note-{note_id}")


@bp.post("/notes/<int:note_id>/moderer")
@signed_in
def moderate(note_id: int) -> ResponseReturnValue:
    """Facilitators hide (logged) or show a note, highlight it for the synthesis or not."""
    current_space, note = note_space_of(note_id)
    form = ModerateForm()
    if not form.validate():
        return render_space(current_space, error=_("La demande est incomplète."), status=400)
    action = form.action.data
    hidden = {"hide": True, "show": False}.get(action)
    highlighted = {"highlight": True, "unhighlight": False}.get(action)
    try:
        notes.moderate_note(get_session(), current_space, note_id, hidden=hidden, highlighted=highlighted)
        get_session().commit()
    except DomainError as error:
        return _refused(current_space, error)
    flash(_("La note est mise à jour."), "success")
    return _back(note.group_id, f"note-{note_id}")


@bp.post("/notes/sous-groupes/<int:group_id>/resume")
@signed_in
def summary(group_id: int) -> ResponseReturnValue:
    """Save « ce que notre groupe retient » (rapporteur), versioned with conflict protection."""
    current_space = space_or_404(group_id)
    form = SummaryForm()
    if not form.validate():
        return render_space(current_space, summary_form=form, error=_first_error(form), status=400)
    try:
        notes.save_summary(get_session(), current_space, form.version.data, form.text.data or "")
        get_session().commit()
    except notes.NoteConflict as conflict:
        get_session().rollback()
        return render_space(
            current_space,
            summary_form=form,
            conflict={
                "summary": True,
                "mine": form.text.data or "",
                "theirs": conflict.current_text,
                "version": conflict.current_version,
            },
            error=str(conflict.message),
            status=409,
        )
    except DomainError as error:
        return _refused(current_space, error, summary_form=form)
    flash(_("Enregistré : le résumé du sous-groupe est à jour."), "success")
    return _back(group_id, "resume")
