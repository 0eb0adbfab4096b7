"""The note space's JSON API, for `notes.js` and scripts: the live feed and the same writes as the forms.

Every POST needs the CSRF token in `X-CSRFToken` (CS-01); a signed-out caller gets 401 and keeps
its text (the page holds it as a draft). Answers never carry an author id; the author appears only
as the workshop's attribution mode allows.

The feed: `GET /api/notes/sous-groupes/<id>/flux?depuis=G.B` returns the changes after cursor
`G.B` and the new cursor. Its ETag is the current cursor: a poll with `If-None-Match` equal to it
gets `304 Not Modified` after one small query.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, request
from flask.typing import ResponseReturnValue

from app.db import get_session
from app.i18n import _
from app.manage.access import actor
from app.models import Note
from app.notes.blueprint import bp
from app.notes.page import note_space_of, space_or_404
from app.policies import log_denied, signed_in
from app.services import notes
from app.services.errors import DomainError, NotFound
from app.services.programmes import InvalidInput


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


def _int(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000_000:
        raise InvalidInput({name: _("Version manquante : rechargez la page.")})
    return value


def _note_input(data: dict[str, Any]) -> notes.NoteInput:
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise InvalidInput({"tags": _("Choisissez les mots-clés dans la liste.")})
    return notes.NoteInput(_text(data, "category"), _text(data, "text"), list(tags))


def _failure(space: notes.Space, error: DomainError) -> ResponseReturnValue:
    """Undo and answer why: 404 forged id, 403 not allowed, 409 conflict, 422 invalid."""
    get_session().rollback()
    if isinstance(error, NotFound):
        log_denied("note of another group or unknown", space.group.id)
        return jsonify(error="not_found", message=str(error.message)), 404
    if isinstance(error, notes.Forbidden):
        log_denied("note action refused", space.group.id)
        return jsonify(error="forbidden", message=str(error.message)), 403
    if isinstance(error, notes.NoteConflict):
        conflict = {
            "text": error.current_text,
            "version": error.current_version,
            "category": error.current_category,
        }
        return jsonify(error="conflict", message=str(error.message), current=conflict), 409
    if isinstance(error, InvalidInput):
        return jsonify(error="invalid", message=str(error.message), errors=error.errors), 422
    return jsonify(error="refused", message=str(error.message)), 400


def _note_answer(space: notes.Space, note_id: int, status: int = 200) -> ResponseReturnValue:
    session = get_session()
    note = session.get(Note, note_id)
    assert note is not None
    voted = bool(notes.votes_of(session, space.viewer, [note_id]))
    # No cursor here: adopting the counters read after this write could skip others' changes.
    return jsonify(note=notes.note_json(note, space, voted)), status


def _not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.headers["ETag"] = etag
    return response


@bp.get("/api/notes/sous-groupes/<int:group_id>/flux")
@signed_in
def api_feed(group_id: int) -> ResponseReturnValue:
    """Changes since `depuis` (notes, removals, summary, board, messages) and the new cursor."""
    session = get_session()
    # A member's unchanged poll is answered from one query (membership and both counters).
    known = request.headers.get("If-None-Match")
    if known:
        cursor = notes.member_cursor(session, actor().id, group_id)
        if cursor is not None and known == f'"{cursor}"':
            return _not_modified(known)
    space = space_or_404(group_id)
    now = notes.current_cursor(session, group_id, space.workshop.id)
    etag = f'"{now}"'
    if known == etag:
        return _not_modified(etag)
    answer = jsonify(notes.feed(session, space, notes.Cursor.parse(request.args.get("depuis")), now))
    answer.headers["ETag"] = etag
    return answer


@bp.post("/api/notes/sous-groupes/<int:group_id>/notes")
@signed_in
def api_create(group_id: int) -> ResponseReturnValue:
    """Add a note: 201 with the note, or 200 with the same note when the submission id was seen (REL-07)."""
    space = space_or_404(group_id)
    data = _body()
    try:
        note, created = notes.create_note(
            get_session(), space, _note_input(data), _text(data, "submission_id")
        )
        get_session().commit()
    except DomainError as error:
        return _failure(space, error)
    return _note_answer(space, note.id, 201 if created else 200)


@bp.post("/api/notes/<int:note_id>")
@signed_in
def api_update(note_id: int) -> ResponseReturnValue:
    """Change a note read at `version`; 409 with the current text when it changed meanwhile."""
    space, _note = note_space_of(note_id)
    data = _body()
    try:
        notes.edit_note(get_session(), space, note_id, _int(data, "version"), _note_input(data))
        get_session().commit()
    except DomainError as error:
        return _failure(space, error)
    return _note_answer(space, note_id)


@bp.post("/api/notes/<int:note_id>/supprimer")
@signed_in
def api_remove(note_id: int) -> ResponseReturnValue:
    """Delete a note read at `version`."""
    space, _note = note_space_of(note_id)
    data = _body()
    try:
        notes.delete_note(get_session(), space, note_id, _int(data, "version"))
        get_session().commit()
    except DomainError as error:
        return _failure(space, error)
    return jsonify(removed=note_id)


@bp.post("/api/notes/<int:note_id>/plus-un")
@signed_in
def api_vote(note_id: int) -> ResponseReturnValue:
    """Toggle « +1 / je partage »."""
    space, _note = note_space_of(note_id)
    try:
        notes.toggle_vote(get_session(), space, note_id)
        get_session().commit()
    except DomainError as error:
        return _failure(space, error)
    return _note_answer(space, note_id)


@bp.post("/api/notes/<int:note_id>/moderer")
@signed_in
def api_moderate(note_id: int) -> ResponseReturnValue:
    """Facilitators: `{"hidden": bool}` and/or `{"highlighted": bool}`."""
    space, _note = note_space_of(note_id)
    data = _body()
    hidden, highlighted = data.get("hidden"), data.get("highlighted")
    if not all(value is None or isinstance(value, bool) for value in (hidden, highlighted)):
        abort(400)
    try:
        notes.moderate_note(get_session(), space, note_id, hidden=hidden, highlighted=highlighted)
        get_session().commit()
    except DomainError as error:
        return _failure(space, error)
    return _note_answer(space, note_id)


@bp.post("/api/notes/sous-groupes/<int:group_id>/resume")
@signed_in
def api_summary(group_id: int) -> ResponseReturnValue:
    """Save the group summary read at `version`; 409 with the current text when it changed."""
    space = space_or_404(group_id)
    data = _body()
    try:
        summary = notes.save_summary(get_session(), space, _int(data, "version"), _text(data, "text"))
        get_session().commit()
    except DomainError as error:
        return _failure(space, error)
    return jsonify(summary=notes.summary_json(summary))
