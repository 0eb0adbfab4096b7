"""Personal calendar feed (secret URL): every confirmed workshop of one person, as iCalendar.

The secret is `User.calendar_token` (256 random bits from `secrets`, unique, AC-12); the URL
works without signing in so that calendar applications can subscribe to it. Rotating the token
cuts off every copy of the old URL.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload

from app.exports import ics
from app.i18n import _
from app.models import Registration, User, Workshop

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")
DESCRIPTION_LIMIT = 2000


def _organizer() -> ics.Person:
    from app.services.outbox import sender_address

    sender = sender_address(current_app.config)
    return ics.Person(sender.addr_spec, sender.display_name)


def _description(workshop: Workshop) -> str:
    """Plain text shown in the calendar entry (no cancellation link: calendars get shared)."""
    from app.services.notifications import absolute_url

    parts: list[str] = []
    if workshop.programme is not None:
        parts.append(_("Parcours\u00a0: %(title)s", title=workshop.programme.title))
    if workshop.description.strip():
        parts.append(workshop.description.strip()[:DESCRIPTION_LIMIT])
    if workshop.online_url:
        parts.append(_("Lien de connexion\u00a0: %(url)s", url=workshop.online_url))
    parts.append(
        _("Vos inscriptions\u00a0: %(url)s", url=absolute_url("registrations.mine", "/mes-ateliers"))
    )
    return "\n\n".join(parts)


def workshop_calendar_event(
    workshop: Workshop,
    *,
    attendee: ics.Person | None = None,
    cancelled: bool = False,
    alarm: bool = False,
) -> ics.CalendarEvent:
    """A workshop as a calendar event (same UID and SEQUENCE in e-mails and in the feed)."""
    from app.services.notifications import workshop_url

    return ics.workshop_event(
        workshop_id=workshop.id,
        title=workshop.title,
        starts_at=workshop.starts_at,
        ends_at=workshop.ends_at,
        description=_description(workshop),
        place=workshop.place,
        online_url=workshop.online_url,
        url=workshop_url(workshop.id),
        sequence=workshop.ics_sequence,
        cancelled=cancelled,
        organizer=_organizer(),
        attendee=attendee,
        alarm_before=dt.timedelta(days=1) if alarm else None,
    )


def user_for_token(session: Session, token: str) -> User | None:
    """The active person whose calendar token this is, or None."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    user = session.scalars(sa.select(User).where(User.calendar_token == token)).one_or_none()
    if user is None or not user.is_active:
        return None
    return user


def confirmed_workshops(session: Session, user: User) -> list[Workshop]:
    """Every workshop where the person holds a confirmed seat, past and upcoming."""
    return list(
        session.scalars(
            sa.select(Workshop)
            .join(Registration, Registration.workshop_id == Workshop.id)
            .where(Registration.user_id == user.id, Registration.status == "confirmed")
            .options(selectinload(Workshop.programme))
            .order_by(Workshop.starts_at, Workshop.id)
        ).all()
    )


def feed_bytes(session: Session, user: User) -> bytes:
    """The person's calendar (METHOD:PUBLISH) as .ics bytes."""
    events = [workshop_calendar_event(workshop) for workshop in confirmed_workshops(session, user)]
    return ics.calendar_bytes(events, "PUBLISH", name=_("Mes ateliers"))


def feed_url(user: User) -> str:
    """The absolute subscription URL of the person's feed (shown on the account page)."""
    from app.services.notifications import absolute_url

    token = user.calendar_token
    return absolute_url("calendar.feed", f"/calendrier/{token}.ics", token=token)


def rotate_token(session: Session, user: User) -> str:
    """Give the person a new secret feed URL; the old one stops working (flush only)."""
    user.calendar_token = secrets.token_urlsafe(32)
    session.flush()
    return user.calendar_token
