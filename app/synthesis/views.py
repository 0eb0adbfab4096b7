"""The synthesis workspace of a workshop (and the programme roll-up): pivots, themes, document, publish.

Every action is a form answered by a redirect; a refused one shows the page again with what was
typed. Only the programme's facilitators (and admins) reach any of it (AC-06, AC-07).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue

from app.db import get_session
from app.i18n import _, ngettext
from app.manage.access import actor, managed_programme, managed_workshop
from app.policies import facilitator, log_denied
from app.services import synthesis
from app.services.errors import DomainError, NotFound
from app.services.programmes import InvalidInput
from app.synthesis import export_views, public_views  # noqa: F401 - registers routes
from app.synthesis.blueprint import bp
from app.synthesis.forms import GroupForm, SectionForm, SuggestionForm, ThemeForm
from app.synthesis.page import render_workspace

__all__ = ["bp"]


def _back(scope: synthesis.Scope, anchor: str | None = None) -> ResponseReturnValue:
    if scope.workshop:
        return redirect(url_for("synthesis.workspace", workshop_id=scope.workshop.id, _anchor=anchor))
    return redirect(url_for("synthesis.programme_workspace", programme_id=scope.programme.id, _anchor=anchor))


def _refused(scope: synthesis.Scope, error: DomainError, **kwargs: Any) -> ResponseReturnValue:
    get_session().rollback()
    if isinstance(error, NotFound):
        log_denied(
            "synthesis object of another workshop or unknown", scope.workshop.id if scope.workshop else None
        )
        abort(404)
    return render_workspace(scope, error=str(error.message), status=400, **kwargs)


def workshop_scope(workshop_id: int) -> synthesis.Scope:
    """The synthesis scope of a workshop the person manages (404 otherwise, logged)."""
    return synthesis.workshop_scope(managed_workshop(workshop_id))


def programme_scope(programme_id: int) -> synthesis.Scope:
    """The roll-up scope of a programme the person manages (404 otherwise, logged)."""
    return synthesis.programme_scope(get_session(), managed_programme(programme_id))


@bp.get("/gestion/ateliers/<int:workshop_id>/synthese")
@facilitator
def workspace(workshop_id: int) -> ResponseReturnValue:
    """Every note of every group pivoted and filtered, themes, suggestions, the document, publication."""
    return render_workspace(workshop_scope(workshop_id))


@bp.get("/gestion/parcours/<int:programme_id>/synthese")
@facilitator
def programme_workspace(programme_id: int) -> ResponseReturnValue:
    """The programme roll-up: the same views and a document across all its workshops."""
    return render_workspace(programme_scope(programme_id))


def _group_post(scope: synthesis.Scope) -> ResponseReturnValue:
    form = GroupForm()
    if not form.validate():
        message = next(iter(form.errors.values()))[0] if form.errors else _("La demande est incomplète.")
        return render_workspace(scope, error=str(message), group_form=form, status=400)
    try:
        notes = form.notes.data or []
        theme = synthesis.group_notes(get_session(), scope, actor(), form.name.data or "", notes)
        get_session().commit()
    except DomainError as error:
        return _refused(scope, error, group_form=form)
    flash(_("Les notes sont regroupées dans le thème « %(name)s ».", name=theme.name), "success")
    return _back(scope, f"theme-{theme.id}")


@bp.post("/gestion/ateliers/<int:workshop_id>/synthese/regrouper")
@facilitator
def group(workshop_id: int) -> ResponseReturnValue:
    """« Regrouper »: the checked notes go into the named theme."""
    return _group_post(workshop_scope(workshop_id))


@bp.post("/gestion/parcours/<int:programme_id>/synthese/regrouper")
@facilitator
def programme_group(programme_id: int) -> ResponseReturnValue:
    """« Regrouper » in the roll-up: a theme may gather notes of several workshops."""
    return _group_post(programme_scope(programme_id))


def _theme_post(scope: synthesis.Scope, theme_id: int) -> ResponseReturnValue:
    form = ThemeForm()
    if not form.validate():
        return render_workspace(scope, error=_("La demande est incomplète."), status=400)
    session = get_session()
    try:
        if form.action.data == "rename":
            synthesis.rename_theme(session, scope, theme_id, form.name.data or "")
        elif form.action.data == "delete":
            synthesis.delete_theme(session, scope, theme_id)
        else:
            synthesis.remove_from_theme(session, scope, theme_id, form.note_id.data or 0)
        session.commit()
    except DomainError as error:
        return _refused(scope, error)
    flash(_("Les thèmes sont à jour."), "success")
    return _back(scope, "themes")


@bp.post("/gestion/ateliers/<int:workshop_id>/synthese/themes/<int:theme_id>")
@facilitator
def theme(workshop_id: int, theme_id: int) -> ResponseReturnValue:
    """Rename or delete a theme, or take a note out of it."""
    return _theme_post(workshop_scope(workshop_id), theme_id)


@bp.post("/gestion/parcours/<int:programme_id>/synthese/themes/<int:theme_id>")
@facilitator
def programme_theme(programme_id: int, theme_id: int) -> ResponseReturnValue:
    """The same for a theme of the roll-up."""
    return _theme_post(programme_scope(programme_id), theme_id)


@bp.post("/gestion/parcours/<int:programme_id>/synthese/reprendre-themes")
@facilitator
def programme_adopt(programme_id: int) -> ResponseReturnValue:
    """« Reprendre les thèmes des ateliers »: the workshops' themes become the roll-up's."""
    scope = programme_scope(programme_id)
    count = synthesis.adopt_workshop_themes(get_session(), scope, actor())
    get_session().commit()
    flash(
        ngettext(
            "%(num)d thème des ateliers est repris dans la synthèse du parcours.",
            "%(num)d thèmes des ateliers sont repris dans la synthèse du parcours.",
            count,
        ),
        "success",
    )
    return _back(scope, "themes")


def _suggestion_post(scope: synthesis.Scope) -> ResponseReturnValue:
    form = SuggestionForm()
    if not form.validate() or len(form.notes.data or []) < 2:
        return render_workspace(scope, error=_("La demande est incomplète."), status=400)
    session = get_session()
    try:
        if form.action.data == "accept":
            theme = synthesis.group_notes(session, scope, actor(), form.name.data or "", form.notes.data)
            message = _("Suggestion acceptée : thème « %(name)s ».", name=theme.name)
        else:
            synthesis.dismiss(session, scope, form.notes.data)
            message = _("Suggestion ignorée : elle ne sera plus proposée.")
        session.commit()
    except DomainError as error:
        return _refused(scope, error)
    flash(message, "success")
    return _back(scope, "suggestions")


@bp.post("/gestion/ateliers/<int:workshop_id>/synthese/suggestions")
@facilitator
def suggestion(workshop_id: int) -> ResponseReturnValue:
    """Accept a suggestion (its notes go into a theme) or ignore it (never suggested again)."""
    return _suggestion_post(workshop_scope(workshop_id))


@bp.post("/gestion/parcours/<int:programme_id>/synthese/suggestions")
@facilitator
def programme_suggestion(programme_id: int) -> ResponseReturnValue:
    """The same in the roll-up, where a suggestion may join notes of several workshops."""
    return _suggestion_post(programme_scope(programme_id))


def _section_post(scope: synthesis.Scope, key: str) -> ResponseReturnValue:
    if key not in synthesis.SECTION_KEYS:
        abort(404)
    form = SectionForm()
    if not form.validate():
        return render_workspace(
            scope, error=_("La demande est incomplète."), section_forms={key: form}, status=400
        )
    session = get_session()
    document = synthesis.document_for(session, scope, actor())
    body = form.body.data or ""
    try:
        if form.action.data == "prefill":
            body = synthesis.prefill(session, scope, key)
        synthesis.save_section(session, document, key, form.version.data, body, actor())
        session.commit()
    except synthesis.SectionConflict as conflict:
        session.rollback()
        return render_workspace(
            scope,
            error=str(conflict.message),
            conflict={
                "key": key,
                "mine": body,
                "theirs": conflict.current_body,
                "version": conflict.current_version,
            },
            status=409,
        )
    except InvalidInput as error:
        return _refused(scope, error, section_forms={key: form})
    except DomainError as error:
        return _refused(scope, error)
    flash(_("Enregistré : la section est à jour."), "success")
    return _back(scope, f"section-{key}")


@bp.post("/gestion/ateliers/<int:workshop_id>/synthese/sections/<key>")
@facilitator
def section(workshop_id: int, key: str) -> ResponseReturnValue:
    """Save a section (Markdown) or pre-fill it again from the notes, with conflict protection."""
    return _section_post(workshop_scope(workshop_id), key)


@bp.post("/gestion/parcours/<int:programme_id>/synthese/sections/<key>")
@facilitator
def programme_section(programme_id: int, key: str) -> ResponseReturnValue:
    """The same for a section of the programme roll-up."""
    return _section_post(programme_scope(programme_id), key)


def _publish(scope: synthesis.Scope) -> ResponseReturnValue:
    session = get_session()
    publication = synthesis.publish(session, scope, actor())
    session.commit()
    flash(
        _("Version %(n)s publiée : les personnes du parcours peuvent la lire.", n=publication.number),
        "success",
    )
    return _back(scope, "publication")


@bp.post("/gestion/ateliers/<int:workshop_id>/synthese/publier")
@facilitator
def publish(workshop_id: int) -> ResponseReturnValue:
    """Publish the current synthesis as a new version (earlier versions stay as they were)."""
    return _publish(workshop_scope(workshop_id))


@bp.post("/gestion/parcours/<int:programme_id>/synthese/publier")
@facilitator
def programme_publish(programme_id: int) -> ResponseReturnValue:
    """Publish the programme roll-up."""
    return _publish(programme_scope(programme_id))
