"""The note space in real browsers (notes.js over the JSON API): live sharing within a group,
nothing lost when the network or the session fails (REL-07, REL-10, REL-11), stale edits shown
side by side (REL-01), « +1 » and the facilitator's moderation reaching the group live, no draft
left in the browser after sign-out and a warning before unsent text is erased (HD-08).

Each person has a browser context of their own; the groups are arranged directly in the live
server's database (tests/support/notes.py `room`). Every wait is on a condition, with a timeout.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, Route, expect

from app.models import Note, NoteRevision
from tests.e2e.conftest import ConsoleLog, LiveServer, answer_dialogs, drag, sign_in, sign_out, wait_for
from tests.factories import DEFAULT_PASSWORD
from tests.support.notes import room

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LIVE_MS = 3000  # the promise: the group sees a change within 3 seconds
DRAFTS = "() => Object.keys(localStorage).filter((key) => key.startsWith('ateliers.draft.'))"


@dataclass
class Arranged:
    """Who is where: two groups of three, a facilitator, their e-mails and pages."""

    workshop_id: int
    groups: list[int]
    alice: str
    bob: str
    carol: str
    facilitator: str

    def space(self, index: int = 0) -> str:
        """Path of a group's note space."""
        return f"/notes/sous-groupes/{self.groups[index]}"


def arrange(server: LiveServer, rounds: int = 1) -> Arranged:
    """Two published groups of three (in each round) in a workshop with named attribution."""
    with server.session() as db:
        r = room(db, rounds=rounds, attribution_mode="named")
        return Arranged(
            r.workshop.id,
            [group.id for group in r.groups],
            r.alice.email or "",
            r.bob.email or "",
            r.carol.email or "",
            r.facilitator.email or "",
        )


def open_space(new_page: Callable[[], Page], server: LiveServer, email: str, path: str) -> Page:
    """A person signs in in a browser of their own and opens a note space, enhanced by notes.js."""
    page = new_page()
    sign_in(page, server, email, DEFAULT_PASSWORD)
    page.goto(server(path))
    expect(page.locator("#notes-live")).to_have_attribute("data-live", "on")
    return page


def notes_of(server: LiveServer, group_id: int) -> list[Note]:
    """The group's notes in the database (deleted ones included), read afresh."""
    with server.session() as db:
        return list(db.scalars(sa.select(Note).where(Note.group_id == group_id).order_by(Note.id)))


def add_note(page: Page, text: str, category: str = "lever") -> None:
    """Type a note in a column's form and press its button."""
    form = page.locator(f"form.note-form[data-category={category}]")
    form.locator("textarea[name=text]").fill(text)
    form.locator("button[type=submit]").click()


def card(page: Page, text: str) -> Any:
    """The note card holding `text`."""
    return page.locator(".note-card").filter(has=page.locator(".note-text", has_text=text))


def record_alerts(page: Page) -> None:
    """Remember every text the alert region showed, with what the field held at that moment."""
    page.evaluate(
        """() => {
          window.alertLog = [];
          const box = document.getElementById('notes-alert');
          new MutationObserver(() => {
            if (box.textContent) {
              window.alertLog.push({
                alert: box.textContent,
                field: document.querySelector('form.note-form[data-category=lever] textarea').value,
                status: document.getElementById('notes-status').textContent,
              });
            }
          }).observe(box, { childList: true, subtree: true, characterData: true });
        }"""
    )


# --- a. Live sharing within a group, and only within it ------------------------------------------


