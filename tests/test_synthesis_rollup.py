"""Themes and suggestions of the programme roll-up: a theme may gather notes of several workshops,
independently of each workshop's own themes; on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import DismissedSuggestion, Theme, ThemeNote, User, Workshop
from app.services import notes, synthesis
from tests.conftest import post_form
from tests.support.groups import fresh, sign_in, text
from tests.support.notes import Room, room, space, write

# Two notes of different workshops that say nearly the same thing (the suggestion engine pairs them).
SAME_A = "Mutualiser la comptabilité entre plusieurs associations"
SAME_B = "Mutualisation de la comptabilité entre associations du territoire"
LOCAL_A = "Un fonds de garantie local pour les projets des habitants"
LOCAL_B = "Ouvrir les cantines scolaires aux producteurs du coin"


def two_workshops(db: Session) -> tuple[Room, Room, dict[str, int]]:
    """Two workshops of one programme, each with notes written in its groups."""
    first = room(db)
    second = room(db, next_to=first)
    ids = {
        SAME_A: write(db, first.alice, first.groups[0], SAME_A, "inspiring_practice"),
        LOCAL_A: write(db, first.carol, first.groups[1], LOCAL_A, "lever"),
        SAME_B: write(db, second.alice, second.groups[0], SAME_B, "inspiring_practice"),
        LOCAL_B: write(db, second.carol, second.groups[1], LOCAL_B, "lever"),
    }
    return first, second, ids


def rollup_url(r: Room) -> str:
    """The roll-up workspace of the room's programme."""
    return f"/gestion/parcours/{r.workshop.programme_id}/synthese"


def placements(db: Session) -> set[tuple[str, str, int]]:
    """Every (level, theme name, note id) in the database, read afresh."""
    fresh(db)
    rows = db.execute(
        sa.select(ThemeNote.level, Theme.name, ThemeNote.note_id).join(Theme, ThemeNote.theme_id == Theme.id)
    )
    return {(level, name, note_id) for level, name, note_id in rows}


def test_a_roll_up_theme_gathers_notes_of_two_workshops(client: FlaskClient, db: Session) -> None:
    first, second, ids = two_workshops(db)
    sign_in(client, first.facilitator)

    response = post_form(
        client,
        f"{rollup_url(first)}/regrouper",
        {"name": "Ancrage local", "notes": [ids[LOCAL_A], ids[LOCAL_B]]},
    )

    assert response.status_code == 302
    assert placements(db) == {
        ("programme", "Ancrage local", ids[LOCAL_A]),
        ("programme", "Ancrage local", ids[LOCAL_B]),
    }
    [theme] = db.scalars(sa.select(Theme)).all()
    assert theme.programme_id == first.workshop.programme_id and theme.workshop_id is None
    page = text(client.get(rollup_url(first)))
    assert "Thème : Ancrage local" in page
    # The theme is the roll-up's: neither workshop's own synthesis shows it, nor its export.
    assert "Ancrage local" not in text(client.get(f"/gestion/ateliers/{first.workshop.id}/synthese"))
    workshop_md = post_form(
        client, f"/gestion/ateliers/{second.workshop.id}/synthese/export", {"format": "md"}
    )
    assert "Ancrage local" not in workshop_md.data.decode()
    rollup_md = post_form(client, f"{rollup_url(first)}/export", {"format": "md"})
    assert rollup_md.status_code == 200 and "Ancrage local" in rollup_md.data.decode()


