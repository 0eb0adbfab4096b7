"""The synthesis in real browsers: a facilitator gathers notes of two groups into a theme (ticks and
« Regrouper »), accepts a suggestion, edits a section and publishes; a participant reads the
published synthesis and reaches neither the workspace nor any export (AC-07), nor does a
facilitator of another programme (AC-06). A second journey drags notes onto a theme and onto the
« Nouveau thème » zone (synthesis.js). axe-core finds nothing on the workspace, after an action,
and on the published page; both reflow at 320 px.

The groups and the notes are arranged in the live server's database (tests/support/notes.py);
every wait is on a condition, with a timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from app.models import SynthesisDocument, SynthesisSection, Theme, ThemeNote, User, Workshop
from app.services import synthesis
from app.synthesis.forms import FORMATS
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import ConsoleLog, LiveServer, answer_dialogs, drag, sign_in, sign_out, wait_for
from tests.factories import DEFAULT_PASSWORD, make_programme, make_user
from tests.support.notes import room, write

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NARROW_WIDTH = 320
# Two notes of different groups that say nearly the same thing: the similarity module links them.
SAME_A = "Mutualiser la comptabilité entre plusieurs associations"
SAME_B = "Mutualisation de la comptabilité entre associations du territoire"
# Two notes of different groups that have nothing in common with anything else.
LOCAL_A = "Un fonds de garantie local pour les projets des habitants"
LOCAL_B = "Ouvrir les cantines scolaires aux producteurs du coin"
OTHER = "Former les bénévoles à la recherche de mécénat"
STRANGER_EMAIL = "autre.animatrice@exemple.fr"


@dataclass
class Arranged:
    """A workshop with two published groups, notes in both, and who is who (e-mails)."""

    workshop_id: int
    facilitator: str
    participant: str
    notes: dict[str, int]  # text -> note id

    @property
    def workspace(self) -> str:
        """Path of the workshop's synthesis workspace."""
        return f"/gestion/ateliers/{self.workshop_id}/synthese"

    @property
    def published(self) -> str:
        """Path of the published synthesis."""
        return f"/ateliers/{self.workshop_id}/synthese"


def arrange(server: LiveServer, theme: str | None = None) -> Arranged:
    """Two groups of three write notes; optionally LOCAL_A is already in a theme of that name."""
    with server.session() as db:
        r = room(db, attribution_mode="anonymous")
        texts = [(0, SAME_A, "lever"), (1, SAME_B, "lever"), (0, LOCAL_A, "inspiring_practice")]
        texts += [(1, LOCAL_B, "inspiring_practice"), (0, OTHER, "difficulty")]
        ids = {}
        for group, text, category in texts:
            author = r.members[group][1]
            ids[text] = write(db, author, r.groups[group], text, category)
        if theme:
            workshop = db.get(Workshop, r.workshop.id)
            facilitator = db.get(User, r.facilitator.id)
            assert workshop is not None and facilitator is not None
            synthesis.group_notes(db, synthesis.workshop_scope(workshop), facilitator, theme, [ids[LOCAL_A]])
            db.commit()
        # A facilitator of another programme (AC-06).
        stranger = make_user(db, role="facilitator", email=STRANGER_EMAIL)
        make_programme(db, facilitators=[stranger])
        return Arranged(r.workshop.id, r.facilitator.email or "", r.carol.email or "", ids)


def theme_of(server: LiveServer, note_id: int) -> str | None:
    """The name of the theme a note is in, read afresh from the database."""
    with server.session() as db:
        return db.scalar(
            sa.select(Theme.name)
            .join(ThemeNote, ThemeNote.theme_id == Theme.id)
            .where(ThemeNote.note_id == note_id)
        )


def section_body(server: LiveServer, workshop_id: int, key: str) -> str | None:
    """A saved section's text, read afresh."""
    with server.session() as db:
        return db.scalar(
            sa.select(SynthesisSection.body)
            .join(SynthesisDocument, SynthesisSection.document_id == SynthesisDocument.id)
            .where(SynthesisDocument.workshop_id == workshop_id, SynthesisSection.key == key)
        )


def theme_id(server: LiveServer, workshop_id: int, name: str) -> int:
    """The id of a theme of the workshop, by name."""
    with server.session() as db:
        found = db.scalar(sa.select(Theme.id).where(Theme.workshop_id == workshop_id, Theme.name == name))
        assert found is not None, name
        return found


