"""The facilitators' synthesis: themes gathering notes, the document's sections and its publications.

A `SynthesisDocument` belongs to one workshop or, for the roll-up, to one programme. Its sections
follow DOMAIN.md's default list and are versioned like notes (a stale save answers with both
texts). A publication freezes what participants read: later edits never change it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

THEME_NAME_MAX = 200
SECTION_TEXT_MAX = 50_000


class Theme(Base):
    """A named gathering of notes from several groups (« Regrouper »), in the synthesis of one
    workshop or in the roll-up of a whole programme (where it may gather notes of several workshops)."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(THEME_NAME_MAX))
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    members: Mapped[list[ThemeNote]] = relationship(
        back_populates="theme", cascade="all, delete-orphan", order_by="ThemeNote.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("workshop_id", "name"),
        sa.UniqueConstraint("programme_id", "name"),
        sa.CheckConstraint("(workshop_id IS NULL) <> (programme_id IS NULL)", name="one_scope"),
    )

    @property
    def level(self) -> str:
        """« workshop » or « programme »: the synthesis this theme belongs to."""
        return THEME_LEVEL_WORKSHOP if self.workshop_id is not None else THEME_LEVEL_PROGRAMME


THEME_LEVEL_WORKSHOP = "workshop"
THEME_LEVEL_PROGRAMME = "programme"


class ThemeNote(Base):
    """A note placed in a theme: a note sits in one theme at most at each level (its workshop's
    synthesis, its programme's roll-up); `level` repeats the theme's so the database enforces it."""

    __tablename__ = "theme_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    note_id: Mapped[int] = mapped_column(sa.ForeignKey("note.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(sa.String(10), default=THEME_LEVEL_WORKSHOP)

    theme: Mapped[Theme] = relationship(back_populates="members")

    __table_args__ = (
        sa.UniqueConstraint("note_id", "level"),
        sa.CheckConstraint("level IN ('workshop', 'programme')", name="known_level"),
    )


class DismissedSuggestion(Base):
    """A pair of notes a facilitator said are not alike: never suggested again, in the workshop's
    synthesis nor in the programme's roll-up (where the pair may span two workshops)."""

    __tablename__ = "dismissed_suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    first_note_id: Mapped[int] = mapped_column(sa.ForeignKey("note.id", ondelete="CASCADE"))
    second_note_id: Mapped[int] = mapped_column(sa.ForeignKey("note.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("first_note_id", "second_note_id"),
        sa.CheckConstraint("first_note_id < second_note_id", name="ordered_pair"),
        sa.CheckConstraint("(workshop_id IS NULL) <> (programme_id IS NULL)", name="one_scope"),
    )


class SynthesisDocument(Base):
    """The synthesis of one workshop, or of a whole programme (roll-up)."""

    __tablename__ = "synthesis_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), unique=True
    )
    programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    sections: Mapped[list[SynthesisSection]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="SynthesisSection.position"
    )
    publications: Mapped[list[SynthesisPublication]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="SynthesisPublication.number"
    )

    __table_args__ = (
        sa.CheckConstraint("(workshop_id IS NULL) <> (programme_id IS NULL)", name="one_scope"),
    )


class SynthesisSection(Base):
    """One section of a synthesis document (Markdown), versioned with conflict protection."""

    __tablename__ = "synthesis_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("synthesis_document.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(40))
    position: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    document: Mapped[SynthesisDocument] = relationship(back_populates="sections")
    history: Mapped[list[SynthesisSectionRevision]] = relationship(
        back_populates="section", cascade="all, delete-orphan", order_by="SynthesisSectionRevision.version"
    )

    __table_args__ = (sa.UniqueConstraint("document_id", "key"),)


class SynthesisSectionRevision(Base):
    """One saved version of a section."""

    __tablename__ = "synthesis_section_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("synthesis_section.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(sa.Text)
    edited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    section: Mapped[SynthesisSection] = relationship(back_populates="history")

    __table_args__ = (sa.UniqueConstraint("section_id", "version"),)


class SynthesisPublication(Base):
    """A published version, frozen: the JSON export of the synthesis at publication time."""

    __tablename__ = "synthesis_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("synthesis_document.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    document: Mapped[SynthesisDocument] = relationship(back_populates="publications")

    __table_args__ = (sa.UniqueConstraint("document_id", "number"),)
