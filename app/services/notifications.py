"""E-mails sent by the domain: each one is written to the outbox in the action's transaction.

Every function renders a French (or the recipient's language) text body and an HTML body from
`templates/emails/<name>.txt|.html` (the HTML one autoescaped: user text stays text, XS-01) and
adds an `OutboxMessage` to the caller's session: the action and its e-mail commit together, and
`app.mailer` sends it once the transaction is committed. Links are absolute, built from the
configured public URL (`SERVER_NAME_URL`), never from the request's Host header (IV-05).
People without an e-mail address (deleted accounts) get nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from app.db import begin_write, utcnow
from app.exports import ics
from app.i18n import _l
from app.models import OutboxMessage, Programme, Registration, User, Workshop
from app.services import calendar_feed

PARIS = ZoneInfo("Europe/Paris")


def queue_email(
    session: Session,
    recipient: str,
    subject: str,
    body_text: str,
    kind: str = "",
    *,
    body_html: str = "",
    ics_data: bytes | None = None,
    ics_method: str = "",
) -> OutboxMessage:
    """Add one message to the outbox; it is sent after commit (or by `flask outbox send`)."""
    message = OutboxMessage(
        recipient=recipient,
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        ics=ics_data,
        ics_method=ics_method if ics_data else "",
        kind=kind,
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(message)
    return message


# --- links -------------------------------------------------------------------------------------


def base_url() -> str:
    """The public base URL of the site, from configuration only (IV-05)."""
    return str(current_app.config["SERVER_NAME_URL"]).rstrip("/")


def absolute_url(endpoint: str, fallback_path: str, **values: Any) -> str:
    """An absolute link to an endpoint; `fallback_path` while that endpoint is not registered yet."""
    adapter = current_app.url_map.bind("localhost")
    try:
        path = adapter.build(endpoint, values)
    except BuildError:
        path = fallback_path
    return base_url() + path


def _cancel_url(registration: Registration) -> str:
    from app.services.registration import cancel_token

    token = cancel_token(registration, str(current_app.config["SECRET_KEY"]))
    return absolute_url("registrations.cancel_by_token", f"/annulation/{token}", token=token)


def _mine_url() -> str:
    return absolute_url("registrations.mine", "/mes-ateliers")


def workshop_url(workshop_id: int) -> str:
    """Public page of a workshop."""
    return absolute_url("registrations.workshop", f"/ateliers/{workshop_id}", workshop_id=workshop_id)


# --- rendering ---------------------------------------------------------------------------------


def _address_of(user: User) -> str | None:
    """Where to write to this person, or None (deleted or e-mail-less account)."""
    if not user.email or user.deleted_at is not None:
        return None
    return user.email


def _locale_of(user: User) -> str:
    languages = current_app.config.get("LANGUAGES", ("fr",))
    return user.locale if user.locale in languages else str(current_app.config["BABEL_DEFAULT_LOCALE"])


def _render(name: str, **context: Any) -> tuple[str, str]:
    """Text and HTML bodies of one message (HTML autoescaped by its .html extension)."""
    text = render_template(f"emails/{name}.txt", **context)
    html = render_template(f"emails/{name}.html", **context)
    return text.strip() + "\n", html


def _workshop_context(workshop: Workshop) -> dict[str, Any]:
    starts = workshop.starts_at.astimezone(PARIS)
    ends = workshop.ends_at.astimezone(PARIS)
    return {
        "id": workshop.id,
        "title": workshop.title,
        "programme_title": workshop.programme.title if workshop.programme else "",
        "format": workshop.format,
        "starts_at": workshop.starts_at,
        "ends_at": workshop.ends_at,
        "same_day": starts.date() == ends.date(),
        "place": workshop.place,
        "online_url": workshop.online_url,
        "url": workshop_url(workshop.id),
    }


def _registration_ics(registration: Registration, method: str) -> bytes:
    user = registration.user
    event = calendar_feed.workshop_calendar_event(
        registration.workshop,
        attendee=ics.Person(user.email or "", user.full_name),
        cancelled=method == "CANCEL",
        alarm=method == "REQUEST",
    )
    return ics.calendar_bytes([event], method)


def _registration_mail(
    session: Session,
    registration: Registration,
    *,
    template: str,
    kind: str,
    subject: Any,
    ics_method: str = "",
    cancel_link: bool = True,
    **extra: Any,
) -> OutboxMessage | None:
    """Render and queue one message about a registration in the recipient's language."""
    user = registration.user
    recipient = _address_of(user)
    if recipient is None:
        return None
    workshop = registration.workshop
    with force_locale(_locale_of(user)):
        context = {
            "first_name": user.first_name,
            "workshop": _workshop_context(workshop),
            "mine_url": _mine_url(),
            "cancel_url": _cancel_url(registration) if cancel_link else "",
            **extra,
        }
        text, html = _render(template, **context)
        title = str(subject)
        data = _registration_ics(registration, ics_method) if ics_method else None
    return queue_email(
        session, recipient, title, text, kind, body_html=html, ics_data=data, ics_method=ics_method
    )


# --- the messages ------------------------------------------------------------------------------


def registration_confirmed(session: Session, registration: Registration) -> None:
    """Confirmation with the .ics invitation."""
    _registration_mail(
        session,
        registration,
        template="registration_confirmed",
        kind="registration_confirmed",
        subject=_l("Inscription confirmée\u00a0: %(title)s", title=registration.workshop.title),
        ics_method="REQUEST",
    )


def registration_waitlisted(session: Session, registration: Registration) -> None:
    """Waitlist acknowledgement with the position."""
    from app.services.registration import waitlist_position

    _registration_mail(
        session,
        registration,
        template="registration_waitlisted",
        kind="registration_waitlisted",
        subject=_l("Liste d'attente\u00a0: %(title)s", title=registration.workshop.title),
        position=waitlist_position(session, registration),
    )


