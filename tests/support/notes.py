"""A workshop with published peer groups, ready for note-taking tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.models import GroupMember, PeerGroup, Round, User, Workshop
from app.services import notes
from tests.factories import make_programme, make_user, make_workshop
from tests.support.groups import fresh, seat

PROFILES = ("local_authority", "association", "company")


@dataclass
class Room:
    """A facilitator, a workshop and its published groups with their members."""

    facilitator: User
    workshop: Workshop
    groups: list[PeerGroup]
    members: list[list[User]]  # per group, the first one is the rapporteur

    @property
    def alice(self) -> User:
        """First member of group 1 (its rapporteur)."""
        return self.members[0][0]

    @property
    def bob(self) -> User:
        """Second member of group 1."""
        return self.members[0][1]

    @property
    def carol(self) -> User:
        """First member of group 2."""
        return self.members[1][0]


def room(
    db: Session,
    groups: int = 2,
    size: int = 3,
    rounds: int = 1,
    next_to: Room | None = None,
    **workshop_fields: Any,
) -> Room:
    """`groups` published groups of `size` people (distinct profiles), in each of `rounds` rounds;
    in a new programme, or in `next_to`'s programme with the same facilitator (a later workshop)."""
    fresh(db)
    if next_to is None:
        facilitator = make_user(db, role="facilitator", first_name="Fanny", last_name="Facilitatrice")
        programme = make_programme(db, facilitators=[facilitator])
    else:
        facilitator = db.get(User, next_to.facilitator.id) or next_to.facilitator
        programme = (db.get(Workshop, next_to.workshop.id) or next_to.workshop).programme
    workshop = make_workshop(db, programme, capacity=groups * size + 5, **workshop_fields)
    people: list[list[User]] = []
    registrations = {}
    for g in range(groups):
        row = []
        for i in range(size):
            user = make_user(
                db,
                first_name=f"Membre{g}{i}",
                last_name=f"Groupe{g}",
                organisation=f"Organisation {g}-{i}",
                actor_profile=PROFILES[i % len(PROFILES)],
            )
            registrations[user.id] = seat(db, workshop, user)
            row.append(user)
        people.append(row)
    first_groups: list[PeerGroup] = []
    for number in range(1, rounds + 1):
        round_ = Round(workshop_id=workshop.id, number=number, status="published")
        db.add(round_)
        db.flush()
        for g in range(groups):
            group = PeerGroup(round_id=round_.id, position=g + 1, table_name=f"Table {g + 1}")
            db.add(group)
            db.flush()
            # Later rounds rotate people so that groups differ.
            for i in range(size):
                user = people[(g + i * (number - 1)) % groups][i]
                db.add(
                    GroupMember(
                        group_id=group.id,
                        round_id=round_.id,
                        user_id=user.id,
                        registration_id=registrations[user.id].id,
                        role="rapporteur" if i == 0 else "member",
                    )
                )
            if number == 1:
                first_groups.append(group)
    db.commit()
    return Room(facilitator, workshop, first_groups, people)


def submission() -> str:
    """A fresh submission id, as a page would choose one."""
    return uuid.uuid4().hex


def space(db: Session, user: User, group: PeerGroup) -> notes.Space:
    """The group's space as `user` sees it, read afresh."""
    fresh(db)
    return notes.space_for(db, db.get(User, user.id) or user, group.id)


def write(
    db: Session, user: User, group: PeerGroup, text: str = "Une pratique", category: str = "lever"
) -> int:
    """Write a note as `user` and commit; its id."""
    note, _created = notes.create_note(
        db, space(db, user, group), notes.NoteInput(category, text), submission()
    )
    db.commit()
    return note.id
