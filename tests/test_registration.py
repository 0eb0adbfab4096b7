"""The registration journey: register, waitlist, my workshops, cancel (from the page or the e-mailed link)."""

from __future__ import annotations

import datetime as dt
import html
import logging
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.formatting import date_long
from app.models import Consent, Registration, User, Workshop, WorkshopQuota
from app.services import registration as registration_service
from tests.conftest import login, post_form
from tests.factories import DEFAULT_PASSWORD, make_programme, make_user, make_workshop
from tests.test_auth import signup_form

UTC = dt.UTC


def sign_in(client: FlaskClient, user: User) -> None:
    """Sign in through the real login form."""
    response = login(client, user.email or "", DEFAULT_PASSWORD)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def enrol(db: Session, workshop: Workshop, user: User, **kwargs: object) -> Registration:
    """Register someone directly through the service (arranging a test)."""
    registration = registration_service.register(db, workshop.id, user, **kwargs)  # type: ignore[arg-type]
    db.commit()
    return registration


def fresh(db: Session) -> None:
    """End the test session's transaction (a SQLite reader keeps its snapshot) and forget loaded rows."""
    db.commit()
    db.expire_all()


def registration_row(db: Session, workshop: Workshop, user: User) -> Registration | None:
    fresh(db)
    return db.scalars(
        sa.select(Registration).where(
            Registration.workshop_id == workshop.id, Registration.user_id == user.id
        )
    ).one_or_none()


def count_registrations(db: Session) -> int:
    fresh(db)
    return int(db.scalar(sa.select(sa.func.count()).select_from(Registration)) or 0)


@pytest.fixture
def workshop(db: Session) -> Workshop:
    return make_workshop(db, make_programme(db), title="Atelier de Metz", capacity=10)


def test_ac_02_anonymous_registration_redirects_to_login_and_writes_nothing(
    client: FlaskClient, db: Session, workshop: Workshop
) -> None:
    response = post_form(client, f"/ateliers/{workshop.id}/inscription", {"accessibility_needs": "x"})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion")
    assert count_registrations(db) == 0
    # After signing in, `next` may bring the person to the form's address: it leads back to the page.
    back = client.get(f"/ateliers/{workshop.id}/inscription")
    assert back.status_code == 302
    assert back.headers["Location"] == f"/ateliers/{workshop.id}"


def test_signing_up_from_a_workshop_page_comes_back_to_it(client: FlaskClient, db: Session) -> None:
    programme = make_programme(db, visibility="link_only")
    workshop = make_workshop(db, programme)
    back = f"/ateliers/{workshop.id}?cle={programme.link_token}"

    page = page_text(client.get(back))
    assert f'href="/creer-un-compte?next=/ateliers/{workshop.id}?cle%3D{programme.link_token}"' in page

    signup_page = page_text(client.get("/creer-un-compte", query_string={"next": back}))
    assert f'name="next" type="hidden" value="{back}"' in signup_page
    response = post_form(client, "/creer-un-compte", signup_form(next=back))
    assert response.status_code == 302
    assert response.headers["Location"] == back
    assert "M'inscrire à cet atelier" in page_text(client.get(back))


def test_editing_the_profile_from_a_workshop_page_comes_back_to_it(
    client: FlaskClient, db: Session, workshop: Workshop
) -> None:
    user = make_user(db)
    sign_in(client, user)
    page = page_text(client.get(f"/ateliers/{workshop.id}"))
    assert f'href="/compte/?next=/ateliers/{workshop.id}">Modifier mon profil avant de m\'inscrire' in page

    profile = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "organisation": "Ville de Toul",
        "actor_profile": "local_authority",
        "territory": "",
        "job_title": "",
        "locale": "fr",
        "next": f"/ateliers/{workshop.id}",
    }
    response = post_form(client, "/compte/", profile)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/ateliers/{workshop.id}"
    assert "Ville de Toul" in page_text(client.get(f"/ateliers/{workshop.id}"))


def test_ac_02_my_workshops_requires_sign_in(client: FlaskClient) -> None:
    response = client.get("/mes-ateliers")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion")


