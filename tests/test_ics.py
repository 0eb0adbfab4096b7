"""The iCalendar renderer: pure data -> bytes, parsed back with the icalendar library."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from app.exports import ics

START = dt.datetime(2026, 11, 6, 13, 30, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 6, 16, 30, tzinfo=dt.UTC)
ORGANIZER = ics.Person("ne-pas-repondre@ateliers.local", "Ateliers")
ATTENDEE = ics.Person("camille@exemple.fr", "Camille Martin")


def _event(**overrides: object) -> ics.CalendarEvent:
    values: dict[str, object] = {
        "workshop_id": 7,
        "title": "Atelier ; « pairs », test\nà deux lignes",
        "starts_at": START,
        "ends_at": END,
        "description": "Parcours : Hybrider son modèle",
        "place": "Hôtel de Région, Metz",
        "url": "http://localhost/ateliers/7",
        "sequence": 2,
        "organizer": ORGANIZER,
        "attendee": ATTENDEE,
        "alarm_before": dt.timedelta(days=1),
    }
    values.update(overrides)
    return ics.workshop_event(**values)  # type: ignore[arg-type]


def _parse(data: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_request_carries_every_property_a_calendar_needs() -> None:
    calendar, event = _parse(ics.calendar_bytes([_event()], "REQUEST"))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    assert "Ateliers" in str(calendar["PRODID"])
    assert str(event["UID"]) == "workshop-7@ateliers"  # type: ignore[index]
    assert event.decoded("DTSTART") == START  # type: ignore[attr-defined]
    assert event.decoded("DTEND") == END  # type: ignore[attr-defined]
    assert str(event["SUMMARY"]) == "Atelier ; « pairs », test\nà deux lignes"  # type: ignore[index]
    assert str(event["LOCATION"]) == "Hôtel de Région, Metz"  # type: ignore[index]
    assert str(event["URL"]) == "http://localhost/ateliers/7"  # type: ignore[index]
    assert int(event["SEQUENCE"]) == 2  # type: ignore[index]
    assert str(event["STATUS"]) == "CONFIRMED"  # type: ignore[index]
    assert "DTSTAMP" in event  # type: ignore[operator]
    assert str(event["ORGANIZER"]) == "mailto:ne-pas-repondre@ateliers.local"  # type: ignore[index]
    assert str(event["ATTENDEE"]) == "mailto:camille@exemple.fr"  # type: ignore[index]
    assert event["ATTENDEE"].params["CN"] == "Camille Martin"  # type: ignore[index]
    alarms = event.walk("VALARM")  # type: ignore[attr-defined]
    assert len(alarms) == 1
    assert alarms[0].decoded("TRIGGER") == -dt.timedelta(days=1)


def test_times_are_written_in_utc() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    data = ics.calendar_bytes([_event(starts_at=START.astimezone(paris), ends_at=END.astimezone(paris))])
    assert b"DTSTART:20261106T133000Z" in data
    assert b"DTEND:20261106T163000Z" in data


def test_cancel_has_same_uid_and_cancelled_status_without_alarm() -> None:
    calendar, event = _parse(ics.calendar_bytes([_event()], "CANCEL"))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == "workshop-7@ateliers"  # type: ignore[index]
    assert str(event["STATUS"]) == "CANCELLED"  # type: ignore[index]
    assert str(event["ATTENDEE"]) == "mailto:camille@exemple.fr"  # type: ignore[index]
    assert event.walk("VALARM") == []  # type: ignore[attr-defined]


def test_publish_feed_names_no_attendee() -> None:
    data = ics.calendar_bytes([_event(), _event(workshop_id=8)], "PUBLISH", name="Mes ateliers")
    calendar = Calendar.from_ical(data)
    assert str(calendar["X-WR-CALNAME"]) == "Mes ateliers"
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == ["workshop-7@ateliers", "workshop-8@ateliers"]
    assert all("ATTENDEE" not in e for e in events)


def test_online_workshop_uses_its_link_as_location() -> None:
    event = _event(place="", online_url="https://visio.exemple.fr/atelier")
    _, parsed = _parse(ics.calendar_bytes([event], "REQUEST"))
    assert str(parsed["LOCATION"]) == "https://visio.exemple.fr/atelier"  # type: ignore[index]


def test_iv_04_a_name_with_line_breaks_cannot_add_a_property() -> None:
    attendee = ics.Person("camille@exemple.fr", "Camille\r\nATTENDEE:mailto:evil@x")
    data = ics.calendar_bytes([_event(attendee=attendee)], "REQUEST")
    assert b"\r\nATTENDEE:mailto:evil@x" not in data
    _, event = _parse(data)
    assert str(event["ATTENDEE"]) == "mailto:camille@exemple.fr"  # type: ignore[index]


def test_naive_times_and_unknown_methods_are_refused() -> None:
    with pytest.raises(ValueError):
        ics.calendar_bytes([_event(starts_at=START.replace(tzinfo=None))])
    with pytest.raises(ValueError):
        ics.calendar_bytes([_event()], "REFRESH")
