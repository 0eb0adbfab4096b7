"""Back office: a workshop's registrations (filters, manual add, promote, cancel), exports, check-in."""

from __future__ import annotations

import csv
import html
import io

import openpyxl
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import AuditLog, OutboxMessage, Programme, Registration, User, UserToken, Workshop
from tests.conftest import post_form
from tests.factories import make_programme, make_user, make_workshop


def sign_in(client: FlaskClient, user: User) -> None:
    """Open a session for `user` the way Flask-Login stores it (no password round trip)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def fresh(db: Session) -> None:
    """See what requests committed: end the test session's snapshot and forget loaded rows."""
    db.rollback()
    db.expire_all()


def text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def setup(db: Session, capacity: int = 10) -> tuple[User, Programme, Workshop]:
    facilitator = make_user(db, role="facilitator", first_name="Alex", last_name="Animateur")
    programme = make_programme(db, facilitators=[facilitator])
    workshop = make_workshop(db, programme, capacity=capacity, title="Atelier « Été » / Metz")
    return facilitator, programme, workshop


def seat(
    db: Session, workshop: Workshop, user: User, status: str = "confirmed", **fields: object
) -> Registration:
    registration = Registration(
        workshop_id=workshop.id,
        user_id=user.id,
        status=status,
        organisation=user.organisation,
        actor_profile=user.actor_profile,
        territory=user.territory,
        **fields,
    )
    if status == "waitlisted" and "waitlist_position" not in fields:
        workshop.waitlist_counter += 1
        registration.waitlist_position = workshop.waitlist_counter
    db.add(registration)
    db.commit()
    return registration


def rows(db: Session, model: type) -> int:
    fresh(db)
    return int(db.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


# --- Registrations page and filters ------------------------------------------------------------


def test_registrations_page_lists_people_and_filters_them(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db)
    lea = make_user(
        db,
        first_name="Léa",
        last_name="Durand",
        organisation="Mairie de Metz",
        actor_profile="local_authority",
    )
    omar = make_user(
        db, first_name="Omar", last_name="Benali", organisation="Asso Cœur", actor_profile="association"
    )
    ines = make_user(
        db,
        first_name="Inès",
        last_name="Roux",
        organisation="Mairie de Nancy",
        actor_profile="local_authority",
    )
    seat(db, workshop, lea, accessibility_needs="Boucle magnétique")
    seat(db, workshop, omar, status="waitlisted")
    seat(db, workshop, ines, status="cancelled")
    sign_in(client, facilitator)

    everything = text(client.get(f"/gestion/ateliers/{workshop.id}"))
    by_profile = text(client.get(f"/gestion/ateliers/{workshop.id}?profil=local_authority"))
    by_organisation = text(
        client.get(f"/gestion/ateliers/{workshop.id}?organisation=mairie de&statut=confirmed")
    )
    by_status = text(client.get(f"/gestion/ateliers/{workshop.id}?statut=waitlisted"))

    assert all(name in everything for name in ("Léa Durand", "Omar Benali", "Inès Roux"))
    assert "Boucle magnétique" in everything and "rang 1" in everything
    # The cancel link's hidden text needs no elision before a name (« de Inès », « de Élise »).
    assert '<span class="visually-hidden"> l\'inscription (Léa Durand)</span>' in everything
    assert "l'inscription de " not in everything
    assert "Léa Durand" in by_profile and "Inès Roux" in by_profile and "Omar Benali" not in by_profile
    assert "Léa Durand" in by_organisation and "Inès Roux" not in by_organisation
    assert "Omar Benali" in by_status and "Léa Durand" not in by_status


def test_unknown_filter_values_are_ignored(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db)
    seat(db, workshop, make_user(db, first_name="Léa", last_name="Durand"))
    sign_in(client, facilitator)

    response = client.get(f"/gestion/ateliers/{workshop.id}?profil=<script>&statut=nimporte")

    assert response.status_code == 200
    assert "Léa Durand" in text(response) and "<script>" not in response.get_data(as_text=True)


# --- Manual add --------------------------------------------------------------------------------


def test_rel_08_manual_add_of_an_existing_account_redirects_and_registers(
    client: FlaskClient, db: Session
) -> None:
    facilitator, _, workshop = setup(db)
    person = make_user(db, email="lea@exemple.fr", organisation="Mairie de Metz")
    sign_in(client, facilitator)

    response = post_form(
        client, f"/gestion/ateliers/{workshop.id}/inscriptions", {"ajout-email": "LEA@exemple.fr"}
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/gestion/ateliers/{workshop.id}")
    fresh(db)
    registration = db.scalars(sa.select(Registration)).one()
    assert (registration.user_id, registration.status, registration.source) == (
        person.id,
        "confirmed",
        "manual",
    )
    assert registration.organisation == "Mairie de Metz"
    assert db.scalars(sa.select(AuditLog).where(AuditLog.action == "registration.manual_add")).one()
    assert rows(db, UserToken) == 0


def test_manual_add_of_a_new_person_creates_an_invited_account(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db)
    sign_in(client, facilitator)

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/inscriptions",
        {
            "ajout-email": "nouvelle@exemple.fr",
            "ajout-first_name": "Nadia",
            "ajout-last_name": "Nouvelle",
            "ajout-organisation": "Tiers-lieu de Thionville",
            "ajout-actor_profile": "ess_enterprise",
            "ajout-territory": "Moselle",
        },
    )

    assert response.status_code == 302
    fresh(db)
    user = db.scalars(sa.select(User).where(User.email == "nouvelle@exemple.fr")).one()
    assert user.password_hash is None and user.actor_profile == "ess_enterprise"
    registration = db.scalars(sa.select(Registration).where(Registration.user_id == user.id)).one()
    assert registration.status == "confirmed" and registration.actor_profile == "ess_enterprise"
    assert db.scalars(
        sa.select(UserToken).where(UserToken.user_id == user.id, UserToken.kind == "invitation")
    ).one()
    invitations = db.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "invitation")).all()
    assert [message.recipient for message in invitations] == ["nouvelle@exemple.fr"]


