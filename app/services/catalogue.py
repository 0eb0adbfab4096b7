"""Reading programmes and workshops for the public pages: visibility, seats left, registration window."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.i18n import _l
from app.models import Programme, ProgrammeFacilitator, Registration, User, Workshop
from app.services.errors import NotFound

# Registration window states, in the order a workshop goes through them.
WINDOW_NOT_YET = "not_yet"
WINDOW_OPEN = "open"
WINDOW_CLOSED = "closed"
WINDOW_FINISHED = "finished"


@dataclass(frozen=True)
class WorkshopListing:
    """What a public page shows about one workshop: counts and the registration window."""

    workshop: Workshop
    confirmed: int
    waitlisted: int
    window: str

    @property
    def seats_left(self) -> int:
        """Seats still free (never negative)."""
        return max(0, self.workshop.capacity - self.confirmed)

    @property
    def is_full(self) -> bool:
        """True when every seat is taken (new registrations join the waitlist)."""
        return self.seats_left == 0

    @property
    def is_open(self) -> bool:
        """True while people may register."""
        return self.window == WINDOW_OPEN

    @property
    def is_finished(self) -> bool:
        """True once the workshop has ended."""
        return self.window == WINDOW_FINISHED


def window_state(workshop: Workshop, now: dt.datetime) -> str:
    """Where the workshop stands in its registration window (same rules as the registration service)."""
    if now >= workshop.ends_at:
        return WINDOW_FINISHED
    if workshop.registration_opens_at and now < workshop.registration_opens_at:
        return WINDOW_NOT_YET
    if workshop.registration_closes_at and now >= workshop.registration_closes_at:
        return WINDOW_CLOSED
    return WINDOW_OPEN


def _counts(session: Session, workshop_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    """Confirmed and wait-listed counts of many workshops in one query (no N+1)."""
    if not workshop_ids:
        return {}
    rows = session.execute(
        sa.select(Registration.workshop_id, Registration.status, sa.func.count())
        .where(
            Registration.workshop_id.in_(workshop_ids),
            Registration.status.in_(("confirmed", "waitlisted")),
        )
        .group_by(Registration.workshop_id, Registration.status)
    ).all()
    return {(workshop_id, status): int(count) for workshop_id, status, count in rows}


def listings(
    session: Session, workshops: Iterable[Workshop], now: dt.datetime | None = None
) -> list[WorkshopListing]:
    """Public facts (seats left, waitlist length, window) for each workshop, in the given order."""
    now = now or utcnow()
    items = list(workshops)
    counts = _counts(session, [workshop.id for workshop in items])
    return [
        WorkshopListing(
            workshop=workshop,
            confirmed=counts.get((workshop.id, "confirmed"), 0),
            waitlisted=counts.get((workshop.id, "waitlisted"), 0),
            window=window_state(workshop, now),
        )
        for workshop in items
    ]


def listing(session: Session, workshop: Workshop, now: dt.datetime | None = None) -> WorkshopListing:
    """Public facts of one workshop."""
    return listings(session, [workshop], now)[0]


def public_programmes(session: Session) -> list[Programme]:
    """Programmes listed publicly, most recent first."""
    return list(
        session.scalars(
            sa.select(Programme)
            .where(Programme.visibility == "public")
            .options(selectinload(Programme.workshops), selectinload(Programme.organisations))
            .order_by(Programme.start_date.desc().nulls_last(), Programme.id.desc())
        )
    )


def is_current(programme: Programme, now: dt.datetime | None = None) -> bool:
    """True while a programme still has a workshop to come (or has none scheduled yet and has not ended)."""
    now = now or utcnow()
    if any(workshop.ends_at > now for workshop in programme.workshops):
        return True
    if programme.workshops:
        return False
    return programme.end_date is None or programme.end_date >= now.date()


def open_programmes(session: Session, now: dt.datetime | None = None) -> list[Programme]:
    """Public programmes that still have something to come, for the home page."""
    now = now or utcnow()
    return [programme for programme in public_programmes(session) if is_current(programme, now)]


def key_matches(programme: Programme, key: str | None) -> bool:
    """Constant-time check of the secret key of a link-only programme."""
    if not key:
        return False
    return hmac.compare_digest(key.encode("utf-8"), programme.link_token.encode("utf-8"))


def may_see_unlisted(session: Session, programme: Programme, user: User | None) -> bool:
    """Admins, the programme's facilitators and its registered people see it without the key."""
    if user is None:
        return False
    if user.is_admin:
        return True
    if user.is_facilitator:
        attached = session.scalar(
            sa.select(ProgrammeFacilitator.id).where(
                ProgrammeFacilitator.programme_id == programme.id, ProgrammeFacilitator.user_id == user.id
            )
        )
        if attached is not None:
            return True
    registered = session.scalar(
        sa.select(Registration.id)
        .join(Workshop, Workshop.id == Registration.workshop_id)
        .where(Workshop.programme_id == programme.id, Registration.user_id == user.id)
        .limit(1)
    )
    return registered is not None


def can_view(session: Session, programme: Programme, key: str | None, user: User | None) -> bool:
    """Public programmes are open to all; link-only ones need the key (or a link to the programme)."""
    if programme.visibility == "public":
        return True
    return key_matches(programme, key) or may_see_unlisted(session, programme, user)


def programme_by_slug(session: Session, slug: str, key: str | None, user: User | None) -> Programme:
    """The programme behind a public URL; a link-only one without its key is reported as missing."""
    programme = session.scalars(
        sa.select(Programme)
        .where(Programme.slug == slug)
        .options(selectinload(Programme.workshops), selectinload(Programme.organisations))
    ).one_or_none()
    if programme is None or not can_view(session, programme, key, user):
        raise NotFound(_l("Parcours introuvable."))
    return programme


def visible_workshop(session: Session, workshop_id: int, key: str | None, user: User | None) -> Workshop:
    """A workshop whose programme the person may see (a link-only one needs the key too)."""
    workshop = session.scalars(
        sa.select(Workshop)
        .where(Workshop.id == workshop_id)
        .options(selectinload(Workshop.programme).selectinload(Programme.organisations))
    ).one_or_none()
    if workshop is None or not can_view(session, workshop.programme, key, user):
        raise NotFound(_l("Atelier introuvable."))
    return workshop


def registration_of(session: Session, workshop_id: int, user: User) -> Registration | None:
    """The person's registration row for a workshop (any status), if any."""
    return session.scalars(
        sa.select(Registration).where(
            Registration.workshop_id == workshop_id, Registration.user_id == user.id
        )
    ).one_or_none()


def registrations_of(session: Session, user: User) -> list[Registration]:
    """Every registration of a person with its workshop and programme, soonest workshop first."""
    return list(
        session.scalars(
            sa.select(Registration)
            .join(Workshop, Workshop.id == Registration.workshop_id)
            .where(Registration.user_id == user.id)
            .options(selectinload(Registration.workshop).selectinload(Workshop.programme))
            .order_by(Workshop.starts_at, Registration.id)
        )
    )
