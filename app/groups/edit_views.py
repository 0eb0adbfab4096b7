"""The facilitator's hand edits: move, swap, lock, roles and table names, publication.

Every form carries the versions of the rounds it was shown with; a stale one answers 409 with the
current plan. The drag and drop of `groups.js` posts the very same move form.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.db import get_session
from app.groups.blueprint import bp
from app.groups.forms import LockForm, MoveForm, PlanForm, RolesForm, SwapForm
from app.groups.page import back, failure, render_page
from app.i18n import _
from app.manage.access import actor, managed_workshop
from app.models import Workshop
from app.policies import facilitator
from app.services import grouping
from app.services.errors import DomainError


def _invalid(workshop_id: int) -> ResponseReturnValue:
    return render_page(
        managed_workshop(workshop_id),
        error=_("La demande est incomplète : choisissez une option puis renvoyez."),
        status=400,
    )


@bp.post("/gestion/ateliers/<int:workshop_id>/sous-groupes/deplacer")
@facilitator
def move(workshop_id: int) -> ResponseReturnValue:
    """« Déplacer vers »: one person joins another group of the same round (and stays there)."""
    workshop = managed_workshop(workshop_id)
    form = MoveForm()
    if not form.validate():
        return _invalid(workshop_id)
    session = get_session()
    try:
        member = grouping.move(
            session, workshop.id, form.member_id.data, form.group_id.data, form.version.data
        )
        session.commit()
    except (DomainError, StaleDataError) as error:
        return failure(workshop, error)
    flash(
        _(
            "%(name)s a rejoint le sous-groupe %(n)s ; sa place est verrouillée.",
            name=member.user.full_name,
            n=member.group.position,
        ),
        "success",
    )
    return back(workshop_id, f"groupe-{member.group_id}")


@bp.post("/gestion/ateliers/<int:workshop_id>/sous-groupes/echanger")
@facilitator
def swap(workshop_id: int) -> ResponseReturnValue:
    """Two people of one round exchange their groups."""
    workshop = managed_workshop(workshop_id)
    form = SwapForm()
    if not form.validate():
        return _invalid(workshop_id)
    session = get_session()
    try:
        first, second = grouping.swap(
            session, workshop.id, form.first.data, form.second.data, form.version.data
        )
        session.commit()
    except (DomainError, StaleDataError) as error:
        return failure(workshop, error)
    flash(
        _("%(a)s et %(b)s ont échangé leurs sous-groupes.", a=first.user.full_name, b=second.user.full_name),
        "success",
    )
    return back(workshop_id, f"groupe-{first.group_id}")


@bp.post("/gestion/ateliers/<int:workshop_id>/sous-groupes/verrou")
@facilitator
def lock(workshop_id: int) -> ResponseReturnValue:
    """Lock or unlock a person in their group, or a whole group."""
    workshop = managed_workshop(workshop_id)
    form = LockForm()
    if not form.validate() or (form.member_id.data is None) == (form.group_id.data is None):
        return _invalid(workshop_id)
    session = get_session()
    try:
        if form.member_id.data is not None:
            member = grouping.set_member_lock(
                session, workshop.id, form.member_id.data, form.lock, form.version.data
            )
            group_id = member.group_id
            message = (
                _("%(name)s : place verrouillée.", name=member.user.full_name)
                if form.lock
                else _("%(name)s : place déverrouillée.", name=member.user.full_name)
            )
        else:
            group = grouping.set_group_lock(
                session, workshop.id, form.group_id.data, form.lock, form.version.data
            )
            group_id = group.id
            message = (
                _("Sous-groupe %(n)s verrouillé.", n=group.position)
                if form.lock
                else _("Sous-groupe %(n)s déverrouillé.", n=group.position)
            )
        session.commit()
    except (DomainError, StaleDataError) as error:
        return failure(workshop, error)
    flash(message, "success")
    return back(workshop_id, f"groupe-{group_id}")


@bp.post("/gestion/ateliers/<int:workshop_id>/sous-groupes/roles")
@facilitator
def roles(workshop_id: int) -> ResponseReturnValue:
    """The roles of one group (rapporteur, timekeeper, table host) and its table name."""
    workshop = managed_workshop(workshop_id)
    form = RolesForm()
    group_id = form.group_id.data if isinstance(form.group_id.data, int) else None
    if not form.validate() or group_id is None:
        if group_id is None:
            return _invalid(workshop_id)
        return render_page(
            workshop, roles_forms={group_id: form}, error=_("Vérifiez les rôles saisis."), status=400
        )
    session = get_session()
    try:
        group = grouping.set_roles(session, workshop.id, group_id, form.to_input(), form.version.data)
        session.commit()
    except (DomainError, StaleDataError) as error:
        return failure(workshop, error, roles_forms={group_id: form})
    flash(_("Rôles et table du sous-groupe %(n)s enregistrés.", n=group.position), "success")
    return back(workshop_id, f"groupe-{group.id}")


@bp.post("/gestion/ateliers/<int:workshop_id>/sous-groupes/roles-manquants")
@facilitator
def auto_roles(workshop_id: int) -> ResponseReturnValue:
    """Give every group the roles it still lacks, among its members."""
    workshop = managed_workshop(workshop_id)
    form = PlanForm()
    if not form.validate():
        return _invalid(workshop_id)
    session = get_session()
    try:
        count = grouping.assign_missing_roles(session, workshop, form.version.data)
        session.commit()
    except (DomainError, StaleDataError) as error:
        return failure(workshop, error)
    flash(_("Rôles attribués : %(n)s.", n=count), "success")
    return back(workshop_id, "resultat")


def _plan_action(
    workshop_id: int, action: Callable[[Session, Workshop, PlanForm], object], done: str, anchor: str | None
) -> ResponseReturnValue:
    """Validate the plan form, run one service action on the whole plan, commit, say it, go back."""
    workshop = managed_workshop(workshop_id)
    form = PlanForm()
    if not form.validate():
        return _invalid(workshop_id)
    session = get_session()
    try:
        action(session, workshop, form)
        session.commit()
    except (DomainError, StaleDataError) as error:
        return failure(workshop, error)
    flash(done, "success")
    return back(workshop_id, anchor)


@bp.post("/gestion/ateliers/<int:workshop_id>/sous-groupes/publier")
@facilitator
def publish(workshop_id: int) -> ResponseReturnValue:
    """Publish one round or all: each participant then sees their own group."""
    return _plan_action(
        workshop_id,
        lambda session, workshop, form: grouping.publish(
            session, workshop, form.round_id.data, form.version.data, actor()
        ),
        _("Sous-groupes publiés : chaque personne voit le sien depuis « Mes ateliers »."),
        "resultat",
    )


@bp.post("/gestion/ateliers/<int:workshop_id>/sous-groupes/retirer")
@facilitator
def unpublish(workshop_id: int) -> ResponseReturnValue:
    """Withdraw the publication (one round or all), until the workshop ends."""
    return _plan_action(
        workshop_id,
        lambda session, workshop, form: grouping.unpublish(
            session, workshop, form.round_id.data, form.version.data, actor()
        ),
        _("Publication retirée : les participantes et participants ne voient plus les sous-groupes."),
        "resultat",
    )


@bp.post("/gestion/ateliers/<int:workshop_id>/sous-groupes/effacer")
@facilitator
def discard(workshop_id: int) -> ResponseReturnValue:
    """Delete the draft groups (never published ones)."""
    return _plan_action(
        workshop_id,
        lambda session, workshop, form: grouping.discard(session, workshop, form.version.data, actor()),
        _("Les sous-groupes en brouillon ont été effacés."),
        None,
    )
