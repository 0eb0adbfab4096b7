"""iCalendar renderer (RFC 5545 / RFC 5546): pure functions from plain data to .ics bytes.

No Flask and no SQL here: services translate workshops into `CalendarEvent` values, this module
only renders them (the icalendar library does the escaping and line folding).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

PRODID = "-//Ateliers//Ateliers de partage entre pairs//FR"
METHODS = ("REQUEST", "CANCEL", "PUBLISH")
UID_DOMAIN = "ateliers"


@dataclass(frozen=True)
class Person:
    """An organizer or attendee: an e-mail address and an optional display name."""

    email: str
    name: str = ""


@dataclass(frozen=True)
class CalendarEvent:
    """One VEVENT, already in calendar terms (UTC times, final texts)."""

    uid: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    sequence: int = 0
    cancelled: bool = False
    organizer: Person | None = None
    attendee: Person | None = None
    alarm_before: dt.timedelta | None = None


def workshop_uid(workshop_id: int) -> str:
    """The stable UID of a workshop: every message about it updates the same calendar entry."""
    return f"workshop-{workshop_id}@{UID_DOMAIN}"


def workshop_event(
    *,
    workshop_id: int,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    description: str = "",
    place: str = "",
    online_url: str = "",
    url: str = "",
    sequence: int = 0,
    cancelled: bool = False,
    organizer: Person | None = None,
    attendee: Person | None = None,
    alarm_before: dt.timedelta | None = None,
) -> CalendarEvent:
    """Describe one workshop as a calendar event (the place, else the online link, is its location)."""
    return CalendarEvent(
        uid=workshop_uid(workshop_id),
        starts_at=starts_at,
        ends_at=ends_at,
        summary=title,
        description=description,
        location=place or online_url,
        url=url,
        sequence=sequence,
        cancelled=cancelled,
        organizer=organizer,
        attendee=attendee,
        alarm_before=alarm_before,
    )


def _one_line(value: str) -> str:
    """Names go into parameters (CN=...): no control characters there."""
    cleaned = "".join(" " if unicodedata.category(char) == "Cc" else char for char in value)
    # Collapse ASCII spaces only: non-breaking spaces of French typography are kept.
    return re.sub(r" {2,}", " ", cleaned).strip(" ")


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime refused: calendar times must be timezone-aware")
    return value.astimezone(dt.UTC)


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{_one_line(person.email)}")
    if person.name.strip():
        address.params["cn"] = vText(_one_line(person.name))
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def _vevent(event: CalendarEvent, method: str | None, stamp: dt.datetime) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", _utc(stamp))
    vevent.add("dtstart", _utc(event.starts_at))
    vevent.add("dtend", _utc(event.ends_at))
    vevent.add("summary", event.summary)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    if event.url:
        vevent.add("url", event.url)
    vevent.add("sequence", event.sequence)
    cancelled = event.cancelled or method == "CANCEL"
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    if event.organizer is not None:
        vevent.add("organizer", _address(event.organizer))
    # RFC 5546: a REQUEST and a CANCEL name the attendee they are addressed to.
    if event.attendee is not None and method in ("REQUEST", "CANCEL"):
        vevent.add(
            "attendee",
            _address(
                event.attendee,
                role="REQ-PARTICIPANT",
                partstat="ACCEPTED",
                rsvp="FALSE",
                cutype="INDIVIDUAL",
            ),
        )
    if event.alarm_before is not None and not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.summary)
        alarm.add("trigger", -abs(event.alarm_before))
        vevent.add_component(alarm)
    return vevent


def calendar_bytes(
    events: Iterable[CalendarEvent],
    method: str | None = None,
    *,
    name: str = "",
    now: dt.datetime | None = None,
) -> bytes:
    """Render a VCALENDAR (with METHOD when given) holding the events, as UTF-8 bytes."""
    if method is not None and method not in METHODS:
        raise ValueError(f"unknown iTIP method {method!r}")
    stamp = now or dt.datetime.now(dt.UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", _one_line(name))
    for event in events:
        calendar.add_component(_vevent(event, method, stamp))
    data: bytes = calendar.to_ical()
    return data
