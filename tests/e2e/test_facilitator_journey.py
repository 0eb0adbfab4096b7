"""The facilitator's day in a real browser: sign in, open the workshop, export the registrations
as CSV, then check people in from a phone-sized screen (present, and a walk-in)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.models import Registration, User
from app.services.registration import register
from tests.e2e.conftest import ConsoleLog, LiveServer, sign_in
from tests.factories import DEFAULT_PASSWORD, make_programme, make_user, make_workshop

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WORKSHOP_TITLE = "Atelier — Diversifier ses ressources financières"
PEOPLE = (
    ("Dominique", "Schmitt", "Ville de Metz", "local_authority"),
    ("Inès", "Haddad", "CRESS Grand Est", "support_intermediary"),
    ("Maxime", "Thiébaut", "SCOP Bâti'Vert", "ess_enterprise"),
)


def test_facilitator_opens_workshop_exports_csv_and_checks_in(
    live_server: LiveServer, new_page: Callable[[], Page], console: ConsoleLog
) -> None:
    with live_server.session() as session:
        facilitator = make_user(
            session, role="facilitator", email="nadia.schaeffer@region-grandest.example", first_name="Nadia"
        )
        programme = make_programme(session, facilitators=[facilitator], title="Hybrider son modèle")
        start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(hours=1)
        workshop = make_workshop(
            session, programme, title=WORKSHOP_TITLE, starts_at=start, ends_at=start + dt.timedelta(hours=3)
        )
        for first, last, organisation, profile in PEOPLE:
            person = make_user(
                session, first_name=first, last_name=last, organisation=organisation, actor_profile=profile
            )
            register(session, workshop.id, person)
            session.commit()
        workshop_id = workshop.id

    page = new_page()
    sign_in(page, live_server, facilitator.email or "", DEFAULT_PASSWORD)

    # The back office lists the workshop; its page shows the registrations.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Gestion").click()
    page.get_by_role("link", name=WORKSHOP_TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WORKSHOP_TITLE)
    for first, last, _organisation, _profile in PEOPLE:
        expect(page.get_by_role("rowheader", name=f"{first} {last}")).to_be_visible()

    # CSV export, named, with the French separator: UTF-8 with BOM, `;`, one row per person.
    page.get_by_label("Liste nominative", exact=False).check()
    page.get_by_label("Point-virgule", exact=False).check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Télécharger en CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    raw = open(download.path(), "rb").read()  # noqa: SIM115 - read once, closed at exit
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM for spreadsheet software"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + len(PEOPLE)
    text = raw.decode("utf-8-sig")
    for _first, last, organisation, _profile in PEOPLE:
        assert last in text and organisation in text

    # Check-in on a phone-sized screen: Inès is present.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("navigation", name="Pages de l'atelier").get_by_role("link", name="Pointage").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pointage")
    page.get_by_role("button", name="Noter la présence – Inès Haddad").click()
    expect(page.get_by_text("Présences : 1 sur 3 attendues")).to_be_visible()
    expect(page.get_by_role("button", name="Noter la présence – Inès Haddad")).to_have_count(0)

    # A person who did not register arrives: welcomed and marked present.
    page.fill("#first_name", "Lou")
    page.fill("#last_name", "Kowalski")
    page.fill("#organisation", "Université de Lorraine")
    page.get_by_role("button", name="Accueillir et noter la présence").click()
    expect(page.get_by_text("Présences : 2 sur 4 attendues")).to_be_visible()

    with live_server.session() as session:
        attendance = dict(
            session.execute(
                sa.select(User.last_name, Registration.attendance)
                .join(User, User.id == Registration.user_id)
                .where(Registration.workshop_id == workshop_id)
            ).all()
        )
        walk_in = session.scalars(
            sa.select(Registration)
            .join(User, User.id == Registration.user_id)
            .where(Registration.workshop_id == workshop_id, User.last_name == "Kowalski")
        ).one()
    assert attendance == {
        "Schmitt": "unknown",
        "Haddad": "present",
        "Thiébaut": "unknown",
        "Kowalski": "present",
    }
    assert walk_in.walk_in and walk_in.status == "confirmed"
    # Measured once the page has loaded: the text above can show before the stylesheet applies, and
    # the check-in page without its styles is 605 px wide.
    page.wait_for_load_state("load")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert console.errors == []