def test_registration_is_confirmed_with_a_snapshot_of_the_profile(
    client: FlaskClient, db: Session, workshop: Workshop
) -> None:
    user = make_user(
        db, organisation="Ville de Nancy", actor_profile="local_authority", territory="Meurthe-et-Moselle"
    )
    sign_in(client, user)

    form_page = page_text(client.get(f"/ateliers/{workshop.id}"))
    # What will be recorded is shown before registering, with a way to change it.
    assert "Ville de Nancy" in form_page
    assert "Collectivité territoriale ou groupement" in form_page
    assert "Meurthe-et-Moselle" in form_page
    assert 'href="/compte/' in form_page
    assert "M'inscrire à cet atelier" in form_page

    response = post_form(
        client, f"/ateliers/{workshop.id}/inscription", {"accessibility_needs": "Accès en fauteuil roulant"}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/mes-ateliers"
    row = registration_row(db, workshop, user)
    assert row is not None
    assert row.status == "confirmed"
    assert row.waitlist_position is None
    assert (row.organisation, row.actor_profile, row.territory) == (
        "Ville de Nancy",
        "local_authority",
        "Meurthe-et-Moselle",
    )
    assert row.accessibility_needs == "Accès en fauteuil roulant"
    mine = page_text(client.get("/mes-ateliers"))
    assert "Votre inscription à l'atelier « Atelier de Metz » est confirmée." in mine
    assert "Inscription confirmée" in mine

    # A later profile change does not rewrite the registration's snapshot.
    db.get(User, user.id).organisation = "Métropole du Grand Nancy"  # type: ignore[union-attr]
    db.commit()
    assert registration_row(db, workshop, user).organisation == "Ville de Nancy"  # type: ignore[union-attr]

    # Registered: the page shows the status and the cancel button instead of the form.
    workshop_page = page_text(client.get(f"/ateliers/{workshop.id}"))
    assert "Inscription confirmée" in workshop_page
    assert "Annuler mon inscription" in workshop_page
    assert "M'inscrire à cet atelier" not in workshop_page
    assert "Accès en fauteuil roulant" in workshop_page


def test_full_workshop_waitlists_with_the_position_shown(client: FlaskClient, db: Session) -> None:
    workshop = make_workshop(db, make_programme(db), title="Atelier complet", capacity=1)
    enrol(db, workshop, make_user(db))
    first_waiting = make_user(db)
    enrol(db, workshop, first_waiting)
    user = make_user(db)
    sign_in(client, user)

    form_page = page_text(client.get(f"/ateliers/{workshop.id}"))
    assert "Rejoindre la liste d'attente" in form_page
    # Simply full: no word of the person's profile.
    assert "Il n'y a plus de place disponible : en vous inscrivant" in form_page
    assert "pour votre profil" not in form_page

    response = post_form(client, f"/ateliers/{workshop.id}/inscription", {})

    assert response.status_code == 302
    assert response.headers["Location"] == "/mes-ateliers"
    row = registration_row(db, workshop, user)
    assert row is not None and row.status == "waitlisted"
    mine = page_text(client.get("/mes-ateliers"))
    assert "Liste d'attente" in mine
    assert "Vous êtes 2e sur la liste d'attente." in mine
    assert "Quitter la liste d'attente" in mine
    assert "vous êtes 3e" not in mine


def test_cancel_from_my_workshops_promotes_the_first_waitlisted_person(
    client: FlaskClient, db: Session
) -> None:
    workshop = make_workshop(db, make_programme(db), capacity=1)
    holder = make_user(db)
    first = make_user(db)
    second = make_user(db)
    seat = enrol(db, workshop, holder)
    enrol(db, workshop, first)
    enrol(db, workshop, second)
    sign_in(client, holder)

    response = post_form(client, f"/mes-ateliers/{seat.id}/annuler")

    assert response.status_code == 302
    assert response.headers["Location"] == "/mes-ateliers"
    assert registration_row(db, workshop, holder).status == "cancelled"  # type: ignore[union-attr]
    assert registration_row(db, workshop, first).status == "confirmed"  # type: ignore[union-attr]
    still_waiting = registration_row(db, workshop, second)
    assert still_waiting is not None and still_waiting.status == "waitlisted"
    assert registration_service.waitlist_position(db, still_waiting) == 1
    mine = page_text(client.get("/mes-ateliers"))
    assert f"Votre inscription à l'atelier « {workshop.title} » est annulée." in mine
    assert "Inscriptions annulées" in mine
    # The cancelled workshop's date is written out, as everywhere else.
    cancelled = mine[mine.index("Inscriptions annulées") :]
    with client.application.test_request_context():
        assert f"— {date_long(workshop.starts_at)}" in cancelled
    assert re.search(r"\d\d/\d\d/\d{4}", cancelled) is None


def test_leaving_the_waitlist_from_my_workshops(client: FlaskClient, db: Session) -> None:
    workshop = make_workshop(db, make_programme(db), capacity=1)
    enrol(db, workshop, make_user(db))
    user = make_user(db)
    waiting = enrol(db, workshop, user)
    sign_in(client, user)

    response = post_form(client, f"/mes-ateliers/{waiting.id}/annuler")

    assert response.status_code == 302
    assert registration_row(db, workshop, user).status == "cancelled"  # type: ignore[union-attr]
    assert "Vous avez quitté la liste d'attente" in page_text(client.get("/mes-ateliers"))


def test_quota_per_actor_profile_is_respected(client: FlaskClient, db: Session) -> None:
    workshop = make_workshop(db, make_programme(db), capacity=3)
    db.add(WorkshopQuota(workshop_id=workshop.id, actor_profile="association", seats=1))
    db.commit()
    enrol(db, workshop, make_user(db, actor_profile="association"))
    association_member = make_user(db, actor_profile="association")
    company_member = make_user(db, actor_profile="company")

    sign_in(client, association_member)
    page = page_text(client.get(f"/ateliers/{workshop.id}"))
    # Seats are left, but none for this profile: the page says so before registering.
    assert "2 places restantes" in page
    assert "Rejoindre la liste d'attente" in page
    assert "Il n'y a plus de place disponible pour votre profil" in page
    assert post_form(client, f"/ateliers/{workshop.id}/inscription").status_code == 302
    assert registration_row(db, workshop, association_member).status == "waitlisted"  # type: ignore[union-attr]

    other = client.application.test_client()
    sign_in(other, company_member)
    assert "M'inscrire à cet atelier" in page_text(other.get(f"/ateliers/{workshop.id}"))
    assert post_form(other, f"/ateliers/{workshop.id}/inscription").status_code == 302
    assert registration_row(db, workshop, company_member).status == "confirmed"  # type: ignore[union-attr]


def test_ac_04_someone_elses_registration_cannot_be_cancelled(
    client: FlaskClient, db: Session, workshop: Workshop, caplog: pytest.LogCaptureFixture
) -> None:
    owner = make_user(db)
    theirs = enrol(db, workshop, owner)
    intruder = make_user(db)
    enrol(db, workshop, intruder)
    sign_in(client, intruder)

    with caplog.at_level(logging.WARNING, logger="ateliers.security"):
        response = post_form(client, f"/mes-ateliers/{theirs.id}/annuler")
        missing = post_form(client, "/mes-ateliers/999999/annuler")

    assert response.status_code == 404
    assert missing.status_code == 404
    assert registration_row(db, workshop, owner).status == "confirmed"  # type: ignore[union-attr]
    assert registration_row(db, workshop, intruder).status == "confirmed"  # type: ignore[union-attr]
    denied = [record.getMessage() for record in caplog.records if "access denied" in record.getMessage()]
    assert any(f"object={theirs.id}" in message for message in denied)
    # Nor does their registration appear on the intruder's page.
    page = page_text(client.get("/mes-ateliers"))
    assert f"/mes-ateliers/{theirs.id}/annuler" not in page
    assert page.count("/annuler") == 1


def test_cs_01_cancel_without_csrf_token_changes_nothing(
    client: FlaskClient, db: Session, workshop: Workshop
) -> None:
    user = make_user(db)
    seat = enrol(db, workshop, user)
    sign_in(client, user)

    response = client.post(f"/mes-ateliers/{seat.id}/annuler")

    assert response.status_code == 400
    assert registration_row(db, workshop, user).status == "confirmed"  # type: ignore[union-attr]


def test_ac_12_cancellation_link_is_confirmed_by_post_and_single_use(
    client: FlaskClient, db: Session, app: Flask
) -> None:
    workshop = make_workshop(db, make_programme(db), title="Atelier du lien", capacity=1)
    user = make_user(db)
    seat = enrol(db, workshop, user)
    waiting = make_user(db)
    enrol(db, workshop, waiting)
    token = registration_service.cancel_token(seat, app.config["SECRET_KEY"])
    db.commit()

    # CS-02: opening the link only shows what would be cancelled.
    shown = client.get(f"/annulation/{token}")
    assert shown.status_code == 200
    assert "Atelier du lien" in page_text(shown)
    assert "Confirmer l'annulation" in page_text(shown)
    assert shown.headers["Cache-Control"] == "no-store"
    assert registration_row(db, workshop, user).status == "confirmed"  # type: ignore[union-attr]

    done = post_form(client, f"/annulation/{token}")
    assert done.status_code == 302
    assert registration_row(db, workshop, user).status == "cancelled"  # type: ignore[union-attr]
    assert registration_row(db, workshop, waiting).status == "confirmed"  # type: ignore[union-attr]

    # The link is spent: neither showing nor posting it again does anything.
    again = client.get(f"/annulation/{token}")
    assert again.status_code == 404
    assert "Ce lien d'annulation ne fonctionne plus" in page_text(again)
    assert post_form(client, f"/annulation/{token}").status_code == 404
    # Re-registering issues a new link; the old one still does not work.
    enrol(db, workshop, user)
    assert post_form(client, f"/annulation/{token}").status_code == 404
    assert registration_row(db, workshop, user).status == "waitlisted"  # type: ignore[union-attr]


def test_ac_12_forged_cancellation_links_are_refused(
    client: FlaskClient, db: Session, workshop: Workshop
) -> None:
    user = make_user(db)
    seat = enrol(db, workshop, user)

    for forged in (f"{seat.id}.{'0' * 64}", f"{seat.id}", "abc.def", f"{seat.id + 1}.deadbeef"):
        assert client.get(f"/annulation/{forged}").status_code == 404
        assert post_form(client, f"/annulation/{forged}").status_code == 404
    assert registration_row(db, workshop, user).status == "confirmed"  # type: ignore[union-attr]


def test_ac_12_cancellation_link_expires_when_the_workshop_starts(
    client: FlaskClient, db: Session, app: Flask
) -> None:
    start = dt.datetime.now(UTC) + dt.timedelta(days=1)
    workshop = make_workshop(db, make_programme(db), starts_at=start, ends_at=start + dt.timedelta(hours=2))
    user = make_user(db)
    seat = enrol(db, workshop, user)
    token = registration_service.cancel_token(seat, app.config["SECRET_KEY"])
    row = db.get(Workshop, workshop.id)
    assert row is not None
    row.starts_at = dt.datetime.now(UTC) - dt.timedelta(minutes=5)
    db.commit()

    shown = client.get(f"/annulation/{token}")
    assert shown.status_code == 410
    assert "L'atelier a déjà commencé" in page_text(shown)
    assert post_form(client, f"/annulation/{token}").status_code == 410
    assert registration_row(db, workshop, user).status == "confirmed"  # type: ignore[union-attr]


def test_cancelling_from_the_page_after_the_start_is_refused(client: FlaskClient, db: Session) -> None:
    start = dt.datetime.now(UTC) + dt.timedelta(days=1)
    workshop = make_workshop(db, make_programme(db), starts_at=start, ends_at=start + dt.timedelta(hours=2))
    user = make_user(db)
    seat = enrol(db, workshop, user)
    row = db.get(Workshop, workshop.id)
    assert row is not None
    row.starts_at = dt.datetime.now(UTC) - dt.timedelta(minutes=5)
    db.commit()
    sign_in(client, user)

    response = post_form(client, f"/mes-ateliers/{seat.id}/annuler")

    assert response.status_code == 302
    assert "a déjà commencé" in page_text(client.get("/mes-ateliers"))
    assert registration_row(db, workshop, user).status == "confirmed"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"registration_opens_at": "future"},
            "Les inscriptions ne sont pas encore ouvertes pour cet atelier.",
        ),
        ({"registration_closes_at": "past"}, "Les inscriptions sont closes pour cet atelier."),
        ({"starts_at": "past"}, "Cet atelier est terminé."),
    ],
)
def test_registration_outside_its_window_gives_a_clear_french_error(
    client: FlaskClient, db: Session, fields: dict[str, str], message: str
) -> None:
    now = dt.datetime.now(UTC)
    values: dict[str, object] = {}
    if fields.get("registration_opens_at") == "future":
        values["registration_opens_at"] = now + dt.timedelta(days=2)
    if fields.get("registration_closes_at") == "past":
        values["registration_closes_at"] = now - dt.timedelta(hours=1)
    if fields.get("starts_at") == "past":
        values["starts_at"] = now - dt.timedelta(days=3)
        values["ends_at"] = now - dt.timedelta(days=3, hours=-2)
    workshop = make_workshop(db, make_programme(db), **values)
    user = make_user(db)
    sign_in(client, user)

    # The page explains it and offers no form.
    assert "M'inscrire à cet atelier" not in page_text(client.get(f"/ateliers/{workshop.id}"))

    response = post_form(
        client, f"/ateliers/{workshop.id}/inscription", {"accessibility_needs": "Boucle magnétique"}
    )

    assert response.status_code == 409
    page = page_text(response)
    assert message in page
    assert 'role="alert"' in page
    assert "Boucle magnétique" in page  # the typed text is given back
    assert count_registrations(db) == 0


