"""Programmes (parcours), their co-organising organisations and facilitators."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

if TYPE_CHECKING:
    from app.models.user import User
    from app.models.workshop import Workshop

VISIBILITIES = ("public", "link_only")


class Programme(Base):
    """A « parcours expérientiel »: several workshops over months."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    start_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    end_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    visibility: Mapped[str] = mapped_column(sa.String(20), default="public")
    link_token: Mapped[str] = mapped_column(sa.String(64), default=lambda: secrets.token_urlsafe(24))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organisations: Mapped[list[ProgrammeOrganisation]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="ProgrammeOrganisation.position"
    )
    facilitator_links: Mapped[list[ProgrammeFacilitator]] = relationship(
        back_populates="programme", cascade="all, delete-orphan"
    )
    # By date, then creation: parallel sessions starting together keep a stable order.
    workshops: Mapped[list[Workshop]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="[Workshop.starts_at, Workshop.id]"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.CheckConstraint("visibility IN ('public', 'link_only')", name="visibility"),)


class ProgrammeOrganisation(Base):
    """An organisation that co-runs a programme (regional council, training centre, lab...)."""

    __tablename__ = "programme_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    position: Mapped[int] = mapped_column(default=0)

    programme: Mapped[Programme] = relationship(back_populates="organisations")

    __table_args__ = (sa.UniqueConstraint("programme_id", "name"),)


class ProgrammeFacilitator(Base):
    """A facilitator attached to a programme; only they (and admins) manage its workshops."""

    __tablename__ = "programme_facilitator"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)

    programme: Mapped[Programme] = relationship(back_populates="facilitator_links")
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("programme_id", "user_id"),)
