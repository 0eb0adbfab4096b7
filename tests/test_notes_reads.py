"""A read of a note space writes nothing (CS-02), so a GET never meets SQLite's lock (REL-05)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.db import get_engine, new_session
from app.models import NoteBoard, User
from app.services import notes
from tests.support.notes import room


def test_rel_05_a_first_read_before_any_board_while_someone_writes(app: Flask, db: Session) -> None:
    """Found by the load benchmark: a read that created the board failed with « database is locked »."""
    r = room(db, groups=1, size=2)
    db.execute(sa.delete(NoteBoard))  # as right after publishing: no board yet
    db.commit()
    engine = get_engine()
    reader = new_session(engine)  # a GET's session: deferred BEGIN
    reader.get(User, r.alice.id)  # the read transaction has its snapshot
    other = new_session(engine, write=True)  # meanwhile another request writes and commits
    other.execute(sa.update(User).where(User.id == r.bob.id).values(territory="Marne"))
    other.commit()
    other.close()
    alice = reader.get(User, r.alice.id)
    assert alice is not None
    space = notes.space_for(reader, alice, r.groups[0].id)
    assert space.board.phase == "open" and space.board.revision == 0
    reader.close()
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(NoteBoard)) == 0  # the read stored nothing
