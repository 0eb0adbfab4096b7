"""Shared notes of a peer session: who may read and write a group's space, the writes, the live feed.

Every write to a group first takes the group's next counter value (`_bump_group`: `UPDATE group_feed
SET revision = revision + 1 ... RETURNING revision`). The row lock it takes lasts until commit, so
the writes of one group commit in counter order, and everything it reads afterwards is current
(versions are checked under that lock). A feed reads the counter R first, then the changes in
(cursor, R]: all of them have committed, so none is ever skipped, even when two writes commit out
of order on different connections, processes or servers. Workshop-wide state (writing open, hidden
until reveal, round, facilitators' messages) has its own counter on the `NoteBoard` row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from app import domain
from app.db import insert_ignore, utcnow
from app.i18n import _
from app.models import (
    GroupFeed,
    GroupMember,
    GroupSummary,
    GroupSummaryRevision,
    Note,
    NoteBoard,
    NoteRevision,
    NoteVote,
    PeerGroup,
    Registration,
    Round,
    User,
    Workshop,
    WorkshopMessage,
)
from app.models.note import MESSAGE_TEXT_MAX, NOTE_TEXT_MAX, SUMMARY_TEXT_MAX
from app.services import audit, group_reports
from app.services.errors import DomainError, NotFound
from app.services.programmes import InvalidInput, manages_programme

SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
TAGS_MAX = 6
IDLE_AFTER = dt.timedelta(minutes=5)  # a group silent this long is flagged on the dashboard


class Forbidden(DomainError):
    """The person may see the object but not do this (another's note, writing closed...)."""


class NoteConflict(DomainError):
    """The note (or summary) changed since the person's version: nothing was written (REL-01)."""

    def __init__(self, current_text: str, current_version: int, current_category: str = "") -> None:
        super().__init__(_("Ce texte a été modifié entre-temps. Comparez les deux versions et choisissez."))
        self.current_text = current_text
        self.current_version = current_version
        self.current_category = current_category


# --- Who is where --------------------------------------------------------------------------------


@dataclass
class Space:
    """A group's note space as one person sees it."""

    workshop: Workshop
    round: Round
    group: PeerGroup
    board: NoteBoard
    viewer: User
    facilitator: bool  # manages the programme (or admin): moderation, every group
    role: str | None  # the viewer's role in the group; None when not a member

    @property
    def mode(self) -> str:
        """The workshop's attribution mode (named, by_profile, anonymous)."""
        return self.workshop.attribution_mode

    @property
    def writing_open(self) -> bool:
        """Notes may be written, edited and deleted."""
        return self.board.phase == "open"

    @property
    def others_hidden(self) -> bool:
        """The viewer sees only their own notes until the facilitators reveal them."""
        return self.board.hidden_until_reveal and not self.board.revealed and not self.facilitator


def board_of(session: Session, workshop_id: int) -> NoteBoard:
    """The workshop's board, or its defaults before any change (not stored: a read writes nothing)."""
    board = session.get(NoteBoard, workshop_id)
    if board is None:
        board = NoteBoard(
            workshop_id=workshop_id,
            phase="open",
            hidden_until_reveal=False,
            revealed=False,
            current_round=1,
            revision=0,
            reset_revision=0,
            updated_at=utcnow(),
        )
    return board


def _next_revision(session: Session, model: Any, key: str, value: int, **changes: Any) -> int:
    """The row's next counter value, taken with `UPDATE ... RETURNING` (the row lock lasts until commit).

    The row is created on the first change only (another request may create it at the same time).
    """
    statement = (
        sa.update(model)
        .where(getattr(model, key) == value)
        .values(revision=model.revision + 1, **changes)
        .returning(model.revision)
        .execution_options(synchronize_session=False)
    )
    revision = session.execute(statement).scalar_one_or_none()
    if revision is None:
        insert_ignore(session, model.__table__, {key: value})
        revision = session.execute(statement).scalar_one()
    return int(revision)


def _bump_group(session: Session, group_id: int) -> int:
    """The group's next counter value; holds the group's row lock until commit (module docstring)."""
    return _next_revision(session, GroupFeed, "group_id", group_id, last_activity_at=utcnow())


def _bump_board(session: Session, workshop_id: int) -> int:
    """The board's next counter value, under its row lock."""
    return _next_revision(session, NoteBoard, "workshop_id", workshop_id, updated_at=utcnow())


def _membership(session: Session, user_id: int, group_id: int) -> GroupMember | None:
    return session.scalar(
        sa.select(GroupMember).where(GroupMember.group_id == group_id, GroupMember.user_id == user_id)
    )


def space_for(session: Session, user: User, group_id: int) -> Space:
    """The group's space if `user` is a member (published round) or manages the programme; else NotFound.

    Membership is read from the database at every call: a change of group or role applies to the
    very next request (AC-08).
    """
    # One query for the group, its round and workshop (the feed's hot path reads them every poll).
    group = session.get(PeerGroup, group_id, options=[joinedload(PeerGroup.round).joinedload(Round.workshop)])
    if group is None:
        raise NotFound(_("Sous-groupe introuvable."))
    round_ = group.round
    workshop = round_.workshop
    facilitator = manages_programme(session, user, workshop.programme_id)
    member = _membership(session, user.id, group_id)
    if not facilitator and (member is None or round_.status != "published"):
        raise NotFound(_("Sous-groupe introuvable."))
    board = board_of(session, workshop.id)
    return Space(workshop, round_, group, board, user, facilitator, member.role if member else None)


def current_group_id(session: Session, user: User, workshop: Workshop) -> int | None:
    """The person's group in the workshop's current round (published), if any."""
    board = board_of(session, workshop.id)
    group_id = session.scalar(
        sa.select(GroupMember.group_id)
        .join(Round, GroupMember.round_id == Round.id)
        .where(
            Round.workshop_id == workshop.id,
            Round.number == board.current_round,
            Round.status == "published",
            GroupMember.user_id == user.id,
        )
    )
    return int(group_id) if group_id is not None else None


# --- Validation -----------------------------------------------------------------------------------


def categories(workshops: Iterable[Workshop]) -> list[tuple[str, str]]:
    """The note categories of some workshops (every category when one chose none), with their labels."""
    keys: list[str] = []
    for workshop in workshops:
        for key in workshop.note_categories or list(domain.NOTE_CATEGORIES):
            if key not in keys:
                keys.append(key)
    return [(key, str(domain.NOTE_CATEGORIES.get(key, key))) for key in keys]


@dataclass
class NoteInput:
    """What a person typed for a note."""

    category: str
    text: str
    tags: list[str] = field(default_factory=list)


def clean_text(text: str) -> str:
    """Plain text with line breaks: unify newlines, drop control characters, trim the ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c == "\n" or c == "\t" or (ord(c) >= 32 and c != "\x7f"))
    return text.strip()


def length_error(text: str, maximum: int) -> str | None:
    """« N caractères au plus (il y en a M). » when `text` is longer than `maximum`, else None."""
    if len(text) <= maximum:
        return None
    return _("%(max)s caractères au plus (il y en a %(count)s).", max=maximum, count=len(text))


def _validate(workshop: Workshop, data: NoteInput) -> NoteInput:
    errors: dict[str, str] = {}
    if data.category not in dict(categories([workshop])):
        errors["category"] = _("Choisissez une catégorie de l'atelier.")
    text = clean_text(data.text)
    if not text:
        errors["text"] = _("Écrivez le texte de la note.")
    elif too_long := length_error(text, NOTE_TEXT_MAX):
        errors["text"] = too_long
    known = domain.note_tags()
    tags = list(dict.fromkeys(data.tags))
    if any(tag not in known for tag in tags):
        errors["tags"] = _("Choisissez les mots-clés dans la liste.")
    elif len(tags) > TAGS_MAX:
        errors["tags"] = _("%(max)s mots-clés au plus.", max=TAGS_MAX)
    if errors:
        raise InvalidInput(errors)
    return NoteInput(data.category, text, [tag for tag in known if tag in tags])


def _require_writing(space: Space) -> None:
    if not space.writing_open and not space.facilitator:
        raise Forbidden(_("L'écriture est fermée pour le moment : votre texte est gardé."))
    if space.role is None and not space.facilitator:
        raise Forbidden(_("Vous ne faites pas partie de ce sous-groupe."))


def _note_of(session: Session, space: Space, note_id: int) -> Note:
    """A live note of this group, read after the group's lock (current version); NotFound otherwise."""
    note = session.scalar(
        sa.select(Note)
        .where(Note.id == note_id, Note.group_id == space.group.id, Note.deleted_at.is_(None))
        .execution_options(populate_existing=True)
    )
    if note is None or (note.hidden and not space.facilitator):
        raise NotFound(_("Note introuvable."))
    if space.others_hidden and note.author_id != space.viewer.id:
        raise NotFound(_("Note introuvable."))
    return note


def _may_change(space: Space, note: Note) -> None:
    # AC-05: the author, or a facilitator of the workshop; nobody else.
    if note.author_id != space.viewer.id and not space.facilitator:
        raise Forbidden(_("Seule la personne qui a écrit cette note peut la modifier."))


def _keep(session: Session, note: Note, action: str, editor: User) -> None:
    session.add(
        NoteRevision(
            note_id=note.id,
            version=note.version,
            category=note.category,
            text=note.text,
            tags=list(note.tags),
            action=action,
            edited_by_id=editor.id,
        )
    )


# --- Writes ---------------------------------------------------------------------------------------


def create_note(session: Session, space: Space, data: NoteInput, submission_id: str) -> tuple[Note, bool]:
    """Add a note; the same submission id again returns the first note (REL-07). (note, created)."""
    if not SUBMISSION_ID.match(submission_id or ""):
        raise InvalidInput({"submission_id": _("Identifiant d'envoi invalide : rechargez la page.")})
    clean = _validate(space.workshop, data)
    _require_writing(space)
    revision = _bump_group(session, space.group.id)
    existing = session.scalar(sa.select(Note).where(Note.submission_id == submission_id))
    if existing is not None:
        if existing.author_id != space.viewer.id or existing.group_id != space.group.id:
            raise InvalidInput({"submission_id": _("Identifiant d'envoi déjà utilisé : rechargez la page.")})
        return existing, False
    profile = session.scalar(
        sa.select(Registration.actor_profile).where(
            Registration.workshop_id == space.workshop.id, Registration.user_id == space.viewer.id
        )
    )
    now = utcnow()
    note = Note(
        workshop_id=space.workshop.id,
        group_id=space.group.id,
        round_number=space.round.number,
        author_id=space.viewer.id,
        author_profile=profile or space.viewer.actor_profile or "",
        category=clean.category,
        text=clean.text,
        tags=clean.tags,
        submission_id=submission_id,
        revision=revision,
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(note)
    session.flush()
    _keep(session, note, "create", space.viewer)
    return note, True


def edit_note(session: Session, space: Space, note_id: int, base_version: int, data: NoteInput) -> Note:
    """Change a note's text, category or tags; NoteConflict if it changed since `base_version`."""
    clean = _validate(space.workshop, data)
    _require_writing(space)
    revision = _bump_group(session, space.group.id)
    note = _note_of(session, space, note_id)
    _may_change(space, note)
    if note.version != base_version:
        raise NoteConflict(note.text, note.version, note.category)
    if (note.category, note.text, list(note.tags)) == (clean.category, clean.text, clean.tags):
        return note
    note.category, note.text, note.tags = clean.category, clean.text, clean.tags
    note.version += 1
    note.revision = revision
    note.updated_at = utcnow()
    session.flush()
    _keep(session, note, "edit", space.viewer)
    return note


def delete_note(session: Session, space: Space, note_id: int, base_version: int) -> Note:
    """Remove a note from the space (kept in its history); NoteConflict if it changed meanwhile."""
    _require_writing(space)
    revision = _bump_group(session, space.group.id)
    note = _note_of(session, space, note_id)
    _may_change(space, note)
    if note.version != base_version:
        raise NoteConflict(note.text, note.version, note.category)
    note.deleted_at = utcnow()
    note.revision = revision
    note.version += 1
    session.flush()
    _keep(session, note, "delete", space.viewer)
    return note


def toggle_vote(session: Session, space: Space, note_id: int) -> bool:
    """« +1 / je partage » on someone else's note, or take it back; True when the vote is now on."""
    _require_writing(space)
    revision = _bump_group(session, space.group.id)
    note = _note_of(session, space, note_id)
    if note.author_id == space.viewer.id:
        raise Forbidden(_("Vous ne pouvez pas appuyer votre propre note."))
    vote = session.get(NoteVote, (note.id, space.viewer.id))
    if vote is None:
        session.add(NoteVote(note_id=note.id, user_id=space.viewer.id))
        note.plus_count += 1
    else:
        session.delete(vote)
        note.plus_count = max(0, note.plus_count - 1)
    note.revision = revision
    session.flush()
    return vote is None


def moderate_note(
    session: Session, space: Space, note_id: int, *, hidden: bool | None, highlighted: bool | None
) -> Note:
    """Facilitators hide a note (logged, reversible) or highlight it for the synthesis."""
    if not space.facilitator:
        raise Forbidden(_("Réservé à l'équipe d'animation."))
    revision = _bump_group(session, space.group.id)
    note = _note_of(session, space, note_id)
    if hidden is not None and hidden != note.hidden:
        note.hidden = hidden
        note.hidden_by_id = space.viewer.id if hidden else None
        note.hidden_at = utcnow() if hidden else None
        audit.record(session, space.viewer.id, "note.hide" if hidden else "note.unhide", "note", note.id)
    if highlighted is not None:
        note.highlighted = highlighted
    note.revision = revision
    session.flush()
    return note


def may_write_summary(session: Session, space: Space) -> bool:
    """The group's rapporteur writes the summary; any member when the group has none; facilitators too."""
    if space.facilitator:
        return True
    if space.role is None:
        return False
    if space.role == "rapporteur":
        return True
    has_rapporteur = session.scalar(
        sa.select(GroupMember.id).where(
            GroupMember.group_id == space.group.id, GroupMember.role == "rapporteur"
        )
    )
    return has_rapporteur is None


def summary_of(session: Session, group_id: int) -> GroupSummary | None:
    """The group's summary, if one was written."""
    return session.get(GroupSummary, group_id)


def save_summary(session: Session, space: Space, base_version: int, text: str) -> GroupSummary:
    """Save « ce que notre groupe retient »; NoteConflict if someone saved since `base_version`."""
    clean = clean_text(text)
    if too_long := length_error(clean, SUMMARY_TEXT_MAX):
        raise InvalidInput({"text": too_long})
    if not may_write_summary(session, space):
        raise Forbidden(_("Le rapporteur ou la rapporteuse du groupe tient ce résumé."))
    _require_writing(space)
    revision = _bump_group(session, space.group.id)
    summary = session.scalar(
        sa.select(GroupSummary)
        .where(GroupSummary.group_id == space.group.id)
        .execution_options(populate_existing=True)
    )
    current = summary.version if summary is not None else 0
    if current != base_version:
        assert summary is not None
        raise NoteConflict(summary.text, summary.version)
    if summary is None:
        summary = GroupSummary(group_id=space.group.id, text="", version=0)
        session.add(summary)
    if summary.text == clean and summary.version > 0:
        return summary
    summary.text = clean
    summary.version = current + 1
    summary.revision = revision
    summary.updated_by_id = space.viewer.id
    summary.updated_at = utcnow()
    session.add(
        GroupSummaryRevision(
            group_id=space.group.id, version=summary.version, text=clean, edited_by_id=space.viewer.id
        )
    )
    session.flush()
    return summary


# --- Facilitators' controls -----------------------------------------------------------------------


def set_phase(session: Session, workshop: Workshop, actor: User, phase: str) -> NoteBoard:
    """Open or close writing for every group."""
    if phase not in ("open", "closed"):
        raise InvalidInput({"phase": _("Choix inconnu.")})
    revision = _bump_board(session, workshop.id)
    board = _fresh_board(session, workshop.id)
    board.phase = phase
    audit.record(session, actor.id, "notes.phase", "workshop", workshop.id, phase=phase, revision=revision)
    return board


def set_hidden_until_reveal(session: Session, workshop: Workshop, actor: User, hidden: bool) -> NoteBoard:
    """People write without seeing the others' notes until the facilitators reveal them."""
    revision = _bump_board(session, workshop.id)
    board = _fresh_board(session, workshop.id)
    board.hidden_until_reveal = hidden
    board.revealed = False
    board.reset_revision = revision
    audit.record(session, actor.id, "notes.hidden_mode", "workshop", workshop.id, hidden=hidden)
    return board


def reveal(session: Session, workshop: Workshop, actor: User) -> NoteBoard:
    """Show every group's notes to its members (after « notes cachées jusqu'à la révélation »)."""
    revision = _bump_board(session, workshop.id)
    board = _fresh_board(session, workshop.id)
    board.revealed = True
    board.reset_revision = revision
    audit.record(session, actor.id, "notes.reveal", "workshop", workshop.id)
    return board


def post_message(session: Session, workshop: Workshop, actor: User, text: str) -> WorkshopMessage:
    """A message to every group (next question, time left), shown in their spaces."""
    clean = clean_text(text)
    if not clean:
        raise InvalidInput({"message": _("Écrivez le message.")})
    if too_long := length_error(clean, MESSAGE_TEXT_MAX):
        raise InvalidInput({"message": too_long})
    revision = _bump_board(session, workshop.id)
    message = WorkshopMessage(workshop_id=workshop.id, text=clean, author_id=actor.id, revision=revision)
    session.add(message)
    session.flush()
    return message


def published_round_numbers(session: Session, workshop_id: int) -> list[int]:
    """Numbers of the workshop's published rounds, in order."""
    return list(
        session.scalars(
            sa.select(Round.number)
            .where(Round.workshop_id == workshop_id, Round.status == "published")
            .order_by(Round.number)
        )
    )


def go_to_round(session: Session, workshop: Workshop, actor: User, number: int) -> NoteBoard:
    """Move every participant's space to another published round (« rotation suivante »)."""
    if number not in published_round_numbers(session, workshop.id):
        raise InvalidInput({"round": _("Cette rotation n'est pas publiée.")})
    revision = _bump_board(session, workshop.id)
    board = _fresh_board(session, workshop.id)
    board.current_round = number
    board.reset_revision = revision
    audit.record(session, actor.id, "notes.round", "workshop", workshop.id, round=number)
    return board


def _fresh_board(session: Session, workshop_id: int) -> NoteBoard:
    board = session.scalar(
        sa.select(NoteBoard)
        .where(NoteBoard.workshop_id == workshop_id)
        .execution_options(populate_existing=True)
    )
    assert board is not None
    return board


# --- Reading: notes as a person may see them, the live feed ---------------------------------------


def author_label(note: Note, mode: str) -> str:
    """Who wrote it, as the attribution mode allows: a name, a profile, or nothing."""
    if mode == "named":
        author = note.author
        if author is None or author.deleted_at is not None:
            return _("Personne anonymisée")  # GD-07: an erased account leaves its notes nameless
        return author.full_name
    if mode == "by_profile":
        # The short label (« Collectivité »): a card is small, and the profile is all it may say.
        return group_reports.short_profile(note.author_profile) if note.author_profile else ""
    return ""


def note_json(note: Note, space: Space, voted: bool) -> dict[str, Any]:
    """A note for the viewer's page or feed: never an author id, the author only as the mode allows."""
    mine = note.author_id == space.viewer.id
    return {
        "id": note.id,
        "category": note.category,
        "text": note.text,
        "tags": list(note.tags),
        "plus": note.plus_count,
        "voted": voted,
        "mine": mine,
        "can_edit": (mine or space.facilitator) and (space.writing_open or space.facilitator),
        "version": note.version,
        "highlighted": note.highlighted,
        "hidden": note.hidden,
        "author": author_label(note, space.mode),
        "round": note.round_number,
        "created_at": note.created_at.isoformat(timespec="seconds"),
        "updated_at": note.updated_at.isoformat(timespec="seconds"),
    }


def _may_see(space: Space, note: Note) -> bool:
    """The same rule as `_visible`, for a note already loaded."""
    if note.hidden and not space.facilitator:
        return False
    return not (space.others_hidden and note.author_id != space.viewer.id)


def _visible(space: Space) -> sa.ColumnElement[bool]:
    """Notes the viewer may read in this group (moderated and, until reveal, others' are left out)."""
    condition: sa.ColumnElement[bool] = Note.group_id == space.group.id
    if not space.facilitator:
        condition = condition & Note.hidden.is_(False)
    if space.others_hidden:
        condition = condition & (Note.author_id == space.viewer.id)
    return condition


def visible_notes(session: Session, space: Space) -> list[Note]:
    """The live notes of the group the viewer may read, oldest first."""
    return list(
        session.scalars(
            sa.select(Note)
            .where(_visible(space), Note.deleted_at.is_(None))
            .order_by(Note.created_at, Note.id)
        )
    )


def hidden_count(session: Session, space: Space) -> int:
    """Others' notes waiting for the reveal (a number, never their content)."""
    if not space.others_hidden:
        return 0
    count = session.scalar(
        sa.select(sa.func.count())
        .select_from(Note)
        .where(
            Note.group_id == space.group.id,
            Note.deleted_at.is_(None),
            Note.hidden.is_(False),
            Note.author_id.is_distinct_from(space.viewer.id),
        )
    )
    return int(count or 0)


def votes_of(session: Session, user: User, note_ids: list[int]) -> set[int]:
    """Which of these notes the person supports (« +1 »)."""
    if not note_ids:
        return set()
    return set(
        session.scalars(
            sa.select(NoteVote.note_id).where(NoteVote.user_id == user.id, NoteVote.note_id.in_(note_ids))
        )
    )


@dataclass(frozen=True)
class Cursor:
    """Where a feed reader is: the group's counter and the board's counter it has seen."""

    group: int = 0
    board: int = 0

    @classmethod
    def parse(cls, raw: str | None) -> Cursor:
        """« G.B » as sent back by a page; anything else reads as the start (everything again)."""
        match = re.fullmatch(r"(\d{1,12})\.(\d{1,12})", raw or "")
        return cls(int(match.group(1)), int(match.group(2))) if match else cls()

    def __str__(self) -> str:
        return f"{self.group}.{self.board}"


def current_cursor(session: Session, group_id: int, workshop_id: int) -> Cursor:
    """Both counters now, in one cheap query (the « nothing new » answer needs only this)."""
    row = session.execute(
        sa.select(
            sa.select(GroupFeed.revision).where(GroupFeed.group_id == group_id).scalar_subquery(),
            sa.select(NoteBoard.revision).where(NoteBoard.workshop_id == workshop_id).scalar_subquery(),
        )
    ).one()
    return Cursor(int(row[0] or 0), int(row[1] or 0))


def member_cursor(session: Session, user_id: int, group_id: int) -> Cursor | None:
    """Both counters of a published group the person belongs to, in one query; None otherwise.

    The hot path of the live feed: most polls change nothing, and a member's « nothing new » needs
    neither the group's objects nor the board's, only proof of membership and the two counters.
    Membership is still read at every poll (AC-08).
    """
    row = session.execute(
        sa.select(GroupFeed.revision, NoteBoard.revision)
        .select_from(GroupMember)
        .join(Round, GroupMember.round_id == Round.id)
        .outerjoin(GroupFeed, GroupFeed.group_id == GroupMember.group_id)
        .outerjoin(NoteBoard, NoteBoard.workshop_id == Round.workshop_id)
        .where(GroupMember.group_id == group_id, GroupMember.user_id == user_id, Round.status == "published")
    ).first()
    if row is None:
        return None
    return Cursor(int(row[0] or 0), int(row[1] or 0))


def board_json(space: Space) -> dict[str, Any]:
    """The workshop-wide state a note space shows."""
    board = space.board
    return {
        "phase": board.phase,
        "writing_open": space.writing_open,
        "hidden_until_reveal": board.hidden_until_reveal,
        "revealed": board.revealed,
        "current_round": board.current_round,
        "round": space.round.number,
    }


def feed(session: Session, space: Space, since: Cursor, now: Cursor | None = None) -> dict[str, Any]:
    """Every change of the group and the workshop after `since`, and the new cursor.

    The counters are read first (or given, when the caller just read them); the changes are those
    up to them, all committed (module docstring).
    """
    if now is None:
        now = current_cursor(session, space.group.id, space.workshop.id)
    board = space.board
    reset = since.board < board.reset_revision or since.group > now.group or since.board > now.board
    start = Cursor() if reset else since
    query = (
        sa.select(Note)
        .where(Note.group_id == space.group.id, Note.revision > start.group, Note.revision <= now.group)
        .order_by(Note.revision)
    )
    if space.mode == "named":
        query = query.options(selectinload(Note.author))
    changed = list(session.scalars(query))
    voted = votes_of(session, space.viewer, [note.id for note in changed])
    notes: list[dict[str, Any]] = []
    removed: list[int] = []
    for note in changed:
        if note.deleted_at is not None or not _may_see(space, note):
            removed.append(note.id)
        else:
            notes.append(note_json(note, space, note.id in voted))
    summary = session.scalar(
        sa.select(GroupSummary).where(
            GroupSummary.group_id == space.group.id, GroupSummary.revision > start.group
        )
    )
    messages: list[WorkshopMessage] = []
    if now.board > start.board:
        messages = list(
            session.scalars(
                sa.select(WorkshopMessage)
                .where(
                    WorkshopMessage.workshop_id == space.workshop.id,
                    WorkshopMessage.revision > start.board,
                    WorkshopMessage.revision <= now.board,
                )
                .order_by(WorkshopMessage.revision)
            )
        )
    return {
        "cursor": str(now),
        "reset": reset,
        "notes": notes,
        "removed": [] if reset else removed,
        "summary": summary_json(summary) if summary is not None else None,
        "board": board_json(space) if now.board > start.board or reset else None,
        "messages": [message_json(m) for m in messages],
        "hidden_count": hidden_count(session, space),
    }


def summary_json(summary: GroupSummary) -> dict[str, Any]:
    """The group summary as a page shows it."""
    return {
        "text": summary.text,
        "version": summary.version,
        "updated_at": summary.updated_at.isoformat(timespec="seconds"),
    }


def message_json(message: WorkshopMessage) -> dict[str, Any]:
    """A facilitators' message (never its author)."""
    return {
        "id": message.id,
        "text": message.text,
        "created_at": message.created_at.isoformat(timespec="seconds"),
    }


def recent_messages(session: Session, workshop_id: int, limit: int = 5) -> list[WorkshopMessage]:
    """The last facilitators' messages, newest first."""
    return list(
        session.scalars(
            sa.select(WorkshopMessage)
            .where(WorkshopMessage.workshop_id == workshop_id)
            .order_by(WorkshopMessage.revision.desc())
            .limit(limit)
        )
    )


@dataclass
class HistoryEntry:
    """One saved version of a note, as the viewer may see it."""

    version: int
    action: str
    category: str
    text: str
    tags: list[str]
    editor: str
    at: dt.datetime


def history(session: Session, space: Space, note_id: int) -> list[HistoryEntry]:
    """Every saved version of a live note of the group, oldest first (editors as the mode allows)."""
    note = _note_of(session, space, note_id)
    entries = []
    for revision in note.history:
        editor = ""
        if space.mode == "named" and revision.edited_by_id is not None:
            user = session.get(User, revision.edited_by_id)
            if user is not None and user.deleted_at is None:
                editor = user.full_name
        entries.append(
            HistoryEntry(
                revision.version,
                revision.action,
                revision.category,
                revision.text,
                list(revision.tags),
                editor,
                revision.created_at,
            )
        )
    return entries


# --- Facilitators' dashboard ----------------------------------------------------------------------


@dataclass
class GroupActivity:
    """One group on the live dashboard."""

    group: PeerGroup
    members: int
    counts: dict[str, int]
    total: int
    last_activity: dt.datetime | None
    idle: bool
    summary: bool


def dashboard(session: Session, workshop: Workshop, round_number: int | None = None) -> list[GroupActivity]:
    """Every group of a round with its note counts per category, last activity and an idle flag."""
    board = board_of(session, workshop.id)
    number = round_number or board.current_round
    groups = list(
        session.scalars(
            sa.select(PeerGroup)
            .join(Round, PeerGroup.round_id == Round.id)
            .where(Round.workshop_id == workshop.id, Round.number == number)
            .order_by(PeerGroup.position)
        )
    )
    ids = [group.id for group in groups]
    counts: dict[int, dict[str, int]] = {group_id: {} for group_id in ids}
    for group_id, category, count in session.execute(
        sa.select(Note.group_id, Note.category, sa.func.count())
        .where(Note.group_id.in_(ids), Note.deleted_at.is_(None), Note.hidden.is_(False))
        .group_by(Note.group_id, Note.category)
    ):
        counts[group_id][category] = int(count)
    activity = {
        row.group_id: row.last_activity_at
        for row in session.execute(
            sa.select(GroupFeed.group_id, GroupFeed.last_activity_at).where(GroupFeed.group_id.in_(ids))
        )
    }
    sizes = {
        int(group_id): int(count)
        for group_id, count in session.execute(
            sa.select(GroupMember.group_id, sa.func.count())
            .where(GroupMember.group_id.in_(ids))
            .group_by(GroupMember.group_id)
        )
    }
    summaries = set(
        session.scalars(
            sa.select(GroupSummary.group_id).where(GroupSummary.group_id.in_(ids), GroupSummary.version > 0)
        )
    )
    now = utcnow()
    result = []
    for group in groups:
        last = activity.get(group.id)
        # Silent since its last note, or since writing opened on this round (board change).
        quiet_since = max(last, board.updated_at) if last is not None else board.updated_at
        idle = board.phase == "open" and now - quiet_since >= IDLE_AFTER
        result.append(
            GroupActivity(
                group,
                int(sizes.get(group.id, 0)),
                counts[group.id],
                sum(counts[group.id].values()),
                last,
                idle,
                group.id in summaries,
            )
        )
    return result
