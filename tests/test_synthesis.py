"""The synthesis workspace, its exports and the published page, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import (
    AuditLog,
    DismissedSuggestion,
    Registration,
    SynthesisSection,
    Theme,
    ThemeNote,
    Workshop,
)
from app.services import notes, synthesis
from tests.conftest import post_form
from tests.factories import make_programme, make_user, make_workshop
from tests.support.groups import fresh, sign_in, text
from tests.support.notes import Room, room, space, write

FORMATS = ("md", "docx", "odt", "pdf", "csv", "xlsx", "json")


def workshop_of(db: Session, r: Room) -> Workshop:
    """The room's workshop, read afresh."""
    fresh(db)
    workshop = db.get(Workshop, r.workshop.id)
    assert workshop is not None
    return workshop


def session_notes(db: Session, r: Room) -> dict[str, int]:
    """A small session: notes in both groups, one highlighted, one hidden by moderation."""
    ids = {
        "practice": write(
            db, r.alice, r.groups[0], "Mutualiser la comptabilité entre associations", "inspiring_practice"
        ),
        "obstacle": write(db, r.bob, r.groups[0], "Les appels à projets sont trop courts", "difficulty"),
        "lever": write(
            db, r.carol, r.groups[1], "Mutualisation des fonctions support entre structures", "lever"
        ),
        "hidden": write(db, r.carol, r.groups[1], "Note masquée par l'équipe", "lever"),
    }
    notes.moderate_note(
        db, space(db, r.facilitator, r.groups[0]), ids["practice"], hidden=None, highlighted=True
    )
    db.commit()
    notes.moderate_note(
        db, space(db, r.facilitator, r.groups[1]), ids["hidden"], hidden=True, highlighted=None
    )
    db.commit()
    return ids


def workspace_url(r: Room) -> str:
    return f"/gestion/ateliers/{r.workshop.id}/synthese"


def download(client: FlaskClient, r: Room, fmt: str, **extra: str) -> Any:
    return post_form(client, f"{workspace_url(r)}/export", {"format": fmt, **extra})


def test_the_workspace_pivots_every_note_and_leaves_hidden_ones_out(client: FlaskClient, db: Session) -> None:
    r = room(db)
    write(db, r.bob, r.groups[0], "Une pratique écrite plus tôt", "inspiring_practice")
    session_notes(db, r)
    sign_in(client, r.facilitator)
    page = text(client.get(workspace_url(r)))
    assert "Mutualiser la comptabilité entre associations" in page
    assert "Note masquée par l'équipe" not in page
    # Highlighted notes come first, even before older ones.
    assert page.index("Mutualiser la comptabilité") < page.index("Une pratique écrite plus tôt")
    by_group = text(client.get(f"{workspace_url(r)}?par=group"))
    assert "sous-groupe 1" in by_group and "sous-groupe 2" in by_group
    by_profile = text(client.get(f"{workspace_url(r)}?par=profile"))
    assert "Collectivité territoriale" in by_profile
    filtered = text(client.get(f"{workspace_url(r)}?categorie=difficulty"))
    assert (
        "Les appels à projets" in filtered
        and "Mutualiser la comptabilité entre associations"
        not in filtered.split("Toutes les notes")[1].split("Thèmes")[0]
    )


def test_default_sections_are_prefilled_from_matching_notes(db: Session) -> None:
    r = room(db)
    session_notes(db, r)
    scope = synthesis.workshop_scope(workshop_of(db, r))
    document = synthesis.document_for(db, scope)
    db.commit()
    bodies = {s.key: s.body for s in document.sections}
    assert list(bodies) == list(synthesis.SECTION_KEYS)
    assert "Mutualiser la comptabilité" in bodies["inspiring_practices"]
    assert (
        "appels à projets" in bodies["difficulties_levers"]
        and "Mutualisation des fonctions" in bodies["difficulties_levers"]
    )
    assert "Note masquée" not in " ".join(bodies.values())
    assert "Mutualiser la comptabilité" in bodies["key_ideas"]  # the highlighted note


