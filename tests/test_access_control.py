"""Back-office access: a facilitator only reaches their own programmes (AC-06), only facilitators
and admins export (AC-07), only admins manage accounts, and role changes apply at once (AC-08)."""

from __future__ import annotations

import base64
import logging

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import AuditLog, Programme, Registration, User, Workshop
from app.policies import policy_of
from tests.conftest import post_form
from tests.factories import make_programme, make_user, make_workshop


def sign_in(client: FlaskClient, user: User) -> None:
    """Open a session for `user` the way Flask-Login stores it (no password round trip)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def fresh(db: Session) -> None:
    db.rollback()
    db.expire_all()


def two_teams(db: Session) -> tuple[User, Programme, Workshop, Registration, Registration]:
    """Facilitator A with programme A; programme B (someone else's) with a workshop and two people."""
    alice = make_user(db, role="facilitator", email="alice@exemple.fr")
    bruno = make_user(db, role="facilitator", email="bruno@exemple.fr")
    make_programme(db, facilitators=[alice], title="Parcours A")
    programme_b = make_programme(db, facilitators=[bruno], title="Parcours B")
    workshop_b = make_workshop(db, programme_b, title="Atelier B", capacity=1)
    confirmed = Registration(
        workshop_id=workshop_b.id, user_id=make_user(db, last_name="Confirmée").id, status="confirmed"
    )
    waiting = Registration(
        workshop_id=workshop_b.id, user_id=make_user(db).id, status="waitlisted", waitlist_position=1
    )
    db.add_all([confirmed, waiting])
    db.commit()
    return alice, programme_b, workshop_b, confirmed, waiting


def test_ac_06_facilitator_of_a_cannot_read_programme_b(
    client: FlaskClient, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    alice, programme_b, workshop_b, confirmed, _ = two_teams(db)
    sign_in(client, alice)
    caplog.set_level(logging.WARNING, logger="ateliers.security")

    urls = [
        f"/gestion/parcours/{programme_b.id}",
        f"/gestion/parcours/{programme_b.id}/modifier",
        f"/gestion/parcours/{programme_b.id}/ateliers/nouveau",
        f"/gestion/ateliers/{workshop_b.id}",
        f"/gestion/ateliers/{workshop_b.id}/modifier",
        f"/gestion/ateliers/{workshop_b.id}/pointage",
        f"/gestion/ateliers/{workshop_b.id}/import",
        f"/gestion/ateliers/{workshop_b.id}/export.csv",
        f"/gestion/ateliers/{workshop_b.id}/export.xlsx?nominatif=oui",
        f"/gestion/ateliers/{workshop_b.id}/inscriptions/{confirmed.id}/annuler",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Atelier B" not in response.get_data(as_text=True)

    dashboard = client.get("/gestion/").get_data(as_text=True)
    assert "Parcours A" in dashboard and "Parcours B" not in dashboard
    denied = [record for record in caplog.records if "access denied" in record.getMessage()]
    assert len(denied) == len(urls)
    assert f"object={workshop_b.id}" in denied[3].getMessage()
    fresh(db)
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0  # no export was recorded


def test_ac_06_facilitator_of_a_cannot_change_programme_b(client: FlaskClient, db: Session) -> None:
    alice, programme_b, workshop_b, confirmed, waiting = two_teams(db)
    sign_in(client, alice)
    content = base64.b64encode(b"email;prenom;nom\nintrus@exemple.fr;In;Trus\n").decode()

    posts = {
        f"/gestion/parcours/{programme_b.id}/modifier": {
            "title": "Piraté",
            "visibility": "public",
            "version": "1",
        },
        f"/gestion/parcours/{programme_b.id}/lien": {},
        f"/gestion/parcours/{programme_b.id}/ateliers/nouveau": {"title": "Intrus"},
        f"/gestion/ateliers/{workshop_b.id}/modifier": {"title": "Piraté", "capacity": "99", "version": "1"},
        f"/gestion/ateliers/{workshop_b.id}/inscriptions": {"ajout-email": "alice@exemple.fr"},
        f"/gestion/ateliers/{workshop_b.id}/inscriptions/{waiting.id}/promouvoir": {},
        f"/gestion/ateliers/{workshop_b.id}/inscriptions/{confirmed.id}/annuler": {"reason": "Intrusion"},
        f"/gestion/ateliers/{workshop_b.id}/pointage/{confirmed.id}": {"attendance": "present"},
        f"/gestion/ateliers/{workshop_b.id}/pointage/sur-place": {"first_name": "In", "last_name": "Trus"},
        f"/gestion/ateliers/{workshop_b.id}/import/confirmer": {"content": content},
    }
    link_token = programme_b.link_token
    for url, data in posts.items():
        assert post_form(client, url, data).status_code == 404, url

    fresh(db)
    programme = db.get(Programme, programme_b.id)
    workshop = db.get(Workshop, workshop_b.id)
    assert programme is not None and programme.title == "Parcours B" and programme.link_token == link_token
    assert workshop is not None and workshop.title == "Atelier B" and workshop.capacity == 1
    assert db.scalar(sa.select(sa.func.count()).select_from(Workshop)) == 1
    statuses = [
        (reg.status, reg.attendance) for reg in db.scalars(sa.select(Registration).order_by(Registration.id))
    ]
    assert statuses == [("confirmed", "unknown"), ("waitlisted", "unknown")]
    assert db.scalar(sa.select(sa.func.count()).select_from(User).where(User.last_name == "Trus")) == 0
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0


def test_ac_06_admin_reaches_every_programme(client: FlaskClient, db: Session) -> None:
    _, programme_b, workshop_b, _, _ = two_teams(db)
    sign_in(client, make_user(db, role="admin"))

    assert client.get(f"/gestion/parcours/{programme_b.id}").status_code == 200
    assert client.get(f"/gestion/ateliers/{workshop_b.id}").status_code == 200
    assert client.get(f"/gestion/ateliers/{workshop_b.id}/export.csv").status_code == 200


def test_ac_07_participants_cannot_export_or_manage(client: FlaskClient, db: Session) -> None:
    _, _, workshop_b, confirmed, _ = two_teams(db)
    participant = db.get(User, confirmed.user_id)
    assert participant is not None
    sign_in(client, participant)

    for url in (
        "/gestion/",
        f"/gestion/ateliers/{workshop_b.id}",
        f"/gestion/ateliers/{workshop_b.id}/export.csv",
        f"/gestion/ateliers/{workshop_b.id}/export.xlsx",
        f"/gestion/ateliers/{workshop_b.id}/pointage",
        "/gestion/import/modele.csv",
    ):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert "attachment" not in response.headers.get("Content-Disposition", "")
    response = post_form(
        client, f"/gestion/ateliers/{workshop_b.id}/pointage/{confirmed.id}", {"attendance": "present"}
    )
    assert response.status_code == 403
    fresh(db)
    assert db.get(Registration, confirmed.id).attendance == "unknown"  # type: ignore[union-attr]


def test_ac_02_anonymous_visitors_are_sent_to_the_login_page(client: FlaskClient, db: Session) -> None:
    _, _, workshop_b, _, _ = two_teams(db)

    response = client.get(f"/gestion/ateliers/{workshop_b.id}/export.csv")

    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


def test_ac_01_every_back_office_route_requires_a_facilitator_or_an_admin(app: Flask) -> None:
    endpoints = [rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("manage.")]

    assert len(endpoints) >= 20
    for endpoint in endpoints:
        assert policy_of(app.view_functions[endpoint]) in ("facilitator", "admin"), endpoint
    assert policy_of(app.view_functions["manage.users"]) == "admin"


# --- Accounts (admin only) ---------------------------------------------------------------------


def test_only_admins_manage_accounts(client: FlaskClient, db: Session) -> None:
    facilitator = make_user(db, role="facilitator")
    target = make_user(db)
    sign_in(client, facilitator)

    assert client.get("/gestion/utilisateurs").status_code == 403
    assert post_form(client, f"/gestion/utilisateurs/{target.id}/role", {"role": "admin"}).status_code == 403
    fresh(db)
    assert db.get(User, target.id).role == "participant"  # type: ignore[union-attr]


def test_admin_searches_accounts(client: FlaskClient, db: Session) -> None:
    sign_in(client, make_user(db, role="admin"))
    make_user(db, first_name="Léa", last_name="Durand", email="lea@exemple.fr")
    make_user(db, first_name="Omar", last_name="Benali", email="omar@exemple.fr")

    page = client.get("/gestion/utilisateurs?q=durand").get_data(as_text=True)

    assert "lea@exemple.fr" in page and "omar@exemple.fr" not in page


def test_ac_08_a_new_role_applies_at_the_next_request(client: FlaskClient, app: Flask, db: Session) -> None:
    admin = make_user(db, role="admin")
    person = make_user(db, email="future-anim@exemple.fr")
    other = app.test_client()
    sign_in(other, person)
    assert other.get("/gestion/").status_code == 403
    sign_in(client, admin)

    response = post_form(
        client, f"/gestion/utilisateurs/{person.id}/role", {"role": "facilitator", "q": "future"}
    )

    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/gestion/utilisateurs?q=future"
    )
    assert other.get("/gestion/").status_code == 200
    fresh(db)
    entry = db.scalars(sa.select(AuditLog).where(AuditLog.action == "user.change_role")).one()
    assert entry.details == {"previous": "participant", "role": "facilitator"}


def test_deactivation_ends_the_open_sessions(client: FlaskClient, app: Flask, db: Session) -> None:
    admin = make_user(db, role="admin")
    person = make_user(db, role="facilitator")
    old_token = person.session_token
    other = app.test_client()
    sign_in(other, person)
    assert other.get("/gestion/").status_code == 200
    sign_in(client, admin)

    assert post_form(client, f"/gestion/utilisateurs/{person.id}/desactiver").status_code == 302

    response = other.get("/gestion/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    fresh(db)
    deactivated = db.get(User, person.id)
    assert deactivated is not None and not deactivated.is_active_account
    assert deactivated.session_token != old_token


def test_admins_cannot_demote_or_deactivate_themselves(client: FlaskClient, db: Session) -> None:
    admin = make_user(db, role="admin")
    sign_in(client, admin)

    post_form(client, f"/gestion/utilisateurs/{admin.id}/role", {"role": "participant"})
    post_form(client, f"/gestion/utilisateurs/{admin.id}/desactiver")

    fresh(db)
    me = db.get(User, admin.id)
    assert me is not None and me.role == "admin" and me.is_active_account
    assert client.get("/gestion/utilisateurs").status_code == 200