def note_item(page: Page, note_id: int) -> Locator:
    """The draggable item of a note in the explorer."""
    return page.locator(f"li.synthesis-note[draggable=true][data-note-id='{note_id}']")


def assert_reflows(page: Page, server: LiveServer, path: str) -> None:
    """No horizontal scrolling at 320 CSS pixels (WCAG 1.4.10)."""
    page.set_viewport_size({"width": NARROW_WIDTH, "height": 640})
    try:
        page.goto(server(path))
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= NARROW_WIDTH, f"{path} is {width}px wide at 320 px"
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def export(page: Page, server: LiveServer, path: str, fmt: str, token: str) -> int:
    """POST the export form as the page's person (their cookies, a valid CSRF token); the status."""
    response = page.request.post(server(path + "/export"), form={"csrf_token": token, "format": fmt})
    return response.status


def csrf_of(page: Page) -> str:
    """The person's CSRF token, from any form of the current page (the header's sign-out form)."""
    return page.locator("input[name=csrf_token]").first.input_value()


def test_ac_07_ac_06_facilitator_groups_accepts_edits_publishes_and_only_participants_read_it(
    live_server: LiveServer, a11y_page: Page, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server)
    page = a11y_page
    sign_in(page, live_server, s.facilitator, DEFAULT_PASSWORD)
    page.goto(live_server(s.workspace))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Synthèse")
    assert_accessible(page, "synthesis workspace")

    # Notes of two groups ticked, a theme name typed, « Regrouper ».
    page.get_by_label(LOCAL_A).check()
    page.get_by_label(LOCAL_B).check()
    page.get_by_label("Regrouper les notes cochées dans le thème").fill("Ancrage territorial")
    page.get_by_role("button", name="Regrouper", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("regroupées dans le thème « Ancrage territorial »")
    box = page.locator(".theme-box", has=page.get_by_role("heading", name="Ancrage territorial"))
    expect(box).to_contain_text(LOCAL_A)
    expect(box).to_contain_text(LOCAL_B)
    assert (
        theme_of(live_server, s.notes[LOCAL_A])
        == theme_of(live_server, s.notes[LOCAL_B])
        == "Ancrage territorial"
    )
    assert_accessible(page, "synthesis workspace after « Regrouper »")

    # The near-duplicate notes of the two groups are suggested; the facilitator names and accepts it.
    suggestion = page.locator("#suggestions .suggestion", has_text=SAME_A)
    expect(suggestion).to_contain_text(SAME_B)
    suggestion.get_by_label("Nom du thème").fill("Comptabilité partagée")
    suggestion.get_by_role("button", name="Accepter").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Suggestion acceptée : thème « Comptabilité partagée »"
    )
    expect(page.locator("#suggestions .suggestion")).to_have_count(0)
    assert (
        theme_of(live_server, s.notes[SAME_A])
        == theme_of(live_server, s.notes[SAME_B])
        == "Comptabilité partagée"
    )

    # A section edited and saved.
    editor = page.locator("#section-learnings")
    editor.get_by_label("Texte de la section « Enseignements »").fill(
        "Les associations gagnent à **mutualiser** leurs fonctions support."
    )
    editor.get_by_role("button", name="Enregistrer la section").click()
    expect(page.locator(".flash-success")).to_contain_text("la section est à jour")
    assert section_body(live_server, s.workshop_id, "learnings") == (
        "Les associations gagnent à **mutualiser** leurs fonctions support."
    )
    assert_accessible(page, "synthesis workspace after a section was saved")

    # Published; the facilitator can still export (the request the participant will try is right).
    page.locator("#publication").get_by_role("button", name="Publier", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Version 1 publiée")
    assert export(page, live_server, s.workspace, "csv", csrf_of(page)) == 200
    assert_reflows(page, live_server, s.workspace)
    sign_out(page)

    # A participant of the programme reads the published synthesis.
    sign_in(page, live_server, s.participant, DEFAULT_PASSWORD)
    response = page.goto(live_server(s.published))
    assert response is not None and response.status == 200
    main = page.locator("main")
    expect(main.locator("strong", has_text="mutualiser")).to_be_visible()
    expect(main).to_contain_text("Les associations gagnent à mutualiser leurs fonctions support.")
    for name in ("Ancrage territorial", "Comptabilité partagée"):
        expect(main.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(main).to_contain_text(LOCAL_B)
    # Empty sections are left out and the others numbered 1, 2, 3... without gaps.
    numbers = [h.split(".")[0] for h in main.locator("section > h2[id^=section-]").all_inner_texts()]
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)] and len(numbers) >= 2, numbers
    assert_accessible(page, "published synthesis (participant)")
    assert_reflows(page, live_server, s.published)

    # ...but reaches neither the workspace nor any export, even with a valid form (AC-07).
    response = page.goto(live_server(s.workspace))
    assert response is not None and response.status in (403, 404)
    page.goto(live_server(s.published))
    token = csrf_of(page)
    for fmt in FORMATS:
        assert export(page, live_server, s.workspace, fmt, token) in (403, 404), fmt
    posted = page.request.post(live_server(s.workspace + "/publier"), form={"csrf_token": token})
    assert posted.status in (403, 404)

    # A facilitator of another programme sees nothing of it either (AC-06).
    stranger = new_page()
    sign_in(stranger, live_server, STRANGER_EMAIL, DEFAULT_PASSWORD)
    response = stranger.goto(live_server(s.workspace))
    assert response is not None and response.status == 404
    assert export(stranger, live_server, s.workspace, "docx", csrf_of(stranger)) == 404
    response = stranger.goto(live_server(s.published))
    assert response is not None and response.status == 404