def test_grouping_notes_into_a_theme_and_a_forged_note_changes_nothing(
    client: FlaskClient, db: Session
) -> None:
    r = room(db)
    ids = session_notes(db, r)
    other = room(db)
    foreign = write(db, other.alice, other.groups[0], "Dans un autre parcours")
    sign_in(client, r.facilitator)
    response = post_form(
        client,
        f"{workspace_url(r)}/regrouper",
        {"name": "Mutualisation", "notes": [ids["practice"], ids["lever"]]},
    )
    assert response.status_code == 302
    fresh(db)
    [theme] = db.scalars(sa.select(Theme)).all()
    assert theme.name == "Mutualisation" and {m.note_id for m in theme.members} == {
        ids["practice"],
        ids["lever"],
    }
    forged = post_form(
        client, f"{workspace_url(r)}/regrouper", {"name": "Intrus", "notes": [ids["obstacle"], foreign]}
    )
    assert forged.status_code == 404
    fresh(db)
    assert db.scalar(sa.select(sa.func.count()).select_from(ThemeNote)) == 2
    assert db.scalar(sa.select(sa.func.count()).select_from(Theme)) == 1


def test_a_theme_is_renamed_and_deleted_and_a_clashing_name_is_refused(
    client: FlaskClient, db: Session
) -> None:
    r = room(db)
    ids = session_notes(db, r)
    sign_in(client, r.facilitator)
    for name, note in (("Mutualisation", ids["practice"]), ("Financements", ids["obstacle"])):
        post_form(client, f"{workspace_url(r)}/regrouper", {"name": name, "notes": [note]})
    fresh(db)
    first, second = db.scalars(sa.select(Theme).order_by(Theme.id)).all()

    renamed = post_form(
        client, f"{workspace_url(r)}/themes/{first.id}", {"action": "rename", "name": "Coopération"}
    )
    clash = post_form(
        client, f"{workspace_url(r)}/themes/{second.id}", {"action": "rename", "name": "Coopération"}
    )
    deleted = post_form(client, f"{workspace_url(r)}/themes/{second.id}", {"action": "delete"})

    assert renamed.status_code == 302 and deleted.status_code == 302
    assert clash.status_code == 400 and "Un autre thème porte déjà ce nom." in text(clash)
    fresh(db)
    assert [(t.name, [m.note_id for m in t.members]) for t in db.scalars(sa.select(Theme))] == [
        ("Coopération", [ids["practice"]])
    ]


def test_rel_01_two_facilitators_editing_a_section_never_overwrite(client: FlaskClient, db: Session) -> None:
    r = room(db)
    session_notes(db, r)
    sign_in(client, r.facilitator)
    url = f"{workspace_url(r)}/sections/learnings"
    # Both opened the page before anyone saved: both edit version 1.
    first = post_form(client, url, {"body": "Version de Fanny", "version": 1, "action": "save"})
    assert first.status_code == 302
    second = post_form(client, url, {"body": "Version de Karim", "version": 1, "action": "save"})
    assert second.status_code == 409
    page = text(second)
    assert "Version de Fanny" in page and "Version de Karim" in page
    fresh(db)
    kept = db.scalars(sa.select(SynthesisSection).where(SynthesisSection.key == "learnings")).one()
    assert kept.body == "Version de Fanny" and kept.version == 2 and len(kept.history) == 2


def test_reading_the_workspace_stores_nothing(client: FlaskClient, db: Session) -> None:
    r = room(db)
    session_notes(db, r)
    sign_in(client, r.facilitator)
    assert "Mutualiser la comptabilité" in text(client.get(workspace_url(r)))
    fresh(db)
    assert db.scalar(sa.select(sa.func.count()).select_from(SynthesisSection)) == 0


def test_facts_are_computed_from_check_in_and_notes(db: Session) -> None:
    r = room(db)
    session_notes(db, r)
    workshop_of(db, r)
    absent = db.scalars(sa.select(Registration).where(Registration.user_id == r.members[1][2].id)).one()
    absent.attendance = "absent"
    db.commit()
    scope = synthesis.workshop_scope(workshop_of(db, r))
    data = synthesis.build_data(db, scope)
    [facts] = data.facts
    assert (facts.attendees, facts.registered, facts.groups, facts.rounds, facts.notes) == (5, 6, 2, 1, 3)
    assert {c.label: c.value for c in facts.categories} == {
        "Pratique inspirante": 1,
        "Difficulté / obstacle": 1,
        "Levier": 1,
    }
    assert sum(c.value for c in facts.profiles) == 5