def test_registering_twice_is_refused_clearly(client: FlaskClient, db: Session, workshop: Workshop) -> None:
    user = make_user(db)
    enrol(db, workshop, user)
    sign_in(client, user)

    response = post_form(client, f"/ateliers/{workshop.id}/inscription", {})

    assert response.status_code == 409
    assert "Vous êtes déjà inscrit ou inscrite à cet atelier." in page_text(response)
    assert count_registrations(db) == 1


def test_registering_again_after_cancelling(client: FlaskClient, db: Session, workshop: Workshop) -> None:
    user = make_user(db)
    seat = enrol(db, workshop, user)
    registration_service.cancel(db, seat.id, actor=user)
    db.commit()
    sign_in(client, user)

    response = post_form(client, f"/ateliers/{workshop.id}/inscription", {})

    assert response.status_code == 302
    assert registration_row(db, workshop, user).status == "confirmed"  # type: ignore[union-attr]
    assert count_registrations(db) == 1


def test_gd_01_consents_are_separate_unticked_and_optional(
    client: FlaskClient, db: Session, workshop: Workshop, app: Flask
) -> None:
    user = make_user(db)
    sign_in(client, user)

    raw = client.get(f"/ateliers/{workshop.id}").get_data(as_text=True)
    for purpose in ("newsletter", "directory", "photos"):
        assert f'id="consent_{purpose}" name="consent_{purpose}" type="checkbox"' in raw
        tag_start = raw.index(f'id="consent_{purpose}"')
        tag = raw[raw.rindex("<input", 0, tag_start) : raw.index(">", tag_start)]
        assert "checked" not in tag
        assert "required" not in tag
    assert "Aucune case n'est obligatoire" in html.unescape(raw)

    response = post_form(client, f"/ateliers/{workshop.id}/inscription", {})

    assert response.status_code == 302
    assert registration_row(db, workshop, user).status == "confirmed"  # type: ignore[union-attr]
    assert db.scalars(sa.select(Consent)).all() == []