def test_manual_add_of_a_new_person_needs_a_name_and_writes_nothing(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db)
    sign_in(client, facilitator)
    users_before = rows(db, User)

    response = post_form(
        client, f"/gestion/ateliers/{workshop.id}/inscriptions", {"ajout-email": "inconnue@exemple.fr"}
    )

    assert response.status_code == 400
    assert "Indiquez le prénom de la personne." in text(response)
    assert 'value="inconnue@exemple.fr"' in response.get_data(as_text=True)
    assert rows(db, User) == users_before and rows(db, Registration) == 0


def test_manual_add_when_full_goes_to_the_waitlist(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db, capacity=1)
    seat(db, workshop, make_user(db))
    person = make_user(db, email="attente@exemple.fr")
    sign_in(client, facilitator)

    post_form(client, f"/gestion/ateliers/{workshop.id}/inscriptions", {"ajout-email": "attente@exemple.fr"})

    fresh(db)
    added = db.scalars(sa.select(Registration).where(Registration.user_id == person.id)).one()
    assert added.status == "waitlisted"


def test_manual_add_refuses_someone_already_registered(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db)
    person = make_user(db, email="deja@exemple.fr")
    seat(db, workshop, person)
    sign_in(client, facilitator)

    response = post_form(
        client, f"/gestion/ateliers/{workshop.id}/inscriptions", {"ajout-email": "deja@exemple.fr"}
    )

    assert response.status_code == 400
    assert "Cette personne est déjà inscrite à cet atelier." in text(response)
    assert rows(db, Registration) == 1


# --- Promote and cancel ------------------------------------------------------------------------


def test_promote_from_the_waitlist_is_logged(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db, capacity=1)
    seat(db, workshop, make_user(db))
    waiting = seat(db, workshop, make_user(db), status="waitlisted")
    sign_in(client, facilitator)

    response = post_form(client, f"/gestion/ateliers/{workshop.id}/inscriptions/{waiting.id}/promouvoir")

    assert response.status_code == 302
    fresh(db)
    assert db.get(Registration, waiting.id).status == "confirmed"  # type: ignore[union-attr]
    entry = db.scalars(sa.select(AuditLog).where(AuditLog.action == "registration.promote")).one()
    assert (entry.actor_id, entry.object_id) == (facilitator.id, str(waiting.id))


