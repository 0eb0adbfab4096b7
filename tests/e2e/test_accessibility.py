"""Accessibility (RGAA 4.1.2 / WCAG 2.1 AA): axe-core finds zero violations on every page of the
registration journey, anonymous and signed in, in its error states too; pages reflow at 320 px;
the skip link is the first stop of the keyboard and leads to the main content.

The pages are found by walking the URL map, so a page added later is checked without editing
this file; the demo programme (`flask seed-demo`) gives them realistic content.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from app.commands.demo import load_demo
from app.models import GroupMember, Note, PeerGroup, Programme, Registration, Round, User, Workshop
from app.policies import policy_of
from app.services.passwords import hash_password
from app.services.registration import cancel_token
from app.services.tokens import issue_token
from tests.e2e.axe import assert_accessible, run_axe
from tests.e2e.conftest import LiveServer, sign_in, sign_out
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DOWNLOAD_SUFFIXES = (".csv", ".xlsx", ".json", ".ics")
NARROW_WIDTH = 320


@dataclass
class Demo:
    """The demo programme loaded on the live server, with accounts the test can sign in with."""

    programme: Programme
    past: Workshop
    open: Workshop
    full: Workshop
    participant: str
    participant_password: str
    waitlisted: str
    facilitator: str
    facilitator_password: str
    admin: str
    admin_password: str
    registration_id: int
    group_id: int
    note_id: int
    values: dict[str, dict[str, object]]


@pytest.fixture
def demo(live_server: LiveServer) -> Demo:
    """Load the demo; give a known password to one wait-listed person; prepare real tokens."""
    with live_server.session() as session:
        summary = load_demo(session)
        session.commit()
        accounts = {account.label: account for account in summary.accounts}
        past, open_, full = sorted(summary.workshops, key=lambda w: w.starts_at)
        waitlisted = session.scalars(
            sa.select(Registration)
            .where(Registration.workshop_id == full.id, Registration.status == "waitlisted")
            .order_by(Registration.waitlist_position)
        ).first()
        assert waitlisted is not None
        waitlisted.user.password_hash = hash_password(DEFAULT_PASSWORD)
        participant = session.scalars(
            sa.select(User).where(User.email == accounts["participation"].email)
        ).one()
        registration = session.scalars(
            sa.select(Registration).where(
                Registration.user_id == participant.id, Registration.workshop_id == full.id
            )
        ).one()
        cancel = cancel_token(registration, live_server.app.config["SECRET_KEY"])
        group_id, note_id = _participant_group(session, past, participant)
        invited = session.scalars(sa.select(User).where(User.password_hash.is_(None))).first()
        assert invited is not None
        values: dict[str, dict[str, object]] = {
            "registrations.cancel_by_token": {"token": cancel},
            "auth.reset": {"token": issue_token(session, participant, "password_reset", 3600)},
            "auth.accept_invitation": {"token": issue_token(session, invited, "invitation", 3600)},
            "calendar.feed": {"token": participant.calendar_token},
        }
        session.commit()
        facilitators = [a for a in summary.accounts if a.label == "facilitation"]
        return Demo(
            programme=summary.programme,
            past=past,
            open=open_,
            full=full,
            participant=accounts["participation"].email,
            participant_password=accounts["participation"].password,
            waitlisted=waitlisted.user.email or "",
            facilitator=facilitators[0].email,
            facilitator_password=facilitators[0].password,
            admin=accounts["administration"].email,
            admin_password=accounts["administration"].password,
            registration_id=registration.id,
            group_id=group_id,
            note_id=note_id,
            values=values,
        )


def _participant_group(session: Session, past: Workshop, participant: User) -> tuple[int, int]:
    """The demo participant's group at the past workshop (placed in one if absent) and a note of it."""
    member = session.scalars(
        sa.select(GroupMember)
        .join(Round, GroupMember.round_id == Round.id)
        .where(Round.workshop_id == past.id, GroupMember.user_id == participant.id)
    ).first()
    if member is None:
        group = session.scalars(
            sa.select(PeerGroup)
            .join(Round, PeerGroup.round_id == Round.id)
            .where(Round.workshop_id == past.id)
        ).first()
        assert group is not None
        registration = session.scalars(
            sa.select(Registration).where(
                Registration.workshop_id == past.id, Registration.user_id == participant.id
            )
        ).one()
        member = GroupMember(
            group_id=group.id,
            round_id=group.round_id,
            user_id=participant.id,
            registration_id=registration.id,
        )
        session.add(member)
        session.flush()
    note = session.scalars(sa.select(Note).where(Note.group_id == member.group_id)).first()
    assert note is not None
    return member.group_id, note.id