def test_gd_03_a_ticked_consent_is_recorded_with_the_notice_version(
    client: FlaskClient, db: Session, workshop: Workshop, app: Flask
) -> None:
    user = make_user(db)
    sign_in(client, user)

    response = post_form(client, f"/ateliers/{workshop.id}/inscription", {"consent_newsletter": "y"})

    assert response.status_code == 302
    consents = db.scalars(sa.select(Consent).where(Consent.user_id == user.id)).all()
    assert [(c.purpose, c.notice_version) for c in consents] == [("newsletter", app.config["NOTICE_VERSION"])]


def test_xs_01_accessibility_needs_come_back_as_text(
    client: FlaskClient, db: Session, workshop: Workshop
) -> None:
    user = make_user(db)
    sign_in(client, user)
    typed = "{{7*7}} <script>alert(1)</script>"

    assert (
        post_form(client, f"/ateliers/{workshop.id}/inscription", {"accessibility_needs": typed}).status_code
        == 302
    )

    assert registration_row(db, workshop, user).accessibility_needs == typed  # type: ignore[union-attr]
    raw = client.get(f"/ateliers/{workshop.id}").get_data(as_text=True)
    assert "{{7*7}} &lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "<script>alert(1)</script>" not in raw


def test_iv_01_too_long_accessibility_needs_keep_the_typed_text(
    client: FlaskClient, db: Session, workshop: Workshop
) -> None:
    user = make_user(db)
    sign_in(client, user)
    typed = "Besoin d'un interprète en LSF. " * 40  # over 1000 characters

    response = post_form(client, f"/ateliers/{workshop.id}/inscription", {"accessibility_needs": typed})

    assert response.status_code == 400
    page = page_text(response)
    assert "Ce texte ne doit pas dépasser 1000 caractères." in page
    assert typed.strip() in page
    assert 'aria-invalid="true"' in page
    assert count_registrations(db) == 0