def test_publish_then_participants_read_it_as_published(client: FlaskClient, db: Session) -> None:
    r = room(db)
    session_notes(db, r)
    sign_in(client, r.facilitator)
    post_form(
        client,
        f"{workspace_url(r)}/sections/learnings",
        {"body": "**Mutualiser** d'abord", "version": 1, "action": "save"},
    )
    assert post_form(client, f"{workspace_url(r)}/publier").status_code == 302
    sign_in(client, r.carol)
    assert "Lire la synthèse de l'atelier" in text(client.get(f"/ateliers/{r.workshop.id}"))
    page = client.get(f"/ateliers/{r.workshop.id}/synthese")
    assert page.status_code == 200
    assert "<strong>Mutualiser</strong> d'abord" in page.get_data(as_text=True)
    # A later edit does not change what was published.
    sign_in(client, r.facilitator)
    post_form(
        client,
        f"{workspace_url(r)}/sections/learnings",
        {"body": "Réécrit après publication", "version": 2, "action": "save"},
    )
    fresh(db)
    assert db.scalars(sa.select(SynthesisSection.body).where(SynthesisSection.key == "learnings")).one() == (
        "Réécrit après publication"
    )
    sign_in(client, r.carol)
    again = text(client.get(f"/ateliers/{r.workshop.id}/synthese"))
    assert "Réécrit après publication" not in again and "Mutualiser" in again


def test_ac_07_participants_reach_neither_the_workspace_nor_any_export(
    client: FlaskClient, db: Session
) -> None:
    r = room(db)
    session_notes(db, r)
    sign_in(client, r.alice)
    assert client.get(workspace_url(r)).status_code in (403, 404)
    for fmt in FORMATS:
        assert download(client, r, fmt).status_code in (403, 404), fmt
    assert post_form(client, f"{workspace_url(r)}/publier").status_code in (403, 404)


def test_ac_06_a_facilitator_of_another_programme_sees_nothing(client: FlaskClient, db: Session) -> None:
    r = room(db)
    session_notes(db, r)
    stranger = make_user(db, role="facilitator")
    make_programme(db, facilitators=[stranger])
    sign_in(client, stranger)
    assert client.get(workspace_url(r)).status_code == 404
    assert download(client, r, "csv").status_code == 404
    outsider = make_user(db)
    sign_in(client, outsider)
    assert client.get(f"/ateliers/{r.workshop.id}/synthese").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_ex_04_ex_06_every_export_is_an_attachment_not_stored_and_logged(
    client: FlaskClient, db: Session, fmt: str
) -> None:
    r = room(db)
    session_notes(db, r)
    sign_in(client, r.facilitator)
    response = download(client, r, fmt)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.data) > 100
    fresh(db)
    entry = db.scalars(sa.select(AuditLog).where(AuditLog.action == "synthesis.export")).one()
    assert entry.actor_id == r.facilitator.id and fmt in str(entry.details)
    assert "Mutualiser" not in str(entry.details)


