"""One-time tokens sent by e-mail (password reset, invitation): 256 random bits, hashed at rest,
expiring, single use (AC-12, PW-11)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import User, UserToken

KINDS = ("password_reset", "invitation")


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(session: Session, user: User, kind: str, ttl_seconds: int) -> str:
    """Create a token for `user` and return the raw value (only its hash is stored)."""
    if kind not in KINDS:
        raise ValueError(f"unknown token kind {kind!r}")
    raw = secrets.token_urlsafe(32)
    session.add(
        UserToken(
            user_id=user.id,
            kind=kind,
            token_hash=_digest(raw),
            expires_at=utcnow() + dt.timedelta(seconds=ttl_seconds),
        )
    )
    session.flush()
    return raw


def find_valid_token(session: Session, raw: str, kind: str) -> UserToken | None:
    """The unused, unexpired token with this value and kind, or None."""
    token = session.scalars(
        sa.select(UserToken).where(UserToken.token_hash == _digest(raw), UserToken.kind == kind)
    ).one_or_none()
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    return token


def consume_token(session: Session, raw: str, kind: str) -> User | None:
    """Mark a valid token used and return its user; None when invalid, expired or already used."""
    token = find_valid_token(session, raw, kind)
    if token is None:
        return None
    token.used_at = utcnow()
    session.flush()
    return session.get(User, token.user_id)
