"""Notes and personal data: own notes in the data download (GD-06), nameless after erasure (GD-07)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Note, User
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
