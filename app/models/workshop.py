"""Workshops (ateliers): one meeting of a programme, with its capacity and quotas."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

if TYPE_CHECKING:
    from app.models.programme import Programme
    from app.models.registration import Registration


class Workshop(Base):
    """One meeting of a programme (never called Session)."""

    __tablename__ = "workshop"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    format: Mapped[str] = mapped_column(sa.String(40), default="peer_workshop")
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")
    capacity: Mapped[int] = mapped_column(default=30)
    registration_opens_at: Mapped[dt.datetime | None] = mapped_column()
    registration_closes_at: Mapped[dt.datetime | None] = mapped_column()
    attribution_mode: Mapped[str] = mapped_column(sa.String(20), default="by_profile")
    note_categories: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    # Monotonic counters: the waitlist is FIFO by the position taken under the workshop lock.
    waitlist_counter: Mapped[int] = mapped_column(default=0)
    ics_sequence: Mapped[int] = mapped_column(default=0)
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    programme: Mapped[Programme] = relationship(back_populates="workshops")
    quotas: Mapped[list[WorkshopQuota]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", order_by="WorkshopQuota.actor_profile"
    )
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("capacity >= 0", name="capacity_positive"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint(
            "attribution_mode IN ('named', 'by_profile', 'anonymous')", name="attribution_mode"
        ),
    )


class WorkshopQuota(Base):
    """At most `seats` confirmed seats for one actor profile in one workshop."""

    __tablename__ = "workshop_quota"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    actor_profile: Mapped[str] = mapped_column(sa.String(40))
    seats: Mapped[int] = mapped_column()

    workshop: Mapped[Workshop] = relationship(back_populates="quotas")

    __table_args__ = (
        sa.UniqueConstraint("workshop_id", "actor_profile"),
        sa.CheckConstraint("seats >= 0", name="seats_positive"),
    )
