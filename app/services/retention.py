"""Retention (GD-04): what `flask purge` deletes or anonymises, matching the personal-data notice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    AuditLog,
    Consent,
    Note,
    NoteRevision,
    NoteVote,
    Programme,
    Registration,
    UserToken,
    Workshop,
)
from app.services import outbox

OUTBOX_RETENTION = dt.timedelta(days=90)
ACCESSIBILITY_RETENTION = dt.timedelta(days=30)
REGISTRATION_RETENTION = dt.timedelta(days=3 * 365)
WITHDRAWN_CONSENT_RETENTION = dt.timedelta(days=5 * 365)
AUDIT_RETENTION = dt.timedelta(days=365)


@dataclass(frozen=True)
class PurgeCounts:
    """What one purge removed or anonymised."""

    tokens: int
    messages: int
    accessibility_needs: int
    registrations: int
    consents: int
    audit_entries: int
    notes: int = 0


def _rowcount(result: sa.Result[object]) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def purge(session: Session, *, now: dt.datetime | None = None) -> PurgeCounts:
    """Apply every retention period of the personal-data notice once."""
    now = now or utcnow()
    no_sync = {"synchronize_session": False}
    tokens = session.execute(
        sa.delete(UserToken)
        .where(sa.or_(UserToken.used_at.is_not(None), UserToken.expires_at <= now))
        .execution_options(**no_sync)
    )
    ended_workshops = sa.select(Workshop.id).where(Workshop.ends_at <= now - ACCESSIBILITY_RETENTION)
    needs = session.execute(
        sa.update(Registration)
        .where(Registration.workshop_id.in_(ended_workshops), Registration.accessibility_needs != "")
        .values(accessibility_needs="")
        .execution_options(**no_sync)
    )
    old_programmes = sa.select(Programme.id).where(
        Programme.end_date.is_not(None), Programme.end_date <= (now - REGISTRATION_RETENTION).date()
    )
    old_workshops = sa.select(Workshop.id).where(Workshop.programme_id.in_(old_programmes))
    registrations = session.execute(
        sa.update(Registration)
        .where(
            Registration.workshop_id.in_(old_workshops),
            sa.or_(
                Registration.organisation != "",
                Registration.territory != "",
                Registration.cancel_reason != "",
            ),
        )
        .values(organisation="", territory="", cancel_reason="")
        .execution_options(**no_sync)
    )
    # Notes outlive their authors' link: three years after the programme, nobody is tied to them.
    notes = session.execute(
        sa.update(Note)
        .where(Note.workshop_id.in_(old_workshops), Note.author_id.is_not(None))
        .values(author_id=None, hidden_by_id=None)
        .execution_options(**no_sync)
    )
    old_notes = sa.select(Note.id).where(Note.workshop_id.in_(old_workshops))
    session.execute(sa.delete(NoteVote).where(NoteVote.note_id.in_(old_notes)).execution_options(**no_sync))
    session.execute(
        sa.update(NoteRevision)
        .where(NoteRevision.note_id.in_(old_notes), NoteRevision.edited_by_id.is_not(None))
        .values(edited_by_id=None)
        .execution_options(**no_sync)
    )
    consents = session.execute(
        sa.delete(Consent)
        .where(Consent.withdrawn_at.is_not(None), Consent.withdrawn_at <= now - WITHDRAWN_CONSENT_RETENTION)
        .execution_options(**no_sync)
    )
    audit_entries = session.execute(
        sa.delete(AuditLog).where(AuditLog.created_at <= now - AUDIT_RETENTION).execution_options(**no_sync)
    )
    return PurgeCounts(
        tokens=_rowcount(tokens),
        messages=outbox.purge_sent(session, OUTBOX_RETENTION, now),
        accessibility_needs=_rowcount(needs),
        registrations=_rowcount(registrations),
        consents=_rowcount(consents),
        audit_entries=_rowcount(audit_entries),
        notes=_rowcount(notes),
    )
