"""The note space as pages and JSON: access rules, CSRF, escaping, conflicts, idempotent posts."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import Note
from tests.conftest import csrf_token, post_form
from tests.support.groups import fresh, sign_in, text
from tests.support.notes import Room, room, submission, write


def count_notes(db: Session) -> int:
    """Notes in the database, read afresh."""
    fresh(db)
    return int(db.scalar(sa.select(sa.func.count()).select_from(Note)) or 0)


def api_post(client: FlaskClient, url: str, payload: dict[str, Any], token: str | None = "") -> Any:
    """A JSON POST with the CSRF header (pass token=None to leave it out)."""
    headers = {}
    if token is not None:
        headers["X-CSRFToken"] = token or csrf_token(client)
    return client.post(url, json=payload, headers=headers)


def space_url(r: Room, index: int = 0) -> str:
    return f"/notes/sous-groupes/{r.groups[index].id}"


def test_the_space_shows_a_column_per_category_with_its_question(client: FlaskClient, db: Session) -> None:
    r = room(db)
    write(db, r.bob, r.groups[0], "Une coopérative d'habitants")
    sign_in(client, r.alice)
    page = text(client.get(space_url(r)))
    assert "Levier" in page and "Qu'est-ce qui a permis d'avancer, ou pourrait aider ?" in page
    assert "Pratique inspirante" in page and "Difficulté / obstacle" in page
    assert "Une coopérative d'habitants" in page
    assert "Ce que notre groupe retient" in page


def test_the_dashboard_lists_groups_for_facilitators(client: FlaskClient, db: Session) -> None:
    r = room(db)
    write(db, r.alice, r.groups[0], "Un levier")
    sign_in(client, r.facilitator)
    page = text(client.get(f"/gestion/ateliers/{r.workshop.id}/notes"))
    assert "Tableau de bord des notes" in page and "Sous-groupe 1" in page and "Sous-groupe 2" in page
    data = client.get(f"/api/gestion/ateliers/{r.workshop.id}/notes/tableau").get_json()
    assert [row["total"] for row in data["groups"]] == [1, 0]
    facilitator_space = text(client.get(space_url(r)))
    assert "Retenir pour la synthèse" in facilitator_space and "Masquer" in facilitator_space
