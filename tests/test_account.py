"""The account area: profile, password change, consents, calendar link (XS-01, SE-04, GD-03, AC-02)."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import Consent, User
from tests.conftest import IsolatedClient, login, post_form
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "le héron guette au bord de l'étang"


@pytest.fixture
def person(db: Session) -> User:
    return make_user(db, email="titulaire@exemple.fr", first_name="Solène", last_name="Haffner")


@pytest.fixture
def me(client: FlaskClient, person: User) -> FlaskClient:
    """The client signed in as `person`."""
    assert login(client, "titulaire@exemple.fr", DEFAULT_PASSWORD).status_code == 302
    return client


def reload(db: Session, row: object) -> None:
    db.commit()  # end the read transaction: SQLite would keep showing its snapshot
    db.refresh(row)


def signed_in(client: FlaskClient) -> bool:
    return client.get("/compte/").status_code == 200


PROFILE = {
    "first_name": "Solène",
    "last_name": "Haffner-Klein",
    "organisation": "Eurométropole de Strasbourg",
    "actor_profile": "local_authority",
    "territory": "Bas-Rhin",
    "job_title": "Directrice de projet",
    "locale": "fr",
}


@pytest.mark.parametrize(
    "url",
    [
        "/compte/",
        "/compte/mot-de-passe",
        "/compte/consentements",
        "/compte/calendrier",
        "/compte/donnees",
        "/compte/donnees/mes-donnees.json",
        "/compte/supprimer",
    ],
)
def test_ac_02_account_pages_require_sign_in(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion?next=")


def test_profile_edit_is_saved_and_validated(me: FlaskClient, db: Session, person: User) -> None:
    page = me.get("/compte/").get_data(as_text=True)
    assert 'value="Haffner"' in page
    assert 'autocomplete="given-name"' in page and 'autocomplete="organization"' in page

    response = post_form(me, "/compte/", PROFILE)
    assert response.status_code == 302
    reload(db, person)
    assert person.last_name == "Haffner-Klein"
    assert person.organisation == "Eurométropole de Strasbourg"
    assert person.actor_profile == "local_authority"
    assert person.job_title == "Directrice de projet"

    bad = post_form(me, "/compte/", PROFILE | {"actor_profile": "inconnu", "job_title": "x" * 121})
    assert bad.status_code == 400
    assert "120 caractères au maximum" in bad.get_data(as_text=True)
    reload(db, person)
    assert person.job_title == "Directrice de projet"


def test_profile_saved_from_a_workshop_page_goes_back_to_it(
    me: FlaskClient, db: Session, person: User
) -> None:
    page = me.get("/compte/?next=/ateliers/7%3Fcle%3Dabc").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/ateliers/7?cle=abc"' in page
    assert '<a href="/ateliers/7?cle=abc">Revenir sans enregistrer</a>' in page

    response = post_form(me, "/compte/", PROFILE | {"next": "/ateliers/7?cle=abc"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/ateliers/7?cle=abc"
    reload(db, person)
    assert person.last_name == "Haffner-Klein"

    # An invalid form keeps the way back.
    bad = post_form(me, "/compte/", PROFILE | {"first_name": "", "next": "/ateliers/7"})
    assert bad.status_code == 400
    assert 'value="/ateliers/7"' in bad.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "https://ailleurs.example/piege",
        "//ailleurs.example/piege",
        "/\\ailleurs.example",
        "javascript:alert(1)",
    ],
)
def test_se_07_profile_ignores_an_external_next(me: FlaskClient, target: str) -> None:
    page = me.get("/compte/", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next" type="hidden" value=""' in page
    assert "Revenir sans enregistrer" not in page

    response = post_form(me, "/compte/", PROFILE | {"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte/"

    bad = post_form(me, "/compte/", PROFILE | {"first_name": "", "next": target})
    assert bad.status_code == 400
    assert 'name="next" type="hidden" value=""' in bad.get_data(as_text=True)


def test_consents_page_has_no_duplicate_ids(me: FlaskClient) -> None:
    assert post_form(me, "/compte/consentements/photos/donner").status_code == 302
    page = me.get("/compte/consentements").get_data(as_text=True)
    assert "Retirer mon consentement" in page and "Donner mon consentement" in page  # both kinds of form
    assert page.count('name="csrf_token"') >= 3
    ids = Counter(re.findall(r"\sid=\"([^\"]+)\"", page))
    assert ids and [name for name, count in ids.items() if count > 1] == []


def test_profile_language_switches_the_interface(me: FlaskClient, db: Session, person: User) -> None:
    assert post_form(me, "/compte/", PROFILE | {"locale": "en"}).status_code == 302
    reload(db, person)
    assert person.locale == "en"
    assert '<html lang="en">' in me.get("/compte/").get_data(as_text=True)


def test_xs_01_a_name_with_template_and_html_syntax_is_shown_escaped(me: FlaskClient) -> None:
    evil = PROFILE | {"first_name": "{{7*7}}<script>alert(1)</script>", "organisation": "<b>Orga</b>"}
    assert post_form(me, "/compte/", evil).status_code == 302
    page = me.get("/compte/").get_data(as_text=True)
    assert "{{7*7}}" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "&lt;b&gt;Orga&lt;/b&gt;" in page
    assert ">49<" not in page and "49 Haffner" not in page


def test_change_password_needs_the_current_one_and_applies_the_policy(
    me: FlaskClient, db: Session, person: User
) -> None:
    wrong = post_form(
        me,
        "/compte/mot-de-passe",
        {"current_password": "pas le bon", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    assert "Le mot de passe actuel est incorrect" in wrong.get_data(as_text=True)
    weak = post_form(
        me,
        "/compte/mot-de-passe",
        {"current_password": DEFAULT_PASSWORD, "new_password": "Solène Haffner", "confirm": "Solène Haffner"},
    )
    assert weak.status_code == 400
    assert "construit à partir de votre nom" in weak.get_data(as_text=True)
    reload(db, person)
    assert login(IsolatedClient(me.application), "titulaire@exemple.fr", DEFAULT_PASSWORD).status_code == 302


def test_se_04_password_change_ends_other_sessions_and_keeps_this_one(
    app: Flask, me: FlaskClient, db: Session, person: User
) -> None:
    laptop = app.test_client()
    assert (
        post_form(
            laptop,
            "/connexion",
            {"email": "titulaire@exemple.fr", "password": DEFAULT_PASSWORD, "remember": "y"},
        ).status_code
        == 302
    )
    stolen_remember = laptop.get_cookie("remember_token")
    assert stolen_remember is not None

    response = post_form(
        me,
        "/compte/mot-de-passe",
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert signed_in(me)
    assert not signed_in(laptop)
    replay = app.test_client()
    replay.set_cookie("remember_token", stolen_remember.value)
    assert not signed_in(replay)
    assert login(app.test_client(), "titulaire@exemple.fr", NEW_PASSWORD).status_code == 302


def test_gd_03_consents_are_withdrawn_in_one_click_and_can_be_given_again(
    app: Flask, me: FlaskClient, db: Session, person: User
) -> None:
    db.add(Consent(user_id=person.id, purpose="newsletter", notice_version="2026-01"))
    db.commit()
    page = me.get("/compte/consentements").get_data(as_text=True)
    assert 'action="/compte/consentements/newsletter/retirer"' in page
    assert 'action="/compte/consentements/photos/donner"' in page

    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    assert post_form(me, "/compte/consentements/newsletter/retirer").status_code == 302
    db.commit()
    rows = db.scalars(sa.select(Consent).where(Consent.user_id == person.id)).all()
    assert len(rows) == 1
    assert rows[0].withdrawn_at is not None and rows[0].withdrawn_at >= before
    assert 'action="/compte/consentements/newsletter/donner"' in me.get("/compte/consentements").get_data(
        as_text=True
    )

    assert post_form(me, "/compte/consentements/photos/donner").status_code == 302
    db.commit()
    photos = db.scalars(
        sa.select(Consent).where(Consent.user_id == person.id, Consent.purpose == "photos")
    ).one()
    assert photos.notice_version == app.config["NOTICE_VERSION"]
    assert photos.withdrawn_at is None

    assert post_form(me, "/compte/consentements/inconnu/donner").status_code == 404
    assert me.get("/compte/consentements/photos/retirer").status_code == 405


def test_calendar_link_can_be_regenerated(me: FlaskClient, db: Session, person: User) -> None:
    old = person.calendar_token
    page = me.get("/compte/calendrier").get_data(as_text=True)
    assert f"/calendrier/{old}.ics" in page
    assert "<title>Mon calendrier" in page and "<h1>Mon calendrier</h1>" in page
    assert 'aria-label="Mon compte"' in page  # the account navigation stays
    assert "Adresse secrète de votre calendrier" in page
    assert "Télécharger une copie du calendrier (.ics)" in page
    # Replacing the address breaks subscribed calendars: the form asks first.
    form = re.search(r'<form method="post" action="/compte/calendrier/nouveau-lien"[^>]*>', page)
    assert form is not None
    assert (
        'data-confirm="L\'ancienne adresse cessera de fonctionner dans les agendas abonnés. Continuer ?"'
        in html.unescape(form.group(0))
    )
    assert post_form(me, "/compte/calendrier/nouveau-lien").status_code == 302
    reload(db, person)
    assert person.calendar_token != old
    assert len(person.calendar_token) >= 32
    page = me.get("/compte/calendrier").get_data(as_text=True)
    assert f"/calendrier/{person.calendar_token}.ics" in page
    assert old not in page
    anonymous = IsolatedClient(me.application)
    assert anonymous.get(f"/calendrier/{person.calendar_token}.ics").status_code == 200
    assert anonymous.get(f"/calendrier/{old}.ics").status_code == 404


def test_se_04_deactivation_ends_every_session(me: FlaskClient, db: Session, person: User) -> None:
    assert signed_in(me)
    person.is_active_account = False
    db.commit()
    response = me.get("/compte/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion")
