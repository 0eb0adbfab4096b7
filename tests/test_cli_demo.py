"""`flask seed-demo`: the demo programme, its workshops and people, random passwords (PW-13)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.db import get_engine
from app.demo_data import PROGRAMME_ORGANISATIONS, PROGRAMME_SLUG, PROGRAMME_TITLE
from app.domain import ACTOR_PROFILES
from app.models import (
    GroupMember,
    GroupSummary,
    Note,
    OutboxMessage,
    PeerGroup,
    Programme,
    ProgrammeFacilitator,
    Registration,
    Round,
    SynthesisDocument,
    Theme,
    User,
    Workshop,
)
from app.services.passwords import verify_password
from tests.conftest import login, make_app

ACCOUNT_LINE = re.compile(r"^\s+(administration|facilitation|participation)\s+(\S+@\S+)\s+(\S+)\s*$", re.M)


def seed(app: Flask, *args: str) -> str:
    """Run `flask seed-demo` on this app; return its output (the command must succeed)."""
    result = app.test_cli_runner().invoke(args=["seed-demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


def accounts(output: str) -> dict[str, str]:
    """E-mail -> password, as printed by the command."""
    return {email: password for _label, email, password in ACCOUNT_LINE.findall(output)}


def count(session: Session, model: type) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def status_counts(session: Session, workshop: Workshop) -> dict[str, int]:
    rows = session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.workshop_id == workshop.id)
        .group_by(Registration.status)
    ).all()
    return {status: int(n) for status, n in rows}


def test_seed_demo_loads_the_programme_workshops_and_people(app: Flask, db: Session) -> None:
    output = seed(app)

    programme = db.scalars(sa.select(Programme)).one()
    assert programme.title == PROGRAMME_TITLE == "Hybrider son modèle socio-économique territorial"
    assert programme.slug == PROGRAMME_SLUG
    assert programme.visibility == "public"
    assert [o.name for o in programme.organisations] == list(PROGRAMME_ORGANISATIONS)
    assert len(programme.organisations) >= 3

    participants = db.scalars(sa.select(User).where(User.role == "participant")).all()
    assert 60 <= len(participants) <= 80
    assert len({(p.first_name, p.last_name) for p in participants}) == len(participants)
    assert len({p.territory for p in participants}) >= 8, "several départements of the Grand Est"
    assert {p.actor_profile for p in participants} <= set(ACTOR_PROFILES)
    assert len({p.actor_profile for p in participants}) >= 8, "a real mix of actor profiles"
    assert all(p.email and p.email.endswith(".example") for p in participants), "never a real address"
    assert all(p.organisation and p.job_title for p in participants)

    staff = db.scalars(sa.select(User).where(User.role != "participant")).all()
    assert sorted(u.role for u in staff) == ["admin", "facilitator", "facilitator"]
    attached = db.scalars(
        sa.select(ProgrammeFacilitator.user_id).where(ProgrammeFacilitator.programme_id == programme.id)
    ).all()
    assert sorted(attached) == sorted(u.id for u in staff if u.role == "facilitator")

    # Mails are never sent for demo data: the outbox stays empty.
    assert count(db, OutboxMessage) == 0
    assert "Connexion : http://" in output and "/connexion" in output


def test_seed_demo_has_a_past_an_open_and_a_full_workshop(app: Flask, db: Session) -> None:
    seed(app)
    workshops = db.scalars(sa.select(Workshop).order_by(Workshop.starts_at)).all()
    assert len(workshops) == 3
    past, open_, full = workshops
    now_utc = dt.datetime.now(dt.UTC)
    assert past.ends_at < now_utc < open_.starts_at < full.starts_at

    past_regs = db.scalars(sa.select(Registration).where(Registration.workshop_id == past.id)).all()
    attendance = {r.attendance for r in past_regs if r.status == "confirmed"}
    assert attendance == {"present", "absent"}, "attendance recorded at the past workshop"
    present = {r.user_id for r in past_regs if r.attendance == "present"}
    grouped = db.scalars(
        sa.select(GroupMember.user_id)
        .join(Round, GroupMember.round_id == Round.id)
        .where(Round.workshop_id == past.id, Round.status == "published")
    ).all()
    assert sorted(grouped) == sorted(present), "the past workshop's present people were grouped, published"

    open_counts = status_counts(db, open_)
    assert 0 < open_counts["confirmed"] < open_.capacity, "seats left in the open workshop"
    assert open_counts.get("waitlisted", 0) == 0
    assert (
        (open_.registration_opens_at or now_utc) <= now_utc < (open_.registration_closes_at or full.ends_at)
    )

    full_counts = status_counts(db, full)
    assert full_counts["confirmed"] == full.capacity, "the full workshop is exactly full"
    assert full_counts["waitlisted"] > 0
    positions = db.scalars(
        sa.select(Registration.waitlist_position)
        .where(Registration.workshop_id == full.id, Registration.status == "waitlisted")
        .order_by(Registration.waitlist_position)
    ).all()
    assert len(set(positions)) == full_counts["waitlisted"], "a FIFO waitlist with distinct positions"

    # Registrations went through the service: each keeps a snapshot of the person.
    for registration in db.scalars(sa.select(Registration)).all():
        assert registration.organisation == registration.user.organisation
        assert registration.actor_profile == registration.user.actor_profile


def test_seed_demo_prints_random_passwords_that_work_and_no_other(app: Flask, db: Session) -> None:
    output = seed(app)
    printed = accounts(output)
    assert len(printed) == 4, output  # admin, two facilitators, one participant

    users = {u.email: u for u in db.scalars(sa.select(User)).all()}
    for email, password in printed.items():
        assert len(password) >= 16
        assert verify_password(users[email].password_hash, password)
    # Every other participant has no usable password (NULL hash): invited, not pre-set.
    others = [u for email, u in users.items() if email not in printed]
    assert others and all(u.password_hash is None for u in others)
    roles = sorted(users[email].role for email in printed)
    assert roles == ["admin", "facilitator", "facilitator", "participant"]


def test_seed_demo_printed_passwords_sign_in_through_the_login_form(app: Flask, db: Session) -> None:
    printed = accounts(seed(app))
    roles = {u.email: u.role for u in db.scalars(sa.select(User)).all()}
    for email, password in printed.items():
        client = app.test_client()
        response = login(client, email, password)
        assert response.status_code in (302, 303), f"{roles[email]} {email} cannot sign in"
        assert "/connexion" not in response.headers["Location"]
        assert client.get("/mes-ateliers").status_code == 200
        if roles[email] in ("admin", "facilitator"):
            assert client.get("/gestion/").status_code == 200


def test_seed_demo_if_empty_does_nothing_the_second_time(app: Flask, db: Session) -> None:
    seed(app, "--if-empty")
    before = {model: count(db, model) for model in (Programme, Workshop, User, Registration)}

    output = seed(app, "--if-empty")

    assert accounts(output) == {}, "no password printed when nothing is loaded"
    assert "Connexion : http" in output, "make run still says where to sign in"
    db.expire_all()
    assert {model: count(db, model) for model in before} == before


def test_seed_demo_if_empty_skips_any_existing_programme(app: Flask, db: Session) -> None:
    from tests.factories import make_programme

    make_programme(db)
    seed(app, "--if-empty")
    db.expire_all()
    assert count(db, Programme) == 1
    assert count(db, User) == 0


def test_seed_demo_twice_without_flag_refuses_cleanly(app: Flask, db: Session) -> None:
    seed(app)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "existe déjà" in result.output
    db.expire_all()
    assert count(db, Programme) == 1


def test_pw_13_no_fixed_password_two_databases_get_different_ones(
    app: Flask, db: Session, sqlite_template: Path, tmp_path: Path
) -> None:
    first = accounts(seed(app))

    other_path = tmp_path / "other.db"
    shutil.copy(sqlite_template, other_path)
    other_app = make_app(f"sqlite:///{other_path}")
    # The `db` fixture holds the first app's context: push the other one so the command uses it.
    with other_app.app_context():
        second = accounts(seed(other_app))
        get_engine().dispose()

    # Same people (deterministic data) ...
    assert first.keys() == second.keys()
    # ... but never the same password.
    for email in first:
        assert first[email] != second[email]


def test_seed_demo_past_workshop_has_notes_and_summaries_in_every_group(app: Flask, db: Session) -> None:
    seed(app)
    past = db.scalars(sa.select(Workshop).order_by(Workshop.starts_at)).first()
    assert past is not None
    groups = db.scalars(sa.select(PeerGroup).join(Round).where(Round.workshop_id == past.id)).all()
    assert groups
    for group in groups:
        written = db.scalars(sa.select(Note).where(Note.group_id == group.id)).all()
        assert {note.category for note in written} == set(past.note_categories)
        assert all(note.author_id in {m.user_id for m in group.members} for note in written)
        summary = db.get(GroupSummary, group.id)
        assert summary is not None and summary.version == 1


def test_seed_demo_past_workshop_has_a_published_synthesis(app: Flask, db: Session) -> None:
    seed(app)
    past = db.scalars(sa.select(Workshop).order_by(Workshop.starts_at)).first()
    assert past is not None
    document = db.scalars(sa.select(SynthesisDocument).where(SynthesisDocument.workshop_id == past.id)).one()
    assert [p.number for p in document.publications] == [1]
    assert db.scalars(sa.select(Theme).where(Theme.workshop_id == past.id)).all()
