"""The one data model every synthesis renderer reads (Markdown, Word, ODT, PDF, CSV, XLSX, JSON).

Services build a `SynthesisData` from the database with the attribution mode already applied
(`NoteRow.author` is a name, a profile label or empty); renderers only lay it out, so the formats
never disagree. Pure data: no Flask, no SQL. Every text is final (French or English, as chosen by
the person exporting); renderers add no wording of their own except through `Labels`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class NoteRow:
    """One note as exported: one row of the CSV/XLSX, one item in the documents."""

    workshop: str
    round: int
    group: int
    table: str
    category: str  # stable id (inspiring_practice, ...)
    category_label: str
    question: str  # the category's guiding question
    tags: tuple[str, ...]  # labels (« Richesses humaines », « ODD 17 – ... »)
    text: str
    plus: int
    highlighted: bool
    theme: str  # the theme's name, or ""
    author: str  # as the attribution mode allows: a name, a profile label, or ""
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class Count:
    """A labelled number, for facts and charts."""

    label: str
    value: int


@dataclass(frozen=True)
class Chart:
    """A bar chart computed from the data (rendered as SVG in pages, as an image in documents)."""

    key: str  # profiles, territories, categories
    title: str
    bars: tuple[Count, ...]


@dataclass(frozen=True)
class Facts:
    """What is computed, never typed: when, where, how, who came, how much was written."""

    workshop: str
    date: str  # already formatted (« jeudi 17 décembre 2026, 14 h 00 – 17 h 00 »)
    place: str
    format: str
    attendees: int  # checked in as present
    registered: int  # confirmed registrations
    groups: int
    rounds: int
    notes: int
    profiles: tuple[Count, ...]
    territories: tuple[Count, ...]
    categories: tuple[Count, ...]  # notes per category


@dataclass(frozen=True)
class Section:
    """One section of the synthesis document (DOMAIN.md's default list), its body in Markdown."""

    key: str
    title: str
    body: str


@dataclass(frozen=True)
class Theme:
    """Notes from several groups gathered under a name by the facilitators."""

    name: str
    notes: tuple[NoteRow, ...]


@dataclass(frozen=True)
class Column:
    """One column of the raw notes table, with what it means (the README sheet / section)."""

    key: str
    title: str
    description: str


@dataclass(frozen=True)
class Labels:
    """The few words renderers need around the data, in the exporting person's language."""

    facts: str = "Faits"
    sections: str = "Synthèse"
    themes: str = "Thèmes"
    notes: str = "Notes"
    highlighted: str = "Retenue"
    confidentiality: str = "Règle de confidentialité"
    named_export: str = "Export nominatif"
    organisers: str = "Organisé par"
    generated: str = "Document généré le"
    version: str = "Version publiée"
    readme: str = "LISEZ-MOI"
    date: str = "Date"
    place: str = "Lieu"
    format: str = "Format"
    attendees: str = "Personnes présentes"
    registered: str = "Inscriptions confirmées"
    groups: str = "Sous-groupes"
    rounds: str = "Rotations"
    notes_count: str = "Notes"
    warnings: str = "Avertissements"
    plus: str = "+1"
    author: str = "Attribution"
    tags: str = "Mots-clés"
    theme: str = "Thème"


@dataclass(frozen=True)
class SynthesisData:
    """Everything one synthesis export contains (a workshop's, or a programme's roll-up)."""

    title: str
    programme: str
    organisers: tuple[str, ...]
    scope: str  # "workshop" or "programme"
    workshops: tuple[str, ...]
    attribution_mode: str  # named, by_profile, anonymous
    confidentiality: str  # the rule applied, in words
    named: bool  # a named export chosen by a facilitator (marked as such in every format)
    generated_at: dt.datetime
    version: int | None  # published version, None for a working draft
    facts: tuple[Facts, ...]
    charts: tuple[Chart, ...]
    sections: tuple[Section, ...]
    themes: tuple[Theme, ...]
    notes: tuple[NoteRow, ...]  # highlighted first, then by workshop, round, group, category
    columns: tuple[Column, ...]
    warnings: tuple[str, ...] = ()
    labels: Labels = field(default_factory=Labels)


def note_cells(note: NoteRow) -> list[str | int | bool | dt.datetime]:
    """One note as a table row, in the order of `NOTE_COLUMN_KEYS`."""
    return [
        note.workshop,
        note.round,
        note.group,
        note.table,
        note.category_label,
        note.question,
        ", ".join(note.tags),
        note.text,
        note.plus,
        note.highlighted,
        note.theme,
        note.author,
        note.created_at,
        note.updated_at,
    ]


NOTE_COLUMN_KEYS = (
    "workshop",
    "round",
    "group",
    "table",
    "category",
    "question",
    "tags",
    "text",
    "plus",
    "highlighted",
    "theme",
    "author",
    "created_at",
    "updated_at",
)
