"""The facilitators' synthesis: pivots of the notes, themes, suggestions, the document, publication.

`build_data` turns the database into the one `SynthesisData` every export renderer and the
published page read, with the attribution rule applied here and only here: the default export
carries no names (a profile label in the « named » and « par profil » modes, nothing in the
anonymous mode); a named export is possible only in a « nominatif » workshop, chosen explicitly,
and says so. Notes hidden by moderation or deleted never enter a synthesis.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, selectinload

from app import domain
from app.db import insert_ignore, upsert, utcnow
from app.exports.synthesis_json import to_json_dict
from app.exports.synthesis_model import (
    NOTE_COLUMN_KEYS,
    Chart,
    Column,
    Count,
    Facts,
    Labels,
    NoteRow,
    Section,
    SynthesisData,
)
from app.exports.synthesis_model import Theme as ThemeData
from app.formatting import datetime_long, time_only
from app.i18n import _, current_language
from app.models import (
    DismissedSuggestion,
    GroupMember,
    Note,
    PeerGroup,
    Programme,
    Registration,
    Round,
    SynthesisDocument,
    SynthesisPublication,
    SynthesisSection,
    SynthesisSectionRevision,
    Theme,
    ThemeNote,
    User,
    Workshop,
)
from app.models.synthesis import (
    SECTION_TEXT_MAX,
    THEME_LEVEL_PROGRAMME,
    THEME_LEVEL_WORKSHOP,
    THEME_NAME_MAX,
)
from app.services import audit
from app.services.errors import DomainError, NotFound
from app.services.notes import categories as note_categories
from app.services.notes import length_error
from app.services.programmes import InvalidInput, manages_programme
from app.synthesis_text.similarity import Candidate, Suggestion, suggest

SMALL_PROFILE = 3  # fewer people of a profile in a group than this could identify them


class SectionConflict(DomainError):
    """A section changed since the person's version: nothing was written (REL-01)."""

    def __init__(self, current_body: str, current_version: int) -> None:
        super().__init__(
            _("Cette section a été modifiée entre-temps. Comparez les deux versions et choisissez.")
        )
        self.current_body = current_body
        self.current_version = current_version


# --- Default sections (DOMAIN.md) ------------------------------------------------------------------

SECTION_KEYS = (
    "context",
    "participants",
    "programme_of_day",
    "key_ideas",
    "inspiring_practices",
    "difficulties_levers",
    "success_conditions",
    "levers_reading",
    "open_questions",
    "learnings",
    "actions",
    "resources",
    "annexes",
)


def section_titles() -> dict[str, str]:
    """The default sections' titles in the reader's language."""
    return {
        "context": _("Contexte et objectifs"),
        "participants": _("Participants"),
        "programme_of_day": _("Déroulé"),
        "key_ideas": _("Idées-forces"),
        "inspiring_practices": _("Pratiques inspirantes"),
        "difficulties_levers": _("Difficultés et leviers"),
        "success_conditions": _("Conditions de réussite et points de vigilance"),
        "levers_reading": _("Lecture par levier du modèle socio-économique"),
        "open_questions": _("Questions ouvertes"),
        "learnings": _("Enseignements"),
        "actions": _("Pistes d'action et prochaines étapes"),
        "resources": _("Ressources"),
        "annexes": _("Annexes"),
    }


# Which note categories pre-fill which section.
SECTION_CATEGORIES: dict[str, tuple[str, ...]] = {
    "inspiring_practices": ("inspiring_practice",),
    "difficulties_levers": ("difficulty", "lever"),
    "success_conditions": ("success_condition",),
    "open_questions": ("open_question",),
    "learnings": ("learning",),
    "actions": ("action_idea",),
}


# --- Scope: one workshop or a whole programme -------------------------------------------------------


@dataclass
class Scope:
    """What a synthesis covers: one workshop, or every workshop of a programme."""

    programme: Programme
    workshops: list[Workshop]
    workshop: Workshop | None  # None for the programme roll-up

    @property
    def ids(self) -> list[int]:
        """The workshops' ids."""
        return [w.id for w in self.workshops]

    @property
    def level(self) -> str:
        """The level of its themes: « workshop », or « programme » for the roll-up."""
        return THEME_LEVEL_WORKSHOP if self.workshop else THEME_LEVEL_PROGRAMME

    def owner(self) -> dict[str, int | None]:
        """The columns naming this synthesis on its themes and dismissals (exactly one is set)."""
        if self.workshop:
            return {"workshop_id": self.workshop.id, "programme_id": None}
        return {"workshop_id": None, "programme_id": self.programme.id}

    def owns(self, row: Theme) -> bool:
        """Whether a theme belongs to this synthesis."""
        owner = self.owner()
        return row.workshop_id == owner["workshop_id"] and row.programme_id == owner["programme_id"]

    @property
    def attribution_mode(self) -> str:
        """The strictest attribution mode of the workshops covered."""
        order = ("anonymous", "by_profile", "named")
        return min((w.attribution_mode for w in self.workshops), key=order.index, default="anonymous")


