"""Builders for test data; they flush and commit so requests see the rows."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from app.models import Programme, ProgrammeFacilitator, ProgrammeOrganisation, User, Workshop
from app.services.passwords import hash_password

DEFAULT_PASSWORD = "correct horse battery staple 42"
_counter = itertools.count(1)


def make_user(session: Session, commit: bool = True, password: str = DEFAULT_PASSWORD, **fields: Any) -> User:
    """A user with a known password."""
    n = next(_counter)
    values: dict[str, Any] = {
        "email": f"personne{n}@exemple.fr",
        "first_name": "Camille",
        "last_name": f"Martin{n}",
        "organisation": f"Organisation {n}",
        "actor_profile": "association",
        "territory": "Moselle",
        "role": "participant",
    }
    values.update(fields)
    user = User(**values)
    user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    if commit:
        session.commit()
    return user


def make_programme(
    session: Session, facilitators: list[User] | None = None, commit: bool = True, **fields: Any
) -> Programme:
    """A public programme, optionally with facilitators attached."""
    n = next(_counter)
    values: dict[str, Any] = {
        "slug": f"parcours-{n}",
        "title": f"Parcours test {n}",
        "description": "Un parcours de test.",
        "visibility": "public",
    }
    values.update(fields)
    programme = Programme(**values)
    programme.organisations.append(ProgrammeOrganisation(name="Région Grand Est", position=0))
    session.add(programme)
    session.flush()
    for user in facilitators or []:
        session.add(ProgrammeFacilitator(programme_id=programme.id, user_id=user.id))
    session.flush()
    if commit:
        session.commit()
    return programme


def make_workshop(session: Session, programme: Programme, commit: bool = True, **fields: Any) -> Workshop:
    """An open workshop two weeks ahead."""
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=14)
    values: dict[str, Any] = {
        "title": "Atelier de partage entre pairs",
        "format": "peer_workshop",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=3),
        "place": "Hôtel de Région, Metz",
        "capacity": 10,
        "attribution_mode": "by_profile",
        "note_categories": ["inspiring_practice", "difficulty", "lever"],
    }
    values.update(fields)
    workshop = Workshop(programme_id=programme.id, **values)
    session.add(workshop)
    session.flush()
    if commit:
        session.commit()
    return workshop
