"""Public pages: home, catalogue, programme and workshop pages, accessibility and privacy statements."""

from __future__ import annotations

import datetime as dt
import html

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.services import registration
from tests.factories import make_programme, make_user, make_workshop

UTC = dt.UTC


def _fill(db: Session, workshop_id: int, count: int) -> None:
    """Register `count` new people in a workshop through the service."""
    for _ in range(count):
        registration.register(db, workshop_id, make_user(db))
    db.commit()


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def test_home_page_is_french_and_lists_open_programmes(client: FlaskClient, db: Session) -> None:
    current = make_programme(db, title="Hybrider son modèle socio-économique territorial")
    make_workshop(db, current)
    over = make_programme(db, title="Parcours terminé en 2025")
    past = dt.datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
    make_workshop(db, over, starts_at=past, ends_at=past + dt.timedelta(hours=3))
    hidden = make_programme(db, title="Parcours sur invitation", visibility="link_only")
    make_workshop(db, hidden)

    response = client.get("/")

    assert response.status_code == 200
    page = _text(response)
    assert '<html lang="fr">' in page
    assert "Ateliers de partage entre pairs" in page
    assert "Vous animez" in page
    assert "Hybrider son modèle socio-économique territorial" in page
    assert "Parcours terminé en 2025" not in page
    assert "Parcours sur invitation" not in page


def test_programmes_page_lists_public_programmes_only(client: FlaskClient, db: Session) -> None:
    current = make_programme(db, title="Coopérer entre territoires")
    make_workshop(db, current)
    over = make_programme(db, title="Parcours de l'an dernier")
    past = dt.datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
    make_workshop(db, over, starts_at=past, ends_at=past + dt.timedelta(hours=3))
    make_programme(db, title="Parcours sur invitation", visibility="link_only")

    page = _text(client.get("/parcours"))

    assert "Coopérer entre territoires" in page
    assert "Parcours terminés" in page
    assert "Parcours de l'an dernier" in page
    assert "Parcours sur invitation" not in page


def test_programme_page_lists_workshops_with_french_dates_and_seats_left(
    client: FlaskClient, db: Session
) -> None:
    programme = make_programme(
        db,
        title="Hybrider son modèle",
        description="Premier paragraphe.\n\nDeuxième paragraphe.",
        start_date=dt.date(2049, 1, 15),
        end_date=dt.date(2049, 6, 30),
    )
    # 13:30 UTC in early March is 14:30 in Paris (UTC+1). Far ahead: the seats left are shown only
    # while the workshop is to come (a date in 2027 would have failed from March 2027 on).
    start = dt.datetime(2049, 3, 4, 13, 30, tzinfo=UTC)
    in_person = make_workshop(
        db,
        programme,
        title="Atelier à Metz",
        capacity=10,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
    )
    make_workshop(
        db,
        programme,
        title="Webinaire de lancement",
        format="webinar",
        place="",
        online_url="https://visio.exemple.fr/salle",
        starts_at=start - dt.timedelta(days=30),
        ends_at=start - dt.timedelta(days=30, hours=-1),
    )
    _fill(db, in_person.id, 3)

    response = client.get(f"/parcours/{programme.slug}")

    assert response.status_code == 200
    page = _text(response)
    assert "<h1>Hybrider son modèle</h1>" in page
    assert "Du 15 janvier 2049 au 30 juin 2049" in page
    assert "Région Grand Est" in page
    assert "Deuxième paragraphe." in page
    assert "jeudi 4 mars 2049, 14 h 30 à 17 h 30" in page
    assert "Atelier de partage entre pairs" in page
    assert "Hôtel de Région, Metz" in page
    assert "7 places restantes" in page
    assert "Webinaire" in page
    assert "En ligne" in page
    # The meeting link is for registered people only.
    assert "visio.exemple.fr" not in page
    assert f'href="/ateliers/{in_person.id}"' in page
    # Workshops in chronological order.
    assert page.index("Webinaire de lancement") < page.index("Atelier à Metz")


def test_full_workshop_shows_waitlist_badge_with_its_length(client: FlaskClient, db: Session) -> None:
    programme = make_programme(db)
    workshop = make_workshop(db, programme, capacity=2)
    _fill(db, workshop.id, 5)

    programme_page = _text(client.get(f"/parcours/{programme.slug}"))
    workshop_page = _text(client.get(f"/ateliers/{workshop.id}"))

    assert "Complet : 2 places, 3 personnes en liste d'attente" in workshop_page
    assert "sur 2 places" not in workshop_page
    assert "Complet : 3 personnes en liste d'attente" in programme_page
    assert "Rejoindre la liste d'attente" in programme_page


def test_full_workshop_without_waitlist_gives_its_capacity(client: FlaskClient, db: Session) -> None:
    workshop = make_workshop(db, make_programme(db), capacity=1)
    _fill(db, workshop.id, 1)

    page = _text(client.get(f"/ateliers/{workshop.id}"))

    assert "Complet : 1 place<" in page
    assert "liste d'attente<" not in page