def workshop_scope(workshop: Workshop) -> Scope:
    """A workshop's own synthesis."""
    return Scope(workshop.programme, [workshop], workshop)


def programme_scope(session: Session, programme: Programme) -> Scope:
    """The programme roll-up: all its workshops, in date order."""
    workshops = list(
        session.scalars(
            sa.select(Workshop)
            .where(Workshop.programme_id == programme.id)
            .order_by(Workshop.starts_at, Workshop.id)
        )
    )
    return Scope(programme, workshops, None)


# --- Notes as the synthesis sees them -----------------------------------------------------------------


@dataclass
class NoteView:
    """A note with its place (workshop, round, group), theme and author's profile."""

    note: Note
    workshop: Workshop
    group: PeerGroup
    theme: Theme | None

    @property
    def profile(self) -> str:
        """The author's actor profile when writing."""
        return self.note.author_profile


def live_notes(session: Session, scope: Scope) -> list[NoteView]:
    """Every note of the scope that counts (not deleted, not hidden), highlighted first."""
    rows = session.execute(
        sa.select(Note, PeerGroup)
        .join(PeerGroup, Note.group_id == PeerGroup.id)
        .where(Note.workshop_id.in_(scope.ids), Note.deleted_at.is_(None), Note.hidden.is_(False))
        .options(selectinload(Note.author))
        .order_by(Note.highlighted.desc(), Note.workshop_id, Note.round_number, PeerGroup.position, Note.id)
    ).all()
    themes = _themes_by_note(session, [note.id for note, _group in rows], scope.level)
    workshops = {w.id: w for w in scope.workshops}
    return [NoteView(note, workshops[note.workshop_id], group, themes.get(note.id)) for note, group in rows]


def _themes_by_note(session: Session, note_ids: list[int], level: str) -> dict[int, Theme]:
    if not note_ids:
        return {}
    rows = session.execute(
        sa.select(ThemeNote.note_id, Theme)
        .join(Theme, ThemeNote.theme_id == Theme.id)
        .where(ThemeNote.note_id.in_(note_ids), ThemeNote.level == level)
    ).all()
    return {note_id: theme for note_id, theme in rows}


@dataclass
class Pivot:
    """Notes counted and listed by one dimension (category, group, profile or tag)."""

    key: str
    label: str
    notes: list[NoteView]


def pivot(notes: Sequence[NoteView], by: str, mode: str) -> list[Pivot]:
    """Group notes by category, group, author profile (as the mode allows) or tag."""
    buckets: dict[str, list[NoteView]] = defaultdict(list)
    labels: dict[str, str] = {}
    tags = domain.note_tags()
    for view in notes:
        for key, label in _keys(view, by, mode, tags):
            buckets[key].append(view)
            labels[key] = label
    return [
        Pivot(key, labels[key], items)
        for key, items in sorted(buckets.items(), key=lambda kv: (-len(kv[1]), labels[kv[0]]))
    ]


def _keys(view: NoteView, by: str, mode: str, tags: dict[str, str]) -> list[tuple[str, str]]:
    note = view.note
    if by == "group":
        label = _(
            "%(workshop)s · rotation %(round)s · sous-groupe %(n)s",
            workshop=view.workshop.title,
            round=note.round_number,
            n=view.group.position,
        )
        return [(str(view.group.id), label)]
    if by == "profile":
        if mode == "anonymous" or not view.profile:
            return [("", _("Profil non communiqué"))]
        return [(view.profile, str(domain.ACTOR_PROFILES.get(view.profile, view.profile)))]
    if by == "tag":
        return [(tag, tags.get(tag, tag)) for tag in note.tags] or [("", _("Sans mot-clé"))]
    return [(note.category, str(domain.NOTE_CATEGORIES.get(note.category, note.category)))]


PIVOTS = ("category", "group", "profile", "tag")