def fill(rule: Rule, demo: Demo) -> str | None:
    """A real URL for a rule from the demo data; None for what a browser page cannot show."""
    filled: dict[str, object] = {}
    for name in rule.arguments:
        if name in demo.values.get(rule.endpoint, {}):
            filled[name] = demo.values[rule.endpoint][name]
        elif name == "slug":
            filled[name] = demo.programme.slug
        elif name == "programme_id":
            filled[name] = demo.programme.id
        elif name == "workshop_id":
            filled[name] = demo.full.id
        elif name == "registration_id":
            filled[name] = demo.registration_id
        elif name == "group_id":
            filled[name] = demo.group_id
        elif name == "note_id":
            filled[name] = demo.note_id
        else:
            pytest.fail(f"no demo value for <{name}> in {rule.rule}: teach fill() about it")
    built = rule.build(filled, append_unknown=False)
    assert built is not None
    path = built[1]
    return None if path.endswith(DOWNLOAD_SUFFIXES) else path


def pages_for(app: Flask, demo: Demo, policies: set[str], prefix: str = "") -> Iterator[str]:
    """Every HTML page (GET) whose policy is in `policies`, optionally under a URL prefix."""
    seen = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in (rule.methods or set()):
            continue
        if rule.rule.startswith("/api/"):
            continue  # JSON, not pages
        if policy_of(app.view_functions[rule.endpoint]) not in policies:
            continue
        if not rule.rule.startswith(prefix):
            continue
        path = fill(rule, demo)
        if path and path not in seen:
            seen.add(path)
            yield path


def check_page(page: Page, server: LiveServer, path: str, label: str, status: int = 200) -> None:
    response = page.goto(server(path))
    assert response is not None
    assert response.status == status, f"{label} {path}: HTTP {response.status}"
    assert_accessible(page, f"{label} {path}")


def test_a11y_public_pages_anonymous(a11y_page: Page, live_server: LiveServer, demo: Demo) -> None:
    paths = sorted(pages_for(live_server.app, demo, {"public", "token"}))
    assert {"/", "/parcours", "/connexion", "/creer-un-compte", "/accessibilite"} <= set(paths)
    for path in paths:
        response = a11y_page.goto(live_server(path))
        assert response is not None and response.status < 400, f"{path}: {response and response.status}"
        assert_accessible(a11y_page, f"anonymous {path}")
    # Pages of the other workshops too (open with seats, past).
    for workshop in (demo.open, demo.past):
        check_page(a11y_page, live_server, f"/ateliers/{workshop.id}", "anonymous")
    # The English interface: `lang` follows the language, and the pages stay accessible.
    a11y_page.goto(live_server("/"))
    a11y_page.get_by_role("button", name="English version").click()
    a11y_page.wait_for_load_state()
    assert a11y_page.evaluate("() => document.documentElement.lang") == "en"
    for path in ("/", "/creer-un-compte", f"/ateliers/{demo.open.id}"):
        check_page(a11y_page, live_server, path, "English")


