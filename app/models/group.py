"""Peer groups: the rounds (rotations) of a workshop, their groups (sous-groupes) and members.

One aggregate: a `Round` owns its `PeerGroup`s, which own their `GroupMember`s. A member row
repeats its group's round so that "one group per person per round" is a unique constraint; the
composite foreign key (group_id, round_id) keeps that copy honest.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

if TYPE_CHECKING:
    from app.models.registration import Registration
    from app.models.user import User
    from app.models.workshop import Workshop

ROUND_STATUSES = ("draft", "published")
GROUP_ROLES = ("member", "rapporteur", "timekeeper", "table_host", "facilitator")


class Round(Base):
    """One rotation of a workshop (a World Café has about three); groups are planned per round."""

    __tablename__ = "round"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(120), default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    published_at: Mapped[dt.datetime | None] = mapped_column()
    # The criteria the groups were formed with (who, sizes, weights) and the engine's messages.
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    workshop: Mapped[Workshop] = relationship()
    groups: Mapped[list[PeerGroup]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="PeerGroup.position"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("workshop_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.CheckConstraint("status IN ('draft', 'published')", name="status"),
    )


class PeerGroup(Base):
    """A sous-groupe of one round, at a numbered position (and optionally a named table)."""

    __tablename__ = "peer_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    table_name: Mapped[str] = mapped_column(sa.String(80), default="")
    # A locked group keeps exactly its members when the rest is computed again.
    locked: Mapped[bool] = mapped_column(default=False)

    round: Mapped[Round] = relationship(back_populates="groups")
    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="GroupMember.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("round_id", "position"),
        # Target of the members' composite foreign key (a member's round is its group's round).
        sa.UniqueConstraint("id", "round_id"),
        sa.CheckConstraint("position >= 1", name="position_positive"),
    )


class GroupMember(Base):
    """A person placed in a group for one round, with their role; at most one group per round."""

    __tablename__ = "group_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(index=True)
    round_id: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(sa.String(20), default="member")
    # A locked person stays in this group when the rest is computed again.
    locked: Mapped[bool] = mapped_column(default=False)

    group: Mapped[PeerGroup] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
    registration: Mapped[Registration] = relationship()

    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["group_id", "round_id"], ["peer_group.id", "peer_group.round_id"], ondelete="CASCADE"
        ),
        sa.UniqueConstraint("round_id", "user_id"),
        sa.CheckConstraint(
            "role IN ('member', 'rapporteur', 'timekeeper', 'table_host', 'facilitator')", name="role"
        ),
    )