def filter_notes(
    views: Sequence[NoteView], *, category: str = "", highlighted: bool = False, without_theme: bool = False
) -> list[NoteView]:
    """The notes the explorer shows: of one category, highlighted only, or not yet in a theme."""
    return [
        view
        for view in views
        if (not category or view.note.category == category)
        and (not highlighted or view.note.highlighted)
        and (not without_theme or view.theme is None)
    ]


# --- Themes and suggestions -----------------------------------------------------------------------------


def _notes_of_scope(session: Session, scope: Scope, note_ids: Iterable[int]) -> list[Note]:
    ids = sorted(set(note_ids))
    found = list(
        session.scalars(
            sa.select(Note).where(
                Note.id.in_(ids), Note.workshop_id.in_(scope.ids), Note.deleted_at.is_(None)
            )
        )
    )
    if len(found) != len(ids):
        raise NotFound(_("Note introuvable."))
    return found


def _owned(model: type[Theme] | type[DismissedSuggestion], scope: Scope) -> sa.ColumnElement[bool]:
    """The rows of this synthesis: its workshop's, or its programme's roll-up."""
    if scope.workshop:
        return model.workshop_id == scope.workshop.id
    return model.programme_id == scope.programme.id


def _clean_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise InvalidInput({"name": _("Donnez un nom au thème.")})
    if len(clean) > THEME_NAME_MAX:
        raise InvalidInput({"name": _("%(max)s caractères au plus.", max=THEME_NAME_MAX)})
    return clean


def group_notes(session: Session, scope: Scope, actor: User, name: str, note_ids: Sequence[int]) -> Theme:
    """« Regrouper »: put notes in the theme of that name (created if new); a note leaves its old theme
    of the same level (in the roll-up a theme may gather notes of several workshops)."""
    clean = _clean_name(name)
    if not note_ids:
        raise InvalidInput({"notes": _("Cochez au moins une note.")})
    notes = _notes_of_scope(session, scope, note_ids)
    # Atomic statements: two facilitators gathering into the same new theme, or the same note into
    # two themes, at the same moment must neither fail nor create it twice.
    # The position only orders the list (ties fall back to the id), so a count read without a lock
    # is enough; the name's uniqueness is what the atomic insert below protects.
    position = session.scalar(sa.select(sa.func.count()).select_from(Theme).where(_owned(Theme, scope)))
    insert_ignore(
        session,
        Theme.__table__,
        {**scope.owner(), "name": clean, "position": int(position or 0), "created_by_id": actor.id},
    )
    theme = session.scalars(sa.select(Theme).where(_owned(Theme, scope), Theme.name == clean)).one()
    for note in notes:
        upsert(
            session,
            ThemeNote.__table__,
            {"theme_id": theme.id, "note_id": note.id, "level": scope.level},
            ["note_id", "level"],
            ["theme_id"],
        )
    session.expire(theme)  # its members changed behind the ORM's back
    audit.record(session, actor.id, "synthesis.theme", "theme", theme.id, notes=len(notes))
    return theme


def theme_of(session: Session, scope: Scope, theme_id: int) -> Theme:
    """A theme of this synthesis, or NotFound."""
    theme = session.get(Theme, theme_id)
    if theme is None or not scope.owns(theme):
        raise NotFound(_("Thème introuvable."))
    return theme


def rename_theme(session: Session, scope: Scope, theme_id: int, name: str) -> Theme:
    """Rename a theme (names are unique in a synthesis)."""
    theme = theme_of(session, scope, theme_id)
    clean = _clean_name(name)
    clash = session.scalar(
        sa.select(Theme.id).where(_owned(Theme, scope), Theme.name == clean, Theme.id != theme.id)
    )
    if clash is not None:
        raise InvalidInput({"name": _("Un autre thème porte déjà ce nom.")})
    theme.name = clean
    session.flush()
    return theme


def delete_theme(session: Session, scope: Scope, theme_id: int) -> None:
    """Remove a theme; its notes stay, without a theme."""
    session.delete(theme_of(session, scope, theme_id))
    session.flush()


def remove_from_theme(session: Session, scope: Scope, theme_id: int, note_id: int) -> None:
    """Take one note out of a theme."""
    theme = theme_of(session, scope, theme_id)
    _notes_of_scope(session, scope, [note_id])
    session.execute(sa.delete(ThemeNote).where(ThemeNote.theme_id == theme.id, ThemeNote.note_id == note_id))
    session.flush()