def test_registration_window_state_is_shown(client: FlaskClient, db: Session) -> None:
    now = dt.datetime.now(UTC)
    programme = make_programme(db)
    make_workshop(db, programme, title="Pas encore", registration_opens_at=now + dt.timedelta(days=3))
    make_workshop(db, programme, title="Clos", registration_closes_at=now - dt.timedelta(hours=1))
    make_workshop(db, programme, title="Ouvert", registration_closes_at=now + dt.timedelta(days=5))
    past = now - dt.timedelta(days=10)
    make_workshop(db, programme, title="Passé", starts_at=past, ends_at=past + dt.timedelta(hours=2))

    page = _text(client.get(f"/parcours/{programme.slug}"))

    assert "Inscriptions ouvertes à partir du" in page
    assert "Les inscriptions sont closes." in page
    assert "Inscriptions ouvertes jusqu'au" in page
    assert "Cet atelier est terminé." in page
    assert "Atelier terminé" in page


def test_link_only_programme_answers_404_without_its_key(client: FlaskClient, db: Session) -> None:
    programme = make_programme(db, title="Parcours confidentiel", visibility="link_only")
    workshop = make_workshop(db, programme, title="Atelier confidentiel")

    assert client.get(f"/parcours/{programme.slug}").status_code == 404
    assert client.get(f"/parcours/{programme.slug}?cle=mauvaise-cle").status_code == 404
    assert client.get(f"/parcours/{programme.slug}?cle={programme.link_token[:-1]}").status_code == 404
    assert client.get(f"/ateliers/{workshop.id}").status_code == 404

    response = client.get(f"/parcours/{programme.slug}?cle={programme.link_token}")
    assert response.status_code == 200
    page = _text(response)
    assert "Parcours confidentiel" in page
    assert "noindex" in page
    assert response.headers["Cache-Control"] == "no-store"
    # The workshop link carries the key so that the workshop page opens too.
    assert f"/ateliers/{workshop.id}?cle={programme.link_token}" in page
    workshop_page = client.get(f"/ateliers/{workshop.id}?cle={programme.link_token}")
    assert workshop_page.status_code == 200
    assert "Atelier confidentiel" in _text(workshop_page)


def test_unknown_programme_and_workshop_answer_404(client: FlaskClient) -> None:
    assert client.get("/parcours/nexiste-pas").status_code == 404
    assert client.get("/ateliers/999999").status_code == 404


def test_workshop_page_invites_anonymous_visitors_to_sign_in(client: FlaskClient, db: Session) -> None:
    programme = make_programme(db)
    workshop = make_workshop(db, programme, title="Atelier ouvert")

    response = client.get(f"/ateliers/{workshop.id}")

    assert response.status_code == 200
    page = _text(response)
    assert "<h1>Atelier ouvert</h1>" in page
    assert "Se connecter pour s'inscrire" in page
    assert f"/connexion?next=/ateliers/{workshop.id}" in page
    assert "10 places restantes" in page
    # No registration form for anonymous visitors.
    assert f"/ateliers/{workshop.id}/inscription" not in page


def test_xs_01_programme_and_workshop_text_is_escaped(client: FlaskClient, db: Session) -> None:
    programme = make_programme(db, title="<script>alert(1)</script> {{7*7}}", description="<b>gras</b>")
    workshop = make_workshop(db, programme, title="<img src=x onerror=alert(1)>")

    for url in ("/", "/parcours", f"/parcours/{programme.slug}", f"/ateliers/{workshop.id}"):
        raw = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in raw
        assert "<img src=x" not in raw
        assert "<b>gras</b>" not in raw
    raw = client.get(f"/parcours/{programme.slug}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{7*7}}" in raw


def test_accessibility_statement(client: FlaskClient) -> None:
    response = client.get("/accessibilite")

    assert response.status_code == 200
    page = _text(response)
    assert "<h1>Déclaration d'accessibilité</h1>" in page
    assert "partiellement conforme" in page
    assert "RGAA" in page and "4.1" in page
    assert "axe-core" in page
    assert "clavier" in page
    assert "320 pixels" in page
    assert "Défenseur des droits" in page
    assert "Voies de recours" in page


def test_gd_10_privacy_notice(client: FlaskClient, app: Flask) -> None:
    response = client.get("/donnees-personnelles")

    assert response.status_code == 200
    page = _text(response)
    assert "<h1>Données personnelles</h1>" in page
    assert f"Version de cette notice : {app.config['NOTICE_VERSION']}" in page
    for expected in (
        "Responsable du traitement",
        "Base légale",
        "Besoins d'accessibilité",
        "photographie de votre organisation",
        "Durées de conservation",
        "Télécharger mes données",
        "suppression du compte",
        "cookie de session",
        "cookie de langue",
        "Aucun traceur",
        "CNIL",
    ):
        assert expected in page, expected


def test_footer_links_to_accessibility_and_privacy_on_every_public_page(
    client: FlaskClient, db: Session
) -> None:
    programme = make_programme(db)
    workshop = make_workshop(db, programme)
    for url in ("/", "/parcours", f"/parcours/{programme.slug}", f"/ateliers/{workshop.id}"):
        page = client.get(url).get_data(as_text=True)
        assert 'href="/accessibilite"' in page
        assert 'href="/donnees-personnelles"' in page
