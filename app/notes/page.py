"""Building the note space page: columns per category, the forms, what was typed kept on failure."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from flask import abort, render_template
from flask.typing import ResponseReturnValue

from app import domain
from app.db import get_session
from app.manage.access import actor
from app.models import Note
from app.notes.forms import EditNoteForm, NoteForm, SummaryForm
from app.policies import log_denied
from app.services import group_reports, grouping, notes
from app.services.errors import NotFound


@dataclass
class Column:
    """One category of the workshop with its guiding question and the notes in it."""

    key: str
    label: str
    question: str
    notes: list[dict[str, Any]] = field(default_factory=list)


def space_or_404(group_id: int) -> notes.Space:
    """The group's space for the signed-in person, or 404 (the refusal is logged, AC-10)."""
    try:
        return notes.space_for(get_session(), actor(), group_id)
    except NotFound:
        log_denied("note space of a group the person is not in", group_id)
        abort(404)


def note_space_of(note_id: int) -> tuple[notes.Space, Note]:
    """The space of a note's group and the note, or 404 (another group's note looks missing)."""
    session = get_session()
    note = session.get(Note, note_id)
    if note is None or note.deleted_at is not None:
        log_denied("unknown or deleted note", note_id)
        abort(404)
    space = space_or_404(note.group_id)
    if note.hidden and not space.facilitator:
        abort(404)
    return space, note


def category_choices(space: notes.Space) -> list[tuple[str, str]]:
    """The workshop's note categories with their labels."""
    return notes.categories([space.workshop])


def prepare(form: NoteForm | EditNoteForm, space: notes.Space) -> None:
    """Give a note form the workshop's categories and the tag list."""
    form.category.choices = category_choices(space)
    form.tags.choices = list(domain.note_tags().items())


def _columns(space: notes.Space, items: list[dict[str, Any]]) -> list[Column]:
    columns = {
        key: Column(key, label, str(domain.NOTE_QUESTIONS.get(key, "")))
        for key, label in category_choices(space)
    }
    for item in items:
        column = columns.get(item["category"])
        if column is not None:
            column.notes.append(item)
    return list(columns.values())


def _my_group(space: notes.Space) -> group_reports.MyGroup | None:
    if space.role is None:
        return None
    view = group_reports.my_groups(get_session(), space.workshop, space.viewer)
    return next((item for item in view.groups if item.group.id == space.group.id), None)


def render_space(
    space: notes.Space,
    *,
    add_form: NoteForm | None = None,
    edit_forms: dict[int, EditNoteForm] | None = None,
    summary_form: SummaryForm | None = None,
    conflict: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The note space, with any failed form shown again with its text (REL-11, CS-06)."""
    session = get_session()
    # Read afresh: after a refused write was rolled back, a board created in it is gone.
    space = space_or_404(space.group.id)
    visible = notes.visible_notes(session, space)
    voted = notes.votes_of(session, space.viewer, [note.id for note in visible])
    items = [notes.note_json(note, space, note.id in voted) for note in visible]
    summary = notes.summary_of(session, space.group.id)
    if summary_form is None:
        summary_form = SummaryForm(formdata=None, text=summary.text if summary else "")
    summary_form.version.data = summary.version if summary else 0
    if add_form is not None:
        prepare(add_form, space)
    new_form = NoteForm(formdata=None)
    prepare(new_form, space)
    cursor = notes.current_cursor(session, space.group.id, space.workshop.id)
    return (
        render_template(
            "notes/space.html",
            space=space,
            board=space.board,
            columns=_columns(space, items),
            add_form=add_form,
            new_form=new_form,
            edit_forms=edit_forms or {},
            summary=summary,
            summary_form=summary_form,
            may_summarise=notes.may_write_summary(session, space),
            conflict=conflict,
            error=error,
            cursor=str(cursor),
            hidden_count=notes.hidden_count(session, space),
            messages=notes.recent_messages(session, space.workshop.id),
            my_group=_my_group(space),
            group_members=len(space.group.members),
            role_labels=grouping.role_choices(),
            tag_labels=domain.note_tags(),
            new_submission_id=new_submission_id(),
        ),
        status,
    )


def new_submission_id() -> str:
    """A fresh submission id for a no-JavaScript form (the script chooses its own)."""
    return secrets.token_hex(16)