def themes(session: Session, scope: Scope) -> list[Theme]:
    """The themes of this synthesis, in their order."""
    return list(
        session.scalars(
            sa.select(Theme)
            .where(_owned(Theme, scope))
            .options(selectinload(Theme.members))
            .order_by(Theme.position, Theme.id)
        )
    )


def workshop_themes(session: Session, scope: Scope) -> list[Theme]:
    """In the roll-up: the themes each workshop's synthesis made, in workshop order."""
    if scope.workshop:
        return []
    order = {workshop_id: index for index, workshop_id in enumerate(scope.ids)}
    found = session.scalars(
        sa.select(Theme).where(Theme.workshop_id.in_(scope.ids)).options(selectinload(Theme.members))
    )
    return sorted(found, key=lambda t: (order[t.workshop_id or 0], t.position, t.id))


def adopt_workshop_themes(session: Session, scope: Scope, actor: User) -> int:
    """« Reprendre les thèmes des ateliers »: each workshop theme's live notes go into the roll-up's
    theme of the same name (themes of one name in several workshops become one). A note the
    facilitators already placed in a theme of the roll-up stays there. Returns how many were taken."""
    in_rollup = aliased(ThemeNote)  # not the membership joined below
    placed = sa.select(in_rollup.note_id).where(in_rollup.level == THEME_LEVEL_PROGRAMME)
    adopted = 0
    for theme in workshop_themes(session, scope):
        live = session.scalars(
            sa.select(Note.id)
            .join(ThemeNote, ThemeNote.note_id == Note.id)
            .where(
                ThemeNote.theme_id == theme.id,
                Note.deleted_at.is_(None),
                Note.hidden.is_(False),
                Note.id.not_in(placed),
            )
        ).all()
        if live:
            group_notes(session, scope, actor, theme.name, live)
            adopted += 1
    return adopted


def suggestions(session: Session, scope: Scope, notes: Sequence[NoteView]) -> list[Suggestion]:
    """Notes of different groups that say nearly the same thing, not yet in one theme, not dismissed
    (a pair dismissed once, in a workshop or in the roll-up, is never suggested again)."""
    dismissed = {
        frozenset((a, b))
        for a, b in session.execute(
            sa.select(DismissedSuggestion.first_note_id, DismissedSuggestion.second_note_id)
            .join(Note, Note.id == DismissedSuggestion.first_note_id)
            .where(Note.workshop_id.in_(scope.ids))
        )
    }
    candidates = [Candidate(view.note.id, view.group.id, view.note.text) for view in notes]
    theme_of_note = {view.note.id: view.theme.id for view in notes if view.theme is not None}
    found = suggest(candidates, exclude_pairs=dismissed)
    # Notes already gathered in one theme need no suggestion.
    return [s for s in found if len({theme_of_note.get(i, -i) for i in s.ids}) > 1]


def dismiss(session: Session, scope: Scope, note_ids: Sequence[int]) -> None:
    """« Ignorer »: every pair of these notes is never suggested again."""
    notes = _notes_of_scope(session, scope, note_ids)
    ids = sorted(note.id for note in notes)
    for i, first in enumerate(ids):
        for second in ids[i + 1 :]:
            insert_ignore(
                session,
                DismissedSuggestion.__table__,
                {**scope.owner(), "first_note_id": first, "second_note_id": second},
            )


# --- The document ----------------------------------------------------------------------------------------


def _stored_document(session: Session, scope: Scope) -> SynthesisDocument | None:
    column = SynthesisDocument.workshop_id if scope.workshop else SynthesisDocument.programme_id
    key = scope.workshop.id if scope.workshop else scope.programme.id
    return session.scalar(sa.select(SynthesisDocument).where(column == key))


def draft_document(session: Session, scope: Scope) -> SynthesisDocument:
    """The stored document, or its default sections before any save (not stored: reads write nothing)."""
    document = _stored_document(session, scope)
    if document is not None:
        return document
    views = live_notes(session, scope)
    return SynthesisDocument(
        sections=[
            SynthesisSection(key=key, position=position, body=prefill(session, scope, key, views), version=1)
            for position, key in enumerate(SECTION_KEYS)
        ]
    )


