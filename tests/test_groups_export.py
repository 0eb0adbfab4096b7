"""The groups on paper and in spreadsheets: print view, CSV and XLSX (EX-01..EX-07)."""

from __future__ import annotations

import csv
import io

import openpyxl
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import AuditLog, Registration, User, Workshop
from tests.support.groups import FAST, fresh, generate, people, sign_in, team, text


def grouped(client: FlaskClient, db: Session) -> tuple[User, Workshop, list[User]]:
    """Eight people in two groups, one organisation written like a spreadsheet formula."""
    facilitator, workshop = team(db, title="Atelier « Été » / Metz")
    everyone = people(db, workshop, 8)
    registration = db.scalars(sa.select(Registration).where(Registration.user_id == everyone[0].id)).one()
    registration.organisation = '=HYPERLINK("http://evil.example","clic")'
    db.commit()
    sign_in(client, facilitator)
    assert generate(client, db, workshop, min_size=4, max_size=4, **FAST).status_code == 302
    return facilitator, workshop, everyone


def test_csv_export_without_names_is_formula_safe_and_logged(client: FlaskClient, db: Session) -> None:
    facilitator, workshop, everyone = grouped(client, db)

    response = client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes/export.csv")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''sous-groupes-Atelier" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Rotation",
        "Sous-groupe",
        "Table",
        "Organisation",
        "Profil d'acteur",
        "Territoire",
        "Rôle",
        "Publication",
    ]
    assert len(rows) == 1 + 8
    organisations = [row[3] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example","clic")' in organisations, "EX-01: neutralised"
    body = raw.decode("utf-8-sig")
    assert not any(user.last_name in body for user in everyone), "no names by default (EX-05)"
    fresh(db)
    entry = db.scalars(sa.select(AuditLog).where(AuditLog.action == "export.groups")).one()
    assert entry.actor_id == facilitator.id and entry.details == {"format": "csv", "named": False, "rows": 8}


def test_named_csv_with_commas_and_xlsx_keep_text_as_text(client: FlaskClient, db: Session) -> None:
    _facilitator, workshop, everyone = grouped(client, db)

    named = client.get(
        f"/gestion/ateliers/{workshop.id}/sous-groupes/export.csv?nominatif=oui&separateur=virgule"
    )

    rows = list(csv.reader(io.StringIO(named.get_data().decode("utf-8-sig")), delimiter=","))
    assert rows[0][3:5] == ["Nom", "Prénom"]
    assert {row[3] for row in rows[1:]} == {user.last_name for user in everyone}

    response = client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    formula = next(cell for cell in cells if str(cell.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s", "EX-03: text, never a formula"
    assert sheet.cell(row=2, column=1).value == 1, "numbers stay numbers"


def test_print_view_lists_the_groups_with_names(client: FlaskClient, db: Session) -> None:
    _facilitator, workshop, everyone = grouped(client, db)

    response = client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes/impression")

    assert response.status_code == 200
    body = text(response)
    assert "Sous-groupe 1" in body and "Sous-groupe 2" in body
    assert all(user.full_name in body for user in everyone)
    assert "commande « Imprimer »" in body