def _searchable(fmt: str, content: bytes) -> str:
    """The text inside a file, whatever its container (zip for docx/odt/xlsx, PDF text)."""
    if fmt in ("docx", "odt", "xlsx"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return " ".join(archive.read(name).decode("utf-8", "ignore") for name in archive.namelist())
    if fmt == "pdf":
        import subprocess

        return subprocess.run(
            ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
        ).stdout.decode()
    return content.decode("utf-8-sig")


@pytest.mark.parametrize("mode", ["anonymous", "by_profile", "named"])
def test_ex_05_no_export_nor_page_carries_a_name_or_email_by_default(
    client: FlaskClient, db: Session, mode: str
) -> None:
    r = room(db, attribution_mode=mode)
    session_notes(db, r)
    people = [user for group in r.members for user in group]
    sign_in(client, r.facilitator)
    post_form(client, f"{workspace_url(r)}/publier")
    bodies = {fmt: _searchable(fmt, download(client, r, fmt).data) for fmt in FORMATS}
    bodies["workspace"] = client.get(workspace_url(r)).get_data(as_text=True)
    sign_in(client, r.alice)
    bodies["published"] = client.get(f"/ateliers/{r.workshop.id}/synthese").get_data(as_text=True)
    for where, body in bodies.items():
        for person in people:
            for value in (person.first_name, person.last_name, person.email or "@"):
                assert value not in body, f"{value} found in {where} ({mode})"


def test_a_named_export_is_explicit_marked_and_only_in_named_workshops(
    client: FlaskClient, db: Session
) -> None:
    anonymous = room(db, attribution_mode="anonymous")
    session_notes(db, anonymous)
    sign_in(client, anonymous.facilitator)
    refused = download(client, anonymous, "csv", nominatif="y")
    assert refused.status_code == 400
    assert "Un export nominatif n'est possible que pour un atelier en attribution nominative" in text(refused)
    assert 'role="alert"' in refused.get_data(as_text=True)
    named = room(db, attribution_mode="named")
    session_notes(db, named)
    sign_in(client, named.facilitator)
    response = download(client, named, "md", nominatif="y")
    body = response.data.decode()
    assert response.status_code == 200 and "nominatif" in response.headers["Content-Disposition"]
    assert "Export nominatif" in body and named.alice.full_name in body


def test_xs_01_markdown_sections_and_notes_stay_inert(client: FlaskClient, db: Session) -> None:
    r = room(db)
    write(db, r.alice, r.groups[0], "<script>alert('note')</script> {{7*7}}", "lever")
    sign_in(client, r.facilitator)
    post_form(
        client,
        f"{workspace_url(r)}/sections/context",
        {
            "body": "<script>alert(1)</script> [lien](javascript:alert(2)) <img src=x onerror=alert(3)>",
            "version": 1,
            "action": "save",
        },
    )
    post_form(client, f"{workspace_url(r)}/publier")
    pages = (
        client.get(workspace_url(r)).get_data(as_text=True),
        client.get(f"/ateliers/{r.workshop.id}/synthese").get_data(as_text=True),
    )
    for body in pages:
        # Typed text may show as text (in the editor); it never becomes a tag, a link or a handler.
        assert "<script>alert" not in body and "<img src=x" not in body
        assert 'href="javascript:' not in body
        assert "{{7*7}}" in body and ">49<" not in body


def test_the_programme_roll_up_covers_every_workshop(client: FlaskClient, db: Session) -> None:
    r = room(db)
    session_notes(db, r)
    fresh(db)
    workshop = workshop_of(db, r)
    second = make_workshop(db, workshop.programme, title="Deuxième atelier")
    sign_in(client, r.facilitator)
    url = f"/gestion/parcours/{workshop.programme_id}/synthese"
    page = text(client.get(url))
    assert "Synthèse du parcours" in page and second.title in page and "Mutualiser la comptabilité" in page
    response = post_form(client, f"{url}/export", {"format": "md"})
    assert response.status_code == 200 and second.title in response.data.decode()


def test_cli_exports_a_workshop(app: Flask, db: Session, tmp_path: Any) -> None:
    r = room(db)
    session_notes(db, r)
    target = tmp_path / "synthese.docx"
    result = app.test_cli_runner().invoke(
        args=["synthesis", "export", str(r.workshop.id), "--format", "docx", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(target)
    assert "Mutualiser la comptabilité" in _searchable("docx", target.read_bytes())
    missing = app.test_cli_runner().invoke(
        args=["synthesis", "export", "999999", "-o", str(tmp_path / "x.md"), "--format", "md"]
    )
    assert missing.exit_code != 0 and "introuvable" in missing.output
    assert re.search(r"\d+ octets", result.output)


def test_the_csv_header_reads_as_typed(client: FlaskClient, db: Session) -> None:
    r = room(db)
    session_notes(db, r)
    sign_in(client, r.facilitator)
    header = download(client, r, "csv").data.decode("utf-8-sig").splitlines()[0]
    assert "Nombre de +1" in header and "'" not in header


def test_a_profile_held_by_fewer_than_three_in_a_group_is_warned_about(
    client: FlaskClient, db: Session
) -> None:
    r = room(db, attribution_mode="by_profile")
    session_notes(db, r)
    sign_in(client, r.facilitator)
    page = text(client.get(workspace_url(r)))
    assert "Dans 2 sous-groupe(s), un profil d'acteur compte moins de 3 personnes" in page
    assert "rotation 1, sous-groupe 1 : « Association » (1)" in page
    document = download(client, r, "md").data.decode()
    assert "un profil d'acteur compte moins de 3 personnes" in document
    anonymous = room(db, attribution_mode="anonymous")
    session_notes(db, anonymous)
    sign_in(client, anonymous.facilitator)
    assert "compte moins de 3 personnes" not in text(client.get(workspace_url(anonymous)))


def test_a_note_moves_between_themes_and_repeated_actions_are_harmless(db: Session) -> None:
    r = room(db)
    ids = session_notes(db, r)
    scope = synthesis.workshop_scope(workshop_of(db, r))
    first = synthesis.group_notes(db, scope, r.facilitator, "Mutualisation", [ids["practice"], ids["lever"]])
    again = synthesis.group_notes(db, scope, r.facilitator, "Mutualisation", [ids["practice"]])
    moved = synthesis.group_notes(db, scope, r.facilitator, "Coopération", [ids["lever"]])
    synthesis.dismiss(db, scope, [ids["practice"], ids["obstacle"]])
    synthesis.dismiss(db, scope, [ids["obstacle"], ids["practice"]])
    db.commit()
    fresh(db)
    assert again.id == first.id
    placed = {
        note_id: theme_id
        for theme_id, note_id in db.execute(sa.select(ThemeNote.theme_id, ThemeNote.note_id))
    }
    assert placed == {ids["practice"]: first.id, ids["lever"]: moved.id}
    assert db.scalar(sa.select(sa.func.count()).select_from(DismissedSuggestion)) == 1


def test_a_section_is_filled_again_from_the_notes_on_request(client: FlaskClient, db: Session) -> None:
    r = room(db)
    session_notes(db, r)
    sign_in(client, r.facilitator)
    url = f"{workspace_url(r)}/sections/inspiring_practices"
    assert (
        post_form(client, url, {"body": "Texte de Fanny", "version": 1, "action": "save"}).status_code == 302
    )
    write(db, r.bob, r.groups[0], "Une régie de quartier qui embauche localement", "inspiring_practice")

    refilled = post_form(client, url, {"body": "", "version": 2, "action": "prefill"})

    assert refilled.status_code == 302
    fresh(db)
    section = db.scalars(
        sa.select(SynthesisSection).where(SynthesisSection.key == "inspiring_practices")
    ).one()
    assert section.version == 3
    assert "Une régie de quartier" in section.body and "Texte de Fanny" not in section.body
    assert [revision.body for revision in section.history][
        1
    ] == "Texte de Fanny"  # the edit is kept in history


def test_text_downloads_name_their_charset_once(client: FlaskClient, db: Session) -> None:
    r = room(db)
    session_notes(db, r)
    sign_in(client, r.facilitator)
    types = {fmt: download(client, r, fmt).headers["Content-Type"] for fmt in ("csv", "md")}
    assert types == {"csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8"}


def test_the_published_synthesis_is_marked_in_the_language_it_was_published_in(
    client: FlaskClient, db: Session
) -> None:
    r = room(db)
    session_notes(db, r)
    sign_in(client, r.facilitator)
    assert post_form(client, f"{workspace_url(r)}/publier").status_code == 302
    sign_in(client, r.carol)
    post_form(client, "/langue", {"language": "en"})

    page = client.get(f"/ateliers/{r.workshop.id}/synthese").get_data(as_text=True)

    assert '<html lang="en"' in page and "Confidentiality rule" in page  # the frame follows the reader
    assert re.search(r'<h1 lang="fr">Synthèse – ', page)  # the snapshot keeps its French labels
    assert re.search(r'<section aria-labelledby="section-1" lang="fr">', page)
