"""Personal data: download (GD-06), erasure (GD-07), retention purge of links and sent mail."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.db import Base
from app.models import (
    Consent,
    GroupMember,
    OutboxMessage,
    PeerGroup,
    Registration,
    Round,
    User,
    UserToken,
    Workshop,
)
from app.services import tokens
from tests.conftest import login, post_form
from tests.factories import DEFAULT_PASSWORD, make_programme, make_user, make_workshop


def seat(
    db: Session, workshop: Workshop, user: User, status: str = "confirmed", **fields: Any
) -> Registration:
    """A registration row with the snapshot the registration service would take."""
    position = None
    if status == "waitlisted":
        workshop.waitlist_counter += 1
        position = workshop.waitlist_counter
    registration = Registration(
        workshop_id=workshop.id,
        user_id=user.id,
        status=status,
        waitlist_position=position,
        organisation=user.organisation,
        actor_profile=user.actor_profile,
        territory=user.territory,
        **fields,
    )
    db.add(registration)
    db.commit()
    return registration


def dump(db: Session) -> str:
    """Every row of every table as text, like a database dump."""
    db.commit()
    lines = []
    for table in Base.metadata.sorted_tables:
        for row in db.execute(sa.select(table)).all():
            lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)


def test_gd_06_download_holds_my_data_and_nothing_about_anyone_else(client: FlaskClient, db: Session) -> None:
    me = make_user(
        db,
        email="moi@exemple.fr",
        first_name="Océane",
        last_name="Bertrand",
        organisation="Parc naturel des Vosges du Nord",
        job_title="Chargée de coopération",
    )
    other = make_user(
        db,
        email="voisin@exemple.fr",
        first_name="Théophile",
        last_name="Zimmermann",
        organisation="Secrète SA",
    )
    programme = make_programme(db, title="Hybrider son modèle socio-économique territorial")
    workshop = make_workshop(db, programme, title="Atelier 2 : les alliances stratégiques", capacity=1)
    their_seat = seat(db, workshop, other)
    my_seat = seat(db, workshop, me, status="waitlisted", accessibility_needs="Accès en fauteuil")
    db.add(Consent(user_id=me.id, purpose="photos", notice_version="2026-11"))
    db.add(Consent(user_id=other.id, purpose="newsletter", notice_version="2026-11"))
    round_ = Round(workshop_id=workshop.id, number=1, status="published")
    table = PeerGroup(position=2, table_name="Table des tilleuls")
    table.members.append(GroupMember(user_id=me.id, registration_id=my_seat.id, role="rapporteur"))
    table.members.append(GroupMember(user_id=other.id, registration_id=their_seat.id, role="timekeeper"))
    round_.groups.append(table)
    db.add(round_)
    db.commit()
    assert login(client, "moi@exemple.fr", DEFAULT_PASSWORD).status_code == 302

    assert "Télécharger mes données" in client.get("/compte/donnees").get_data(as_text=True)
    response = client.get("/compte/donnees/mes-donnees.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == "moi@exemple.fr"
    assert data["profile"]["last_name"] == "Bertrand"
    assert data["profile"]["job_title"] == "Chargée de coopération"
    (registration,) = data["registrations"]
    assert registration["workshop"] == "Atelier 2 : les alliances stratégiques"
    assert registration["programme"] == "Hybrider son modèle socio-économique territorial"
    assert registration["status"] == "waitlisted"
    assert registration["waitlist_position"] == 1
    assert registration["accessibility_needs"] == "Accès en fauteuil"
    assert dt.datetime.fromisoformat(registration["starts_at"]) == workshop.starts_at
    assert [(c["purpose"], c["notice_version"]) for c in data["consents"]] == [("photos", "2026-11")]
    (membership,) = data["peer_groups"]
    assert (membership["round"], membership["group"], membership["table"]) == (1, 2, "Table des tilleuls")
    assert membership["role"] == "rapporteur"
    text = response.get_data(as_text=True)
    for foreign in ("voisin@exemple.fr", "Théophile", "Zimmermann", "Secrète SA", "newsletter", "timekeeper"):
        assert foreign not in text


def test_gd_07_deletion_needs_the_password(client: FlaskClient, db: Session) -> None:
    user = make_user(db, email="hesitante@exemple.fr")
    login(client, "hesitante@exemple.fr", DEFAULT_PASSWORD)
    assert "définitive" in client.get("/compte/supprimer").get_data(as_text=True)
    response = post_form(client, "/compte/supprimer", {"password": "pas le bon mot de passe"})
    assert response.status_code == 400
    assert "Le mot de passe est incorrect" in response.get_data(as_text=True)
    db.commit()
    db.refresh(user)
    assert user.email == "hesitante@exemple.fr" and user.deleted_at is None


def test_gd_07_deletion_erases_the_identity_everywhere_and_frees_the_seats(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    leaving = make_user(
        db,
        email="quentin.ravenel@exemple.fr",
        first_name="Quentin",
        last_name="Ravenel",
        organisation="Coopérative Ravenel Énergies",
        territory="Meurthe-et-Moselle",
        job_title="Gérant Ravenel",
    )
    waiting = make_user(db, email="attente@exemple.fr", first_name="Inès", last_name="Attente")
    programme = make_programme(db)
    full = make_workshop(db, programme, title="Atelier complet", capacity=1)
    past = make_workshop(
        db,
        programme,
        title="Atelier passé",
        starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=30),
        ends_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=30, hours=-3),
    )
    mine = seat(db, full, leaving, accessibility_needs="Boucle magnétique pour Quentin")
    theirs = seat(db, full, waiting, status="waitlisted")
    attended = seat(db, past, leaving, attendance="present")
    db.add(Consent(user_id=leaving.id, purpose="directory", notice_version="2026-11"))
    db.add(
        OutboxMessage(
            recipient="quentin.ravenel@exemple.fr", subject="Bonjour Quentin Ravenel", body_text="…"
        )
    )
    tokens.issue_token(db, leaving, "password_reset", 3600)
    db.commit()

    other_device = app.test_client()
    assert login(other_device, "quentin.ravenel@exemple.fr", DEFAULT_PASSWORD).status_code == 302
    assert login(client, "quentin.ravenel@exemple.fr", DEFAULT_PASSWORD).status_code == 302
    response = post_form(client, "/compte/supprimer", {"password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/compte/").status_code == 302
    assert other_device.get("/compte/").status_code == 302
    assert login(app.test_client(), "quentin.ravenel@exemple.fr", DEFAULT_PASSWORD).status_code == 400

    db.commit()
    for row in (leaving, mine, theirs, attended):
        db.refresh(row)
    assert leaving.email is None and leaving.password_hash is None
    assert leaving.first_name == leaving.last_name == leaving.organisation == ""
    assert leaving.deleted_at is not None and not leaving.is_active
    # The freed seat went to the first person on the waitlist.
    assert mine.status == "cancelled"
    assert theirs.status == "confirmed"
    # History is kept as anonymous counts: the past attendance stays, without a snapshot.
    assert attended.status == "confirmed" and attended.attendance == "present"
    assert attended.organisation == "" and attended.territory == ""
    assert attended.actor_profile == "association"
    assert db.scalars(sa.select(UserToken).where(UserToken.user_id == leaving.id)).all() == []
    assert all(c.withdrawn_at is not None for c in db.scalars(sa.select(Consent)).all())

    everything = dump(db).casefold()
    for trace in (
        "quentin",
        "ravenel",
        "quentin.ravenel@exemple.fr",
        "coopérative ravenel",
        "meurthe-et-moselle",
        "boucle magnétique",
    ):
        assert trace not in everything, trace
    assert "attente@exemple.fr" in everything  # other people are untouched


def test_purge_deletes_spent_links_and_old_sent_mail(app: Flask, db: Session) -> None:
    user = make_user(db)
    now = dt.datetime.now(dt.UTC)
    live = tokens.issue_token(db, user, "password_reset", 3600)
    used = tokens.issue_token(db, user, "password_reset", 3600)
    tokens.consume_token(db, used, "password_reset")
    expired = tokens.issue_token(db, user, "invitation", 3600)
    expired_row = tokens.find_valid_token(db, expired, "invitation")
    assert expired_row is not None
    expired_row.expires_at = now - dt.timedelta(minutes=1)
    db.add_all(
        [
            OutboxMessage(
                recipient="a@exemple.fr",
                subject="vieux",
                body_text="x",
                status="sent",
                sent_at=now - dt.timedelta(days=91),
            ),
            OutboxMessage(
                recipient="b@exemple.fr",
                subject="récent",
                body_text="x",
                status="sent",
                sent_at=now - dt.timedelta(days=10),
            ),
            OutboxMessage(
                recipient="c@exemple.fr",
                subject="en attente",
                body_text="x",
                status="pending",
                created_at=now - dt.timedelta(days=200),
            ),
        ]
    )
    db.commit()

    result = app.test_cli_runner().invoke(args=["purge"])

    assert result.exit_code == 0, result.output
    assert "Liens à usage unique supprimés : 2" in result.output
    assert "supprimés : 1" in result.output.splitlines()[1]
    db.commit()
    assert tokens.find_valid_token(db, live, "password_reset") is not None
    assert db.scalar(sa.select(sa.func.count()).select_from(UserToken)) == 1
    subjects = sorted(db.scalars(sa.select(OutboxMessage.subject)).all())
    assert subjects == ["en attente", "récent"]


def test_gd_04_purge_applies_the_notice_retention_periods(app: Flask, db: Session) -> None:
    now = dt.datetime.now(dt.UTC)
    person = make_user(db)
    old_programme = make_programme(db, end_date=(now - dt.timedelta(days=4 * 365)).date())
    recent_programme = make_programme(db)
    long_ago = now - dt.timedelta(days=4 * 365)
    old_workshop = make_workshop(
        db, old_programme, starts_at=long_ago, ends_at=long_ago + dt.timedelta(hours=2)
    )
    last_month = now - dt.timedelta(days=40)
    ended_workshop = make_workshop(
        db, recent_programme, starts_at=last_month, ends_at=last_month + dt.timedelta(hours=2)
    )
    upcoming = make_workshop(db, recent_programme)
    for workshop in (old_workshop, ended_workshop, upcoming):
        db.add(
            Registration(
                workshop_id=workshop.id,
                user_id=person.id,
                status="confirmed",
                organisation="Mairie de Metz",
                territory="Moselle",
                actor_profile="local_authority",
                accessibility_needs="Boucle magnétique",
            )
        )
    db.add(
        Consent(
            user_id=person.id,
            purpose="newsletter",
            notice_version="1",
            withdrawn_at=now - dt.timedelta(days=6 * 365),
        )
    )
    db.add(Consent(user_id=person.id, purpose="photos", notice_version="1"))
    db.commit()

    result = app.test_cli_runner().invoke(args=["purge"])

    assert result.exit_code == 0, result.output
    db.expire_all()
    rows = {r.workshop_id: r for r in db.scalars(sa.select(Registration))}
    assert rows[upcoming.id].accessibility_needs == "Boucle magnétique"
    assert rows[ended_workshop.id].accessibility_needs == ""
    assert rows[ended_workshop.id].organisation == "Mairie de Metz"
    assert (rows[old_workshop.id].organisation, rows[old_workshop.id].territory) == ("", "")
    assert rows[old_workshop.id].actor_profile == "local_authority"  # kept for anonymous statistics
    assert sorted(db.scalars(sa.select(Consent.purpose))) == ["photos"]