def test_cancel_with_a_reason_is_logged_and_frees_the_seat(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db, capacity=1)
    confirmed = seat(db, workshop, make_user(db, first_name="Élise", last_name="Durand"))
    waiting = seat(db, workshop, make_user(db), status="waitlisted")
    sign_in(client, facilitator)
    confirm_page = client.get(f"/gestion/ateliers/{workshop.id}/inscriptions/{confirmed.id}/annuler")
    # A name is never glued to « de » (« de Élise »): French would elide it.
    assert confirm_page.status_code == 200 and "Annuler l'inscription : Élise Durand" in text(confirm_page)

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/inscriptions/{confirmed.id}/annuler",
        {"reason": "Doublon d'inscription"},
    )

    assert response.status_code == 302
    fresh(db)
    cancelled = db.get(Registration, confirmed.id)
    assert cancelled is not None and cancelled.status == "cancelled"
    assert cancelled.cancel_reason == "Doublon d'inscription"
    entry = db.scalars(sa.select(AuditLog).where(AuditLog.action == "registration.cancel")).one()
    assert entry.actor_id == facilitator.id and entry.details["reason"] == "Doublon d'inscription"
    assert db.get(Registration, waiting.id).status == "confirmed"  # type: ignore[union-attr]


def test_cancel_without_a_reason_is_refused_and_changes_nothing(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db)
    confirmed = seat(db, workshop, make_user(db))
    sign_in(client, facilitator)

    response = post_form(
        client, f"/gestion/ateliers/{workshop.id}/inscriptions/{confirmed.id}/annuler", {"reason": "   "}
    )

    assert response.status_code == 400
    assert "Ce champ est obligatoire." in text(response) or "Indiquez le motif" in text(response)
    fresh(db)
    assert db.get(Registration, confirmed.id).status == "confirmed"  # type: ignore[union-attr]
    assert rows(db, AuditLog) == 0


def test_a_registration_of_another_workshop_cannot_be_forged(client: FlaskClient, db: Session) -> None:
    facilitator, programme, workshop = setup(db)
    other_workshop = make_workshop(db, programme, title="Autre atelier")
    elsewhere = seat(db, other_workshop, make_user(db))
    sign_in(client, facilitator)

    response = post_form(
        client, f"/gestion/ateliers/{workshop.id}/inscriptions/{elsewhere.id}/annuler", {"reason": "Essai"}
    )

    assert response.status_code == 404
    fresh(db)
    assert db.get(Registration, elsewhere.id).status == "confirmed"  # type: ignore[union-attr]


# --- Exports -----------------------------------------------------------------------------------


def populated(db: Session) -> tuple[User, Workshop]:
    facilitator, _, workshop = setup(db)
    risky = make_user(
        db,
        first_name="Zoé",
        last_name="Formule",
        email="zoe@exemple.fr",
        organisation='=HYPERLINK("http://evil.example","clic")',
        actor_profile="company",
        territory="Metz, Moselle",
    )
    seat(db, workshop, risky, accessibility_needs='Fauteuil ; accès "PMR"\nplace au bord')
    seat(db, workshop, make_user(db, first_name="Omar", last_name="Attente"), status="waitlisted")
    return facilitator, workshop


def test_ex_07_csv_export_default_is_anonymous_bom_semicolon_and_formula_safe(
    client: FlaskClient, db: Session
) -> None:
    facilitator, workshop = populated(db)
    sign_in(client, facilitator)

    response = client.get(f"/gestion/ateliers/{workshop.id}/export.csv")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert table[0][:3] == ["Organisation", "Profil d'acteur", "Territoire"]
    assert "Nom" not in table[0] and "E-mail" not in table[0]
    assert b"zoe@exemple.fr" not in body and b"Formule" not in body
    assert table[1][0] == '\'=HYPERLINK("http://evil.example","clic")'
    assert table[1][2] == "Metz, Moselle"
    assert table[2][table[0].index("Rang en liste d'attente")] == "1"