def test_a11y_error_pages(a11y_page: Page, live_server: LiveServer, demo: Demo) -> None:
    check_page(a11y_page, live_server, "/page-qui-n-existe-pas", "404", status=404)
    check_page(a11y_page, live_server, "/ateliers/999999", "404", status=404)
    check_page(a11y_page, live_server, "/reinitialisation/lien-invalide", "invalid reset link", status=404)


def test_a11y_forms_with_errors(a11y_page: Page, live_server: LiveServer, demo: Demo) -> None:
    page = a11y_page
    # Sign-up sent empty: the error summary and the fields' errors.
    page.goto(live_server("/creer-un-compte"))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#resume-erreurs").count() == 1, "the sign-up form should show its errors"
    assert page.locator("[aria-invalid=true]").count() >= 2
    assert_accessible(page, "sign-up with errors")

    # Sign-up with a too-short password and a bad address: field-level errors with text kept.
    page.fill("#email", "pas-une-adresse")
    page.fill("#first_name", "Alix")
    page.fill("#last_name", "Weber")
    page.fill("#password", "court")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.input_value("#first_name") == "Alix"
    assert_accessible(page, "sign-up with field errors")

    # Sign-in refused.
    page.goto(live_server("/connexion"))
    page.fill("#email", demo.participant)
    page.fill("#password", "mauvais mot de passe")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[aria-invalid=true]").count() >= 1
    assert_accessible(page, "sign-in refused")

    # Forgotten password with an invalid address.
    page.goto(live_server("/mot-de-passe-oublie"))
    page.fill("#email", "pas-une-adresse")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert_accessible(page, "forgot password with errors")

    # An expired form (no CSRF token): the page that gives the typed text back.
    page.goto(live_server("/creer-un-compte"))
    page.fill("#first_name", "Texte gardé")
    page.evaluate("() => document.querySelectorAll('main input[name=csrf_token]').forEach(e => e.remove())")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "Texte gardé" in page.content()
    assert_accessible(page, "expired form (CSRF)")


def test_a11y_participant_pages(a11y_page: Page, live_server: LiveServer, demo: Demo) -> None:
    page = a11y_page
    sign_in(page, live_server, demo.participant, demo.participant_password)
    paths = sorted(pages_for(live_server.app, demo, {"public", "token", "signed_in"}))
    assert {"/mes-ateliers", "/compte/"} <= set(paths)
    for path in paths:
        response = page.goto(live_server(path))
        assert response is not None and response.status < 400, f"{path}: {response and response.status}"
        assert_accessible(page, f"participant {path}")
    # The open workshop shows the registration form to a signed-in person.
    check_page(page, live_server, f"/ateliers/{demo.open.id}", "participant, registration form")
    assert page.locator("main form[method=post]").count() >= 1

    # Account forms with errors.
    page.goto(live_server("/compte/"))
    page.fill("#first_name", "")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator("[aria-invalid=true]").count() >= 1
    assert_accessible(page, "profile with errors")
    page.goto(live_server("/compte/mot-de-passe"))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator("[aria-invalid=true]").count() >= 1
    assert_accessible(page, "password change with errors")
    sign_out(page)

    # A wait-listed person's pages.
    sign_in(page, live_server, demo.waitlisted, DEFAULT_PASSWORD)
    check_page(page, live_server, "/mes-ateliers", "wait-listed participant")
    check_page(page, live_server, f"/ateliers/{demo.full.id}", "wait-listed participant")


