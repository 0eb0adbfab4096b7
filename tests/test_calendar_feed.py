"""Personal calendar feed behind a secret URL: one's own confirmed workshops, nothing else."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy.orm import Session

from app.models import Registration, User, Workshop
from app.services import calendar_feed, registration
from tests.factories import make_programme, make_user, make_workshop


def register(db: Session, workshop: Workshop, user: User) -> Registration:
    reg = registration.register(db, workshop.id, user, ignore_window=True)
    db.commit()
    return reg


def uids(response_data: bytes) -> set[str]:
    return {str(event["UID"]) for event in Calendar.from_ical(response_data).walk("VEVENT")}


def test_feed_lists_only_the_persons_confirmed_workshops(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    programme = make_programme(db)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    past = make_workshop(
        db,
        programme,
        title="Atelier passé",
        starts_at=now - dt.timedelta(days=30),
        ends_at=now - dt.timedelta(days=29),
    )
    upcoming = make_workshop(db, programme, title="Atelier à venir", place="Metz")
    full = make_workshop(db, programme, title="Atelier complet", capacity=1)
    left = make_workshop(db, programme, title="Atelier quitté")
    others = make_workshop(db, programme, title="Atelier des autres")
    me, someone = make_user(db), make_user(db)
    register(db, past, me)
    register(db, upcoming, me)
    register(db, full, someone)
    register(db, full, me)  # wait-listed
    cancelled = register(db, left, me)
    registration.cancel(db, cancelled.id, actor=me)
    db.commit()
    register(db, others, someone)

    response = client.get(f"/calendrier/{me.calendar_token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "no-store"
    assert uids(response.data) == {f"workshop-{past.id}@ateliers", f"workshop-{upcoming.id}@ateliers"}
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    event = next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == f"workshop-{upcoming.id}@ateliers")
    assert str(event["SUMMARY"]) == "Atelier à venir"
    assert str(event["LOCATION"]) == "Metz"
    assert event.decoded("DTSTART") == upcoming.starts_at
    assert "ATTENDEE" not in event


def test_ac_12_wrong_or_malformed_token_is_404(client: FlaskClient, db: Session) -> None:
    user = make_user(db)
    assert len(user.calendar_token) >= 43  # 256 bits from secrets.token_urlsafe(32)
    wrong = ("A" if user.calendar_token[0] != "A" else "B") + user.calendar_token[1:]
    assert client.get(f"/calendrier/{wrong}.ics").status_code == 404
    assert client.get("/calendrier/court.ics").status_code == 404
    assert client.get("/calendrier/%27%20OR%201%3D1--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.ics").status_code == 404


def test_rotating_the_token_cuts_off_the_old_url(client: FlaskClient, db: Session) -> None:
    user = make_user(db)
    old = user.calendar_token
    new = calendar_feed.rotate_token(db, user)
    db.commit()
    assert new != old
    assert client.get(f"/calendrier/{old}.ics").status_code == 404
    assert client.get(f"/calendrier/{new}.ics").status_code == 200


def test_deactivated_account_has_no_feed(client: FlaskClient, db: Session) -> None:
    user = make_user(db)
    user.is_active_account = False
    db.commit()
    assert client.get(f"/calendrier/{user.calendar_token}.ics").status_code == 404


def test_feed_url_uses_the_configured_public_address(app: Flask, db: Session) -> None:
    user = make_user(db)
    with app.test_request_context("/", base_url="http://evil.example"):
        assert calendar_feed.feed_url(user) == f"http://localhost/calendrier/{user.calendar_token}.ics"
