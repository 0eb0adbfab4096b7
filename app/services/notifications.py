"""E-mails sent by the domain: each one is written to the outbox in the action's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import OutboxMessage, Programme, Registration, User


def queue_email(
    session: Session, recipient: str, subject: str, body_text: str, kind: str = ""
) -> OutboxMessage:
    """Add one message to the outbox; it is sent after commit (or by `flask outbox send`)."""
    message = OutboxMessage(recipient=recipient, subject=subject, body_text=body_text, kind=kind)
    session.add(message)
    return message


def registration_confirmed(session: Session, registration: Registration) -> None:
    """Confirmation with the .ics invitation."""


def registration_waitlisted(session: Session, registration: Registration) -> None:
    """Waitlist acknowledgement with the position."""


def registration_promoted(session: Session, registration: Registration) -> None:
    """A seat freed up: the person is now confirmed."""


def registration_cancelled(session: Session, registration: Registration, *, by_facilitator: bool) -> None:
    """Cancellation acknowledgement (with the reason when a facilitator cancelled)."""


def password_reset(session: Session, user: User, raw_token: str) -> None:
    """Password reset link, valid one hour, single use."""


def account_exists(session: Session, user: User) -> None:
    """Someone tried to create an account with an address that already has one (EN-01)."""


def invitation(session: Session, user: User, raw_token: str, programme: Programme | None) -> None:
    """An account created for the person (import, manual add): link to choose a password."""


def reminder(session: Session, registration: Registration) -> None:
    """Reminder before the workshop (flask send-reminders)."""
