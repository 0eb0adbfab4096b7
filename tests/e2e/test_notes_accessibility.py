"""Accessibility of the note space and the facilitators' dashboard (RGAA 4.1.2 / WCAG 2.1 AA), with
notes.js and dashboard.js running: axe-core finds zero violations in the dynamic states too (a note
arrived from the feed, the conflict view, the dashboard refreshed); « Enregistré » and new notes are
announced in the role="status" region; the pages reflow at 320 px; a note can be added with the
keyboard alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.models import GroupFeed, Note, PeerGroup, User
from app.services import notes
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import LiveServer, sign_in
from tests.factories import DEFAULT_PASSWORD
from tests.support.notes import room, space, write

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NARROW_WIDTH = 320
MAX_TABS = 200
LIVE_MS = 3000
# The dashboard refreshes every 3 s, counted from the end of the previous refresh: checked here is
# that it refreshes by itself, so a busy machine gets more than the 5 s Playwright waits by default.
DASHBOARD_MS = 10_000


@dataclass
class Arranged:
    """Two groups of three and their facilitator, by e-mail."""

    workshop_id: int
    groups: list[int]
    alice: str
    bob: str
    facilitator: str


def arrange(server: LiveServer) -> Arranged:
    """Published groups in a workshop whose notes are attributed by actor profile."""
    with server.session() as db:
        r = room(db)
        return Arranged(
            r.workshop.id,
            [group.id for group in r.groups],
            r.alice.email or "",
            r.bob.email or "",
            r.facilitator.email or "",
        )


def write_as(server: LiveServer, email: str, group_id: int, text: str, category: str = "lever") -> int:
    """Someone writes a note, as the service would for their browser; its id."""
    with server.session() as db:
        user = db.scalars(sa.select(User).where(User.email == email)).one()
        return write(db, user, db.get(PeerGroup, group_id) or PeerGroup(), text, category)


def edit_as(server: LiveServer, email: str, group_id: int, note_id: int, text: str) -> None:
    """Someone saves a new text for a note read at version 1."""
    with server.session() as db:
        user = db.scalars(sa.select(User).where(User.email == email)).one()
        group = db.get(PeerGroup, group_id) or PeerGroup()
        notes.edit_note(db, space(db, user, group), note_id, 1, notes.NoteInput("lever", text))
        db.commit()


def open_live(page: Page, server: LiveServer, email: str, path: str, root: str = "#notes-live") -> None:
    """Sign in and open a page enhanced by its script."""
    sign_in(page, server, email, DEFAULT_PASSWORD)
    page.goto(server(path))
    expect(page.locator(root)).to_have_attribute("data-live", "on")


def test_the_note_space_passes_axe_when_a_note_arrives_and_with_the_conflict_view(
    live_server: LiveServer, a11y_page: Page
) -> None:
    s = arrange(live_server)
    mine = write_as(live_server, s.alice, s.groups[0], "Un guichet unique pour les porteurs de projet")
    path = f"/notes/sous-groupes/{s.groups[0]}"
    open_live(a11y_page, live_server, s.alice, path)
    assert_accessible(a11y_page, "the note space")

    write_as(live_server, s.bob, s.groups[0], "Des locaux prêtés par la mairie", "inspiring_practice")
    expect(a11y_page.locator("#liste-inspiring_practice .note-card")).to_have_count(1, timeout=LIVE_MS)
    expect(a11y_page.locator("#notes-status")).to_have_text("1 nouvelle note")
    assert_accessible(a11y_page, "the note space after a note arrived from the feed")

    # A stale edit: someone saved the note while Alice was changing it.
    card = a11y_page.locator(f"#note-{mine}")
    card.locator("summary", has_text="Modifier").click()
    card.get_by_label("Texte de la note").fill("Un guichet unique, ouvert le samedi")
    assert_accessible(a11y_page, "the note space with an edit form open")
    edit_as(live_server, s.alice, s.groups[0], mine, "Un guichet unique et itinérant")
    expect(card.locator(".note-text")).to_have_text("Un guichet unique et itinérant", timeout=LIVE_MS)
    card.get_by_role("button", name="Enregistrer la modification").click()
    expect(card.get_by_role("group", name="Deux versions du même texte")).to_be_visible()
    expect(a11y_page.get_by_role("alert")).not_to_have_text("")
    assert_accessible(a11y_page, "the note space with the conflict view and an alert")
    with live_server.session() as db:
        assert db.get(Note, mine).text == "Un guichet unique et itinérant"  # type: ignore[union-attr]


def test_the_dashboard_passes_axe_before_and_after_a_refresh(
    live_server: LiveServer, a11y_page: Page
) -> None:
    s = arrange(live_server)
    open_live(
        a11y_page, live_server, s.facilitator, f"/gestion/ateliers/{s.workshop_id}/notes", "#dashboard-live"
    )
    row = a11y_page.locator(f"#dashboard-table tr[data-group='{s.groups[0]}']")
    expect(row.locator("td[data-total]")).to_have_text("0")
    assert_accessible(a11y_page, "the notes dashboard")

    write_as(live_server, s.alice, s.groups[0], "Une épicerie solidaire", "difficulty")
    expect(row.locator("td[data-total]")).to_have_text("1", timeout=DASHBOARD_MS)
    expect(row.locator("td[data-count=difficulty]")).to_have_text("1")
    expect(row.locator("td[data-last]")).not_to_have_text("aucune")
    assert_accessible(a11y_page, "the notes dashboard after a refresh")


def test_the_dashboard_says_at_what_time_today_and_on_which_day_before(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server)
    write_as(live_server, s.alice, s.groups[0], "Un tiers-lieu")
    with live_server.session() as db:  # the second group was last active on another day
        feed = db.get(GroupFeed, s.groups[1]) or GroupFeed(group_id=s.groups[1], revision=0)
        feed.last_activity_at = dt.datetime(2026, 12, 18, 0, 58, tzinfo=dt.UTC)  # 1 h 58 in Paris
        db.add(feed)
        db.commit()
    page = new_page()
    open_live(page, live_server, s.facilitator, f"/gestion/ateliers/{s.workshop_id}/notes", "#dashboard-live")

    # The page comes with the date in full; dashboard.js keeps only « à … » for today (in Paris).
    today = page.locator(f"#dashboard-table tr[data-group='{s.groups[0]}'] td[data-last]")
    expect(today).to_have_text(re.compile(r"^à \d{1,2} h \d\d$"))
    before = page.locator(f"#dashboard-table tr[data-group='{s.groups[1]}'] td[data-last]")
    expect(before).to_have_text("18/12/2026 à 1 h 58")
    # The live refresh writes the same.
    write_as(live_server, s.bob, s.groups[0], "Un atelier vélo")
    expect(page.locator(f"#dashboard-table tr[data-group='{s.groups[0]}'] td[data-total]")).to_have_text(
        "2", timeout=DASHBOARD_MS
    )
    expect(today).to_have_text(re.compile(r"^à \d{1,2} h \d\d$"))
    expect(before).to_have_text("18/12/2026 à 1 h 58")


def test_saved_and_new_notes_are_announced_in_the_status_region(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    s = arrange(live_server)
    path = f"/notes/sous-groupes/{s.groups[0]}"
    alice = new_page()
    open_live(alice, live_server, s.alice, path)
    bob = new_page()
    open_live(bob, live_server, s.bob, path)
    status = alice.locator("#notes-status")
    assert status.get_attribute("role") == "status"

    alice.locator("#nouvelle-lever").fill("Un atelier vélo dans le lycée")
    alice.locator("form.note-form[data-category=lever] button[type=submit]").click()

    expect(status).to_have_text("Enregistré")
    expect(bob.get_by_role("status").filter(has_text="nouvelle note")).to_have_text(
        "1 nouvelle note", timeout=LIVE_MS
    )


def test_the_note_space_and_the_dashboard_reflow_at_320_px(live_server: LiveServer, a11y_page: Page) -> None:
    s = arrange(live_server)
    write_as(
        live_server, s.alice, s.groups[0], "Uneidéesanspausepourvoirsilecartonsallongebeaucouptropvraiment"
    )
    write_as(live_server, s.bob, s.groups[0], "Des permanences communes\navec trois lignes\net des tags")
    a11y_page.set_viewport_size({"width": NARROW_WIDTH, "height": 640})
    open_live(a11y_page, live_server, s.alice, f"/notes/sous-groupes/{s.groups[0]}")
    a11y_page.locator(".note-card summary", has_text="Modifier").first.click()
    a11y_page.locator("form.note-form .tag-picker summary").first.click()
    width = a11y_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= NARROW_WIDTH, f"the note space is {width}px wide at 320 px"

    a11y_page.context.clear_cookies()
    open_live(
        a11y_page, live_server, s.facilitator, f"/gestion/ateliers/{s.workshop_id}/notes", "#dashboard-live"
    )
    width = a11y_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= NARROW_WIDTH, f"the dashboard is {width}px wide at 320 px"


def press_tab_until(page: Page, selector: str) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard only, bounded)."""
    for _ in range(MAX_TABS):
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{selector} never received the focus with Tab")


def test_a_note_can_be_added_with_the_keyboard_alone(live_server: LiveServer, page: Page) -> None:
    s = arrange(live_server)
    open_live(page, live_server, s.alice, f"/notes/sous-groupes/{s.groups[0]}")

    press_tab_until(page, "#nouvelle-lever")
    page.keyboard.type("Un covoiturage organisé par l'association")
    press_tab_until(page, "form.note-form[data-category=lever] button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.locator("#notes-status")).to_have_text("Enregistré")
    expect(page.locator("#liste-lever .note-text")).to_have_text("Un covoiturage organisé par l'association")
    expect(page.locator("#nouvelle-lever")).to_have_value("")
    with live_server.session() as db:
        assert db.scalars(sa.select(Note.text)).all() == ["Un covoiturage organisé par l'association"]
