"""The facilitators' live dashboard of a workshop's notes and their controls (phases, messages, round)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from app.db import get_session
from app.i18n import _
from app.manage.access import actor, managed_workshop
from app.models import Workshop
from app.notes.blueprint import bp
from app.notes.forms import HiddenModeForm, MessageForm, PhaseForm, RoundForm
from app.policies import facilitator
from app.services import notes
from app.services.errors import DomainError


def _rows_json(workshop: Workshop) -> list[dict[str, Any]]:
    rows = notes.dashboard(get_session(), workshop)
    return [
        {
            "group": row.group.id,
            "position": row.group.position,
            "table": row.group.table_name,
            "members": row.members,
            "counts": row.counts,
            "total": row.total,
            "last_activity": row.last_activity.isoformat(timespec="seconds") if row.last_activity else None,
            "idle": row.idle,
            "summary": row.summary,
            "url": url_for("notes.space", group_id=row.group.id),
        }
        for row in rows
    ]


def render_dashboard(
    workshop: Workshop, message_form: MessageForm | None = None, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    """The dashboard page (a refused message comes back with its text)."""
    session = get_session()
    board = notes.board_of(session, workshop.id)
    return (
        render_template(
            "notes/dashboard.html",
            workshop=workshop,
            board=board,
            rows=notes.dashboard(session, workshop),
            categories=notes.categories([workshop]),
            rounds=notes.published_round_numbers(session, workshop.id),
            messages=notes.recent_messages(session, workshop.id),
            message_form=message_form or MessageForm(formdata=None),
            error=error,
        ),
        status,
    )


@bp.get("/gestion/ateliers/<int:workshop_id>/notes")
@facilitator
def dashboard(workshop_id: int) -> ResponseReturnValue:
    """Every group with its note counts per category, last activity and a flag when silent."""
    return render_dashboard(managed_workshop(workshop_id))


@bp.get("/api/gestion/ateliers/<int:workshop_id>/notes/tableau")
@facilitator
def dashboard_json(workshop_id: int) -> ResponseReturnValue:
    """The dashboard's figures for its live refresh."""
    workshop = managed_workshop(workshop_id)
    board = notes.board_of(get_session(), workshop.id)
    return jsonify(
        board={
            "phase": board.phase,
            "hidden_until_reveal": board.hidden_until_reveal,
            "revealed": board.revealed,
            "current_round": board.current_round,
        },
        groups=_rows_json(workshop),
    )


def _control(
    workshop_id: int, form: Any, act: Callable[[Workshop], object], done: str
) -> ResponseReturnValue:
    workshop = managed_workshop(workshop_id)
    if not form.validate():
        return render_dashboard(workshop, error=_("La demande est incomplète : renvoyez-la."), status=400)
    session = get_session()
    try:
        act(workshop)
        session.commit()
    except DomainError as error:
        session.rollback()
        return render_dashboard(workshop, error=str(error.message), status=400)
    flash(done, "success")
    return redirect(url_for("notes.dashboard", workshop_id=workshop_id))


@bp.post("/gestion/ateliers/<int:workshop_id>/notes/phase")
@facilitator
def phase(workshop_id: int) -> ResponseReturnValue:
    """Open or close writing for every group."""
    form = PhaseForm()
    opening = form.phase.data == "open"
    return _control(
        workshop_id,
        form,
        lambda workshop: notes.set_phase(get_session(), workshop, actor(), form.phase.data),
        _("L'écriture est ouverte.") if opening else _("L'écriture est fermée."),
    )


@bp.post("/gestion/ateliers/<int:workshop_id>/notes/revelation")
@facilitator
def hidden_mode(workshop_id: int) -> ResponseReturnValue:
    """« Notes cachées jusqu'à la révélation »: turn on, reveal, or turn off."""
    form = HiddenModeForm()
    action = form.action.data

    def act(workshop: Workshop) -> object:
        if action == "reveal":
            return notes.reveal(get_session(), workshop, actor())
        return notes.set_hidden_until_reveal(get_session(), workshop, actor(), action == "hide")

    done = {
        "hide": _("Les notes sont cachées jusqu'à la révélation."),
        "reveal": _("Les notes sont révélées à chaque sous-groupe."),
        "off": _("Chacun voit de nouveau les notes de son sous-groupe."),
    }.get(action or "", "")
    return _control(workshop_id, form, act, done)


@bp.post("/gestion/ateliers/<int:workshop_id>/notes/message")
@facilitator
def message(workshop_id: int) -> ResponseReturnValue:
    """Post a message to every group (next question, time left)."""
    workshop = managed_workshop(workshop_id)
    form = MessageForm()
    if not form.validate():
        return render_dashboard(workshop, message_form=form, error=_("Écrivez le message."), status=400)
    session = get_session()
    try:
        notes.post_message(session, workshop, actor(), form.message.data or "")
        session.commit()
    except DomainError as error:
        session.rollback()
        return render_dashboard(workshop, message_form=form, error=str(error.message), status=400)
    flash(_("Le message est affiché dans chaque sous-groupe."), "success")
    return redirect(url_for("notes.dashboard", workshop_id=workshop_id))


@bp.post("/gestion/ateliers/<int:workshop_id>/notes/rotation")
@facilitator
def round_change(workshop_id: int) -> ResponseReturnValue:
    """Move every participant's space to another published round."""
    form = RoundForm()
    return _control(
        workshop_id,
        form,
        lambda workshop: notes.go_to_round(get_session(), workshop, actor(), form.round.data),
        _("Les espaces de notes passent à la rotation %(n)s.", n=form.round.data),
    )
