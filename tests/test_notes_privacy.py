"""Notes and personal data: own notes in the data download (GD-06), nameless after erasure (GD-07)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.models import Note, NoteVote, User, Workshop
from app.services import accounts, notes
from tests.factories import DEFAULT_PASSWORD
from tests.support.groups import fresh
from tests.support.notes import room, space, write


def test_gd_06_the_data_download_holds_ones_own_notes_only(db: Session) -> None:
    r = room(db)
    write(db, r.alice, r.groups[0], "Écrite par Alice")
    write(db, r.bob, r.groups[0], "Écrite par Bob")
    fresh(db)
    alice = db.get(User, r.alice.id)
    assert alice is not None
    data = accounts.export_data(db, alice)
    assert [note["text"] for note in data["notes"]] == ["Écrite par Alice"]
    assert "Écrite par Bob" not in str(data)


def test_gd_07_an_erased_account_leaves_its_notes_without_a_name(db: Session) -> None:
    r = room(db, attribution_mode="named")
    note_id = write(db, r.alice, r.groups[0], "Une pratique partagée")
    fresh(db)
    alice = db.get(User, r.alice.id)
    assert alice is not None
    name, email = alice.full_name, alice.email
    accounts.delete_account(db, alice, DEFAULT_PASSWORD)
    db.commit()
    answer = notes.feed(db, space(db, r.bob, r.groups[0]), notes.Cursor())
    [item] = answer["notes"]
    assert item["id"] == note_id and item["text"] == "Une pratique partagée"
    assert item["author"] == "Personne anonymisée"
    assert name not in str(answer) and str(email) not in str(answer)
    fresh(db)
    assert db.get(Note, note_id) is not None


def test_gd_04_purge_unties_notes_of_programmes_ended_three_years_ago(app: Flask, db: Session) -> None:
    old = room(db)
    recent = room(db)
    old_note = write(db, old.alice, old.groups[0], "Note ancienne")
    recent_note = write(db, recent.alice, recent.groups[0], "Note récente")
    notes.toggle_vote(db, space(db, old.bob, old.groups[0]), old_note)
    db.commit()
    fresh(db)
    programme = db.get(Workshop, old.workshop.id).programme  # type: ignore[union-attr]
    programme.end_date = (dt.datetime.now(dt.UTC) - dt.timedelta(days=4 * 365)).date()
    db.commit()

    result = app.test_cli_runner().invoke(args=["purge"])

    assert result.exit_code == 0, result.output
    assert (
        "Notes détachées de leur autrice ou auteur (parcours terminés depuis trois ans) : 1" in result.output
    )
    fresh(db)
    untied, kept = db.get(Note, old_note), db.get(Note, recent_note)
    assert untied is not None and untied.author_id is None and untied.text == "Note ancienne"
    assert untied.plus_count == 1 and db.scalar(sa.select(sa.func.count()).select_from(NoteVote)) == 0
    assert all(revision.edited_by_id is None for revision in untied.history)
    assert kept is not None and kept.author_id == recent.alice.id
