"""Registrations: a person's seat (or waitlist place) in a workshop, with a snapshot of who they were."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

if TYPE_CHECKING:
    from app.models.user import User
    from app.models.workshop import Workshop

STATUSES = ("confirmed", "waitlisted", "cancelled")
ATTENDANCES = ("unknown", "present", "absent")


class Registration(Base):
    """One person in one workshop: confirmed, wait-listed or cancelled (one row per pair)."""

    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    waitlist_position: Mapped[int | None] = mapped_column()
    # Snapshot at registration time: later profile edits do not rewrite history.
    organisation: Mapped[str] = mapped_column(sa.String(160), default="")
    actor_profile: Mapped[str] = mapped_column(sa.String(40), default="other")
    territory: Mapped[str] = mapped_column(sa.String(120), default="")
    accessibility_needs: Mapped[str] = mapped_column(sa.String(1000), default="")
    attendance: Mapped[str] = mapped_column(sa.String(20), default="unknown")
    walk_in: Mapped[bool] = mapped_column(default=False)
    checked_in_at: Mapped[dt.datetime | None] = mapped_column()
    # Random nonce behind the signed cancellation link (AC-12); cleared once used.
    cancel_nonce: Mapped[str | None] = mapped_column(sa.String(64))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column()
    cancel_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    source: Mapped[str] = mapped_column(sa.String(20), default="self")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    workshop: Mapped[Workshop] = relationship(back_populates="registrations")
    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("workshop_id", "user_id"),
        sa.UniqueConstraint("workshop_id", "waitlist_position"),
        sa.CheckConstraint("status IN ('confirmed', 'waitlisted', 'cancelled')", name="status"),
        sa.CheckConstraint("attendance IN ('unknown', 'present', 'absent')", name="attendance"),
    )
