"""Registration rules: capacity, quotas per actor profile, FIFO waitlist, promotion, cancellation.

Every rule that counts seats runs with the workshop row locked (SELECT ... FOR UPDATE on
PostgreSQL, BEGIN IMMEDIATE on SQLite), so concurrent registrations never exceed capacity (REL-06).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import begin_write, utcnow
from app.i18n import _, _l
from app.models import Registration, User, Workshop
from app.services import audit, notifications
from app.services.errors import DomainError, NotFound

ACTIVE_STATUSES = ("confirmed", "waitlisted")


def lock_workshop(session: Session, workshop_id: int) -> Workshop:
    """Load a workshop holding its row lock until the transaction ends."""
    begin_write(session)
    workshop = session.scalars(
        sa.select(Workshop).where(Workshop.id == workshop_id).with_for_update()
    ).one_or_none()
    if workshop is None:
        raise NotFound(_l("Atelier introuvable."))
    # The identity map may hold an older copy: refresh it under the lock.
    session.refresh(workshop)
    return workshop


def confirmed_count(session: Session, workshop_id: int, actor_profile: str | None = None) -> int:
    """Number of confirmed seats, for one actor profile or in all."""
    query = sa.select(sa.func.count()).where(
        Registration.workshop_id == workshop_id, Registration.status == "confirmed"
    )
    if actor_profile is not None:
        query = query.where(Registration.actor_profile == actor_profile)
    return int(session.scalar(query) or 0)


def waitlist_count(session: Session, workshop_id: int) -> int:
    """Number of people on the waitlist."""
    return int(
        session.scalar(
            sa.select(sa.func.count()).where(
                Registration.workshop_id == workshop_id, Registration.status == "waitlisted"
            )
        )
        or 0
    )


def seats_left(session: Session, workshop: Workshop) -> int:
    """Seats still free (never negative)."""
    return max(0, workshop.capacity - confirmed_count(session, workshop.id))


def _quota_for(workshop: Workshop, actor_profile: str) -> int | None:
    for quota in workshop.quotas:
        if quota.actor_profile == actor_profile:
            return quota.seats
    return None


def has_seat_for(session: Session, workshop: Workshop, actor_profile: str) -> bool:
    """True when a confirmed seat is free for this profile (capacity and quota)."""
    if confirmed_count(session, workshop.id) >= workshop.capacity:
        return False
    quota = _quota_for(workshop, actor_profile)
    return quota is None or confirmed_count(session, workshop.id, actor_profile) < quota


def waitlist_position(session: Session, registration: Registration) -> int | None:
    """1-based rank of a wait-listed registration, None otherwise."""
    if registration.status != "waitlisted" or registration.waitlist_position is None:
        return None
    ahead = session.scalar(
        sa.select(sa.func.count()).where(
            Registration.workshop_id == registration.workshop_id,
            Registration.status == "waitlisted",
            Registration.waitlist_position < registration.waitlist_position,
        )
    )
    return int(ahead or 0) + 1


def registration_window_error(workshop: Workshop, now: dt.datetime) -> str | None:
    """Why registration is closed right now, or None when it is open."""
    if workshop.registration_opens_at and now < workshop.registration_opens_at:
        return _("Les inscriptions ne sont pas encore ouvertes pour cet atelier.")
    if workshop.registration_closes_at and now >= workshop.registration_closes_at:
        return _("Les inscriptions sont closes pour cet atelier.")
    if now >= workshop.ends_at:
        return _("Cet atelier est terminé.")
    return None


def cancel_token(registration: Registration, secret_key: str) -> str:
    """The signed cancellation token put in e-mails (>= 128 random bits behind it, AC-12)."""
    if not registration.cancel_nonce:
        registration.cancel_nonce = secrets.token_hex(16)
    digest = hmac.new(
        secret_key.encode(), f"cancel:{registration.id}:{registration.cancel_nonce}".encode(), hashlib.sha256
    ).hexdigest()
    return f"{registration.id}.{digest}"


def registration_for_token(session: Session, token: str, secret_key: str) -> Registration:
    """Find the registration a cancellation token belongs to; refuse used or forged tokens."""
    raw_id, _, digest = token.partition(".")
    invalid = NotFound(_l("Ce lien d'annulation n'est pas valide ou a déjà servi."))
    if not raw_id.isdigit() or not digest:
        raise invalid
    registration = session.get(Registration, int(raw_id))
    if registration is None or not registration.cancel_nonce:
        raise invalid
    expected = cancel_token(registration, secret_key).partition(".")[2]
    if not hmac.compare_digest(expected, digest):
        raise invalid
    return registration


def _snapshot(registration: Registration, user: User) -> None:
    registration.organisation = user.organisation
    registration.actor_profile = user.actor_profile
    registration.territory = user.territory


def _place(session: Session, workshop: Workshop, registration: Registration) -> None:
    """Give a seat if one is free for the profile, otherwise the next waitlist position."""
    if has_seat_for(session, workshop, registration.actor_profile):
        registration.status = "confirmed"
        registration.waitlist_position = None
    else:
        workshop.waitlist_counter += 1
        registration.status = "waitlisted"
        registration.waitlist_position = workshop.waitlist_counter


def register(
    session: Session,
    workshop_id: int,
    user: User,
    *,
    accessibility_needs: str = "",
    source: str = "self",
    now: dt.datetime | None = None,
    ignore_window: bool = False,
) -> Registration:
    """Register a person: a confirmed seat if one is free, else the FIFO waitlist."""
    workshop = lock_workshop(session, workshop_id)
    now = now or utcnow()
    if not ignore_window:
        closed = registration_window_error(workshop, now)
        if closed is not None:
            raise DomainError(closed)
    registration = session.scalars(
        sa.select(Registration).where(
            Registration.workshop_id == workshop.id, Registration.user_id == user.id
        )
    ).one_or_none()
    if registration is not None and registration.status in ACTIVE_STATUSES:
        raise DomainError(_l("Vous êtes déjà inscrit ou inscrite à cet atelier."))
    if registration is None:
        registration = Registration(workshop=workshop, user=user)
        session.add(registration)
    registration.accessibility_needs = accessibility_needs.strip()
    registration.source = source
    registration.cancelled_at = None
    registration.cancel_reason = ""
    registration.cancel_nonce = secrets.token_hex(16)
    registration.attendance = "unknown"
    _snapshot(registration, user)
    # Counting seats must not flush the new row before it has a status.
    with session.no_autoflush:
        _place(session, workshop, registration)
    session.flush()
    if registration.status == "confirmed":
        notifications.registration_confirmed(session, registration)
    else:
        notifications.registration_waitlisted(session, registration)
    return registration


def promote_waitlist(session: Session, workshop: Workshop) -> list[Registration]:
    """Give free seats to the wait-listed people in FIFO order (skipping those a quota blocks)."""
    promoted: list[Registration] = []
    waiting = session.scalars(
        sa.select(Registration)
        .where(Registration.workshop_id == workshop.id, Registration.status == "waitlisted")
        .order_by(Registration.waitlist_position)
    ).all()
    for registration in waiting:
        if confirmed_count(session, workshop.id) >= workshop.capacity:
            break
        if not has_seat_for(session, workshop, registration.actor_profile):
            continue
        registration.status = "confirmed"
        registration.waitlist_position = None
        session.flush()
        notifications.registration_promoted(session, registration)
        promoted.append(registration)
    return promoted


def cancel(
    session: Session,
    registration_id: int,
    *,
    actor: User | None,
    reason: str = "",
    by_facilitator: bool = False,
) -> Registration:
    """Cancel a seat or leave the waitlist; a freed seat goes to the waitlist at once."""
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_l("Inscription introuvable."))
    workshop = lock_workshop(session, registration.workshop_id)
    session.refresh(registration)
    if registration.status == "cancelled":
        raise DomainError(_l("Cette inscription est déjà annulée."))
    freed_seat = registration.status == "confirmed"
    registration.status = "cancelled"
    registration.waitlist_position = None
    registration.cancelled_at = utcnow()
    registration.cancel_reason = reason.strip()
    registration.cancel_nonce = None
    session.flush()
    if by_facilitator:
        audit.record(
            session,
            actor.id if actor else None,
            "registration.cancel",
            "registration",
            registration.id,
            reason=registration.cancel_reason,
        )
    notifications.registration_cancelled(session, registration, by_facilitator=by_facilitator)
    if freed_seat:
        promote_waitlist(session, workshop)
    return registration


def promote_one(session: Session, registration_id: int, *, actor: User) -> Registration:
    """A facilitator gives a seat to one wait-listed person, even past capacity (logged)."""
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_l("Inscription introuvable."))
    lock_workshop(session, registration.workshop_id)
    session.refresh(registration)
    if registration.status != "waitlisted":
        raise DomainError(_l("Seule une personne en liste d'attente peut être promue."))
    registration.status = "confirmed"
    registration.waitlist_position = None
    session.flush()
    audit.record(session, actor.id, "registration.promote", "registration", registration.id)
    notifications.registration_promoted(session, registration)
    return registration


def change_capacity(session: Session, workshop_id: int, capacity: int) -> list[Registration]:
    """Set a new capacity (never below the confirmed seats) and promote into any new seats."""
    workshop = lock_workshop(session, workshop_id)
    confirmed = confirmed_count(session, workshop.id)
    if capacity < confirmed:
        raise DomainError(
            _l(
                "La capacité ne peut pas être inférieure au nombre d'inscriptions confirmées (%(count)s).",
                count=confirmed,
            ),
            field="capacity",
        )
    workshop.capacity = capacity
    session.flush()
    return promote_waitlist(session, workshop)