def document_for(session: Session, scope: Scope, actor: User | None = None) -> SynthesisDocument:
    """The scope's document, created with its default sections pre-filled from the notes on first use."""
    document = _stored_document(session, scope)
    if document is not None:
        return document
    document = SynthesisDocument(
        workshop_id=scope.workshop.id if scope.workshop else None,
        programme_id=None if scope.workshop else scope.programme.id,
    )
    session.add(document)
    session.flush()
    views = live_notes(session, scope)
    for position, section_key in enumerate(SECTION_KEYS):
        body = prefill(session, scope, section_key, views)
        section = SynthesisSection(
            document_id=document.id, key=section_key, position=position, body=body, version=1
        )
        session.add(section)
        session.flush()
        session.add(
            SynthesisSectionRevision(
                section_id=section.id, version=1, body=body, edited_by_id=actor.id if actor else None
            )
        )
    session.flush()
    session.refresh(document)
    return document


def _bullets(views: Iterable[NoteView]) -> str:
    lines = []
    for view in views:
        text = " ".join(view.note.text.split())
        lines.append(f"- {_escape_markdown(text)}{' (retenue)' if view.note.highlighted else ''}")
    return "\n".join(lines)


def _escape_markdown(text: str) -> str:
    """Note text placed in a Markdown list stays text (no heading, link, HTML or emphasis)."""
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def prefill(session: Session, scope: Scope, key: str, views: Sequence[NoteView] | None = None) -> str:
    """A section's first draft from the notes and themes (the facilitators then edit it)."""
    views = list(views) if views is not None else live_notes(session, scope)
    if key == "context":
        return "\n\n".join(w.description for w in scope.workshops if w.description)
    if key == "participants":
        facts = [workshop_facts(session, w, views) for w in scope.workshops]
        return "\n".join(
            _(
                "- %(workshop)s : %(present)s personnes présentes (%(profiles)s).",
                workshop=f.workshop,
                present=f.attendees,
                profiles=", ".join(f"{c.label} : {c.value}" for c in f.profiles) or "–",
            )
            for f in facts
        )
    if key == "programme_of_day":
        facts = [workshop_facts(session, w, views) for w in scope.workshops]
        return "\n".join(
            _(
                "- %(workshop)s, %(format)s : %(groups)s sous-groupes, %(rounds)s rotation(s), "
                "%(notes)s notes.",
                workshop=f.workshop,
                format=f.format,
                groups=f.groups,
                rounds=f.rounds,
                notes=f.notes,
            )
            for f in facts
        )
    if key == "key_ideas":
        gathered = [t for t in themes(session, scope) if t.members]
        lines = [f"- **{_escape_markdown(t.name)}** ({len(t.members)})" for t in gathered]
        highlighted = [v for v in views if v.note.highlighted]
        return "\n".join(lines + ([_bullets(highlighted)] if highlighted else []))
    if key == "levers_reading":
        parts = []
        for tag, label in domain.NOTE_LEVERS.items():
            tagged = [v for v in views if tag in v.note.tags]
            if tagged:
                parts.append(f"**{label}**\n\n{_bullets(tagged)}")
        return "\n\n".join(parts)
    if key == "annexes":
        return _(
            "Les notes brutes de tous les sous-groupes figurent en annexe, selon la règle de "
            "confidentialité de l'atelier."
        )
    categories = SECTION_CATEGORIES.get(key, ())
    return _bullets(v for v in views if v.note.category in categories)


