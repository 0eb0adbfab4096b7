"""Keyboard focus after an action answered by a redirect to an anchor: the person carries on from
the row they acted on (WCAG 2.4.3), in a real browser."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.models import Registration
from app.services.registration import register
from tests.e2e.conftest import LiveServer, sign_in
from tests.factories import DEFAULT_PASSWORD, make_programme, make_user, make_workshop

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_after_checking_someone_in_the_focus_is_on_their_row(
    live_server: LiveServer, new_page: Callable[[], Page]
) -> None:
    with live_server.session() as session:
        facilitator = make_user(session, role="facilitator")
        programme = make_programme(session, facilitators=[facilitator])
        start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(hours=1)
        workshop = make_workshop(session, programme, starts_at=start, ends_at=start + dt.timedelta(hours=3))
        for first in ("Aline", "Bastien", "Chloé"):
            register(session, workshop.id, make_user(session, first_name=first, last_name="Pointage"))
            session.commit()
        chloe = session.scalars(
            sa.select(Registration.id)
            .join(Registration.user)
            .where(Registration.workshop_id == workshop.id)
            .order_by(Registration.id.desc())
        ).first()
        workshop_id, email = workshop.id, facilitator.email or ""
    page = new_page()
    sign_in(page, live_server, email, DEFAULT_PASSWORD)
    page.goto(live_server(f"/gestion/ateliers/{workshop_id}/pointage"))

    page.get_by_role("button", name="Noter la présence – Chloé Pointage").click()

    expect(page).to_have_url(live_server(f"/gestion/ateliers/{workshop_id}/pointage#r-{chloe}"))
    expect(page.locator(f"#r-{chloe}")).to_be_focused()
    page.keyboard.press("Tab")  # the next control is within or after that row, not the page's top
    assert (
        page.evaluate(
            f"() => document.getElementById('r-{chloe}').compareDocumentPosition(document.activeElement)"
        )
        & 20
    )