def registration_promoted(session: Session, registration: Registration) -> None:
    """A seat freed up: the person is now confirmed."""
    _registration_mail(
        session,
        registration,
        template="registration_promoted",
        kind="registration_promoted",
        subject=_l(
            "Une place s'est libérée, votre inscription est confirmée\u00a0: %(title)s",
            title=registration.workshop.title,
        ),
        ics_method="REQUEST",
    )


def registration_cancelled(session: Session, registration: Registration, *, by_facilitator: bool) -> None:
    """Cancellation acknowledgement (with the reason when a facilitator cancelled)."""
    _registration_mail(
        session,
        registration,
        template="registration_cancelled",
        kind="registration_cancelled",
        subject=_l("Inscription annulée\u00a0: %(title)s", title=registration.workshop.title),
        ics_method="CANCEL",
        cancel_link=False,
        by_facilitator=by_facilitator,
        reason=registration.cancel_reason if by_facilitator else "",
        workshop_page_url=workshop_url(registration.workshop_id),
    )


def reminder(session: Session, registration: Registration) -> None:
    """Reminder before the workshop (flask send-reminders)."""
    _reminder(session, registration)


def workshop_changed(session: Session, registration: Registration) -> None:
    """The workshop's date or place changed: new details and an updated invitation (higher SEQUENCE)."""
    _registration_mail(
        session,
        registration,
        template="workshop_changed",
        kind="workshop_changed",
        subject=_l("Changement de date ou de lieu : %(title)s", title=registration.workshop.title),
        ics_method="REQUEST",
    )


def _reminder(session: Session, registration: Registration) -> OutboxMessage | None:
    return _registration_mail(
        session,
        registration,
        template="reminder",
        kind="reminder",
        subject=_l("Rappel\u00a0: %(title)s", title=registration.workshop.title),
    )


def _account_mail(
    session: Session, user: User, *, template: str, kind: str, subject: Any, **context: Any
) -> OutboxMessage | None:
    recipient = _address_of(user)
    if recipient is None:
        return None
    with force_locale(_locale_of(user)):
        text, html = _render(template, first_name=user.first_name, **context)
        title = str(subject)
    return queue_email(session, recipient, title, text, kind, body_html=html)


def password_reset(session: Session, user: User, raw_token: str) -> None:
    """Password reset link, valid one hour, single use."""
    ttl = int(current_app.config.get("PASSWORD_RESET_TTL_S", 3600))
    _account_mail(
        session,
        user,
        template="password_reset",
        kind="password_reset",
        subject=_l("Réinitialisation de votre mot de passe"),
        reset_url=absolute_url("auth.reset", f"/reinitialisation/{raw_token}", token=raw_token),
        forgot_url=absolute_url("auth.forgot", "/mot-de-passe-oublie"),
        valid_minutes=max(1, ttl // 60),
    )


def account_exists(session: Session, user: User) -> None:
    """Someone tried to create an account with an address that already has one (EN-01)."""
    _account_mail(
        session,
        user,
        template="account_exists",
        kind="account_exists",
        subject=_l("Vous avez déjà un compte sur Ateliers"),
        login_url=absolute_url("auth.login", "/connexion"),
        forgot_url=absolute_url("auth.forgot", "/mot-de-passe-oublie"),
    )


def invitation(session: Session, user: User, raw_token: str, programme: Programme | None) -> None:
    """An account created for the person (import, manual add): link to choose a password."""
    ttl = int(current_app.config.get("INVITATION_TTL_S", 14 * 24 * 3600))
    _account_mail(
        session,
        user,
        template="invitation",
        kind="invitation",
        subject=_l("Votre compte sur Ateliers"),
        invitation_url=absolute_url("auth.accept_invitation", f"/invitation/{raw_token}", token=raw_token),
        programme_title=programme.title if programme else "",
        valid_days=max(1, ttl // 86400),
        email=user.email,
    )


# --- reminders ---------------------------------------------------------------------------------


def workshops_due_for_reminder(session: Session, hours: float, now: dt.datetime | None = None) -> list[int]:
    """Ids of workshops starting within `hours` whose reminder has not been sent."""
    now = now or utcnow()
    return list(
        session.scalars(
            sa.select(Workshop.id)
            .where(
                Workshop.reminder_sent_at.is_(None),
                Workshop.starts_at > now,
                Workshop.starts_at <= now + dt.timedelta(hours=hours),
            )
            .order_by(Workshop.starts_at)
        ).all()
    )


def queue_workshop_reminders(
    session: Session, workshop_id: int, now: dt.datetime | None = None
) -> int | None:
    """Mark the workshop reminded and queue one reminder per confirmed seat (flush only).

    The mark is an atomic conditional UPDATE, so two concurrent runs never both queue reminders;
    returns None when another run already did it, else the number of messages queued.
    """
    begin_write(session)
    claimed = session.execute(
        sa.update(Workshop)
        .where(Workshop.id == workshop_id, Workshop.reminder_sent_at.is_(None))
        .values(reminder_sent_at=now or utcnow())
        # A plain UPDATE: the workshop's version is left alone, no facilitator edit gets a 409.
        .execution_options(synchronize_session=False)
    )
    if int(getattr(claimed, "rowcount", 0) or 0) != 1:
        return None
    registrations = session.scalars(
        sa.select(Registration)
        .where(Registration.workshop_id == workshop_id, Registration.status == "confirmed")
        .order_by(Registration.id)
    ).all()
    queued = 0
    for registration in registrations:
        if _reminder(session, registration) is not None:
            queued += 1
    session.flush()
    return queued