def test_dragging_a_note_onto_a_theme_puts_it_there_and_onto_new_theme_ticks_it(
    live_server: LiveServer, page: Page, console: ConsoleLog
) -> None:
    s = arrange(live_server, theme="Ancrage territorial")
    sign_in(page, live_server, s.facilitator, DEFAULT_PASSWORD)
    page.goto(live_server(s.workspace))
    new_zone = page.locator("#depot-nouveau-theme")
    expect(new_zone).to_be_visible()  # synthesis.js ran under the CSP
    target = page.locator(f"#theme-{theme_id(live_server, s.workshop_id, 'Ancrage territorial')}")

    # A note of the other group dropped on the theme's box: it joins the theme, the page comes back.
    drag(page, note_item(page, s.notes[LOCAL_B]), target)
    wait_for(
        lambda: theme_of(live_server, s.notes[LOCAL_B]) == "Ancrage territorial", "the note in the theme"
    )
    expect(page.locator(".flash-success")).to_contain_text("« Ancrage territorial »")
    expect(target).to_contain_text(LOCAL_B)
    assert theme_of(live_server, s.notes[OTHER]) is None

    # A note dropped on « Nouveau thème »: ticked, the name field focused; the person names the theme.
    drag(page, note_item(page, s.notes[OTHER]), new_zone)
    expect(page.locator(f"#choix-{s.notes[OTHER]}")).to_be_checked()
    expect(page.get_by_label("Regrouper les notes cochées dans le thème")).to_be_focused()
    expect(page.locator("#regroupement-statut")).to_contain_text("Note cochée")
    assert theme_of(live_server, s.notes[OTHER]) is None  # nothing sent before the name is given
    page.keyboard.type("Bénévolat")
    page.get_by_role("button", name="Regrouper", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("« Bénévolat »")
    assert theme_of(live_server, s.notes[OTHER]) == "Bénévolat"
    assert not console.errors, console.errors

    # Offline, a drop fails: the alert says so, the page stays, nothing changed.
    page.context.set_offline(True)
    drag(page, note_item(page, s.notes[SAME_A]), target)
    expect(page.get_by_role("alert")).to_contain_text("n'a pas été regroupée")
    expect(page.locator("#regroupement-statut")).to_be_empty()
    assert theme_of(live_server, s.notes[SAME_A]) is None
    page.context.set_offline(False)


def test_the_roll_up_gathers_notes_of_two_workshops_by_ticks_drag_and_the_workshops_themes(
    live_server: LiveServer, a11y_page: Page
) -> None:
    with live_server.session() as db:
        first = room(db)
        second = room(db, next_to=first)
        ids = {
            LOCAL_A: write(db, first.alice, first.groups[0], LOCAL_A, "lever"),
            SAME_A: write(db, first.carol, first.groups[1], SAME_A, "lever"),
            LOCAL_B: write(db, second.alice, second.groups[0], LOCAL_B, "lever"),
            OTHER: write(db, second.carol, second.groups[1], OTHER, "difficulty"),
        }
        # The second workshop's own synthesis has a theme.
        workshop, owner = db.get(Workshop, second.workshop.id), db.get(User, first.facilitator.id)
        assert workshop is not None and owner is not None
        synthesis.group_notes(db, synthesis.workshop_scope(workshop), owner, "Bénévolat", [ids[OTHER]])
        db.commit()
        programme_id, facilitator = first.workshop.programme_id, first.facilitator.email or ""
    path = f"/gestion/parcours/{programme_id}/synthese"
    page = a11y_page
    sign_in(page, live_server, facilitator, DEFAULT_PASSWORD)
    page.goto(live_server(path))
    expect(page.get_by_role("heading", name="Thèmes des ateliers")).to_be_visible()
    assert_accessible(page, "programme roll-up workspace")

    # Ticks across two workshops, then « Regrouper ».
    page.get_by_label(LOCAL_A).check()
    page.get_by_label(LOCAL_B).check()
    page.get_by_label("Regrouper les notes cochées dans le thème").fill("Ancrage territorial")
    page.get_by_role("button", name="Regrouper", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("« Ancrage territorial »")

    # Another note dragged onto the roll-up's theme joins it.
    with live_server.session() as db:
        target_id = db.scalar(sa.select(Theme.id).where(Theme.programme_id == programme_id))
    drag(page, note_item(page, ids[SAME_A]), page.locator(f"#theme-{target_id}"))
    expect(page.locator(f"#theme-{target_id}")).to_contain_text(SAME_A)

    # The workshops' themes are taken into the roll-up.
    page.get_by_role("button", name="Reprendre les thèmes des ateliers").click()
    expect(page.locator(".flash-success")).to_contain_text("1 thème des ateliers est repris")
    expect(page.locator(".theme-box", has=page.get_by_role("heading", name="Bénévolat"))).to_contain_text(
        OTHER
    )
    assert_accessible(page, "programme roll-up workspace after taking the workshops' themes")
    with live_server.session() as db:
        levels = db.execute(
            sa.select(Theme.name, ThemeNote.note_id)
            .join(ThemeNote, ThemeNote.theme_id == Theme.id)
            .where(Theme.programme_id == programme_id)
        ).all()
    assert sorted(levels) == sorted(
        [
            ("Ancrage territorial", ids[LOCAL_A]),
            ("Ancrage territorial", ids[LOCAL_B]),
            ("Ancrage territorial", ids[SAME_A]),
            ("Bénévolat", ids[OTHER]),
        ]
    )


def test_replacing_a_section_by_the_notes_or_deleting_a_theme_asks_first(
    live_server: LiveServer, page: Page
) -> None:
    s = arrange(live_server, theme="Ancrage territorial")
    sign_in(page, live_server, s.facilitator, DEFAULT_PASSWORD)
    page.goto(live_server(s.workspace))
    dialogs = answer_dialogs(page, accept=False)
    section = page.locator("#section-inspiring_practices")
    theme = page.locator(".theme-box", has=page.get_by_role("heading", name="Ancrage territorial"))

    # « Annuler »: nothing is sent.
    section.get_by_role("button", name="Pré-remplir à nouveau depuis les notes").click()
    theme.get_by_role("button", name="Supprimer le thème").click()
    assert (
        len(dialogs.seen) == 2
        and "sera remplacé" in dialogs.seen[0]
        and "Ancrage territorial" in dialogs.seen[1]
    )
    assert section_body(live_server, s.workshop_id, "inspiring_practices") is None  # no document stored yet
    assert theme_of(live_server, s.notes[LOCAL_A]) == "Ancrage territorial"

    # « OK »: done.
    dialogs.accept = True
    section.get_by_role("button", name="Pré-remplir à nouveau depuis les notes").click()
    expect(page.locator(".flash-success")).to_contain_text("la section est à jour")
    assert section_body(live_server, s.workshop_id, "inspiring_practices") is not None
    page.locator(".theme-box", has=page.get_by_role("heading", name="Ancrage territorial")).get_by_role(
        "button", name="Supprimer le thème"
    ).click()
    expect(page.locator(".flash-success")).to_contain_text("Les thèmes sont à jour")
    assert theme_of(live_server, s.notes[LOCAL_A]) is None