def test_a11y_facilitator_pages(a11y_page: Page, live_server: LiveServer, demo: Demo) -> None:
    page = a11y_page
    sign_in(page, live_server, demo.facilitator, demo.facilitator_password)
    paths = sorted(pages_for(live_server.app, demo, {"facilitator"}))
    assert any("pointage" in path for path in paths), "the check-in page is walked"
    for path in paths:
        check_page(page, live_server, path, "facilitator")
    # The other workshops' management and check-in pages (past one with attendance recorded).
    for workshop in (demo.past, demo.open):
        check_page(page, live_server, f"/gestion/ateliers/{workshop.id}", "facilitator")
        check_page(page, live_server, f"/gestion/ateliers/{workshop.id}/pointage", "facilitator check-in")

    # Import preview: one good line, one with errors (nothing is written before confirmation).
    page.goto(live_server(f"/gestion/ateliers/{demo.open.id}/import"))
    bad_csv = (
        "email;prenom;nom;organisation;profil;territoire\n"
        "lina.roth@ville-metz.example;Lina;Roth;Ville de Metz;local_authority;Moselle\n"
        "pas-une-adresse;;Sans prénom;Association;profil-inconnu;Marne\n"
    )
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "participants.csv", "mimeType": "text/csv", "buffer": bad_csv.encode()}],
    )
    page.locator("main form[enctype] button[type=submit]").click()
    page.wait_for_load_state()
    assert "/import" in page.url
    assert_accessible(page, "import preview with per-line errors")
    good_csv = "email;prenom;nom\nlina.roth@ville-metz.example;Lina;Roth\n"
    page.goto(live_server(f"/gestion/ateliers/{demo.open.id}/import"))
    page.set_input_files(
        "input[type=file]", files=[{"name": "ok.csv", "mimeType": "text/csv", "buffer": good_csv.encode()}]
    )
    page.locator("main form[enctype] button[type=submit]").click()
    page.wait_for_load_state()
    assert_accessible(page, "import preview ready to confirm")

    # A new workshop sent empty: the form with its errors.
    page.goto(live_server(f"/gestion/parcours/{demo.programme.id}/ateliers/nouveau"))
    page.locator("main form[method=post] button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator("[aria-invalid=true]").count() >= 1
    assert_accessible(page, "new workshop with errors")

    # A new programme sent empty.
    page.goto(live_server("/gestion/parcours/nouveau"))
    page.locator("main form[method=post] button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator("[aria-invalid=true]").count() >= 1
    assert_accessible(page, "new programme with errors")

    # Check-in after marking someone present, and the walk-in form with errors.
    page.goto(live_server(f"/gestion/ateliers/{demo.full.id}/pointage"))
    page.locator("main button[value=present]").first.click()
    page.wait_for_load_state()
    assert_accessible(page, "check-in after a presence")
    page.locator("form[action$='sur-place'] button[type=submit]").click()
    page.wait_for_load_state()
    assert_accessible(page, "walk-in form with errors")
    sign_out(page)

    sign_in(page, live_server, demo.admin, demo.admin_password)
    for path in sorted(pages_for(live_server.app, demo, {"admin"})):
        check_page(page, live_server, path, "admin")


def test_a11y_groups_pages(a11y_page: Page, live_server: LiveServer, demo: Demo) -> None:
    """The grouping tool before and after generation, with errors, after a move; the participant's view."""
    page = a11y_page
    sign_in(page, live_server, demo.facilitator, demo.facilitator_password)
    url = f"/gestion/ateliers/{demo.full.id}/sous-groupes"
    check_page(page, live_server, url, "groups before generation")

    # The criteria sent with errors (sizes missing, too many rounds): errors next to their fields.
    page.fill("#min_size", "")
    page.fill("#rounds", "12")
    page.get_by_role("button", name="Générer", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("#resume-erreurs").count() == 1
    assert_accessible(page, "groups criteria with errors")

    # Generate for every confirmed person (the demo workshop is not checked in yet).
    page.goto(live_server(url))
    page.get_by_label("Toutes les inscriptions confirmées", exact=False).check()
    page.fill("#time_limit_s", "1")
    page.get_by_role("button", name="Générer", exact=True).click()
    page.wait_for_load_state()
    assert page.locator(".group-card").count() >= 2
    assert_accessible(page, "groups after generation")

    # After a move with the « Déplacer vers » control.
    page.locator("form.move-form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "a rejoint le sous-groupe" in page.content()
    assert_accessible(page, "groups after a move")

    # The roles panel opened, a stale edit (409), the print view, the page at 320 px.
    page.locator(".group-actions summary").first.click()
    assert_accessible(page, "groups with the roles panel open")
    stale = page.locator("form.move-form").first
    stale.locator("input[name=version]").evaluate("(input) => { input.value = '0' }")
    stale.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#resume-erreurs").count() == 1
    assert_accessible(page, "groups after a stale edit (409)")
    check_page(page, live_server, url + "/impression", "groups print view")
    page.set_viewport_size({"width": NARROW_WIDTH, "height": 640})
    page.goto(live_server(url))
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= NARROW_WIDTH, f"groups page is {width}px wide at 320 px"
    page.set_viewport_size({"width": 1280, "height": 900})

    # Published: the participant's « Mon sous-groupe » and the link to it.
    page.get_by_role("button", name="Publier", exact=True).click()
    page.wait_for_load_state()
    sign_out(page)
    sign_in(page, live_server, demo.participant, demo.participant_password)
    check_page(page, live_server, "/mes-ateliers", "my workshops with a published group")
    check_page(page, live_server, f"/ateliers/{demo.full.id}/mon-sous-groupe", "participant's group")
    assert page.locator(".my-groups .card").count() >= 1


def test_a11y_reflow_at_320_px(browser: Browser, live_server: LiveServer, demo: Demo) -> None:
    """No horizontal scrolling at 320 CSS pixels (WCAG 1.4.10)."""
    context = browser.new_context(locale="fr-FR", viewport={"width": NARROW_WIDTH, "height": 640})
    try:
        page = context.new_page()
        anonymous = ["/", "/parcours", f"/parcours/{demo.programme.slug}", f"/ateliers/{demo.open.id}"]
        anonymous += ["/connexion", "/creer-un-compte", "/mot-de-passe-oublie", "/accessibilite"]
        anonymous += ["/donnees-personnelles", "/page-qui-n-existe-pas"]
        too_wide = []
        for path in anonymous:
            page.goto(live_server(path))
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > NARROW_WIDTH:
                too_wide.append(f"{path}: {width}px")
        sign_in(page, live_server, demo.facilitator, demo.facilitator_password)
        signed_in = ["/mes-ateliers", "/compte/", f"/gestion/ateliers/{demo.full.id}"]
        signed_in += [f"/gestion/ateliers/{demo.full.id}/pointage", "/gestion/"]
        for path in signed_in:
            page.goto(live_server(path))
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > NARROW_WIDTH:
                too_wide.append(f"{path}: {width}px")
        assert too_wide == [], "pages wider than 320 px: " + ", ".join(too_wide)
    finally:
        context.close()


def test_keyboard_skip_link_is_first_and_moves_focus_to_main(page: Page, live_server: LiveServer) -> None:
    for path in ("/", "/connexion", "/parcours"):
        page.goto(live_server(path))
        page.keyboard.press("Tab")
        first = page.evaluate(
            "() => ({href: document.activeElement.getAttribute('href'),"
            " text: document.activeElement.textContent.trim(),"
            " visible: document.activeElement.getBoundingClientRect().height > 0})"
        )
        assert first["href"] == "#contenu", f"{path}: first focus is {first}"
        assert first["text"] and first["visible"], "the skip link shows when focused"
        page.keyboard.press("Enter")
        focused = page.evaluate("() => document.activeElement.tagName + '#' + document.activeElement.id")
        assert focused == "MAIN#contenu", f"{path}: focus went to {focused}"


def test_axe_harness_reports_violations(a11y_page: Page) -> None:
    """The audit is not vacuous: a page with known defects yields the matching violations."""
    a11y_page.set_content("<html><body><img src='x.png'><input type='text'></body></html>")
    ids = {violation["id"] for violation in run_axe(a11y_page)}
    assert {"html-has-lang", "image-alt", "label"} <= ids
