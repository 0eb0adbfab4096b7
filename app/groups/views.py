"""The facilitator's grouping tool: criteria, « Générer », the cards, re-solve and repair.

Running the engine takes up to the chosen number of seconds (10 at most). The view reads what it
needs, ends that transaction, lets the engine think, then writes in a fresh one: the database is
never held while the engine runs (on SQLite a held write lock would stall every check-in tap).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.db import begin_write, get_session
from app.groups import edit_views, export_views, participant_views  # noqa: F401 - registers routes
from app.groups.blueprint import bp
from app.groups.forms import GenerateForm, PlanForm
from app.groups.page import back, failure, render_page
from app.i18n import _
from app.manage.access import actor, attach_errors, managed_workshop
from app.models import Workshop
from app.policies import facilitator
from app.services import grouping
from app.services.errors import DomainError
from app.services.grouping import Job
from app.services.programmes import InvalidInput, StaleEdit

__all__ = ["bp"]


def _run_engine(
    workshop: Workshop, prepare: Callable[[Session], Job], form: GenerateForm | None = None
) -> Job | ResponseReturnValue:
    """Prepare (read), compute with the database released, apply (write); the job, or the error page."""
    session = get_session()
    try:
        job = prepare(session)
        session.commit()
        outcome = grouping.compute(job)
        begin_write(session)
        grouping.apply_outcome(session, workshop, job, outcome, actor())
        session.commit()
    except InvalidInput as error:
        session.rollback()
        if form is not None:
            attach_errors(form, error.errors)
        return render_page(workshop, form=form, status=400)
    except (DomainError, StaleDataError) as error:
        refused = isinstance(error, DomainError) and not isinstance(error, StaleEdit)
        if form is not None and isinstance(error, DomainError) and refused and error.field in form:
            session.rollback()
            attach_errors(form, {str(error.field): str(error.message)})
            return render_page(workshop, form=form, status=400)
        return failure(workshop, error, form=form)
    return job


@bp.get("/gestion/ateliers/<int:workshop_id>/sous-groupes")
@facilitator
def manage(workshop_id: int) -> ResponseReturnValue:
    """The criteria form and, once generated, the groups as cards with their quality summary."""
    return render_page(managed_workshop(workshop_id))


@bp.post("/gestion/ateliers/<int:workshop_id>/sous-groupes/generer")
@facilitator
def generate(workshop_id: int) -> ResponseReturnValue:
    """« Générer »: form the groups of every round with the engine (a draft until published)."""
    workshop = managed_workshop(workshop_id)
    form = GenerateForm()
    if not form.validate():
        return render_page(workshop, form=form, status=400)
    settings = form.to_settings()
    result = _run_engine(
        workshop,
        lambda session: grouping.prepare_generation(session, workshop, settings, form.version.data),
        form,
    )
    if not isinstance(result, Job):
        return result
    flash(
        _(
            "Sous-groupes générés, en brouillon visible par l'équipe seulement. Personnes : %(people)s ; "
            "sous-groupes : %(groups)s ; rotations : %(rounds)s.",
            people=len(result.people),
            groups=len(result.bounds),
            rounds=result.rounds,
        ),
        "success",
    )
    return back(workshop_id, "resultat")


@bp.post("/gestion/ateliers/<int:workshop_id>/sous-groupes/recalculer")
@facilitator
def resolve(workshop_id: int) -> ResponseReturnValue:
    """« Recalculer le reste »: everyone not locked is placed again; locked people and groups stay."""
    workshop = managed_workshop(workshop_id)
    form = PlanForm()
    if not form.validate():
        abort(400)
    result = _run_engine(
        workshop, lambda session: grouping.prepare_resolve(session, workshop, form.version.data)
    )
    if not isinstance(result, Job):
        return result
    flash(
        _("Le reste a été recalculé ; les personnes et les sous-groupes verrouillés n'ont pas bougé."),
        "success",
    )
    return back(workshop_id, "resultat")


@bp.post("/gestion/ateliers/<int:workshop_id>/sous-groupes/mettre-a-jour")
@facilitator
def repair(workshop_id: int) -> ResponseReturnValue:
    """« Mettre à jour »: late arrivals join a group, absent people leave theirs, with few moves."""
    workshop = managed_workshop(workshop_id)
    form = PlanForm()
    if not form.validate():
        abort(400)
    result = _run_engine(
        workshop, lambda session: grouping.prepare_repair(session, workshop, form.version.data)
    )
    if not isinstance(result, Job):
        return result
    if not result.arrivals and not result.departures:
        flash(_("Aucune arrivée ni absence à prendre en compte : rien n'a changé."), "success")
    else:
        flash(
            _(
                "Sous-groupes mis à jour. Arrivées ajoutées : %(arrivals)s ; personnes retirées : "
                "%(departures)s. Les autres gardent leur sous-groupe autant que possible.",
                arrivals=len(result.arrivals),
                departures=len(result.departures),
            ),
            "success",
        )
    return back(workshop_id, "resultat")
