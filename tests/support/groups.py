"""Helpers shared by the peer-groups tests: people in a workshop, the form, the plan read back."""

from __future__ import annotations

import html
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import GroupMember, PeerGroup, Registration, Round, User, Workshop
from app.services import grouping
from tests.conftest import post_form
from tests.factories import make_programme, make_user, make_workshop

PROFILES = ("local_authority", "association", "company", "academic", "ess_enterprise", "citizen")
# Pure no-repeat criteria: the engine proves its optimum and stops at once (fast tests).
FAST = {"profiles": "none", "territories": "ignore", "time_limit_s": "1"}


def sign_in(client: FlaskClient, user: User) -> None:
    """Open a session for `user` the way Flask-Login stores it (no password round trip)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def sign_out(client: FlaskClient) -> None:
    """Forget the signed-in person."""
    with client.session_transaction() as session:
        session.clear()


def fresh(db: Session) -> None:
    """See what requests committed."""
    db.rollback()
    db.expire_all()


def text(response: Any) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def seat(
    db: Session, workshop: Workshop, user: User, attendance: str = "present", status: str = "confirmed"
) -> Registration:
    """A registration with the person's profile snapshot."""
    # A test session still reading an older snapshot could not write after a request's commit.
    fresh(db)
    registration = Registration(
        workshop_id=workshop.id,
        user_id=user.id,
        status=status,
        organisation=user.organisation,
        actor_profile=user.actor_profile,
        territory=user.territory,
        attendance=attendance,
    )
    db.add(registration)
    db.commit()
    return registration


def team(db: Session, **workshop_fields: Any) -> tuple[User, Workshop]:
    """A facilitator and a workshop of their programme."""
    fresh(db)
    facilitator = make_user(db, role="facilitator", first_name="Alex", last_name="Animateur")
    programme = make_programme(db, facilitators=[facilitator])
    workshop = make_workshop(db, programme, **workshop_fields)
    return facilitator, workshop


def people(
    db: Session,
    workshop: Workshop,
    count: int,
    attendance: str = "present",
    per_organisation: int = 1,
    **fields: Any,
) -> list[User]:
    """`count` people seated in the workshop, varied profiles, organisations shared by `per_organisation`."""
    created = []
    for i in range(count):
        values = {
            "first_name": f"Personne{i}",
            "organisation": f"Org {workshop.id}-{i // per_organisation}",
            "actor_profile": PROFILES[i % len(PROFILES)],
            "territory": ("Moselle", "Marne", "Vosges")[i % 3],
        }
        values.update(fields)
        user = make_user(db, **values)
        seat(db, workshop, user, attendance=attendance)
        created.append(user)
    return created


def token(db: Session, workshop: Workshop) -> str:
    """The plan's current versions, as the page would carry them."""
    fresh(db)
    return grouping.plan_token(grouping.rounds_of(db, workshop.id))


def round_token(db: Session, round_id: int) -> str:
    """One round's version, as its forms carry it."""
    fresh(db)
    found = db.get(Round, round_id)
    assert found is not None
    return grouping.plan_token([found])


def generate(client: FlaskClient, db: Session, workshop: Workshop, **fields: Any) -> Any:
    """Send the criteria form with « Générer »."""
    data: dict[str, object] = {
        "who": "present",
        "sizing": "size",
        "min_size": "4",
        "max_size": "5",
        "rounds": "1",
        "profiles": "important",
        "territories": "mix",
        "organisations_apart": "y",
        "time_limit_s": "1",
        "version": token(db, workshop),
    }
    data.update({key: str(value) for key, value in fields.items()})
    if data.get("organisations_apart") in ("", "n"):
        data.pop("organisations_apart")
    return post_form(client, f"/gestion/ateliers/{workshop.id}/sous-groupes/generer", data)


def plan(db: Session, workshop: Workshop) -> list[list[set[int]]]:
    """The saved groups: per round, per group (by position), the user ids."""
    fresh(db)
    result: list[list[set[int]]] = []
    for round_ in db.scalars(sa.select(Round).where(Round.workshop_id == workshop.id).order_by(Round.number)):
        groups = db.scalars(
            sa.select(PeerGroup).where(PeerGroup.round_id == round_.id).order_by(PeerGroup.position)
        )
        result.append([{m.user_id for m in group.members} for group in groups])
    return result


def member_of(db: Session, workshop: Workshop, user: User, number: int = 1) -> GroupMember:
    """The member row of `user` in round `number`."""
    fresh(db)
    return db.scalars(
        sa.select(GroupMember)
        .join(Round, GroupMember.round_id == Round.id)
        .where(Round.workshop_id == workshop.id, Round.number == number, GroupMember.user_id == user.id)
    ).one()


def groups_of(db: Session, workshop: Workshop, number: int = 1) -> list[PeerGroup]:
    """The groups of round `number`, by position."""
    fresh(db)
    return list(
        db.scalars(
            sa.select(PeerGroup)
            .join(Round, PeerGroup.round_id == Round.id)
            .where(Round.workshop_id == workshop.id, Round.number == number)
            .order_by(PeerGroup.position)
        )
    )
