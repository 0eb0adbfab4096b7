"""People: accounts, their consents and their one-time tokens."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

ROLES = ("participant", "facilitator", "admin")


def new_session_token() -> str:
    """A fresh per-user session token (rotated to end every session at once)."""
    return secrets.token_urlsafe(24)


class User(Base):
    """A person with an account: participant, facilitator or administrator."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    first_name: Mapped[str] = mapped_column(sa.String(80), default="")
    last_name: Mapped[str] = mapped_column(sa.String(80), default="")
    organisation: Mapped[str] = mapped_column(sa.String(160), default="")
    actor_profile: Mapped[str] = mapped_column(sa.String(40), default="other")
    territory: Mapped[str] = mapped_column(sa.String(120), default="")
    job_title: Mapped[str] = mapped_column(sa.String(120), default="")
    role: Mapped[str] = mapped_column(sa.String(20), default="participant")
    locale: Mapped[str] = mapped_column(sa.String(5), default="fr")
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    calendar_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=lambda: secrets.token_urlsafe(32)
    )
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column()

    consents: Mapped[list[Consent]] = relationship(back_populates="user", cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint("role IN ('participant', 'facilitator', 'admin')", name="role"),)

    # Flask-Login protocol, written out so that get_id() carries the rotating token (SE-03).
    @property
    def is_authenticated(self) -> bool:
        """Always true for a loaded account."""
        return True

    @property
    def is_active(self) -> bool:
        """False once the account is deactivated or deleted."""
        return self.is_active_account and self.deleted_at is None

    @property
    def is_anonymous(self) -> bool:
        """Never anonymous."""
        return False

    def get_id(self) -> str:
        """Identifier stored in the session cookie: id and the current session token."""
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        """Invalidate every session of this account (logout, password change, reset)."""
        self.session_token = new_session_token()

    @property
    def full_name(self) -> str:
        """First and last name, as shown to facilitators."""
        return f"{self.first_name} {self.last_name}".strip() or (self.email or "")

    @property
    def is_admin(self) -> bool:
        """True for administrators."""
        return self.role == "admin"

    @property
    def is_facilitator(self) -> bool:
        """True for facilitators and administrators."""
        return self.role in ("facilitator", "admin")


class Consent(Base):
    """One optional consent given (or withdrawn) for one purpose under one notice version (GD-03)."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(40))
    notice_version: Mapped[str] = mapped_column(sa.String(20))
    given_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column()

    user: Mapped[User] = relationship(back_populates="consents")


class UserToken(Base):
    """A single-use secret sent by e-mail (password reset, invitation); only its hash is kept."""

    __tablename__ = "user_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column()