def test_a_note_its_edit_and_deletion_reach_the_group_within_3_s_and_no_other_group(
    live_server: LiveServer, new_page: Callable[[], Page], console: ConsoleLog
) -> None:
    s = arrange(live_server)
    alice = open_space(new_page, live_server, s.alice, s.space(0))
    bob = open_space(new_page, live_server, s.bob, s.space(0))
    carol = open_space(new_page, live_server, s.carol, s.space(1))

    add_note(alice, "Une cantine partagée entre trois communes")
    expect(alice.locator("#notes-status")).to_have_text("Enregistré")
    bob_card = card(bob, "Une cantine partagée entre trois communes")
    expect(bob_card).to_be_visible(timeout=LIVE_MS)
    expect(bob_card).to_contain_text("Membre00 Groupe0")  # named attribution
    expect(bob.locator("[data-count-for=lever]")).to_have_text("(1)")
    expect(bob.locator("#notes-status")).to_have_text("1 nouvelle note")

    # The author edits: the new text reaches Bob.
    mine = card(alice, "Une cantine partagée")
    mine.locator("summary", has_text="Modifier").click()
    mine.get_by_label("Texte de la note").fill("Une cantine partagée entre quatre communes")
    mine.get_by_role("button", name="Enregistrer la modification").click()
    expect(alice.locator("#notes-status")).to_have_text("Enregistré")
    expect(card(bob, "entre quatre communes")).to_be_visible(timeout=LIVE_MS)
    expect(card(bob, "entre trois communes")).to_have_count(0)

    # The author deletes: the card leaves Bob's page.
    mine = card(alice, "entre quatre communes")
    mine.locator("summary", has_text="Modifier").click()
    mine.get_by_role("button", name="Supprimer la note").click()
    expect(card(alice, "entre quatre communes")).to_have_count(0)
    expect(card(bob, "entre quatre communes")).to_have_count(0, timeout=LIVE_MS)
    expect(bob.locator("[data-count-for=lever]")).to_have_text("(0)")

    # Carol, in the other group, polled all along and saw none of it; group 1's feed is not hers.
    with carol.expect_response(lambda response: "/flux" in response.url):
        pass
    assert carol.locator(".note-card").count() == 0
    assert "cantine" not in carol.content()
    assert carol.request.get(live_server(f"/api/notes/sous-groupes/{s.groups[0]}/flux")).status == 404
    [note] = notes_of(live_server, s.groups[0])
    assert note.deleted_at is not None and note.text == "Une cantine partagée entre quatre communes"
    assert not console.errors, console.errors


# --- b. The network fails while a note is sent ---------------------------------------------------


def test_rel_07_rel_11_the_answer_is_lost_then_the_retry_saves_exactly_one_note(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server)
    page = open_space(new_page, live_server, s.alice, s.space(0))
    record_alerts(page)
    sent: list[dict[str, Any]] = []

    def lose_first_answer(route: Route) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        if len(sent) == 1:
            route.fetch()  # the server commits the note...
            route.abort("internetdisconnected")  # ...and its answer never reaches the page
        else:
            route.continue_()

    page.route("**/api/notes/sous-groupes/*/notes", lose_first_answer)
    add_note(page, "Un fonds de garantie local")

    expect(page.locator("#notes-status")).to_have_text("Enregistré")
    expect(page.locator("form.note-form[data-category=lever] textarea")).to_have_value("")
    [first, *_] = page.evaluate("() => window.alertLog")
    # While the answer was missing: an alert, the text still in the field, never « Enregistré ».
    assert "Connexion perdue" in first["alert"]
    assert first["field"] == "Un fonds de garantie local"
    assert "Enregistré" not in first["status"]
    assert len(sent) >= 2 and len({body["submission_id"] for body in sent}) == 1
    notes = notes_of(live_server, s.groups[0])
    assert [note.text for note in notes] == ["Un fonds de garantie local"]
    expect(card(page, "Un fonds de garantie local")).to_have_count(1)
    assert page.evaluate(DRAFTS) == []


def test_rel_11_offline_the_text_stays_and_is_saved_once_back_online(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server)
    page = open_space(new_page, live_server, s.alice, s.space(0))
    field = page.locator("form.note-form[data-category=lever] textarea")

    page.context.set_offline(True)
    add_note(page, "Mutualiser un poste de chargé de mission")
    expect(page.get_by_role("alert")).to_contain_text("Connexion perdue")
    expect(field).to_have_value("Mutualiser un poste de chargé de mission")
    expect(page.locator("#notes-status")).not_to_have_text("Enregistré")
    drafts = page.evaluate(DRAFTS)
    assert len(drafts) == 1 and drafts[0].endswith(f".{s.groups[0]}.lever")
    assert notes_of(live_server, s.groups[0]) == []

    page.context.set_offline(False)
    expect(page.locator("#notes-status")).to_have_text("Enregistré")
    expect(field).to_have_value("")
    expect(page.get_by_role("alert")).to_have_text("")
    assert [note.text for note in notes_of(live_server, s.groups[0])] == [
        "Mutualiser un poste de chargé de mission"
    ]
    assert page.evaluate(DRAFTS) == []


# --- c. The session expires while typing ---------------------------------------------------------


