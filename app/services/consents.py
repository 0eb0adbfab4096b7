"""Optional consents (GD-01..03): one row per purpose given, with the notice version and the time;
withdrawal keeps the row and stamps it, so the history stays provable."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import utcnow
from app.domain import CONSENT_PURPOSES
from app.i18n import _l
from app.models import Consent, User
from app.services.errors import DomainError


def _check_purpose(purpose: str) -> None:
    if purpose not in CONSENT_PURPOSES:
        raise DomainError(_l("Finalité de consentement inconnue."), field="purpose")


def _active_rows(session: Session, user: User, purpose: str | None = None) -> list[Consent]:
    query = sa.select(Consent).where(Consent.user_id == user.id, Consent.withdrawn_at.is_(None))
    if purpose is not None:
        query = query.where(Consent.purpose == purpose)
    return list(session.scalars(query.order_by(Consent.id)))


def active_consents(session: Session, user: User) -> set[str]:
    """The purposes the person currently agrees to."""
    return {consent.purpose for consent in _active_rows(session, user)}


def give_consents(session: Session, user: User, purposes: Iterable[str], notice_version: str) -> None:
    """Record a consent (purpose, notice version, time) for each purpose not already active."""
    wanted = list(dict.fromkeys(purposes))
    for purpose in wanted:
        _check_purpose(purpose)
    already = active_consents(session, user)
    for purpose in wanted:
        if purpose not in already:
            session.add(Consent(user_id=user.id, purpose=purpose, notice_version=notice_version))
    session.flush()


def withdraw_consent(session: Session, user: User, purpose: str) -> None:
    """Withdraw one consent (GD-03: one click); withdrawing an absent consent changes nothing."""
    _check_purpose(purpose)
    now = utcnow()
    for consent in _active_rows(session, user, purpose):
        consent.withdrawn_at = now
    session.flush()


def withdraw_all(session: Session, user: User) -> None:
    """Withdraw every active consent (account deletion)."""
    now = utcnow()
    for consent in _active_rows(session, user):
        consent.withdrawn_at = now
    session.flush()


def history(session: Session, user: User) -> list[Consent]:
    """Every consent the person gave or withdrew, oldest first (for the data download)."""
    return list(session.scalars(sa.select(Consent).where(Consent.user_id == user.id).order_by(Consent.id)))