def test_a_note_has_a_theme_in_its_workshop_and_another_in_the_roll_up(
    client: FlaskClient, db: Session
) -> None:
    first, _second, ids = two_workshops(db)
    sign_in(client, first.facilitator)

    in_workshop = post_form(
        client,
        f"/gestion/ateliers/{first.workshop.id}/synthese/regrouper",
        {"name": "Finances", "notes": [ids[SAME_A]]},
    )
    in_programme = post_form(
        client,
        f"{rollup_url(first)}/regrouper",
        {"name": "Mutualisation", "notes": [ids[SAME_A], ids[SAME_B]]},
    )

    assert in_workshop.status_code == in_programme.status_code == 302
    assert placements(db) == {
        ("workshop", "Finances", ids[SAME_A]),
        ("programme", "Mutualisation", ids[SAME_A]),
        ("programme", "Mutualisation", ids[SAME_B]),
    }
    # Each page shows its own level's theme on the note.
    assert "Thème : Finances" in text(client.get(f"/gestion/ateliers/{first.workshop.id}/synthese"))
    rollup = text(client.get(rollup_url(first)))
    assert "Thème : Mutualisation" in rollup and "Thème : Finances" not in rollup


def test_roll_up_themes_are_renamed_emptied_and_deleted(client: FlaskClient, db: Session) -> None:
    first, _second, ids = two_workshops(db)
    sign_in(client, first.facilitator)
    post_form(
        client, f"{rollup_url(first)}/regrouper", {"name": "Ancrage", "notes": [ids[LOCAL_A], ids[LOCAL_B]]}
    )
    fresh(db)
    theme_id = db.scalars(sa.select(Theme.id)).one()
    theme_url = f"{rollup_url(first)}/themes/{theme_id}"

    renamed = post_form(client, theme_url, {"action": "rename", "name": "Ancrage territorial"})
    removed = post_form(client, theme_url, {"action": "remove_note", "note_id": ids[LOCAL_B]})

    assert renamed.status_code == removed.status_code == 302
    assert placements(db) == {("programme", "Ancrage territorial", ids[LOCAL_A])}
    assert post_form(client, theme_url, {"action": "delete"}).status_code == 302
    assert placements(db) == set()
    assert db.scalar(sa.select(sa.func.count()).select_from(Theme)) == 0


def test_a_forged_note_or_theme_from_elsewhere_changes_nothing(client: FlaskClient, db: Session) -> None:
    first, _second, ids = two_workshops(db)
    stranger = room(db)  # another programme
    foreign = write(db, stranger.alice, stranger.groups[0], "Dans un autre parcours")
    sign_in(client, first.facilitator)
    post_form(client, f"{rollup_url(first)}/regrouper", {"name": "Ancrage", "notes": [ids[LOCAL_A]]})
    fresh(db)
    programme_theme = db.scalars(sa.select(Theme.id)).one()

    forged_note = post_form(
        client, f"{rollup_url(first)}/regrouper", {"name": "Intrus", "notes": [ids[LOCAL_B], foreign]}
    )
    # The roll-up's theme cannot be reached through a workshop's synthesis, nor the reverse.
    through_workshop = post_form(
        client,
        f"/gestion/ateliers/{first.workshop.id}/synthese/themes/{programme_theme}",
        {"action": "rename", "name": "Détourné"},
    )
    elsewhere = post_form(client, f"{rollup_url(stranger)}/regrouper", {"name": "Intrus", "notes": [foreign]})

    assert forged_note.status_code == through_workshop.status_code == elsewhere.status_code == 404
    assert placements(db) == {("programme", "Ancrage", ids[LOCAL_A])}


def test_the_roll_up_suggests_alike_notes_of_two_workshops_and_remembers_a_dismissal(
    client: FlaskClient, db: Session
) -> None:
    first, _second, ids = two_workshops(db)
    sign_in(client, first.facilitator)
    scope = synthesis.programme_scope(db, db.get(Workshop, first.workshop.id).programme)  # type: ignore[union-attr]
    [suggestion] = synthesis.suggestions(db, scope, synthesis.live_notes(db, scope))
    assert set(suggestion.ids) == {ids[SAME_A], ids[SAME_B]}
    page = text(client.get(rollup_url(first)))
    assert "Aucune suggestion pour le moment" not in page.split("Suggestions")[1]

    ignored = post_form(
        client, f"{rollup_url(first)}/suggestions", {"action": "ignore", "notes": [ids[SAME_A], ids[SAME_B]]}
    )

    assert ignored.status_code == 302
    fresh(db)
    [dismissal] = db.scalars(sa.select(DismissedSuggestion)).all()
    assert dismissal.programme_id == first.workshop.programme_id and dismissal.workshop_id is None
    assert synthesis.suggestions(db, scope, synthesis.live_notes(db, scope)) == []
    accepted = post_form(
        client,
        f"{rollup_url(first)}/suggestions",
        {"action": "accept", "name": "Comptabilité partagée", "notes": [ids[SAME_A], ids[SAME_B]]},
    )
    assert accepted.status_code == 302
    assert placements(db) == {
        ("programme", "Comptabilité partagée", ids[SAME_A]),
        ("programme", "Comptabilité partagée", ids[SAME_B]),
    }