def test_cs_06_the_session_expires_while_typing_and_the_draft_comes_back_after_sign_in(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server)
    page = open_space(new_page, live_server, s.alice, s.space(0))
    field = page.locator("form.note-form[data-category=lever] textarea")
    field.fill("Une monnaie locale adossée au budget communal")

    page.context.clear_cookies()  # the session is gone
    page.locator("form.note-form[data-category=lever] button[type=submit]").click()

    expect(page.get_by_role("alert")).to_contain_text("Votre session a expiré")
    expect(field).to_have_value("Une monnaie locale adossée au budget communal")
    assert notes_of(live_server, s.groups[0]) == []

    # The alert's link signs in again and comes back: the draft is in its field.
    page.get_by_role("alert").get_by_role("link", name="Se reconnecter").click()
    page.fill("#email", s.alice)
    page.fill("#password", DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(live_server(s.space(0)))
    expect(page.locator("#notes-live")).to_have_attribute("data-live", "on")
    expect(field).to_have_value("Une monnaie locale adossée au budget communal")

    page.locator("form.note-form[data-category=lever] button[type=submit]").click()
    expect(page.locator("#notes-status")).to_have_text("Enregistré")
    assert [note.text for note in notes_of(live_server, s.groups[0])] == [
        "Une monnaie locale adossée au budget communal"
    ]


def test_cs_06_signed_out_in_another_tab_the_text_is_kept_for_the_next_sign_in(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server)
    page = open_space(new_page, live_server, s.alice, s.space(0))
    add_note(page, "Une première note bien enregistrée")
    expect(page.locator("#notes-status")).to_have_text("Enregistré")
    field = page.locator("form.note-form[data-category=lever] textarea")
    field.fill("Un tiers-lieu porté par les habitants")

    other = page.context.new_page()
    other.goto(live_server("/mes-ateliers"))
    dialogs = answer_dialogs(other, accept=True)  # warned of the unsent text, the person signs out anyway
    sign_out(other)  # clears the site's storage too (HD-08)
    assert len(dialogs.seen) == 1
    other.close()
    page.locator("form.note-form[data-category=lever] button[type=submit]").click()

    expect(page.get_by_role("alert")).to_contain_text("Votre session a expiré")
    expect(page.locator("#notes-status")).to_be_empty()  # the earlier « Enregistré » is gone
    expect(field).to_have_value("Un tiers-lieu porté par les habitants")
    sign_in(page, live_server, s.alice, DEFAULT_PASSWORD)
    page.goto(live_server(s.space(0)))
    expect(page.locator("#notes-live")).to_have_attribute("data-live", "on")
    expect(field).to_have_value("Un tiers-lieu porté par les habitants")
    assert [note.text for note in notes_of(live_server, s.groups[0])] == [
        "Une première note bien enregistrée"
    ]


# --- d. Two people edit the same note -------------------------------------------------------------


def test_rel_01_two_people_edit_the_same_version_and_the_second_sees_both_texts(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server)
    alice = open_space(new_page, live_server, s.alice, s.space(0))
    add_note(alice, "Un comité de suivi trimestriel")
    expect(alice.locator("#notes-status")).to_have_text("Enregistré")
    fanny = open_space(new_page, live_server, s.facilitator, s.space(0))  # facilitators may edit too

    # Both open the note at version 1 and type.
    for page, text in (
        (alice, "Un comité de suivi mensuel"),
        (fanny, "Un comité de suivi ouvert aux habitants"),
    ):
        mine = card(page, "Un comité de suivi trimestriel")
        mine.locator("summary", has_text="Modifier").click()
        mine.get_by_label("Texte de la note").fill(text)

    alice.get_by_role("button", name="Enregistrer la modification").click()
    expect(alice.locator("#notes-status")).to_have_text("Enregistré")
    # Fanny's page shows Alice's text from the feed but keeps her form, and its version, untouched.
    expect(fanny.locator(".note-card .note-text")).to_have_text("Un comité de suivi mensuel", timeout=LIVE_MS)
    expect(fanny.get_by_label("Texte de la note")).to_have_value("Un comité de suivi ouvert aux habitants")

    fanny.get_by_role("button", name="Enregistrer la modification").click()
    conflict = fanny.get_by_role("group", name="Deux versions du même texte")
    expect(conflict).to_be_visible()
    expect(conflict.locator(".conflict-theirs")).to_have_text("Un comité de suivi mensuel")
    expect(conflict.get_by_label("Votre texte (modifiable)")).to_have_value(
        "Un comité de suivi ouvert aux habitants"
    )
    expect(fanny.get_by_role("alert")).to_contain_text("modifié entre-temps")
    expect(conflict.get_by_role("heading", name="Deux versions du même texte")).to_be_focused()
    [note] = notes_of(live_server, s.groups[0])
    assert (note.text, note.version) == ("Un comité de suivi mensuel", 2)  # nothing overwritten

    # Fanny keeps hers: it is saved on top of version 2, and Alice sees it.
    conflict.get_by_role("button", name="Garder ma version").click()
    expect(fanny.locator("#notes-status")).to_have_text("Enregistré")
    expect(conflict).to_have_count(0)
    expect(card(alice, "ouvert aux habitants")).to_be_visible(timeout=LIVE_MS)
    with live_server.session() as db:
        kept = db.scalars(
            sa.select(NoteRevision.text).where(NoteRevision.note_id == note.id).order_by(NoteRevision.id)
        )
        assert list(kept) == [
            "Un comité de suivi trimestriel",
            "Un comité de suivi mensuel",
            "Un comité de suivi ouvert aux habitants",
        ]


def test_rel_01_keeping_the_saved_version_discards_mine_without_writing(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server)
    first = open_space(new_page, live_server, s.alice, s.space(0))
    add_note(first, "Former les élus au portage foncier")
    expect(first.locator("#notes-status")).to_have_text("Enregistré")
    second = first.context.new_page()  # the author in a second tab
    second.goto(live_server(s.space(0)))
    expect(second.locator("#notes-live")).to_have_attribute("data-live", "on")

    for page, text in (
        (first, "Former les élus et les agents"),
        (second, "Former les élus au foncier agricole"),
    ):
        mine = card(page, "Former les élus au portage foncier")
        mine.locator("summary", has_text="Modifier").click()
        mine.get_by_label("Texte de la note").fill(text)
    first.get_by_role("button", name="Enregistrer la modification").click()
    expect(first.locator("#notes-status")).to_have_text("Enregistré")
    second.get_by_role("button", name="Enregistrer la modification").click()
    conflict = second.get_by_role("group", name="Deux versions du même texte")
    expect(conflict.locator(".conflict-theirs")).to_have_text("Former les élus et les agents")

    conflict.get_by_role("button", name="Garder cette version").click()
    expect(conflict).to_have_count(0)
    expect(second.locator(".note-card .note-text")).to_have_text("Former les élus et les agents")
    expect(second.get_by_label("Texte de la note")).to_have_value("Former les élus et les agents")
    [note] = notes_of(live_server, s.groups[0])
    assert (note.text, note.version) == ("Former les élus et les agents", 2)
    assert second.evaluate(DRAFTS) == []


# --- The group summary and the facilitators' controls ---------------------------------------------


def test_rel_10_the_summary_draft_survives_a_reload_and_the_group_sees_it_once_saved(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server)
    alice = open_space(new_page, live_server, s.alice, s.space(0))  # the group's rapporteur
    bob = open_space(new_page, live_server, s.bob, s.space(0))
    summary = alice.get_by_label("Résumé du sous-groupe (tenu par le rapporteur ou la rapporteuse)")
    summary.fill("Coopérer coûte du temps ; il faut le financer.")

    alice.reload()
    expect(alice.locator("#notes-live")).to_have_attribute("data-live", "on")
    expect(summary).to_have_value("Coopérer coûte du temps ; il faut le financer.")
    expect(bob.locator("#resume-lecture")).to_have_text(
        "Le rapporteur ou la rapporteuse n'a encore rien écrit."
    )

    alice.get_by_role("button", name="Enregistrer le résumé").click()
    expect(alice.locator("#notes-status")).to_have_text("Enregistré")
    expect(bob.locator("#resume-lecture")).to_have_text(
        "Coopérer coûte du temps ; il faut le financer.", timeout=LIVE_MS
    )
    assert alice.evaluate(DRAFTS) == []


def test_the_facilitators_message_closing_and_next_round_reach_the_group_live(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server, rounds=2)
    alice = open_space(new_page, live_server, s.alice, s.space(0))
    fanny = new_page()
    sign_in(fanny, live_server, s.facilitator, DEFAULT_PASSWORD)
    fanny.goto(live_server(f"/gestion/ateliers/{s.workshop_id}/notes"))

    fanny.get_by_label("Message à tous les sous-groupes").fill("Plus que cinq minutes")
    fanny.get_by_role("button", name="Envoyer à tous les sous-groupes").click()
    expect(alice.locator("#board-messages li").first).to_contain_text(
        "Plus que cinq minutes", timeout=LIVE_MS
    )
    expect(alice.locator("#notes-status")).to_contain_text("Plus que cinq minutes")

    fanny.get_by_role("button", name="Fermer l'écriture").click()
    expect(alice.locator("#phase-notice")).to_contain_text("L'écriture est fermée", timeout=LIVE_MS)
    add = alice.locator("form.note-form[data-category=lever]")
    expect(add.locator("button[type=submit]")).to_be_disabled()
    expect(add.locator("textarea")).not_to_be_editable()

    fanny.get_by_role("button", name="Ouvrir l'écriture").click()
    expect(alice.locator("#phase-notice")).to_have_count(0, timeout=LIVE_MS)
    expect(add.locator("button[type=submit]")).to_be_enabled()

    fanny.get_by_label("Rotation affichée").select_option("2")
    fanny.get_by_role("button", name="Passer à cette rotation").click()
    notice = alice.locator("#round-notice")
    expect(notice).to_contain_text("La rotation 2 a commencé.", timeout=LIVE_MS)
    notice.get_by_role("link", name="Rejoindre mon nouveau sous-groupe").click()
    expect(alice.get_by_role("heading", level=1)).to_contain_text("Notes")
    assert alice.url != live_server(s.space(0))


def test_a_plus_one_and_the_facilitators_moderation_reach_the_group_within_3_s(
    live_server: LiveServer, new_page: Callable[[], Page], console: ConsoleLog
) -> None:
    s = arrange(live_server)
    alice = open_space(new_page, live_server, s.alice, s.space(0))
    add_note(alice, "Une cantine partagée entre communes")
    expect(alice.locator("#notes-status")).to_have_text("Enregistré")
    [note] = notes_of(live_server, s.groups[0])
    bob = open_space(new_page, live_server, s.bob, s.space(0))
    fanny = open_space(new_page, live_server, s.facilitator, s.space(0))

    # Bob shares the note (« +1 »): his button says so, Alice sees the count.
    bobs = bob.locator(f"#note-{note.id}")
    bobs.locator(".note-vote-form button").click()
    expect(bobs.locator(".note-vote-form button")).to_have_attribute("aria-pressed", "true")
    expect(bobs).to_contain_text("1 personne partage")
    expect(alice.locator(f"#note-{note.id}")).to_contain_text("1 personne partage", timeout=LIVE_MS)

    # The facilitator keeps it for the synthesis, then hides it: it leaves the group's pages.
    fannys = fanny.locator(f"#note-{note.id}")
    fannys.get_by_role("button", name="Retenir pour la synthèse").click()
    expect(fannys).to_contain_text("Retenue pour la synthèse")
    expect(alice.locator(f"#note-{note.id}")).to_contain_text("Retenue pour la synthèse", timeout=LIVE_MS)
    fannys.get_by_role("button", name="Masquer").click()
    expect(fannys).to_contain_text("Masquée aux participantes et participants")
    expect(alice.locator(f"#note-{note.id}")).to_have_count(0, timeout=LIVE_MS)
    expect(bob.locator(f"#note-{note.id}")).to_have_count(0, timeout=LIVE_MS)

    [stored] = notes_of(live_server, s.groups[0])
    assert (stored.plus_count, stored.highlighted, stored.hidden) == (1, True, True)
    assert not console.errors, console.errors


def test_dragging_ones_note_to_another_column_changes_its_category_for_the_group(
    live_server: LiveServer, new_page: Callable[[], Page], console: ConsoleLog
) -> None:
    s = arrange(live_server)
    alice = open_space(new_page, live_server, s.alice, s.space(0))
    bob = open_space(new_page, live_server, s.bob, s.space(0))
    add_note(alice, "Un obstacle rangé au mauvais endroit")
    expect(alice.locator("#notes-status")).to_have_text("Enregistré")
    expect(bob.locator("#liste-lever")).to_contain_text("Un obstacle rangé", timeout=LIVE_MS)
    [note] = notes_of(live_server, s.groups[0])
    expect(bob.locator(f"#note-{note.id}")).not_to_have_attribute("draggable", "true")  # not Bob's note

    drag(alice, alice.locator(f"#note-{note.id}"), alice.locator(".note-column[data-category=difficulty]"))

    expect(alice.locator("#liste-difficulty")).to_contain_text("Un obstacle rangé")
    expect(alice.locator("#notes-status")).to_have_text("Enregistré")
    expect(bob.locator("#liste-difficulty")).to_contain_text("Un obstacle rangé", timeout=LIVE_MS)
    expect(bob.locator("#liste-lever")).not_to_contain_text("Un obstacle rangé")
    [moved] = notes_of(live_server, s.groups[0])
    assert (moved.category, moved.version, moved.text) == (
        "difficulty",
        2,
        "Un obstacle rangé au mauvais endroit",
    )
    assert not console.errors, console.errors


def test_deleting_a_note_asks_first(live_server: LiveServer, new_page: Callable[[], Page]) -> None:
    s = arrange(live_server)
    alice = open_space(new_page, live_server, s.alice, s.space(0))
    add_note(alice, "Une note qu'on hésite à supprimer")
    expect(alice.locator("#notes-status")).to_have_text("Enregistré")
    dialogs = answer_dialogs(alice, accept=False)
    mine = card(alice, "Une note qu'on hésite")

    mine.locator("summary", has_text="Modifier").click()
    mine.get_by_role("button", name="Supprimer la note").click()
    assert len(dialogs.seen) == 1 and "tout le sous-groupe" in dialogs.seen[0]
    expect(card(alice, "Une note qu'on hésite")).to_be_visible()
    assert notes_of(live_server, s.groups[0])[0].deleted_at is None

    dialogs.accept = True
    mine.get_by_role("button", name="Supprimer la note").click()
    expect(card(alice, "Une note qu'on hésite")).to_have_count(0)
    wait_for(lambda: notes_of(live_server, s.groups[0])[0].deleted_at is not None, "the note deleted")


# --- e. HD-08: no draft left after sign-out -------------------------------------------------------


def test_hd_08_signing_out_with_unsent_text_asks_first_and_then_leaves_no_draft(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server)
    page = open_space(new_page, live_server, s.alice, s.space(0))
    page.locator("form.note-form[data-category=lever] textarea").fill("Brouillon personnel")
    page.locator("form.note-form[data-category=difficulty] textarea").fill("Un autre brouillon")
    wait_for(lambda: len(page.evaluate(DRAFTS)) == 2, "two drafts in localStorage")

    # « Annuler »: nothing happens, the texts stay where they were.
    dialogs = answer_dialogs(page, accept=False)
    sign_out(page)
    assert len(dialogs.seen) == 1 and "pas encore enregistrés" in dialogs.seen[0]
    assert page.url == live_server(s.space(0))
    expect(page.locator("form.note-form[data-category=lever] textarea")).to_have_value("Brouillon personnel")
    assert len(page.evaluate(DRAFTS)) == 2
    assert page.request.get(live_server("/mes-ateliers"), max_redirects=0).status == 200  # still signed in

    # « OK »: signed out, and nothing of this person is left in the browser.
    dialogs.accept = True
    sign_out(page)

    expect(page.get_by_text("Vous êtes déconnecté")).to_be_visible()
    assert len(dialogs.seen) == 2 and page.evaluate(DRAFTS) == []


def test_hd_08_signing_out_from_any_page_warns_of_unsent_text_and_clears_site_storage(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server)
    page = open_space(new_page, live_server, s.alice, s.space(0))
    page.locator("form.note-form[data-category=lever] textarea").fill("Brouillon personnel")
    wait_for(lambda: len(page.evaluate(DRAFTS)) == 1, "a draft in localStorage")

    page.goto(live_server("/mes-ateliers"))  # notes.js is not on this page: the header does it
    assert len(page.evaluate(DRAFTS)) == 1
    dialogs = answer_dialogs(page, accept=True)
    sign_out(page)

    assert len(dialogs.seen) == 1
    expect(page.get_by_text("Vous êtes déconnecté")).to_be_visible()
    assert page.evaluate("() => localStorage.length") == 0


def test_hd_08_signing_out_after_every_note_is_saved_asks_nothing(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server)
    page = open_space(new_page, live_server, s.alice, s.space(0))
    add_note(page, "Une note bien enregistrée")
    wait_for(lambda: len(notes_of(live_server, s.groups[0])) == 1, "the note in the database")
    wait_for(lambda: page.evaluate(DRAFTS) == [], "no draft left once the server acknowledged")
    dialogs = answer_dialogs(page, accept=False)

    sign_out(page)

    expect(page.get_by_text("Vous êtes déconnecté")).to_be_visible()
    assert dialogs.seen == []
