"""The notes service on both engines: writes, versions, history, attribution, visibility, the feed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import GroupSummary, Note, NoteRevision, Workshop
from app.models.note import MESSAGE_TEXT_MAX, SUMMARY_TEXT_MAX
from app.services import notes, synthesis
from app.services.errors import NotFound
from app.services.programmes import InvalidInput
from tests.support.groups import fresh
from tests.support.notes import room, space, submission, write


def test_a_note_is_written_with_its_history_and_the_group_counter(db: Session) -> None:
    r = room(db)
    note_id = write(db, r.alice, r.groups[0], "Un tiers-lieu\nporté par la commune")
    fresh(db)
    note = db.get(Note, note_id)
    assert note is not None
    assert note.text == "Un tiers-lieu\nporté par la commune"
    assert note.author_profile == "local_authority" and note.round_number == 1
    assert [(h.version, h.action) for h in note.history] == [(1, "create")]
    assert notes.current_cursor(db, r.groups[0].id, r.workshop.id).group == note.revision == 1


def test_rel_07_the_same_submission_id_creates_one_note(db: Session) -> None:
    r = room(db)
    sid = submission()
    first, created = notes.create_note(
        db, space(db, r.alice, r.groups[0]), notes.NoteInput("lever", "Texte"), sid
    )
    db.commit()
    again, created_again = notes.create_note(
        db, space(db, r.alice, r.groups[0]), notes.NoteInput("lever", "Texte"), sid
    )
    db.commit()
    assert created and not created_again and again.id == first.id
    assert db.scalar(sa.select(sa.func.count()).select_from(Note)) == 1


def test_bad_input_is_refused_field_by_field_and_changes_nothing(db: Session) -> None:
    r = room(db)
    with pytest.raises(InvalidInput) as error:
        notes.create_note(
            db,
            space(db, r.alice, r.groups[0]),
            notes.NoteInput("not_a_category", "x" * 2001, ["odd-99"]),
            submission(),
        )
    assert set(error.value.errors) == {"category", "text", "tags"}
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(Note)) == 0


def test_rel_01_an_edit_from_an_old_version_never_overwrites_the_newer(db: Session) -> None:
    r = room(db)
    note_id = write(db, r.alice, r.groups[0], "Version 1")
    notes.edit_note(db, space(db, r.alice, r.groups[0]), note_id, 1, notes.NoteInput("lever", "Version 2"))
    db.commit()
    with pytest.raises(notes.NoteConflict) as conflict:
        notes.edit_note(
            db, space(db, r.alice, r.groups[0]), note_id, 1, notes.NoteInput("lever", "Version 1 bis")
        )
    db.rollback()
    assert conflict.value.current_text == "Version 2" and conflict.value.current_version == 2
    fresh(db)
    note = db.get(Note, note_id)
    assert note is not None and note.text == "Version 2"
    texts = list(
        db.scalars(
            sa.select(NoteRevision.text).where(NoteRevision.note_id == note_id).order_by(NoteRevision.version)
        )
    )
    assert texts == ["Version 1", "Version 2"]


def test_ac_05_only_the_author_or_a_facilitator_changes_a_note(db: Session) -> None:
    r = room(db)
    note_id = write(db, r.alice, r.groups[0], "De Alice")
    with pytest.raises(notes.Forbidden):
        notes.edit_note(db, space(db, r.bob, r.groups[0]), note_id, 1, notes.NoteInput("lever", "Par Bob"))
    db.rollback()
    with pytest.raises(notes.Forbidden):
        notes.delete_note(db, space(db, r.bob, r.groups[0]), note_id, 1)
    db.rollback()
    notes.edit_note(
        db, space(db, r.facilitator, r.groups[0]), note_id, 1, notes.NoteInput("lever", "Corrigé")
    )
    db.commit()
    fresh(db)
    note = db.get(Note, note_id)
    assert note is not None and note.text == "Corrigé" and note.author_id == r.alice.id


def test_ac_03_another_group_is_not_found(db: Session) -> None:
    r = room(db)
    with pytest.raises(NotFound):
        space(db, r.carol, r.groups[0])
    note_id = write(db, r.carol, r.groups[1], "Dans le groupe 2")
    with pytest.raises(NotFound):
        notes.edit_note(db, space(db, r.alice, r.groups[0]), note_id, 1, notes.NoteInput("lever", "Forcé"))
    db.rollback()


def test_votes_toggle_and_do_not_make_an_edit_stale(db: Session) -> None:
    r = room(db)
    note_id = write(db, r.alice, r.groups[0])
    assert notes.toggle_vote(db, space(db, r.bob, r.groups[0]), note_id) is True
    db.commit()
    with pytest.raises(notes.Forbidden):
        notes.toggle_vote(db, space(db, r.alice, r.groups[0]), note_id)
    db.rollback()
    notes.edit_note(db, space(db, r.alice, r.groups[0]), note_id, 1, notes.NoteInput("lever", "Précisé"))
    db.commit()
    assert notes.toggle_vote(db, space(db, r.bob, r.groups[0]), note_id) is False
    db.commit()
    fresh(db)
    note = db.get(Note, note_id)
    assert note is not None and note.plus_count == 0 and note.version == 2


@pytest.mark.parametrize("mode", ["named", "by_profile", "anonymous"])
def test_the_attribution_mode_applies_to_the_json(db: Session, mode: str) -> None:
    r = room(db, attribution_mode=mode)
    write(db, r.alice, r.groups[0], "Attribuée")
    answer = notes.feed(db, space(db, r.bob, r.groups[0]), notes.Cursor())
    [item] = answer["notes"]
    assert "author_id" not in item and item["mine"] is False
    expected = {"named": r.alice.full_name, "by_profile": "Collectivité", "anonymous": ""}[mode]
    assert item["author"].startswith(expected) if expected else item["author"] == ""
    if mode != "named":
        assert r.alice.full_name not in str(answer) and r.alice.email not in str(answer)


def test_the_feed_returns_changes_since_the_cursor_including_deletions(db: Session) -> None:
    r = room(db)
    first = write(db, r.alice, r.groups[0], "Première")
    start = notes.feed(db, space(db, r.bob, r.groups[0]), notes.Cursor())
    assert [n["id"] for n in start["notes"]] == [first]
    cursor = notes.Cursor.parse(start["cursor"])
    assert notes.feed(db, space(db, r.bob, r.groups[0]), cursor)["notes"] == []
    second = write(db, r.alice, r.groups[0], "Deuxième")
    notes.delete_note(db, space(db, r.alice, r.groups[0]), first, 1)
    db.commit()
    answer = notes.feed(db, space(db, r.bob, r.groups[0]), cursor)
    assert [n["id"] for n in answer["notes"]] == [second]
    assert answer["removed"] == [first]


def test_hidden_until_reveal_shows_only_ones_own_notes_then_everything(db: Session) -> None:
    r = room(db)
    workshop = db.get(Workshop, r.workshop.id)
    assert workshop is not None
    notes.set_hidden_until_reveal(db, workshop, r.facilitator, True)
    db.commit()
    write(db, r.alice, r.groups[0], "D'Alice")
    mine = write(db, r.bob, r.groups[0], "De Bob")
    answer = notes.feed(db, space(db, r.bob, r.groups[0]), notes.Cursor())
    assert [n["id"] for n in answer["notes"]] == [mine] and answer["hidden_count"] == 1
    cursor = notes.Cursor.parse(answer["cursor"])
    fresh(db)
    workshop = db.get(Workshop, r.workshop.id)
    assert workshop is not None
    notes.reveal(db, workshop, r.facilitator)
    db.commit()
    after = notes.feed(db, space(db, r.bob, r.groups[0]), cursor)
    assert after["reset"] is True and len(after["notes"]) == 2 and after["hidden_count"] == 0


def test_closed_writing_refuses_participants_but_not_facilitators(db: Session) -> None:
    r = room(db)
    workshop = db.get(Workshop, r.workshop.id)
    assert workshop is not None
    notes.set_phase(db, workshop, r.facilitator, "closed")
    db.commit()
    with pytest.raises(notes.Forbidden):
        write(db, r.alice, r.groups[0])
    db.rollback()
    write(db, r.facilitator, r.groups[0], "Note de l'équipe")


def test_moderation_hides_a_note_from_participants_and_is_logged(db: Session) -> None:
    r = room(db)
    note_id = write(db, r.alice, r.groups[0], "À masquer")
    start = notes.feed(db, space(db, r.bob, r.groups[0]), notes.Cursor())
    notes.moderate_note(db, space(db, r.facilitator, r.groups[0]), note_id, hidden=True, highlighted=None)
    db.commit()
    answer = notes.feed(db, space(db, r.bob, r.groups[0]), notes.Cursor.parse(start["cursor"]))
    assert answer["removed"] == [note_id] and answer["notes"] == []
    facilitator_view = notes.feed(db, space(db, r.facilitator, r.groups[0]), notes.Cursor())
    assert facilitator_view["notes"][0]["hidden"] is True
    with pytest.raises(notes.Forbidden):
        notes.moderate_note(db, space(db, r.bob, r.groups[0]), note_id, hidden=False, highlighted=None)
    db.rollback()


def test_the_summary_belongs_to_the_rapporteur_and_is_versioned(db: Session) -> None:
    r = room(db)
    with pytest.raises(notes.Forbidden):
        notes.save_summary(db, space(db, r.bob, r.groups[0]), 0, "Par Bob")
    db.rollback()
    notes.save_summary(db, space(db, r.alice, r.groups[0]), 0, "Ce que nous retenons")
    db.commit()
    with pytest.raises(notes.NoteConflict) as conflict:
        notes.save_summary(db, space(db, r.alice, r.groups[0]), 0, "Autre version")
    db.rollback()
    assert conflict.value.current_text == "Ce que nous retenons"
    fresh(db)
    summary = db.get(GroupSummary, r.groups[0].id)
    assert summary is not None and summary.version == 1


def test_the_next_round_must_be_published_and_moves_everyone(db: Session) -> None:
    r = room(db, rounds=2)
    workshop = db.get(Workshop, r.workshop.id)
    assert workshop is not None
    with pytest.raises(InvalidInput):
        notes.go_to_round(db, workshop, r.facilitator, 3)
    db.rollback()
    before = notes.current_group_id(db, r.alice, workshop)
    notes.go_to_round(db, workshop, r.facilitator, 2)
    db.commit()
    fresh(db)
    after = notes.current_group_id(db, r.alice, workshop)
    assert before == r.groups[0].id and after is not None and after != before


def test_the_dashboard_counts_notes_per_category(db: Session) -> None:
    r = room(db)
    write(db, r.alice, r.groups[0], "Un levier", "lever")
    write(db, r.bob, r.groups[0], "Un autre", "lever")
    write(db, r.bob, r.groups[0], "Un obstacle", "difficulty")
    workshop = db.get(Workshop, r.workshop.id)
    assert workshop is not None
    rows = notes.dashboard(db, workshop)
    assert [(row.group.position, row.total, row.counts) for row in rows] == [
        (1, 3, {"lever": 2, "difficulty": 1}),
        (2, 0, {}),
    ]
    assert rows[0].last_activity is not None and rows[1].last_activity is None


def test_summaries_messages_and_sections_too_long_are_refused_with_their_length(db: Session) -> None:
    r = room(db)
    rapporteur = space(db, r.alice, r.groups[0])
    workshop = db.get(Workshop, r.workshop.id)
    assert workshop is not None
    scope = synthesis.workshop_scope(workshop)
    document = synthesis.document_for(db, scope, r.facilitator)
    db.commit()
    attempts = [
        ("text", lambda: notes.save_summary(db, rapporteur, 0, "x" * (SUMMARY_TEXT_MAX + 1))),
        ("message", lambda: notes.post_message(db, workshop, r.facilitator, "x" * (MESSAGE_TEXT_MAX + 1))),
        ("body", lambda: synthesis.save_section(db, document, "learnings", 1, "x" * 50_001, r.facilitator)),
    ]
    for field_name, attempt in attempts:
        with pytest.raises(InvalidInput) as refused:
            attempt()
        db.rollback()
        assert "caractères au plus (il y en a" in str(refused.value.errors[field_name]), field_name
    fresh(db)
    assert db.scalar(sa.select(sa.func.count()).select_from(GroupSummary)) == 0