def section_of(
    session: Session, document: SynthesisDocument, key: str, lock: bool = False
) -> SynthesisSection:
    """A section of this document by key (read under a row lock when about to write), or NotFound."""
    query = sa.select(SynthesisSection).where(
        SynthesisSection.key == key, SynthesisSection.document_id == document.id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    section = session.scalar(query)
    if section is None:
        raise NotFound(_("Section introuvable."))
    return section


def save_section(
    session: Session, document: SynthesisDocument, key: str, base_version: int, body: str, actor: User
) -> SynthesisSection:
    """Save a section read at `base_version`; SectionConflict with the current text when it changed."""
    clean = body.replace("\r\n", "\n").strip()
    if too_long := length_error(clean, SECTION_TEXT_MAX):
        raise InvalidInput({"body": too_long})
    section = section_of(session, document, key, lock=True)
    if section.version != base_version:
        raise SectionConflict(section.body, section.version)
    if section.body == clean:
        return section
    section.body = clean
    section.version += 1
    section.updated_by_id = actor.id
    section.updated_at = utcnow()
    session.add(
        SynthesisSectionRevision(
            section_id=section.id, version=section.version, body=clean, edited_by_id=actor.id
        )
    )
    session.flush()
    return section


# --- Facts, charts, the data model ------------------------------------------------------------------------


def _format_when(workshop: Workshop) -> str:
    return f"{datetime_long(workshop.starts_at)} – {time_only(workshop.ends_at)}"


def workshop_facts(session: Session, workshop: Workshop, views: Sequence[NoteView]) -> Facts:
    """Computed facts of a workshop: attendance from check-in, mix of profiles and territories, counts."""
    present = list(
        session.execute(
            sa.select(Registration.actor_profile, Registration.territory).where(
                Registration.workshop_id == workshop.id,
                Registration.status == "confirmed",
                Registration.attendance == "present",
            )
        )
    )
    registered = session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.workshop_id == workshop.id, Registration.status == "confirmed")
    )
    rounds = session.scalar(
        sa.select(sa.func.count())
        .select_from(Round)
        .where(Round.workshop_id == workshop.id, Round.status == "published")
    )
    groups = session.scalar(
        sa.select(sa.func.count())
        .select_from(PeerGroup)
        .join(Round, PeerGroup.round_id == Round.id)
        .where(Round.workshop_id == workshop.id, Round.status == "published")
    )
    mine = [v for v in views if v.workshop.id == workshop.id]
    written = Counter(v.note.category for v in mine)
    return Facts(
        workshop=workshop.title,
        date=_format_when(workshop),
        place=workshop.place or workshop.online_url or "",
        format=str(domain.WORKSHOP_FORMATS.get(workshop.format, workshop.format)),
        attendees=len(present),
        registered=int(registered or 0),
        groups=int(groups or 0),
        rounds=int(rounds or 0),
        notes=len(mine),
        profiles=_counts(str(domain.ACTOR_PROFILES.get(p, p)) for p, _t in present if p),
        territories=_counts(t for _p, t in present if t),
        categories=tuple(Count(label, written.get(key, 0)) for key, label in note_categories([workshop])),
    )


def _counts(values: Iterable[str]) -> tuple[Count, ...]:
    return tuple(
        Count(label, value)
        for label, value in sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))
    )