def test_my_workshops_separates_upcoming_and_past_and_links_the_calendar(
    client: FlaskClient, db: Session
) -> None:
    programme = make_programme(db)
    upcoming = make_workshop(db, programme, title="Atelier de printemps")
    past_start = dt.datetime.now(UTC) - dt.timedelta(days=30)
    past = make_workshop(
        db,
        programme,
        title="Atelier d'automne",
        starts_at=past_start,
        ends_at=past_start + dt.timedelta(hours=3),
    )
    user = make_user(db)
    enrol(db, upcoming, user)
    enrol(db, past, user, ignore_window=True)
    sign_in(client, user)

    response = client.get("/mes-ateliers")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = page_text(response)
    upcoming_at = page.index("À venir")
    past_at = page.index("Ateliers passés")
    assert upcoming_at < page.index("Atelier de printemps") < past_at
    assert page.index("Atelier d'automne") > past_at
    assert f"/calendrier/{user.calendar_token}.ics" in page
    # The same calendar wording as on the account's calendar page.
    assert "Adresse secrète de votre calendrier" in page and "se mettent à jour d'eux-mêmes" in page
    assert "Télécharger une copie du calendrier (.ics)" in page
    assert "tout seuls" not in page and "Adresse de mon calendrier personnel" not in page


def test_rel_08_every_successful_post_answers_with_a_redirect(
    client: FlaskClient, db: Session, app: Flask, workshop: Workshop
) -> None:
    user = make_user(db)
    sign_in(client, user)

    registered = post_form(client, f"/ateliers/{workshop.id}/inscription", {})
    seat = registration_row(db, workshop, user)
    assert seat is not None
    cancelled = post_form(client, f"/mes-ateliers/{seat.id}/annuler")
    again = post_form(client, f"/ateliers/{workshop.id}/inscription", {})
    seat = registration_row(db, workshop, user)
    assert seat is not None
    token = registration_service.cancel_token(seat, app.config["SECRET_KEY"])
    by_link = post_form(client, f"/annulation/{token}")

    for response in (registered, cancelled, again, by_link):
        assert response.status_code in (302, 303)


def test_a_consent_already_given_is_not_asked_again(
    client: FlaskClient, db: Session, workshop: Workshop, app: Flask
) -> None:
    user = make_user(db)
    db.add(Consent(user_id=user.id, purpose="photos", notice_version=app.config["NOTICE_VERSION"]))
    db.commit()
    sign_in(client, user)

    page = page_text(client.get(f"/ateliers/{workshop.id}"))

    assert 'name="consent_photos"' not in page
    assert 'name="consent_newsletter"' in page
    assert "Vous avez déjà donné votre accord pour :" in page
    assert "Accepter d'être pris ou prise en photo pendant les ateliers" in page
    assert (
        post_form(client, f"/ateliers/{workshop.id}/inscription", {"consent_photos": "y"}).status_code == 302
    )
    fresh(db)
    assert len(db.scalars(sa.select(Consent).where(Consent.purpose == "photos")).all()) == 1