def test_ex_02_named_export_with_commas_round_trips(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = populated(db)
    sign_in(client, facilitator)

    response = client.get(f"/gestion/ateliers/{workshop.id}/export.csv?nominatif=oui&separateur=virgule")

    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""), delimiter=","))
    header = table[0]
    zoe = next(row for row in table[1:] if row[header.index("E-mail")] == "zoe@exemple.fr")
    assert zoe[header.index("Nom")] == "Formule"
    assert zoe[header.index("Besoins d'accessibilité")] == 'Fauteuil ; accès "PMR"\nplace au bord'
    assert zoe[header.index("Territoire")] == "Metz, Moselle"


def test_ex_06_every_export_is_logged_without_content(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = populated(db)
    sign_in(client, facilitator)

    client.get(f"/gestion/ateliers/{workshop.id}/export.csv?nominatif=oui")
    client.get(f"/gestion/ateliers/{workshop.id}/export.xlsx")

    fresh(db)
    entries = db.scalars(
        sa.select(AuditLog).where(AuditLog.action == "export.registrations").order_by(AuditLog.id)
    ).all()
    assert [(entry.actor_id, entry.object_id) for entry in entries] == [
        (facilitator.id, str(workshop.id))
    ] * 2
    assert [entry.details["format"] for entry in entries] == ["csv", "xlsx"]
    assert [entry.details["named"] for entry in entries] == [True, False]
    assert "zoe@exemple.fr" not in str([entry.details for entry in entries])


def test_ex_03_xlsx_export_keeps_formula_text_as_text(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = populated(db)
    sign_in(client, facilitator)

    response = client.get(f"/gestion/ateliers/{workshop.id}/export.xlsx?nominatif=oui")

    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Cache-Control"] == "no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    organisation = sheet.cell(row=2, column=header.index("Organisation") + 1)
    assert organisation.value == '=HYPERLINK("http://evil.example","clic")'
    assert organisation.data_type == "s"
    rank = sheet.cell(row=3, column=header.index("Rang en liste d'attente") + 1)
    assert rank.value == 1 and rank.data_type == "n"


def test_ex_04_export_file_name_is_sanitised(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = populated(db)
    sign_in(client, facilitator)

    disposition = client.get(f"/gestion/ateliers/{workshop.id}/export.csv").headers["Content-Disposition"]

    assert disposition.startswith('attachment; filename="inscriptions-Atelier-')
    assert "filename*=UTF-8''inscriptions-Atelier-%C2%AB-%C3%89t%C3%A9-%C2%BB-Metz-" in disposition
    assert "/" not in disposition.split("filename*=", 1)[1]


# --- Check-in ----------------------------------------------------------------------------------


def test_checkin_marks_present_and_absent_and_returns_to_the_person(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db)
    lea = seat(db, workshop, make_user(db, first_name="Léa", last_name="Durand"))
    omar = seat(db, workshop, make_user(db, first_name="Omar", last_name="Benali"))
    sign_in(client, facilitator)

    present = post_form(
        client, f"/gestion/ateliers/{workshop.id}/pointage/{lea.id}", {"attendance": "present", "q": "Léa"}
    )
    absent = post_form(
        client, f"/gestion/ateliers/{workshop.id}/pointage/{omar.id}", {"attendance": "absent"}
    )

    assert present.status_code == 302
    assert present.headers["Location"].endswith(
        f"/gestion/ateliers/{workshop.id}/pointage?q=L%C3%A9a#r-{lea.id}"
    )
    assert absent.headers["Location"].endswith(f"/pointage#r-{omar.id}")
    fresh(db)
    marked = db.get(Registration, lea.id)
    assert marked is not None and marked.attendance == "present" and marked.checked_in_at is not None
    assert db.get(Registration, omar.id).attendance == "absent"  # type: ignore[union-attr]
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/pointage"))
    assert "Présences : 1 sur 2 attendues" in page


def test_checkin_search_filters_by_name(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db)
    seat(db, workshop, make_user(db, first_name="Léa", last_name="Durand"))
    seat(db, workshop, make_user(db, first_name="Omar", last_name="Benali"))
    sign_in(client, facilitator)

    page = text(client.get(f"/gestion/ateliers/{workshop.id}/pointage?q=dura"))

    assert "Léa Durand" in page and "Omar Benali" not in page


def test_checkin_refuses_an_unknown_attendance_value(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db)
    lea = seat(db, workshop, make_user(db))
    sign_in(client, facilitator)

    response = post_form(
        client, f"/gestion/ateliers/{workshop.id}/pointage/{lea.id}", {"attendance": "peut-être"}
    )

    assert response.status_code == 400
    fresh(db)
    assert db.get(Registration, lea.id).attendance == "unknown"  # type: ignore[union-attr]


def test_a_waitlisted_person_who_came_gets_a_seat(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db, capacity=1)
    seat(db, workshop, make_user(db))
    waiting = seat(db, workshop, make_user(db), status="waitlisted")
    sign_in(client, facilitator)

    post_form(client, f"/gestion/ateliers/{workshop.id}/pointage/{waiting.id}", {"attendance": "present"})

    fresh(db)
    came = db.get(Registration, waiting.id)
    assert came is not None and (came.status, came.attendance) == ("confirmed", "present")


def test_walk_in_past_capacity_is_confirmed_and_present(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db, capacity=1)
    seat(db, workshop, make_user(db))
    sign_in(client, facilitator)

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/pointage/sur-place",
        {
            "email": "",
            "first_name": "Sam",
            "last_name": "Surplace",
            "organisation": "CCAS",
            "actor_profile": "local_authority",
        },
    )

    assert response.status_code == 302
    fresh(db)
    user = db.scalars(sa.select(User).where(User.last_name == "Surplace")).one()
    assert user.email is None and user.password_hash is None
    walk_in = db.scalars(sa.select(Registration).where(Registration.user_id == user.id)).one()
    assert (walk_in.status, walk_in.attendance, walk_in.walk_in) == ("confirmed", "present", True)
    assert walk_in.actor_profile == "local_authority"
    assert response.headers["Location"].endswith(f"#r-{walk_in.id}")
    confirmed = db.scalar(
        sa.select(sa.func.count()).where(
            Registration.workshop_id == workshop.id, Registration.status == "confirmed"
        )
    )
    assert confirmed == 2


def test_walk_in_with_the_email_of_an_existing_account_uses_it(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db)
    person = make_user(db, email="habituee@exemple.fr")
    sign_in(client, facilitator)

    post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/pointage/sur-place",
        {"email": "habituee@exemple.fr", "actor_profile": "other"},
    )

    fresh(db)
    walk_in = db.scalars(sa.select(Registration)).one()
    assert walk_in.user_id == person.id and walk_in.attendance == "present"
    assert rows(db, User) == 2


def test_walk_in_without_a_name_is_refused_in_french(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db)
    sign_in(client, facilitator)

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/pointage/sur-place",
        {"organisation": "CCAS", "actor_profile": "other"},
    )

    assert response.status_code == 400
    assert "Indiquez le prénom de la personne." in text(response)
    assert 'value="CCAS"' in response.get_data(as_text=True)
    assert rows(db, Registration) == 0


def test_manual_add_refuses_a_deactivated_account(client: FlaskClient, db: Session) -> None:
    facilitator, _, workshop = setup(db)
    make_user(db, email="partie@exemple.fr", is_active_account=False)
    sign_in(client, facilitator)

    response = post_form(
        client, f"/gestion/ateliers/{workshop.id}/inscriptions", {"ajout-email": "partie@exemple.fr"}
    )

    assert response.status_code == 400
    assert "Le compte associé à cette adresse est désactivé." in text(response)
    assert rows(db, Registration) == 0


def test_xs_01_names_and_organisations_are_escaped_in_the_back_office(
    client: FlaskClient, db: Session
) -> None:
    facilitator, _, workshop = setup(db)
    seat(db, workshop, make_user(db, first_name="<script>alert(1)</script>", organisation="{{7*7}}"))
    sign_in(client, facilitator)

    for url in (f"/gestion/ateliers/{workshop.id}", f"/gestion/ateliers/{workshop.id}/pointage"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert "{{7*7}}" in body and ">49<" not in body
