"""The note space as pages and JSON: access rules, CSRF, escaping, conflicts, idempotent posts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import AuditLog, GroupFeed, Note
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


def test_the_dashboard_dates_the_last_activity(client: FlaskClient, db: Session) -> None:
    r = room(db)
    write(db, r.alice, r.groups[0], "Un levier")
    feed = db.get(GroupFeed, r.groups[0].id)
    assert feed is not None
    feed.last_activity_at = dt.datetime(2026, 12, 18, 0, 58, tzinfo=dt.UTC)  # 1 h 58 in Paris
    db.commit()
    sign_in(client, r.facilitator)

    page = text(client.get(f"/gestion/ateliers/{r.workshop.id}/notes"))

    # A bare « 1 h 58 » would read like a duration: the date comes with it (dashboard.js says
    # « à 1 h 58 » instead when it is today, from the strings below).
    cells = re.findall(r"<td data-last[^>]*>([^<]*)</td>", page)
    assert cells == ["18/12/2026 à 1 h 58", "aucune"]
    assert 'data-at="2026-12-18T00:58:00+00:00"' in page
    assert 'data-msg-today-at="à __TIME__"' in page
    assert 'data-msg-date-at="__DATE__ à __TIME__"' in page


def test_adding_a_note_without_javascript_redirects_and_says_saved(client: FlaskClient, db: Session) -> None:
    r = room(db)
    sign_in(client, r.alice)
    response = post_form(
        client,
        f"{space_url(r)}/ajouter",
        {"category": "lever", "text": "Un fonds de dotation\nterritorial", "submission_id": submission()},
    )
    assert response.status_code == 302 and "#note-" in response.headers["Location"]
    page = text(client.get(response.headers["Location"]))
    assert "Enregistré" in page and "Un fonds de dotation\nterritorial" in page
    assert count_notes(db) == 1


def test_rel_11_a_refused_note_keeps_its_text_and_announces_the_error(
    client: FlaskClient, db: Session
) -> None:
    r = room(db)
    sign_in(client, r.alice)
    long_text = "Trop long. " * 200
    response = post_form(
        client,
        f"{space_url(r)}/ajouter",
        {"category": "lever", "text": long_text, "submission_id": submission()},
    )
    assert response.status_code == 400
    page = text(response)
    assert 'role="alert"' in page and "2000 caractères au plus" in page.replace("\u202f", "").replace(
        " 000", "000"
    )
    assert long_text.strip() in page
    assert count_notes(db) == 0


def test_rel_10_saved_is_said_only_after_the_commit(client: FlaskClient, db: Session) -> None:
    r = room(db)
    sign_in(client, r.facilitator)
    post_form(client, f"/gestion/ateliers/{r.workshop.id}/notes/phase", {"phase": "closed"})
    sign_in(client, r.alice)
    response = post_form(
        client,
        f"{space_url(r)}/ajouter",
        {"category": "lever", "text": "Pendant la fermeture", "submission_id": submission()},
    )
    assert response.status_code == 403
    page = text(response)
    # The page carries « Enregistré » for its script (data-msg-saved); no flash may say it.
    assert "Enregistré :" not in page and "flash-success" not in page
    assert "Pendant la fermeture" in page and "L'écriture est fermée" in page
    answer = api_post(
        client,
        f"/api/notes/sous-groupes/{r.groups[0].id}/notes",
        {"category": "lever", "text": "JSON", "submission_id": submission()},
    )
    assert answer.status_code == 403 and "note" not in answer.get_json()
    assert count_notes(db) == 0


def test_rel_07_the_same_submission_posted_twice_creates_one_note(client: FlaskClient, db: Session) -> None:
    r = room(db)
    sign_in(client, r.alice)
    payload = {"category": "lever", "text": "Envoyée deux fois", "submission_id": submission()}
    first = api_post(client, f"/api/notes/sous-groupes/{r.groups[0].id}/notes", payload)
    second = api_post(client, f"/api/notes/sous-groupes/{r.groups[0].id}/notes", payload)
    assert first.status_code == 201 and second.status_code == 200
    assert first.get_json()["note"]["id"] == second.get_json()["note"]["id"]
    form = {"category": "lever", "text": "Formulaire renvoyé", "submission_id": submission()}
    post_form(client, f"{space_url(r)}/ajouter", form)
    post_form(client, f"{space_url(r)}/ajouter", form)
    assert count_notes(db) == 2


def test_rel_01_a_stale_edit_answers_409_with_both_texts(client: FlaskClient, db: Session) -> None:
    r = room(db)
    note_id = write(db, r.alice, r.groups[0], "Première version")
    sign_in(client, r.alice)
    ok = api_post(
        client, f"/api/notes/{note_id}", {"category": "lever", "text": "Version du téléphone", "version": 1}
    )
    assert ok.status_code == 200 and ok.get_json()["note"]["version"] == 2
    stale = api_post(
        client,
        f"/api/notes/{note_id}",
        {"category": "lever", "text": "Version de l'ordinateur", "version": 1},
    )
    assert stale.status_code == 409 and stale.get_json()["current"]["text"] == "Version du téléphone"
    page = post_form(
        client, f"/notes/{note_id}/modifier", {"category": "lever", "text": "Sans JavaScript", "version": "1"}
    )
    assert page.status_code == 409
    shown = text(page)
    assert "Version du téléphone" in shown and "Sans JavaScript" in shown and "Garder ma version" in shown
    fresh(db)
    note = db.get(Note, note_id)
    assert note is not None and note.text == "Version du téléphone"


def test_ac_03_another_groups_notes_are_never_shown(client: FlaskClient, db: Session) -> None:
    r = room(db)
    write(db, r.carol, r.groups[1], "Secret du groupe 2")
    sign_in(client, r.alice)
    assert client.get(space_url(r, 1)).status_code == 404
    assert client.get(f"/api/notes/sous-groupes/{r.groups[1].id}/flux").status_code == 404
    own = client.get(f"/api/notes/sous-groupes/{r.groups[0].id}/flux").get_json()
    assert "Secret du groupe 2" not in str(own)
    assert "Secret du groupe 2" not in text(client.get(space_url(r)))
    assert client.get(f"/gestion/ateliers/{r.workshop.id}/notes").status_code in (403, 404)


def test_ac_04_forged_group_or_note_ids_write_nothing(client: FlaskClient, db: Session) -> None:
    r = room(db)
    theirs = write(db, r.carol, r.groups[1], "Note de Carol")
    sign_in(client, r.alice)
    forged = api_post(
        client,
        f"/api/notes/sous-groupes/{r.groups[1].id}/notes",
        {"category": "lever", "text": "Intrusion", "submission_id": submission()},
    )
    assert forged.status_code == 404
    assert (
        post_form(
            client,
            f"{space_url(r, 1)}/ajouter",
            {"category": "lever", "text": "Intrusion", "submission_id": submission()},
        ).status_code
        == 404
    )
    assert (
        api_post(
            client, f"/api/notes/{theirs}", {"category": "lever", "text": "Modifiée", "version": 1}
        ).status_code
        == 404
    )
    assert api_post(client, f"/api/notes/{theirs}/supprimer", {"version": 1}).status_code == 404
    assert post_form(client, f"/notes/{theirs}/plus-un").status_code == 404
    fresh(db)
    assert count_notes(db) == 1
    note = db.get(Note, theirs)
    assert (
        note is not None and note.text == "Note de Carol" and note.deleted_at is None and note.plus_count == 0
    )


def test_ac_05_only_the_author_changes_a_note_and_extra_fields_are_ignored(
    client: FlaskClient, db: Session
) -> None:
    r = room(db)
    alices = write(db, r.alice, r.groups[0], "Note d'Alice")
    sign_in(client, r.bob)
    assert (
        api_post(
            client, f"/api/notes/{alices}", {"category": "lever", "text": "Par Bob", "version": 1}
        ).status_code
        == 403
    )
    assert post_form(client, f"/notes/{alices}/supprimer", {"version": "1"}).status_code == 403
    created = api_post(
        client,
        f"/api/notes/sous-groupes/{r.groups[0].id}/notes",
        {
            "category": "lever",
            "text": "Avec des champs en trop",
            "submission_id": submission(),
            "author_id": r.alice.id,
            "group_id": r.groups[1].id,
            "created_at": "2000-01-01T00:00:00",
            "highlighted": True,
            "plus_count": 99,
        },
    )
    assert created.status_code == 201
    fresh(db)
    note = db.get(Note, created.get_json()["note"]["id"])
    assert note is not None
    assert (note.author_id, note.group_id, note.highlighted, note.plus_count) == (
        r.bob.id,
        r.groups[0].id,
        False,
        0,
    )
    assert note.created_at.year > 2000
    kept = db.get(Note, alices)
    assert kept is not None and kept.text == "Note d'Alice" and kept.deleted_at is None


def test_ac_07_participants_reach_no_facilitator_control(client: FlaskClient, db: Session) -> None:
    r = room(db)
    note_id = write(db, r.bob, r.groups[0], "À modérer")
    sign_in(client, r.alice)
    base = f"/gestion/ateliers/{r.workshop.id}/notes"
    assert client.get(base).status_code in (403, 404)
    assert client.get(f"/api/gestion/ateliers/{r.workshop.id}/notes/tableau").status_code in (403, 404)
    for url, data in [
        (f"{base}/phase", {"phase": "closed"}),
        (f"{base}/message", {"message": "Piraté"}),
        (f"{base}/revelation", {"action": "hide"}),
        (f"{base}/rotation", {"round": "1"}),
    ]:
        assert post_form(client, url, data).status_code in (403, 404), url
    assert api_post(client, f"/api/notes/{note_id}/moderer", {"hidden": True}).status_code == 403
    fresh(db)
    note = db.get(Note, note_id)
    assert note is not None and not note.hidden


def test_ac_08_a_change_of_group_or_role_applies_to_the_next_request(
    client: FlaskClient, db: Session
) -> None:
    r = room(db)
    sign_in(client, r.bob)
    assert client.get(space_url(r)).status_code == 200
    assert (
        api_post(
            client, f"/api/notes/sous-groupes/{r.groups[0].id}/resume", {"text": "Bob", "version": 0}
        ).status_code
        == 403
    )
    fresh(db)
    from app.models import GroupMember

    bob = db.scalars(sa.select(GroupMember).where(GroupMember.user_id == r.bob.id)).one()
    alice = db.scalars(sa.select(GroupMember).where(GroupMember.user_id == r.alice.id)).one()
    alice.role, bob.role = "member", "rapporteur"
    db.commit()
    assert (
        api_post(
            client, f"/api/notes/sous-groupes/{r.groups[0].id}/resume", {"text": "Bob", "version": 0}
        ).status_code
        == 200
    )
    fresh(db)
    bob = db.scalars(sa.select(GroupMember).where(GroupMember.user_id == r.bob.id)).one()
    db.delete(bob)
    db.commit()
    assert client.get(space_url(r)).status_code == 404
    assert client.get(f"/api/notes/sous-groupes/{r.groups[0].id}/flux").status_code == 404


def test_ac_10_denied_attempts_are_logged_without_note_text(
    client: FlaskClient, db: Session, caplog: Any
) -> None:
    r = room(db)
    theirs = write(db, r.carol, r.groups[1], "Texte confidentiel")
    sign_in(client, r.alice)
    with caplog.at_level("WARNING", logger="ateliers.security"):
        client.get(space_url(r, 1))
        api_post(client, f"/api/notes/{theirs}", {"category": "lever", "text": "Texte forcé", "version": 1})
    logged = [record.getMessage() for record in caplog.records if record.name == "ateliers.security"]
    assert len(logged) >= 2
    assert any(f"object={r.groups[1].id}" in line for line in logged)
    assert all(f"user={r.alice.id}" in line for line in logged)
    assert not any("confidentiel" in line or "forcé" in line for line in logged)


def test_cs_01_json_and_form_posts_without_csrf_change_nothing(client: FlaskClient, db: Session) -> None:
    r = room(db)
    note_id = write(db, r.alice, r.groups[0], "Intacte")
    sign_in(client, r.alice)
    url = f"/api/notes/sous-groupes/{r.groups[0].id}/notes"
    missing = api_post(
        client, url, {"category": "lever", "text": "Sans jeton", "submission_id": submission()}, token=None
    )
    assert missing.status_code == 400 and missing.get_json()["error"] == "csrf"
    wrong = api_post(
        client, url, {"category": "lever", "text": "Faux jeton", "submission_id": submission()}, token="faux"
    )
    assert wrong.status_code == 400
    assert (
        api_post(
            client,
            f"/api/notes/{note_id}",
            {"category": "lever", "text": "Changée", "version": 1},
            token=None,
        ).status_code
        == 400
    )
    form = client.post(
        f"{space_url(r)}/ajouter",
        data={"category": "lever", "text": "Sans jeton", "submission_id": submission()},
    )
    assert form.status_code == 400
    fresh(db)
    assert count_notes(db) == 1
    note = db.get(Note, note_id)
    assert note is not None and note.text == "Intacte"


def test_cs_06_an_expired_form_or_session_gives_the_text_back(client: FlaskClient, db: Session) -> None:
    r = room(db)
    sign_in(client, r.alice)
    expired = client.post(
        f"{space_url(r)}/ajouter",
        data={
            "csrf_token": "expiré",
            "category": "lever",
            "text": "Mon texte précieux",
            "submission_id": submission(),
        },
    )
    assert expired.status_code == 400 and "Mon texte précieux" in text(expired)
    client.post("/deconnexion", data={"csrf_token": csrf_token(client)})
    signed_out = client.post(
        f"{space_url(r)}/ajouter",
        data={
            "csrf_token": csrf_token(client),
            "category": "lever",
            "text": "Écrit avant l'expiration",
            "submission_id": submission(),
        },
    )
    assert signed_out.status_code in (400, 401) and "Écrit avant l'expiration" in text(signed_out)
    assert count_notes(db) == 0


def test_xs_01_user_text_stays_text_in_pages_and_json(client: FlaskClient, db: Session) -> None:
    r = room(db)
    payload = "{{7*7}} <script>alert('x')</script> <b>gras</b>"
    write(db, r.alice, r.groups[0], payload)
    sign_in(client, r.bob)
    raw = client.get(space_url(r)).get_data(as_text=True)
    assert "<script>alert" not in raw and "<b>gras</b>" not in raw
    assert "{{7*7}}" in raw and "&lt;script&gt;" in raw and ">49<" not in raw
    data = client.get(f"/api/notes/sous-groupes/{r.groups[0].id}/flux").get_json()
    assert data["notes"][0]["text"] == payload


def test_xs_06_the_scripts_never_insert_user_text_as_html() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "app" / "static" / "js"
    for script in root.glob("*.js"):
        source = script.read_text(encoding="utf-8")
        assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", source), (
            script.name
        )


def test_the_feed_answers_304_when_nothing_changed(client: FlaskClient, db: Session) -> None:
    r = room(db)
    write(db, r.alice, r.groups[0], "Une note")
    sign_in(client, r.bob)
    url = f"/api/notes/sous-groupes/{r.groups[0].id}/flux"
    first = client.get(url)
    etag, cursor = first.headers["ETag"], first.get_json()["cursor"]
    unchanged = client.get(f"{url}?depuis={cursor}", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    write(db, r.alice, r.groups[0], "Une autre")
    changed = client.get(f"{url}?depuis={cursor}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and [n["text"] for n in changed.get_json()["notes"]] == ["Une autre"]


def test_anonymous_mode_leaks_no_author_to_other_participants(client: FlaskClient, db: Session) -> None:
    r = room(db, attribution_mode="anonymous")
    write(db, r.alice, r.groups[0], "Sans nom")
    sign_in(client, r.bob)
    for body in (
        client.get(space_url(r)).get_data(as_text=True),
        client.get(f"/api/notes/sous-groupes/{r.groups[0].id}/flux").get_data(as_text=True),
    ):
        assert r.alice.first_name not in body and r.alice.last_name not in body and r.alice.email not in body
        assert '"author_id"' not in body


def test_a_facilitators_message_and_round_change_reach_the_spaces(client: FlaskClient, db: Session) -> None:
    r = room(db, rounds=2)
    sign_in(client, r.facilitator)
    assert (
        post_form(
            client, f"/gestion/ateliers/{r.workshop.id}/notes/message", {"message": "Plus que 10 minutes"}
        ).status_code
        == 302
    )
    sign_in(client, r.alice)
    assert "Plus que 10 minutes" in text(client.get(space_url(r)))
    feed = client.get(f"/api/notes/sous-groupes/{r.groups[0].id}/flux").get_json()
    assert [m["text"] for m in feed["messages"]] == ["Plus que 10 minutes"]
    sign_in(client, r.facilitator)
    assert (
        post_form(client, f"/gestion/ateliers/{r.workshop.id}/notes/rotation", {"round": "2"}).status_code
        == 302
    )
    sign_in(client, r.alice)
    moved = client.get(f"/ateliers/{r.workshop.id}/notes")
    assert (
        moved.status_code == 302
        and moved.headers["Location"].endswith(f"/notes/sous-groupes/{r.groups[0].id}") is False
    )


def test_every_edit_is_kept_and_shown_in_the_history(client: FlaskClient, db: Session) -> None:
    r = room(db, attribution_mode="anonymous")
    note_id = write(db, r.alice, r.groups[0], "Premier jet")
    sign_in(client, r.alice)
    api_post(client, f"/api/notes/{note_id}", {"category": "lever", "text": "Deuxième jet", "version": 1})
    sign_in(client, r.bob)
    page = text(client.get(f"/notes/{note_id}/historique"))
    assert "2 versions enregistrées" in page
    assert page.index("Deuxième jet") < page.index("Premier jet")
    assert r.alice.full_name not in page
    sign_in(client, r.carol)
    assert client.get(f"/notes/{note_id}/historique").status_code == 404


def test_a_signed_out_json_post_gets_401_not_a_csrf_error(client: FlaskClient, db: Session) -> None:
    r = room(db)
    response = client.post(
        f"/api/notes/sous-groupes/{r.groups[0].id}/notes",
        json={"category": "lever", "text": "Après expiration", "submission_id": submission()},
        headers={"X-CSRFToken": "jeton-d-une-session-expiree"},
    )
    assert response.status_code == 401 and response.get_json()["error"] == "authentication required"
    assert count_notes(db) == 0


def test_an_unchanged_poll_stops_at_304_only_for_a_current_member(client: FlaskClient, db: Session) -> None:
    r = room(db)
    sign_in(client, r.bob)
    url = f"/api/notes/sous-groupes/{r.groups[0].id}/flux"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    fresh(db)
    from app.models import GroupMember

    db.delete(db.scalars(sa.select(GroupMember).where(GroupMember.user_id == r.bob.id)).one())
    db.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 404
    sign_in(client, r.carol)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 404


def test_the_json_plus_one_is_toggled_by_others_only(client: FlaskClient, db: Session) -> None:
    r = room(db)
    alices = write(db, r.alice, r.groups[0], "Note d'Alice")
    sign_in(client, r.bob)

    on = api_post(client, f"/api/notes/{alices}/plus-un", {})
    on_json = on.get_json()["note"]
    off = api_post(client, f"/api/notes/{alices}/plus-un", {})

    assert on.status_code == 200 and (on_json["plus"], on_json["voted"]) == (1, True)
    assert off.status_code == 200 and (off.get_json()["note"]["plus"], off.get_json()["note"]["voted"]) == (
        0,
        False,
    )
    sign_in(client, r.alice)
    own = api_post(client, f"/api/notes/{alices}/plus-un", {})
    assert own.status_code == 403 and "propre note" in own.get_json()["message"]
    fresh(db)
    note = db.get(Note, alices)
    assert note is not None and note.plus_count == 0


def test_a_facilitator_hides_and_highlights_through_the_json_api(client: FlaskClient, db: Session) -> None:
    r = room(db)
    note_id = write(db, r.bob, r.groups[0], "À retenir puis à masquer")
    sign_in(client, r.facilitator)

    highlighted = api_post(client, f"/api/notes/{note_id}/moderer", {"highlighted": True})
    hidden = api_post(client, f"/api/notes/{note_id}/moderer", {"hidden": True})
    malformed = api_post(client, f"/api/notes/{note_id}/moderer", {"hidden": "oui"})

    assert highlighted.status_code == 200 and highlighted.get_json()["note"]["highlighted"] is True
    assert hidden.status_code == 200 and hidden.get_json()["note"]["hidden"] is True
    assert malformed.status_code == 400
    fresh(db)
    note = db.get(Note, note_id)
    assert note is not None and note.highlighted and note.hidden
    logged = db.scalars(sa.select(AuditLog.action).where(AuditLog.object_id == str(note_id))).all()
    assert logged == ["note.hide"]  # hiding is logged (highlighting is not moderation)
    # The group no longer sees it.
    sign_in(client, r.alice)
    assert "À retenir puis à masquer" not in text(client.get(space_url(r)))


def test_the_plain_moderation_form_highlights_hides_and_shows_a_note(
    client: FlaskClient, db: Session
) -> None:
    r = room(db)
    note_id = write(db, r.bob, r.groups[0], "Une note à modérer sans JavaScript")
    sign_in(client, r.facilitator)
    states = []
    for action in ("highlight", "hide", "show", "unhighlight"):
        response = post_form(client, f"/notes/{note_id}/moderer", {"action": action})
        assert response.status_code == 302, action
        fresh(db)
        note = db.get(Note, note_id)
        assert note is not None
        states.append((action, note.highlighted, note.hidden))

    assert states == [
        ("highlight", True, False),
        ("hide", True, True),
        ("show", True, False),
        ("unhighlight", False, False),
    ]
    assert post_form(client, f"/notes/{note_id}/moderer", {"action": "supprimer"}).status_code == 400


def test_the_dashboard_hides_notes_until_the_reveal_then_turns_it_off(
    client: FlaskClient, db: Session
) -> None:
    r = room(db)
    write(db, r.alice, r.groups[0], "La note d'Alice")
    write(db, r.bob, r.groups[0], "La note de Bob")
    control = f"/gestion/ateliers/{r.workshop.id}/notes/revelation"

    def alice_sees_bob() -> bool:
        sign_in(client, r.alice)
        body = text(client.get(space_url(r)))
        assert "La note d'Alice" in body
        sign_in(client, r.facilitator)
        return "La note de Bob" in body

    sign_in(client, r.facilitator)
    assert post_form(client, control, {"action": "hide"}).status_code == 302
    hidden = alice_sees_bob()
    assert post_form(client, control, {"action": "reveal"}).status_code == 302
    revealed = alice_sees_bob()
    assert post_form(client, control, {"action": "hide"}).status_code == 302
    assert post_form(client, control, {"action": "off"}).status_code == 302
    assert "Chacun voit de nouveau les notes" in text(client.get(f"/gestion/ateliers/{r.workshop.id}/notes"))
    after_off = alice_sees_bob()

    assert (hidden, revealed, after_off) == (False, True, True)
