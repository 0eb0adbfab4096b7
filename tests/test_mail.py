"""Registration e-mails end to end: service -> outbox -> real loopback SMTP server -> parsed message."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from flask import Flask
from icalendar import Calendar
from sqlalchemy.orm import Session

from app.models import OutboxMessage, Registration, User, Workshop
from app.services import notifications, outbox, registration
from tests.factories import make_programme, make_user, make_workshop
from tests.support.smtp import smtp_server

# 14 h 30 in Paris (winter time). Far ahead: the tests register people, which needs a workshop to
# come (a date in 2030 would make them fail from 12 March 2030 on).
START = dt.datetime(2052, 3, 12, 13, 30, tzinfo=dt.UTC)


@pytest.fixture
def mailbox(app: Flask) -> Iterator[list[EmailMessage]]:
    """A real SMTP server; the app sends to it."""
    with smtp_server() as (port, messages):
        app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        yield messages


def register(db: Session, workshop_id: int, user: User) -> Registration:
    """Register through the service, as the views do."""
    return registration.register(db, workshop_id, user)


def deliver(db: Session, app: Flask) -> outbox.DeliveryReport:
    db.commit()
    return outbox.deliver_pending(db, app.config)


def workshop_for(db: Session, **fields: object) -> Workshop:
    programme = make_programme(db, title="Hybrider son modèle socio-économique territorial")
    values: dict[str, object] = {
        "title": "Atelier « Alliances stratégiques »",
        "starts_at": START,
        "ends_at": START + dt.timedelta(hours=3),
        "place": "Hôtel de Région, Metz",
        "registration_opens_at": None,
        "registration_closes_at": None,
    }
    values.update(fields)
    return make_workshop(db, programme, **values)


def calendar_of(message: EmailMessage) -> tuple[Calendar, object, str]:
    """The calendar attachment: parsed calendar, its VEVENT, and the part's content type."""
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    calendar = Calendar.from_ical(data)
    return calendar, calendar.walk("VEVENT")[0], str(part["Content-Type"])


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def test_confirmation_mail_carries_the_workshop_and_a_valid_invitation(
    app: Flask, db: Session, mailbox: list[EmailMessage]
) -> None:
    workshop = workshop_for(db)
    user = make_user(db, first_name="Camille", email="camille@exemple.fr")
    reg = register(db, workshop.id, user)
    assert deliver(db, app).sent == 1

    assert len(mailbox) == 1
    message = mailbox[0]
    assert message["To"] == "camille@exemple.fr"
    assert "ne-pas-repondre@ateliers.local" in message["From"]
    assert message["Date"] and message["Message-ID"]
    assert message["Subject"] == "Inscription confirmée\u00a0: Atelier « Alliances stratégiques »"

    text, html = bodies(message)
    for body in (text, html):
        assert "Bonjour Camille," in body
        assert "Hybrider son modèle socio-économique territorial" in body
        assert "mardi 12 mars 2052, 14 h 30" in body  # Paris time, French format
        assert "17 h 30" in body
        assert "Hôtel de Région, Metz" in body
        assert "http://localhost/mes-ateliers" in body
    match = re.search(r"http://localhost/annulation/([\w.]+)", text)
    assert match, text
    found = registration.registration_for_token(db, match.group(1), app.config["SECRET_KEY"])
    assert found.id == reg.id

    calendar, event, content_type = calendar_of(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert "method=REQUEST" in content_type.replace('"', "")
    assert event.decoded("DTSTART") == START  # type: ignore[attr-defined]
    assert event.decoded("DTEND") == START + dt.timedelta(hours=3)  # type: ignore[attr-defined]
    assert str(event["SUMMARY"]) == "Atelier « Alliances stratégiques »"  # type: ignore[index]
    assert str(event["LOCATION"]) == "Hôtel de Région, Metz"  # type: ignore[index]
    assert str(event["UID"]) == f"workshop-{workshop.id}@ateliers"  # type: ignore[index]
    assert str(event["ATTENDEE"]) == "mailto:camille@exemple.fr"  # type: ignore[index]
    attachments = [part.get_filename() for part in message.iter_attachments()]
    assert attachments == ["invitation.ics"]


def test_cancellation_sends_a_cancel_with_the_same_uid(
    app: Flask, db: Session, mailbox: list[EmailMessage]
) -> None:
    workshop = workshop_for(db, ics_sequence=3)
    user = make_user(db)
    reg = register(db, workshop.id, user)
    deliver(db, app)
    registration.cancel(db, reg.id, actor=user)
    deliver(db, app)

    assert [m["Subject"].split("\u00a0:")[0] for m in mailbox] == [
        "Inscription confirmée",
        "Inscription annulée",
    ]
    _, request_event, _ = calendar_of(mailbox[0])
    calendar, cancel_event, content_type = calendar_of(mailbox[1])
    assert str(calendar["METHOD"]) == "CANCEL"
    assert "method=CANCEL" in content_type.replace('"', "")
    assert str(cancel_event["UID"]) == str(request_event["UID"])  # type: ignore[index]
    assert int(cancel_event["SEQUENCE"]) >= int(request_event["SEQUENCE"]) == 3  # type: ignore[index]
    assert str(cancel_event["STATUS"]) == "CANCELLED"  # type: ignore[index]
    text, _ = bodies(mailbox[1])
    assert "/annulation/" not in text  # nothing left to cancel


def test_waitlisted_person_is_told_their_position_then_promoted_by_mail(
    app: Flask, db: Session, mailbox: list[EmailMessage]
) -> None:
    workshop = workshop_for(db, capacity=1)
    first = make_user(db, email="premiere@exemple.fr")
    second = make_user(db, email="seconde@exemple.fr", first_name="Dominique")
    seat = register(db, workshop.id, first)
    register(db, workshop.id, second)
    deliver(db, app)
    waitlist_mail = next(m for m in mailbox if m["To"] == "seconde@exemple.fr")
    assert waitlist_mail["Subject"].startswith("Liste d'attente")
    text, _ = bodies(waitlist_mail)
    assert "Votre position\u00a0: 1." in text
    assert "/annulation/" in text  # leaving the waitlist is one click away
    assert not [p for p in waitlist_mail.walk() if p.get_content_type() == "text/calendar"]

    mailbox.clear()
    registration.cancel(db, seat.id, actor=first)
    deliver(db, app)
    promoted = [m for m in mailbox if m["To"] == "seconde@exemple.fr"]
    assert len(promoted) == 1
    assert "Une place s'est libérée" in promoted[0]["Subject"]
    text, _ = bodies(promoted[0])
    assert "Bonjour Dominique," in text
    calendar, event, _ = calendar_of(promoted[0])
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"workshop-{workshop.id}@ateliers"  # type: ignore[index]


def test_facilitator_cancellation_gives_the_reason(
    app: Flask, db: Session, mailbox: list[EmailMessage]
) -> None:
    workshop = workshop_for(db)
    user = make_user(db)
    facilitator = make_user(db, role="facilitator")
    reg = register(db, workshop.id, user)
    registration.cancel(
        db, reg.id, actor=facilitator, reason="Atelier réservé aux <b>élus</b> {{7*7}}", by_facilitator=True
    )
    deliver(db, app)
    text, html = bodies(mailbox[-1])
    assert "L'équipe d'animation a annulé votre inscription" in text
    assert "Motif\u00a0: Atelier réservé aux <b>élus</b> {{7*7}}" in text
    assert "Atelier réservé aux &lt;b&gt;élus&lt;/b&gt; {{7*7}}" in html
    assert "<b>élus</b>" not in html


def test_iv_04_a_name_with_line_breaks_cannot_add_a_header(
    app: Flask, db: Session, mailbox: list[EmailMessage]
) -> None:
    workshop = workshop_for(db, title="Atelier\r\nBcc: evil@x")
    user = make_user(db, first_name="Camille\r\nBcc: evil@x", last_name="Martin\nCc: evil@x")
    register(db, workshop.id, user)
    assert deliver(db, app).sent == 1
    message = mailbox[0]
    assert message["Bcc"] is None and message["Cc"] is None
    assert message["To"] == user.email
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    for name, value in message.items():
        assert "evil@x" not in value or name == "Subject", name
    _, event, _ = calendar_of(message)
    assert str(event["ATTENDEE"]) == f"mailto:{user.email}"  # type: ignore[index]


def test_xs_01_user_text_is_escaped_in_the_html_part(
    app: Flask, db: Session, mailbox: list[EmailMessage]
) -> None:
    workshop = workshop_for(db, place="<img src=x onerror=alert(1)>")
    user = make_user(db, first_name="<script>alert(1)</script>")
    register(db, workshop.id, user)
    deliver(db, app)
    text, html = bodies(mailbox[0])
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Bonjour <script>alert(1)</script>," in text  # plain text stays as typed


def test_online_workshop_mail_gives_the_link(app: Flask, db: Session, mailbox: list[EmailMessage]) -> None:
    workshop = workshop_for(db, place="", online_url="https://visio.exemple.fr/salle-42")
    register(db, workshop.id, make_user(db))
    deliver(db, app)
    text, html = bodies(mailbox[0])
    assert "https://visio.exemple.fr/salle-42" in text
    assert 'href="https://visio.exemple.fr/salle-42"' in html
    _, event, _ = calendar_of(mailbox[0])
    assert str(event["LOCATION"]) == "https://visio.exemple.fr/salle-42"  # type: ignore[index]


def test_people_without_an_address_get_no_mail(app: Flask, db: Session) -> None:
    workshop = workshop_for(db)
    user = make_user(db)
    reg = register(db, workshop.id, user)
    db.commit()
    user.email = None
    user.deleted_at = dt.datetime.now(dt.UTC)
    db.commit()
    before = db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    registration.cancel(db, reg.id, actor=user)
    notifications.password_reset(db, user, "jeton")
    db.commit()
    assert db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == before


def test_iv_05_account_links_use_the_configured_url_not_the_host_header(
    app: Flask, db: Session, mailbox: list[EmailMessage]
) -> None:
    user = make_user(db, first_name="Alex")
    with app.test_request_context("/mot-de-passe-oublie", base_url="http://evil.example"):
        notifications.password_reset(db, user, "jeton-secret-123")
        notifications.invitation(db, user, "jeton-invit-456", make_programme(db, title="Parcours Est"))
        notifications.account_exists(db, user)
    assert deliver(db, app).sent == 3
    texts = {m["Subject"]: bodies(m)[0] for m in mailbox}
    reset = texts["Réinitialisation de votre mot de passe"]
    assert "http://localhost/reinitialisation/jeton-secret-123" in reset
    assert "60 minutes" in reset
    invitation = texts["Votre compte sur Ateliers"]
    assert "http://localhost/invitation/jeton-invit-456" in invitation
    assert "Parcours Est" in invitation
    assert "http://localhost/connexion" in texts["Vous avez déjà un compte sur Ateliers"]
    for text in texts.values():
        assert "evil.example" not in text


def test_reminders_are_sent_once_to_confirmed_people_only(
    app: Flask, db: Session, mailbox: list[EmailMessage]
) -> None:
    soon = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=20)
    workshop = workshop_for(db, starts_at=soon, ends_at=soon + dt.timedelta(hours=2), capacity=2)
    later = workshop_for(
        db, starts_at=soon + dt.timedelta(days=5), ends_at=soon + dt.timedelta(days=5, hours=2)
    )
    people = [make_user(db) for _ in range(3)]
    for person in people:
        register(db, workshop.id, person)  # the third one is wait-listed
    register(db, later.id, people[0])
    deliver(db, app)
    mailbox.clear()

    runner = app.test_cli_runner()
    first = runner.invoke(args=["send-reminders", "--hours", "48"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["send-reminders"])
    assert second.exit_code == 0, second.output

    assert sorted(m["To"] for m in mailbox) == sorted(p.email for p in people[:2])
    assert all(m["Subject"] == f"Rappel\u00a0: {workshop.title}" for m in mailbox)
    text, _ = bodies(mailbox[0])
    assert "/annulation/" in text
    db.rollback()
    db.expire_all()
    assert db.get(Workshop, workshop.id).reminder_sent_at is not None  # type: ignore[union-attr]
    assert db.get(Workshop, later.id).reminder_sent_at is None  # type: ignore[union-attr]
    reminders = db.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder")).all()
    assert len(reminders) == 2 and all(m.status == "sent" for m in reminders)


def test_mail_follows_the_recipient_not_the_request(app: Flask, db: Session) -> None:
    """A facilitator's English interface does not change a participant's French e-mail."""
    workshop = workshop_for(db)
    user = make_user(db, locale="fr")
    with app.test_request_context("/", headers={"Cookie": "ateliers_lang=en"}):
        register(db, workshop.id, user)
    db.commit()
    message = db.scalars(sa.select(OutboxMessage)).one()
    assert "mardi 12 mars 2052, 14 h 30" in message.body_text
    assert message.recipient == user.email
    reg = db.scalars(sa.select(Registration)).one()
    assert isinstance(reg.user, User)


def test_http_journey_register_cancel_by_link_and_promotion_mails(
    app: Flask, mailbox: list[EmailMessage]
) -> None:
    """Through the real routes: register, cancel with the e-mailed link, the next person is promoted."""
    from app.db import get_engine, new_session
    from tests.conftest import login, post_form
    from tests.factories import DEFAULT_PASSWORD

    app.config["MAIL_SEND_SYNC"] = True
    # No `db` fixture here: its app context would be shared by every request of the test (and
    # with it `g`, where the CSRF token and the request's session are cached).
    with app.app_context():
        db = new_session(get_engine())
        starts = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=10)
        workshop_id = workshop_for(
            db, capacity=1, starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
        ).id
        make_user(db, email="premiere@exemple.fr", first_name="Aline")
        make_user(db, email="seconde@exemple.fr", first_name="Bastien")
        db.close()

    for email in ("premiere@exemple.fr", "seconde@exemple.fr"):
        client = app.test_client()
        assert login(client, email, DEFAULT_PASSWORD).status_code == 302
        response = post_form(client, f"/ateliers/{workshop_id}/inscription", {"accessibility_needs": ""})
        assert response.status_code == 302, response.get_data(as_text=True)

    # Sent at the end of each request (MAIL_SEND_SYNC): no `flask outbox send` needed.
    assert [(m["To"], m["Subject"].split("\u00a0:")[0]) for m in mailbox] == [
        ("premiere@exemple.fr", "Inscription confirmée"),
        ("seconde@exemple.fr", "Liste d'attente"),
    ]
    text, _ = bodies(mailbox[0])
    link = re.search(r"http://localhost(/annulation/[\w.]+)", text)
    assert link
    anonymous = app.test_client()  # the link works without signing in
    assert anonymous.get(link.group(1)).status_code == 200
    assert post_form(anonymous, link.group(1)).status_code in (302, 303)

    subjects = [(m["To"], m["Subject"].split("\u00a0:")[0]) for m in mailbox[2:]]
    assert ("premiere@exemple.fr", "Inscription annulée") in subjects
    assert ("seconde@exemple.fr", "Une place s'est libérée, votre inscription est confirmée") in subjects
    promoted = next(m for m in mailbox[2:] if m["To"] == "seconde@exemple.fr")
    calendar, _, _ = calendar_of(promoted)
    assert str(calendar["METHOD"]) == "REQUEST"
    with app.app_context():
        db = new_session(get_engine())
        assert db.scalar(sa.select(sa.func.count()).where(OutboxMessage.status != "sent")) == 0
        db.close()