def _merge(facts: Sequence[Facts], attr: str) -> tuple[Count, ...]:
    total: Counter[str] = Counter()
    for item in facts:
        total.update({c.label: c.value for c in getattr(item, attr)})
    return tuple(
        Count(label, value) for label, value in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def charts_of(facts: Sequence[Facts]) -> tuple[Chart, ...]:
    """The charts: mix of actor profiles, territories, notes per category (over the whole scope)."""
    return (
        Chart("profiles", _("Profils d'acteurs des personnes présentes"), _merge(facts, "profiles")),
        Chart("territories", _("Territoires des personnes présentes"), _merge(facts, "territories")),
        Chart("categories", _("Notes par catégorie"), _merge(facts, "categories")),
    )


def confidentiality_rule(mode: str, named: bool) -> str:
    """The confidentiality rule applied, in words."""
    if named:
        return _(
            "Export nominatif choisi par l'équipe d'animation : les notes portent le nom de leur autrice ou "
            "auteur."
        )
    if mode == "anonymous":
        return _(
            "Règle de Chatham House : ce qui a été dit peut être repris, mais ni qui l'a dit ni son "
            "organisation ; aucune attribution."
        )
    return _("Les notes sont attribuées par profil d'acteur, sans nom ni organisation.")


def columns() -> tuple[Column, ...]:
    """The raw notes table's columns and what each holds (the README sheet)."""
    described = {
        "workshop": (_("Atelier"), _("Titre de l'atelier")),
        "round": (_("Rotation"), _("Numéro de la rotation (1 pour la première)")),
        "group": (_("Sous-groupe"), _("Numéro du sous-groupe dans sa rotation")),
        "table": (_("Table"), _("Nom de la table, s'il y en a un")),
        "category": (_("Catégorie"), _("Catégorie de la note")),
        "question": (_("Question guide"), _("La question posée pour cette catégorie")),
        "tags": (_("Mots-clés"), _("Leviers du modèle socio-économique et ODD, séparés par des virgules")),
        "text": (_("Texte"), _("Le texte de la note, retours à la ligne compris")),
        "plus": (_("Nombre de +1"), _("Nombre de personnes qui partagent la note (« +1 »)")),
        "highlighted": (_("Retenue"), _("Vrai si l'équipe d'animation l'a retenue pour la synthèse")),
        "theme": (_("Thème"), _("Le thème où l'équipe d'animation l'a regroupée")),
        "author": (
            _("Attribution"),
            _("Selon la règle de confidentialité : nom (export nominatif), profil d'acteur, ou vide"),
        ),
        "created_at": (_("Créée le"), _("Date et heure de création (UTC)")),
        "updated_at": (_("Modifiée le"), _("Date et heure de la dernière modification (UTC)")),
    }
    return tuple(Column(key, *described[key]) for key in NOTE_COLUMN_KEYS)


def _author(view: NoteView, mode: str, named: bool) -> str:
    note = view.note
    if named and mode == "named":
        author = note.author
        return (
            author.full_name if author is not None and author.deleted_at is None else _("Personne anonymisée")
        )
    if mode == "anonymous" or not view.profile:
        return ""
    return str(domain.ACTOR_PROFILES.get(view.profile, view.profile))


def _row(view: NoteView, mode: str, named: bool, tags: dict[str, str]) -> NoteRow:
    note = view.note
    return NoteRow(
        workshop=view.workshop.title,
        round=note.round_number,
        group=view.group.position,
        table=view.group.table_name,
        category=note.category,
        category_label=str(domain.NOTE_CATEGORIES.get(note.category, note.category)),
        question=str(domain.NOTE_QUESTIONS.get(note.category, "")),
        tags=tuple(tags.get(tag, tag) for tag in note.tags),
        text=note.text,
        plus=note.plus_count,
        highlighted=note.highlighted,
        theme=view.theme.name if view.theme else "",
        author=_author(view, mode, named),
        created_at=note.created_at,
        updated_at=note.updated_at,
    )


def small_profile_warnings(session: Session, scope: Scope, mode: str, named: bool) -> list[str]:
    """Where attribution by profile could identify someone: fewer than 3 of a profile in a group."""
    if mode == "anonymous" or named:
        return []
    rows = session.execute(
        sa.select(Workshop.title, Round.number, PeerGroup.position, Registration.actor_profile)
        .select_from(GroupMember)
        .join(PeerGroup, GroupMember.group_id == PeerGroup.id)
        .join(Round, PeerGroup.round_id == Round.id)
        .join(Workshop, Round.workshop_id == Workshop.id)
        .join(Registration, GroupMember.registration_id == Registration.id)
        .where(Round.workshop_id.in_(scope.ids), Round.status == "published")
    ).all()
    counts: Counter[tuple[str, int, int, str]] = Counter((w, r, g, p) for w, r, g, p in rows if p)
    # One line per group, naming its profiles held by fewer than SMALL_PROFILE people.
    small: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for (workshop, round_number, position, profile), count in sorted(counts.items()):
        if count < SMALL_PROFILE:
            label = str(domain.ACTOR_PROFILES.get(profile, profile))
            small[(workshop, round_number, position)].append(f"« {label} » ({count})")
    prefix = len(scope.workshops) > 1
    warnings = []
    for (workshop, round_number, position), profiles in small.items():
        where = _("rotation %(round)s, sous-groupe %(n)s", round=round_number, n=position)
        warnings.append(
            f"{workshop}, {where} : {', '.join(profiles)}" if prefix else f"{where} : {', '.join(profiles)}"
        )
    return warnings


def warnings_summary(warnings: Sequence[str]) -> str:
    """One sentence about the groups where attribution by profile could identify someone."""
    return _(
        "Dans %(count)s sous-groupe(s), un profil d'acteur compte moins de %(min)s personnes : "
        "l'attribution par profil peut identifier qui a écrit.",
        count=len(warnings),
        min=SMALL_PROFILE,
    )


def _with_summary(warnings: list[str]) -> tuple[str, ...]:
    return (warnings_summary(warnings), *warnings) if warnings else ()


def labels() -> Labels:
    """The renderers' words in the reader's language."""
    return Labels(
        facts=_("Faits"),
        sections=_("Synthèse"),
        themes=_("Thèmes"),
        notes=_("Notes brutes"),
        highlighted=_("Retenue"),
        confidentiality=_("Règle de confidentialité"),
        named_export=_("Export nominatif"),
        organisers=_("Organisé par"),
        generated=_("Document généré le"),
        version=_("Version publiée"),
        readme=_("LISEZ-MOI"),
        date=_("Date"),
        place=_("Lieu"),
        format=_("Format"),
        attendees=_("Personnes présentes"),
        registered=_("Inscriptions confirmées"),
        groups=_("Sous-groupes"),
        rounds=_("Rotations"),
        notes_count=_("Notes"),
        warnings=_("Avertissements"),
        plus=_("+1"),
        author=_("Attribution"),
        tags=_("Mots-clés"),
        theme=_("Thème"),
    )


def build_data(
    session: Session, scope: Scope, *, named: bool = False, version: int | None = None
) -> SynthesisData:
    """The synthesis as every renderer reads it, the attribution rule applied (module docstring)."""
    mode = scope.attribution_mode
    if named and mode != "named":
        raise InvalidInput(
            {
                "nominatif": _(
                    "Un export nominatif n'est possible que pour un atelier en attribution nominative."
                )
            }
        )
    views = live_notes(session, scope)
    document = draft_document(session, scope)
    titles = section_titles()
    facts = tuple(workshop_facts(session, w, views) for w in scope.workshops)
    tags = domain.note_tags()
    rows = {view.note.id: _row(view, mode, named, tags) for view in views}
    theme_data = tuple(
        ThemeData(theme.name, tuple(rows[m.note_id] for m in theme.members if m.note_id in rows))
        for theme in themes(session, scope)
    )
    title = scope.workshop.title if scope.workshop else scope.programme.title
    return SynthesisData(
        title=_("Synthèse – %(title)s", title=title),
        programme=scope.programme.title,
        organisers=tuple(o.name for o in scope.programme.organisations),
        scope="workshop" if scope.workshop else "programme",
        workshops=tuple(w.title for w in scope.workshops),
        attribution_mode=mode,
        confidentiality=confidentiality_rule(mode, named),
        named=named,
        generated_at=utcnow(),
        version=version,
        facts=facts,
        charts=charts_of(facts),
        sections=tuple(Section(s.key, titles.get(s.key, s.key), s.body) for s in document.sections),
        themes=theme_data,
        notes=tuple(rows.values()),
        columns=columns(),
        warnings=_with_summary(small_profile_warnings(session, scope, mode, named)),
        labels=labels(),
    )


# --- Publication --------------------------------------------------------------------------------------------


def publish(session: Session, scope: Scope, actor: User) -> SynthesisPublication:
    """Freeze the current synthesis (never named) as a new published version."""
    document = document_for(session, scope, actor)
    last = session.scalar(
        sa.select(sa.func.max(SynthesisPublication.number)).where(
            SynthesisPublication.document_id == document.id
        )
    )
    number = int(last or 0) + 1
    data = build_data(session, scope, named=False, version=number)
    # The labels of the snapshot are in the publisher's language: the page marks them so (WCAG 3.1.2).
    snapshot = {**to_json_dict(data), "language": current_language()}
    publication = SynthesisPublication(
        document_id=document.id, number=number, snapshot=snapshot, published_by_id=actor.id
    )
    session.add(publication)
    session.flush()
    audit.record(session, actor.id, "synthesis.publish", "synthesis_document", document.id, version=number)
    return publication


def latest_publication(session: Session, scope: Scope) -> SynthesisPublication | None:
    """The newest published version of the scope's synthesis, if any."""
    column = SynthesisDocument.workshop_id if scope.workshop else SynthesisDocument.programme_id
    key = scope.workshop.id if scope.workshop else scope.programme.id
    return session.scalar(
        sa.select(SynthesisPublication)
        .join(SynthesisDocument, SynthesisPublication.document_id == SynthesisDocument.id)
        .where(column == key)
        .order_by(SynthesisPublication.number.desc())
        .limit(1)
    )


def may_read_published(session: Session, user: User, programme: Programme) -> bool:
    """Participants of the programme (a registration to one of its workshops) and its facilitators."""
    if manages_programme(session, user, programme.id):
        return True
    registered = session.scalar(
        sa.select(Registration.id)
        .join(Workshop, Registration.workshop_id == Workshop.id)
        .where(
            Workshop.programme_id == programme.id,
            Registration.user_id == user.id,
            Registration.status == "confirmed",
        )
        .limit(1)
    )
    return registered is not None


def record_export(session: Session, actor: User | None, scope: Scope, fmt: str, named: bool) -> None:
    """EX-06: who exported what, when (never the content); no actor for the command line."""
    target = ("workshop", scope.workshop.id) if scope.workshop else ("programme", scope.programme.id)
    audit.record(
        session,
        actor.id if actor else None,
        "synthesis.export",
        target[0],
        target[1],
        format=fmt,
        named=named,
    )