def test_the_workshops_themes_are_taken_into_the_roll_up_merged_by_name(
    client: FlaskClient, db: Session
) -> None:
    first, second, ids = two_workshops(db)
    hidden = write(db, second.bob, second.groups[0], "Une note que l'équipe a masquée", "lever")
    sign_in(client, first.facilitator)
    for r, notes_ in ((first, [ids[SAME_A]]), (second, [ids[SAME_B], hidden])):
        post_form(
            client,
            f"/gestion/ateliers/{r.workshop.id}/synthese/regrouper",
            {"name": "Mutualisation", "notes": notes_},
        )
    post_form(
        client,
        f"/gestion/ateliers/{first.workshop.id}/synthese/regrouper",
        {"name": "Local", "notes": [ids[LOCAL_A]]},
    )
    facilitator = db.get(User, first.facilitator.id)
    assert facilitator is not None
    notes.moderate_note(db, space(db, facilitator, second.groups[0]), hidden, hidden=True, highlighted=None)
    db.commit()
    # A note already placed in the roll-up by the facilitators stays where they put it.
    post_form(client, f"{rollup_url(first)}/regrouper", {"name": "Territoire", "notes": [ids[LOCAL_A]]})
    before = placements(db)
    listed = text(client.get(rollup_url(first)))
    assert "Thèmes des ateliers" in listed and first.workshop.title in listed

    response = post_form(client, f"{rollup_url(first)}/reprendre-themes", {})

    assert response.status_code == 302
    assert placements(db) == before | {
        ("programme", "Mutualisation", ids[SAME_A]),
        ("programme", "Mutualisation", ids[SAME_B]),
    }
    assert "2 thèmes des ateliers sont repris" in text(client.get(rollup_url(first)))
    # Taking them again changes nothing.
    post_form(client, f"{rollup_url(first)}/reprendre-themes", {})
    assert (
        db.scalar(sa.select(sa.func.count()).select_from(Theme).where(Theme.programme_id.is_not(None)))
        == 2  # Territoire and Mutualisation
    )


def test_the_roll_up_is_reached_from_the_programme_pages(client: FlaskClient, db: Session) -> None:
    first, _second, _ids = two_workshops(db)
    programme = db.get(Workshop, first.workshop.id).programme  # type: ignore[union-attr]
    public_page = f"/parcours/{programme.slug}"
    sign_in(client, first.facilitator)
    assert rollup_url(first) in client.get(f"/gestion/parcours/{programme.id}").get_data(as_text=True)
    sign_in(client, first.alice)
    assert "Lire la synthèse du parcours" not in text(client.get(public_page))  # nothing published yet

    sign_in(client, first.facilitator)
    assert post_form(client, f"{rollup_url(first)}/publier", {}).status_code == 302
    sign_in(client, first.alice)
    page = client.get(public_page).get_data(as_text=True)

    assert f'href="/parcours/{programme.id}/synthese"' in page
    assert client.get(f"/parcours/{programme.id}/synthese").status_code == 200
    stranger = room(db)  # follows another programme: no link, no page
    sign_in(client, stranger.alice)
    assert "Lire la synthèse du parcours" not in text(client.get(public_page))
    assert client.get(f"/parcours/{programme.id}/synthese").status_code == 404
