"""Shared notes of a peer session: the workshop's board, each group's feed, notes and their history.

Live updates rest on one counter per group (`GroupFeed.revision`) and one per workshop
(`NoteBoard.revision`). Every change takes the next value with `UPDATE ... RETURNING`, which holds
the row lock until commit, so changes of one group commit in counter order: a reader that has seen
counter R has every change up to R, and a feed never skips one (see app/services/notes.py).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

if TYPE_CHECKING:
    from app.models.user import User

NOTE_TEXT_MAX = 2000
SUMMARY_TEXT_MAX = 5000
MESSAGE_TEXT_MAX = 500
NOTE_PHASES = ("open", "closed")


class NoteBoard(Base):
    """The live state of a workshop's notes: writing open or closed, hidden until reveal, round."""

    __tablename__ = "note_board"

    workshop_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True
    )
    phase: Mapped[str] = mapped_column(sa.String(20), default="open")
    # « Notes cachées jusqu'à la révélation »: people see only their own notes until revealed.
    hidden_until_reveal: Mapped[bool] = mapped_column(default=False)
    revealed: Mapped[bool] = mapped_column(default=False)
    current_round: Mapped[int] = mapped_column(default=1)
    revision: Mapped[int] = mapped_column(default=0)
    # A change of what a participant may see (reveal, hiding mode): feeds below it start over.
    reset_revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("phase IN ('open', 'closed')", name="phase"),
        sa.CheckConstraint("current_round >= 1", name="current_round_positive"),
    )


class GroupFeed(Base):
    """A group's change counter and last activity (one row per peer group)."""

    __tablename__ = "group_feed"

    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("peer_group.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(default=0)
    last_activity_at: Mapped[dt.datetime | None] = mapped_column()


class Note(Base):
    """A card written by a member of a peer group, in one of the workshop's categories."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("peer_group.id", ondelete="CASCADE"))
    round_number: Mapped[int] = mapped_column()
    # Erasing an account keeps the note, anonymised (GD-07): the author becomes unknown.
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # The author's actor profile when writing (the « par profil » attribution reads it).
    author_profile: Mapped[str] = mapped_column(sa.String(40), default="")
    category: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.Text)
    tags: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    # Chosen by the writer's page: a retried post finds its note instead of making a second (REL-07).
    submission_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    plus_count: Mapped[int] = mapped_column(default=0)
    highlighted: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    hidden_at: Mapped[dt.datetime | None] = mapped_column()
    deleted_at: Mapped[dt.datetime | None] = mapped_column()
    revision: Mapped[int] = mapped_column(default=0)  # the group's counter at the last change
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The content's version (text, category, tags), checked by hand under the group's lock: a
    # « +1 », a highlight or a moderation changes the row but must not turn an edit stale.
    version: Mapped[int] = mapped_column(default=1)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    history: Mapped[list[NoteRevision]] = relationship(
        back_populates="note", cascade="all, delete-orphan", order_by="NoteRevision.version"
    )

    __table_args__ = (
        sa.Index("ix_note_group_revision", "group_id", "revision"),
        sa.CheckConstraint(f"length(text) <= {NOTE_TEXT_MAX}", name="text_length"),
    )


class NoteRevision(Base):
    """One saved version of a note: every edit is kept (the note's history)."""

    __tablename__ = "note_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(sa.ForeignKey("note.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    category: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.Text)
    tags: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    action: Mapped[str] = mapped_column(sa.String(20), default="edit")  # create, edit, delete
    edited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    note: Mapped[Note] = relationship(back_populates="history")

    __table_args__ = (sa.UniqueConstraint("note_id", "version"),)


class NoteVote(Base):
    """« +1 / je partage » of one person on a note (at most one)."""

    __tablename__ = "note_vote"

    note_id: Mapped[int] = mapped_column(sa.ForeignKey("note.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class GroupSummary(Base):
    """The rapporteur's « ce que notre groupe retient », versioned like a note."""

    __tablename__ = "group_summary"

    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("peer_group.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=0)


class GroupSummaryRevision(Base):
    """One saved version of a group summary."""

    __tablename__ = "group_summary_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("peer_group.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(sa.Text)
    edited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("group_id", "version"),)


class WorkshopMessage(Base):
    """A facilitator's message to every group (next question, time left), shown in their spaces."""

    __tablename__ = "workshop_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.String(MESSAGE_TEXT_MAX))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    revision: Mapped[int] = mapped_column(default=0)  # the board's counter when posted
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
