"""The registration journey of issue 2 in a real browser: sign up, register to a one-seat workshop,
get the confirmation e-mail with a valid .ics on a real SMTP server, a second person is wait-listed,
the first cancels from « Mes ateliers », the second is promoted and e-mailed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from email.message import EmailMessage

import icalendar
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.models import Registration, User, Workshop
from tests.e2e.conftest import ConsoleLog, LiveServer
from tests.factories import make_programme, make_workshop

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PROGRAMME_TITLE = "Hybrider son modèle socio-économique territorial"
WORKSHOP_TITLE = "Atelier — Mobiliser les richesses humaines"


def sign_up(page: Page, server: LiveServer, email: str, first: str, last: str) -> None:
    """Create an account through the sign-up form."""
    page.goto(server("/"))
    page.get_by_role("link", name="Créer un compte").first.click()
    page.fill("#email", email)
    page.fill("#first_name", first)
    page.fill("#last_name", last)
    page.fill("#organisation", "Ville de Metz")
    page.select_option("#actor_profile", "local_authority")
    page.fill("#territory", "Moselle")
    page.fill("#password", f"une longue phrase de passe pour {first} en Moselle")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def open_workshop_from_catalogue(page: Page, server: LiveServer) -> None:
    """From the home page: the programmes, the programme, then the workshop."""
    page.goto(server("/"))
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Parcours").click()
    page.get_by_role("link", name=PROGRAMME_TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROGRAMME_TITLE)
    page.get_by_role("link", name=WORKSHOP_TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WORKSHOP_TITLE)


def calendar_part(mail: EmailMessage) -> icalendar.Calendar:
    """The text/calendar part of a message, parsed."""
    for part in mail.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return icalendar.Calendar.from_ical(payload)
    raise AssertionError(f"no text/calendar part in « {mail['Subject']} »")


def registration_status(server: LiveServer, email: str, workshop_id: int) -> str:
    with server.session() as session:
        return session.scalars(
            sa.select(Registration.status)
            .join(User, User.id == Registration.user_id)
            .where(User.email == email, Registration.workshop_id == workshop_id)
        ).one()


def test_registration_journey_signup_register_waitlist_cancel_promotion(
    live_server: LiveServer, new_page: Callable[[], Page], console: ConsoleLog
) -> None:
    with live_server.session() as session:
        programme = make_programme(session, title=PROGRAMME_TITLE, slug="hybrider-demo")
        start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(days=10)
        workshop: Workshop = make_workshop(
            session,
            programme,
            title=WORKSHOP_TITLE,
            capacity=1,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
        )
    alix_email, sacha_email = "alix.weber@ville-metz.example", "sacha.klein@ville-metz.example"

    # 1. Alix signs up, finds the programme and takes the only seat.
    alix = new_page()
    sign_up(alix, live_server, alix_email, "Alix", "Weber")
    open_workshop_from_catalogue(alix, live_server)
    alix.fill("#accessibility_needs", "Accès de plain-pied, s'il vous plaît.")
    alix.get_by_role("button", name="M'inscrire à cet atelier").click()
    expect(alix.get_by_text("Inscription confirmée").first).to_be_visible()
    assert registration_status(live_server, alix_email, workshop.id) == "confirmed"

    # 2. The confirmation e-mail arrives on the SMTP server with a valid calendar invitation.
    confirmation = live_server.wait_for_mail(alix_email, "Inscription confirmée")
    assert WORKSHOP_TITLE in str(confirmation["Subject"])
    calendar = calendar_part(confirmation)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert WORKSHOP_TITLE in str(event["SUMMARY"])
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTEND") == start + dt.timedelta(hours=3)
    assert str(event["UID"])
    body = confirmation.get_body(preferencelist=("plain",))
    assert body is not None and "/annulation/" in body.get_content(), "a cancellation link in every e-mail"

    # 3. Sacha signs up and registers: the workshop is full, Sacha is wait-listed in position 1.
    sacha = new_page()
    sign_up(sacha, live_server, sacha_email, "Sacha", "Klein")
    open_workshop_from_catalogue(sacha, live_server)
    sacha.get_by_role("button", name="Rejoindre la liste d'attente").click()
    expect(sacha.get_by_text("Liste d'attente").first).to_be_visible()
    expect(
        sacha.get_by_text(re.compile(r"en tête de la liste d'attente|position\s*:?\s*1\b", re.I)).first
    ).to_be_visible()
    assert registration_status(live_server, sacha_email, workshop.id) == "waitlisted"
    live_server.wait_for_mail(sacha_email, "Liste d'attente")

    # 4. Alix cancels from « Mes ateliers ».
    alix.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Mes ateliers"
    ).click()
    expect(alix.get_by_role("heading", level=1)).to_have_text("Mes ateliers")
    alix.get_by_role("button", name=re.compile("Annuler mon inscription")).click()
    expect(alix.get_by_role("status").first).to_be_visible()
    assert registration_status(live_server, alix_email, workshop.id) == "cancelled"
    live_server.wait_for_mail(alix_email, "Inscription annulée")

    # 5. Sacha is promoted at once and told by e-mail (with the calendar invitation).
    assert registration_status(live_server, sacha_email, workshop.id) == "confirmed"
    promotion = live_server.wait_for_mail(sacha_email, "Une place s'est libérée")
    promoted_event = next(iter(calendar_part(promotion).walk("VEVENT")))
    assert promoted_event.decoded("DTSTART") == start
    sacha.goto(live_server("/mes-ateliers"))
    expect(sacha.get_by_text("Inscription confirmée").first).to_be_visible()

    # Everything above ran under the real CSP, without a single browser error.
    assert console.errors == []
