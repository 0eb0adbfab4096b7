"""Peer groups in a real browser: a facilitator generates groups for the people checked in, moves
one person with the keyboard-only control, locks a group, re-solves and publishes; a participant
then sees their own group. A second journey drags a person from one card to another (groups.js)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.models import GroupMember, PeerGroup, Registration, Round, User
from app.services.registration import register
from tests.e2e.conftest import ConsoleLog, LiveServer, sign_in
from tests.factories import DEFAULT_PASSWORD, make_programme, make_user, make_workshop

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WORKSHOP_TITLE = "Atelier — Coopérer entre acteurs du territoire"
PROFILES = ("local_authority", "association", "company", "academic", "ess_enterprise", "support_intermediary")
MAX_TABS = 400


def arrange(server: LiveServer, count: int = 10, checked_in: int = 10) -> tuple[User, User, int]:
    """A facilitator, `count` registered people of whom `checked_in` are present; one knows her password."""
    with server.session() as session:
        facilitator = make_user(
            session, role="facilitator", email="nadia.schaeffer@region-grandest.example", first_name="Nadia"
        )
        programme = make_programme(session, facilitators=[facilitator], title="Hybrider son modèle")
        start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(hours=1)
        workshop = make_workshop(
            session,
            programme,
            title=WORKSHOP_TITLE,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            capacity=30,
            attribution_mode="named",
        )
        participant = None
        for i in range(count):
            person = make_user(
                session,
                first_name=(
                    "Camille",
                    "Inès",
                    "Maxime",
                    "Lina",
                    "Hugo",
                    "Sacha",
                    "Jade",
                    "Noé",
                    "Alix",
                    "Rémi",
                )[i % 10],
                last_name=f"Durand{i}",
                email=f"personne{i}@exemple.example",
                organisation=f"Structure {i}",
                actor_profile=PROFILES[i % len(PROFILES)],
                territory=("Moselle", "Marne", "Vosges")[i % 3],
            )
            register(session, workshop.id, person)
            session.commit()
            if i < checked_in:
                registration = session.scalars(
                    sa.select(Registration).where(Registration.user_id == person.id)
                ).one()
                registration.attendance = "present"
                registration.checked_in_at = dt.datetime.now(dt.UTC)
                session.commit()
            participant = participant or person
        assert participant is not None
        return facilitator, participant, workshop.id


def groups_in_db(server: LiveServer, workshop_id: int) -> list[set[int]]:
    with server.session() as session:
        groups = session.scalars(
            sa.select(PeerGroup)
            .join(Round, PeerGroup.round_id == Round.id)
            .where(Round.workshop_id == workshop_id)
            .order_by(PeerGroup.position)
        ).all()
        return [{m.user_id for m in group.members} for group in groups]


def tab_to(page: Page, element_id: str) -> None:
    """Press Tab until the element has the focus (keyboard only, bounded)."""
    for _ in range(MAX_TABS):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    pytest.fail(f"#{element_id} never received the focus with Tab")


def test_facilitator_forms_groups_then_a_participant_sees_hers(
    live_server: LiveServer, new_page: Callable[[], Page], console: ConsoleLog
) -> None:
    facilitator, participant, workshop_id = arrange(live_server, count=12, checked_in=10)
    page = new_page()
    sign_in(page, live_server, facilitator.email or "", DEFAULT_PASSWORD)

    # From the workshop's back-office page to the grouping tool.
    page.goto(live_server(f"/gestion/ateliers/{workshop_id}"))
    page.get_by_role("link", name="Sous-groupes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sous-groupes")
    # « Aujourd'hui » only on the workshop's day in Paris (it starts in an hour: maybe tomorrow there).
    counts = re.compile(
        r"(Aujourd'hui : 10 personnes pointées présentes|Présences notées : 10) sur 12 inscriptions"
    )
    expect(page.get_by_text(counts)).to_be_visible()

    # Generate for the people checked in: groups of 3 to 4, one second of computation at most.
    page.get_by_label("Taille minimale").fill("3")
    page.get_by_label("Taille maximale").fill("4")
    page.get_by_label("Temps de calcul maximal, en secondes").fill("1")
    # Hold the submission (a listener after groups.js cancels it) to see the page while it waits:
    # a status says how long the engine may take, and the button cannot be pressed twice.
    page.evaluate(
        "() => window.addEventListener('submit', (event) => {"
        " event.preventDefault(); window.heldForm = event.target; })"
    )
    page.get_by_role("button", name="Générer", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Calcul en cours")).to_have_text(
        "Calcul en cours… (jusqu'à 1 seconde)"
    )
    expect(page.get_by_role("button", name="Générer", exact=True)).to_be_disabled()
    with page.expect_navigation():
        page.evaluate("() => window.heldForm.submit()")
    expect(page.get_by_text("Sous-groupes générés")).to_be_visible()
    expect(page.get_by_text("Aucun binôme déjà rencontré")).to_be_visible()
    groups = groups_in_db(live_server, workshop_id)
    assert len(groups) == 3 and sum(map(len, groups)) == 10

    # Move one person with the keyboard-only control: Tab to the select, arrow to a group, Enter.
    with live_server.session() as session:
        member = session.scalars(
            sa.select(GroupMember)
            .join(Round, GroupMember.round_id == Round.id)
            .join(PeerGroup, GroupMember.group_id == PeerGroup.id)
            .where(Round.workshop_id == workshop_id, PeerGroup.position == 1)
            .order_by(GroupMember.id)
        ).first()
        assert member is not None
        mover_id, mover_name, start_group = member.id, member.user.full_name, member.group_id
    tab_to(page, f"deplacer-{mover_id}")
    page.keyboard.press("ArrowDown")
    target = page.evaluate(f"() => document.getElementById('deplacer-{mover_id}').value")
    assert target and target != str(start_group)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent")
    assert "Déplacer" in focused and mover_name in focused
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_text(f"{mover_name} a rejoint le sous-groupe")).to_be_visible()
    with live_server.session() as session:
        moved = session.get(GroupMember, mover_id)
        assert moved is not None and moved.group_id == int(target) and moved.locked

    # Lock the first group, then compute the rest again: it does not change.
    locked_before = groups_in_db(live_server, workshop_id)[0]
    page.get_by_role("button", name="Verrouiller le sous-groupe 1").click()
    expect(page.get_by_text("Sous-groupe 1 verrouillé.")).to_be_visible()
    page.get_by_role("button", name="Recalculer le reste").click()
    expect(page.get_by_text("Le reste a été recalculé")).to_be_visible()
    after = groups_in_db(live_server, workshop_id)
    assert after[0] == locked_before
    with live_server.session() as session:
        moved = session.get(GroupMember, mover_id)
        assert moved is not None and moved.group_id == int(target), "a person moved by hand stays"

    # Publish.
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.get_by_text("Sous-groupes publiés : chaque personne")).to_be_visible()

    # The participant sees her group from « Mes ateliers », and nobody of the other groups.
    with live_server.session() as session:
        checked_in_person = session.scalars(
            sa.select(User)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.round_id.in_(sa.select(Round.id).where(Round.workshop_id == workshop_id)))
            .order_by(User.id)
        ).first()
        assert checked_in_person is not None
        email = checked_in_person.email or ""
        mine = next(
            group for group in groups_in_db(live_server, workshop_id) if checked_in_person.id in group
        )
        names = {u.id: u.full_name for u in session.scalars(sa.select(User))}
    reader = new_page()
    sign_in(reader, live_server, email, DEFAULT_PASSWORD)
    reader.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Mes ateliers"
    ).click()
    reader.get_by_role("link", name="Mon sous-groupe").first.click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Mon sous-groupe")
    body = reader.locator("main").inner_text()
    for user_id in mine:
        assert names[user_id] in body
    others = set().union(*groups_in_db(live_server, workshop_id)) - mine
    for user_id in others:
        assert names[user_id] not in body
    assert console.errors == []
    del participant


def test_drag_and_drop_moves_a_person_between_cards(
    live_server: LiveServer, new_page: Callable[[], Page], console: ConsoleLog
) -> None:
    facilitator, _participant, workshop_id = arrange(live_server, count=8, checked_in=8)
    page = new_page()
    sign_in(page, live_server, facilitator.email or "", DEFAULT_PASSWORD)
    page.goto(live_server(f"/gestion/ateliers/{workshop_id}/sous-groupes"))
    page.get_by_label("Taille minimale").fill("4")
    page.get_by_label("Taille maximale").fill("4")
    page.get_by_label("Temps de calcul maximal, en secondes").fill("1")
    page.get_by_role("button", name="Générer", exact=True).click()
    expect(page.get_by_text("Sous-groupes générés")).to_be_visible()
    with live_server.session() as session:
        first, second = session.scalars(
            sa.select(PeerGroup)
            .join(Round)
            .where(Round.workshop_id == workshop_id)
            .order_by(PeerGroup.position)
        ).all()
        member_id, second_id = first.members[0].id, second.id

    # Grab the person by their name (the controls below it are not a drag handle).
    page.locator(f"#membre-{member_id} .member-name").drag_to(page.locator(f"#groupe-{second_id} h4"))

    expect(page.locator(f"#groupe-{second_id} #membre-{member_id}")).to_be_visible()
    expect(page.get_by_text("a rejoint le sous-groupe 2")).to_be_visible()
    with live_server.session() as session:
        moved = session.get(GroupMember, member_id)
        assert moved is not None and moved.group_id == second_id
    assert console.errors == []
