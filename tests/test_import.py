"""CSV import of participants: preview writes nothing, confirm applies everything or nothing."""

from __future__ import annotations

import base64
import html
import io
import re

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import AuditLog, OutboxMessage, Registration, User, UserToken, Workshop
from app.services import imports
from tests.conftest import post_form
from tests.factories import make_programme, make_user, make_workshop

HEADER = "email;prenom;nom;organisation;profil;territoire;fonction\n"


def sign_in(client: FlaskClient, user: User) -> None:
    """Open a session for `user` the way Flask-Login stores it (no password round trip)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def setup(db: Session, capacity: int = 10) -> tuple[User, Workshop]:
    facilitator = make_user(db, role="facilitator")
    programme = make_programme(db, facilitators=[facilitator])
    return facilitator, make_workshop(db, programme, capacity=capacity)


def upload(client: FlaskClient, workshop: Workshop, content: bytes, filename: str = "participants.csv"):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/import",
        {"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def confirm(client: FlaskClient, workshop: Workshop, content: bytes):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/import/confirmer",
        {"content": base64.b64encode(content).decode("ascii")},
    )


def snapshot(db: Session) -> tuple[int, ...]:
    """Row counts of every table an import could write to."""
    db.rollback()
    db.expire_all()
    return tuple(
        int(db.scalar(sa.select(sa.func.count()).select_from(model)) or 0)
        for model in (User, Registration, OutboxMessage, UserToken, AuditLog)
    )


def page(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


VALID = (
    "\ufeff"
    + HEADER
    + "nadia.nouvelle@exemple.fr;Nadia;Nouvelle;Tiers-lieu de Thionville;ess_enterprise;Moselle;"
    + "Coordinatrice\n"
    + "LEA@exemple.fr;Léa;Durand;Mairie de Metz;Collectivité territoriale ou groupement;Moselle;\n"
    + "deja@exemple.fr;Déjà;Inscrite;Asso;association;Vosges;\n"
    + "paul.nouveau@exemple.fr;Paul;Nouveau;;Entreprise de l'ESS;;\n"
).encode()


def arrange_valid(db: Session, capacity: int = 10) -> tuple[User, Workshop, User, User]:
    facilitator, workshop = setup(db, capacity)
    lea = make_user(db, email="lea@exemple.fr", organisation="Mairie de Metz (compte)")
    already = make_user(db, email="deja@exemple.fr")
    db.add(Registration(workshop_id=workshop.id, user_id=already.id, status="confirmed"))
    db.commit()
    return facilitator, workshop, lea, already


def test_valid_file_preview_shows_outcomes_and_writes_nothing(client: FlaskClient, db: Session) -> None:
    facilitator, workshop, _, _ = arrange_valid(db)
    sign_in(client, facilitator)
    before = snapshot(db)

    response = upload(client, workshop, VALID)

    text = page(response)
    assert response.status_code == 200
    assert "Nouveaux comptes (invitation envoyée) : 2" in text
    assert "Comptes existants : 1" in text
    assert "Déjà inscrites ou inscrits, lignes ignorées : 1" in text
    assert "Nouveau compte : une invitation sera envoyée" in text
    assert "Confirmer l'import de 3 personnes" in text
    assert snapshot(db) == before


def test_confirm_creates_accounts_registrations_and_invitations(client: FlaskClient, db: Session) -> None:
    facilitator, workshop, lea, already = arrange_valid(db)
    sign_in(client, facilitator)
    preview = upload(client, workshop, VALID).get_data(as_text=True)
    content = re.search(r'name="content" type="hidden" value="([^"]+)"', preview)
    assert content is not None

    response = post_form(
        client, f"/gestion/ateliers/{workshop.id}/import/confirmer", {"content": content.group(1)}
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/gestion/ateliers/{workshop.id}")
    db.rollback()
    db.expire_all()
    nadia = db.scalars(sa.select(User).where(User.email == "nadia.nouvelle@exemple.fr")).one()
    assert (nadia.first_name, nadia.actor_profile, nadia.job_title) == (
        "Nadia",
        "ess_enterprise",
        "Coordinatrice",
    )
    assert nadia.password_hash is None
    paul = db.scalars(sa.select(User).where(User.email == "paul.nouveau@exemple.fr")).one()
    assert paul.actor_profile == "ess_enterprise"
    registrations = {
        reg.user_id: reg
        for reg in db.scalars(sa.select(Registration).where(Registration.workshop_id == workshop.id))
    }
    assert set(registrations) == {nadia.id, paul.id, lea.id, already.id}
    assert registrations[lea.id].source == "import" and registrations[lea.id].status == "confirmed"
    # An existing account keeps its own profile: the file does not rewrite it.
    assert registrations[lea.id].organisation == "Mairie de Metz (compte)"
    invited = db.scalars(sa.select(OutboxMessage.recipient).where(OutboxMessage.kind == "invitation")).all()
    assert sorted(invited) == ["nadia.nouvelle@exemple.fr", "paul.nouveau@exemple.fr"]
    assert (
        db.scalar(sa.select(sa.func.count()).select_from(UserToken).where(UserToken.kind == "invitation"))
        == 2
    )
    entry = db.scalars(sa.select(AuditLog).where(AuditLog.action == "registration.import")).one()
    assert entry.details["accounts_created"] == 2 and entry.details["skipped"] == 1


def test_import_past_capacity_waitlists_the_rest_in_file_order(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = setup(db, capacity=1)
    sign_in(client, facilitator)
    content = (HEADER + "a@exemple.fr;Ana;Un;;;;\nb@exemple.fr;Ben;Deux;;;;\n").encode()

    response = confirm(client, workshop, content)

    assert response.status_code == 302
    db.rollback()
    db.expire_all()
    statuses = dict(
        db.execute(
            sa.select(User.email, Registration.status).join(Registration, Registration.user_id == User.id)
        ).all()
    )
    assert statuses == {"a@exemple.fr": "confirmed", "b@exemple.fr": "waitlisted"}


def test_comma_separated_file_without_bom_is_detected(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = setup(db)
    sign_in(client, facilitator)
    content = (
        'E-mail,Prénom,Nom,Organisation,Profil d\'acteur\nana@exemple.fr,Ana,Un,"Metz, ville",Association\n'
    )

    response = upload(client, workshop, content.encode())

    text = page(response)
    assert response.status_code == 200
    assert "Metz, ville" in text and "Nouveaux comptes (invitation envoyée) : 1" in text


def test_malformed_csv_gets_a_french_error_and_writes_nothing(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = setup(db)
    sign_in(client, facilitator)
    before = snapshot(db)
    content = (HEADER + 'ana@exemple.fr;Ana;"Un;Asso;;;\nben@exemple.fr;Ben;Deux;;;;\n').encode()

    preview = upload(client, workshop, content)
    applied = confirm(client, workshop, content)

    assert preview.status_code == 422 and applied.status_code == 422
    assert "Le fichier CSV est mal formé" in page(preview)
    assert "rien n'a été importé" in page(applied)
    assert snapshot(db) == before


def test_unknown_profile_bad_email_oversized_field_and_duplicate_are_reported_by_line(
    client: FlaskClient, db: Session
) -> None:
    facilitator, workshop = setup(db)
    sign_in(client, facilitator)
    before = snapshot(db)
    content = (
        HEADER
        + "ok@exemple.fr;Ana;Un;;association;;\n"
        + "ben@exemple.fr;Ben;Deux;;astronaute;;\n"
        + "pas-une-adresse;Chloé;Trois;;;;\n"
        + f"dan@exemple.fr;Dan;{'x' * 81};;;;\n"
        + "OK@exemple.fr;Ana;Bis;;;;\n"
        + ";Eve;Sansmail;;;;\n"
    ).encode()

    preview = upload(client, workshop, content)
    applied = confirm(client, workshop, content)

    text = page(preview)
    assert preview.status_code == 422
    assert "Ligne 3, colonne « profil » : Profil d'acteur inconnu « astronaute »" in text
    assert "Ligne 4, colonne « email » : Adresse e-mail invalide." in text
    assert "Ligne 5, colonne « nom » : Valeur trop longue (80 caractères au plus)." in text
    assert "Ligne 6, colonne « email » : Ligne en double : cette adresse figure déjà ligne 2." in text
    assert "Ligne 7, colonne « email » : Valeur manquante." in text
    assert "Confirmer l'import" not in text
    assert applied.status_code == 422
    assert snapshot(db) == before


def test_missing_required_column_is_reported(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = setup(db)
    sign_in(client, facilitator)

    response = upload(client, workshop, b"email;nom;telephone\nana@exemple.fr;Un;0600000000\n")

    text = page(response)
    assert response.status_code == 422
    assert "Colonne obligatoire manquante : « prenom »." in text
    assert "Colonnes ignorées : telephone." in text


def test_file_not_in_utf8_is_refused_in_french(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = setup(db)
    sign_in(client, facilitator)

    response = upload(client, workshop, (HEADER + "ana@exemple.fr;Anaïs;Un;;;;\n").encode("cp1252"))

    assert response.status_code == 422
    assert "n'est pas encodé en UTF-8" in page(response)


def test_oversized_file_is_refused(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = setup(db)
    sign_in(client, facilitator)
    line = "ana@exemple.fr;Ana;Un;" + "x" * 150 + ";;;\n"
    content = (HEADER + line * (imports.MAX_BYTES // len(line) + 1)).encode()

    response = upload(client, workshop, content)

    assert response.status_code == 422
    assert "Le fichier dépasse 512 Ko." in page(response)


def test_upload_without_a_file_or_with_another_type_is_refused(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = setup(db)
    sign_in(client, facilitator)

    missing = post_form(
        client, f"/gestion/ateliers/{workshop.id}/import", {}, content_type="multipart/form-data"
    )
    wrong = upload(client, workshop, b"%PDF-1.4", filename="liste.pdf")

    assert missing.status_code == 400 and "Choisissez un fichier." in page(missing)
    assert wrong.status_code == 400 and "Le fichier doit être au format CSV (.csv)." in page(wrong)


def test_confirm_with_garbage_content_writes_nothing(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = setup(db)
    sign_in(client, facilitator)
    before = snapshot(db)

    response = post_form(
        client, f"/gestion/ateliers/{workshop.id}/import/confirmer", {"content": "%%% pas du base64"}
    )

    assert response.status_code == 400
    assert snapshot(db) == before


def test_template_csv_is_downloadable_and_importable(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = setup(db)
    sign_in(client, facilitator)

    template = client.get("/gestion/import/modele.csv")

    assert template.status_code == 200
    assert template.headers["Content-Disposition"].startswith("attachment;")
    assert template.data.startswith(b"\xef\xbb\xbfemail;prenom;nom;organisation;profil;territoire;fonction")
    assert upload(client, workshop, template.data).status_code == 200


def test_import_page_documents_the_columns(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = setup(db)
    sign_in(client, facilitator)

    text = page(client.get(f"/gestion/ateliers/{workshop.id}/import"))

    for column in imports.COLUMNS:
        assert f"<code>{column}</code>" in text
    assert "local_authority" in text
