"""Outbox delivery: nothing acknowledged is lost, nothing is sent twice, a dead server breaks nothing."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app import mailer
from app.db import get_engine, get_session, new_session
from app.models import OutboxMessage, Registration, User
from app.services import notifications, outbox, registration
from tests.factories import make_programme, make_user, make_workshop
from tests.support.smtp import free_port, smtp_server


@pytest.fixture
def mailbox(app: Flask) -> Iterator[list[EmailMessage]]:
    """A real SMTP server; the app sends to it."""
    with smtp_server() as (port, messages):
        app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        yield messages


def queue(db: Session, count: int = 1, **fields: object) -> list[OutboxMessage]:
    rows = [
        notifications.queue_email(
            db, f"personne{n}@exemple.fr", f"Message {n}", f"Corps {n}", "test", **fields
        )  # type: ignore[arg-type]
        for n in range(count)
    ]
    db.commit()
    return rows


def reload(db: Session, row: OutboxMessage) -> OutboxMessage:
    db.rollback()  # end any read transaction: see what the other sessions committed
    db.expire_all()
    fresh = db.get(OutboxMessage, row.id)
    assert fresh is not None
    return fresh


def make_due(db: Session) -> None:
    """Let the backoff elapse: every pending message is due now."""
    db.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == "pending")
        .values(next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    )
    db.commit()


def test_message_has_safe_headers_alternatives_and_the_invitation(
    app: Flask, db: Session, mailbox: list[EmailMessage]
) -> None:
    [row] = queue(
        db, body_html="<p>Corps</p>", ics_data=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", ics_method="REQUEST"
    )
    report = outbox.deliver_pending(db, app.config)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [message] = mailbox
    assert message["From"] == "Ateliers <ne-pas-repondre@ateliers.local>"
    assert message["To"] == "personne0@exemple.fr"
    assert message["Subject"] == "Message 0"
    assert message["Date"]
    assert message["Message-ID"].startswith(f"<outbox.{row.id}.") and message["Message-ID"].endswith(
        "@ateliers.local>"
    )
    assert message.get_body(preferencelist=("plain",)).get_content().strip() == "Corps 0"  # type: ignore[union-attr]
    assert message.get_body(preferencelist=("html",)).get_content().strip() == "<p>Corps</p>"  # type: ignore[union-attr]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "invitation.ics"
    fresh = reload(db, row)
    assert fresh.status == "sent" and fresh.sent_at is not None and fresh.attempts == 1


def test_none_backend_leaves_messages_pending(app: Flask, db: Session) -> None:
    [row] = queue(db)
    assert app.config["MAIL_BACKEND"] == "none"
    assert outbox.deliver_pending(db, app.config).attempted == 0
    assert reload(db, row).status == "pending"


def test_console_backend_prints_and_marks_sent(
    app: Flask, db: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    [row] = queue(db, ics_data=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", ics_method="CANCEL")
    app.config["MAIL_BACKEND"] = "console"
    assert outbox.deliver_pending(db, app.config).sent == 1
    printed = capsys.readouterr().out
    assert "Objet : Message 0" in printed and "Corps 0" in printed and "annulation.ics" in printed
    assert reload(db, row).status == "sent"


def test_dead_server_keeps_the_message_and_retries_with_backoff(app: Flask, db: Session) -> None:
    app.config.update(MAIL_BACKEND="smtp", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    [row] = queue(db)
    report = outbox.deliver_pending(db, app.config)
    assert (report.sent, report.retrying) == (0, 1)
    fresh = reload(db, row)
    assert fresh.status == "pending" and fresh.attempts == 1
    assert "ConnectionRefusedError" in fresh.last_error
    assert fresh.next_attempt_at > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)

    # Not due yet: a new round does not hammer the server.
    assert outbox.deliver_pending(db, app.config).attempted == 0
    make_due(db)
    outbox.deliver_pending(db, app.config)
    second = reload(db, row)
    assert second.attempts == 2
    # Exponential backoff: the second wait is longer than the first.
    assert second.next_attempt_at - dt.datetime.now(dt.UTC) > dt.timedelta(seconds=100)


def test_last_error_never_contains_the_smtp_password(
    app: Flask, db: Session, mailbox: list[EmailMessage]
) -> None:
    app.config.update(MAIL_USERNAME="compte", MAIL_PASSWORD="mot-de-passe-tres-secret")
    [row] = queue(db)
    outbox.deliver_pending(db, app.config)  # the test server offers no AUTH: login fails
    fresh = reload(db, row)
    assert fresh.status == "pending" and fresh.last_error
    assert "mot-de-passe-tres-secret" not in fresh.last_error
    assert mailbox == []


def test_failed_after_max_attempts_then_resent_with_retry_failed(app: Flask, db: Session) -> None:
    app.config.update(MAIL_BACKEND="smtp", MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=3)
    [row] = queue(db)
    for _ in range(3):
        make_due(db)
        outbox.deliver_pending(db, app.config)
    fresh = reload(db, row)
    assert fresh.status == "failed" and fresh.attempts == 3

    runner = app.test_cli_runner()
    status = runner.invoke(args=["outbox", "status"])
    assert status.exit_code == 0
    assert "En échec : 1" in status.output
    assert f"#{row.id} [failed]" in status.output and "ConnectionRefusedError" in status.output

    # A plain send leaves failed messages alone.
    with smtp_server() as (port, messages):
        app.config["MAIL_PORT"] = port
        assert runner.invoke(args=["outbox", "send"]).exit_code == 0
        assert messages == []
        result = runner.invoke(args=["outbox", "send", "--retry-failed"])
        assert result.exit_code == 0, result.output
        assert "1 envoyé(s)" in result.output
        assert [m["Subject"] for m in messages] == ["Message 0"]
    assert reload(db, row).status == "sent"


def test_recipient_refused_for_good_is_failed_at_once(
    app: Flask, db: Session, mailbox: list[EmailMessage]
) -> None:
    [row] = queue(db)
    row.recipient = "sans-arobase"
    db.commit()
    report = outbox.deliver_pending(db, app.config)
    assert report.failed == 1
    fresh = reload(db, row)
    assert fresh.status == "failed" and "invalide" in fresh.last_error
    assert mailbox == []


def test_concurrent_deliveries_never_send_a_message_twice(
    app: Flask, db: Session, mailbox: list[EmailMessage]
) -> None:
    rows = queue(db, 30)
    barrier = threading.Barrier(3)
    reports: list[outbox.DeliveryReport] = []
    errors: list[BaseException] = []

    def worker() -> None:
        session = new_session(engine)
        try:
            barrier.wait()
            reports.append(outbox.deliver_pending(session, app.config, limit=100))
        except BaseException as error:
            errors.append(error)
        finally:
            session.close()

    with app.app_context():
        engine = get_engine()
    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    subjects = sorted(m["Subject"] for m in mailbox)
    assert subjects == sorted(f"Message {n}" for n in range(30))
    assert sum(report.sent for report in reports) == 30
    assert {reload(db, row).status for row in rows} == {"sent"}
    assert all(reload(db, row).attempts == 1 for row in rows)


# --- delivery after a committed request (app.mailer) -------------------------------------------


@pytest.fixture
def register_route(app: Flask) -> str:
    """A minimal view that registers the signed-in-less caller for a workshop, like H3's route does."""

    def view(workshop_id: int, user_id: int) -> str:
        session = get_session()
        user = session.get(User, user_id)
        assert user is not None
        registration.register(session, workshop_id, user)
        session.commit()
        return "ok"

    def failing_view(user_id: int) -> str:
        session = get_session()
        user = session.get(User, user_id)
        assert user is not None
        notifications.password_reset(session, user, "jeton")
        session.flush()
        session.rollback()  # the action failed: its e-mail must not leave
        return "rolled back"

    app.add_url_rule("/_test/inscription/<int:workshop_id>/<int:user_id>", view_func=view, methods=["POST"])
    app.add_url_rule("/_test/echec/<int:user_id>", view_func=failing_view, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    return "/_test/inscription"


def _arrange(db: Session) -> tuple[int, int]:
    programme = make_programme(db)
    workshop = make_workshop(db, programme)
    user = make_user(db, email="camille@exemple.fr")
    return workshop.id, user.id


def test_committed_request_sends_its_mail_in_the_background(
    app: Flask, client: FlaskClient, db: Session, mailbox: list[EmailMessage], register_route: str
) -> None:
    workshop_id, user_id = _arrange(db)
    app.config["MAIL_SEND_SYNC"] = False
    response = client.post(f"{register_route}/{workshop_id}/{user_id}")
    assert response.status_code == 200
    mailer.worker_of(app).wait_idle()
    assert [m["To"] for m in mailbox] == ["camille@exemple.fr"]
    row = db.scalars(sa.select(OutboxMessage)).one()
    assert row.status == "sent"


def test_committed_request_sends_synchronously_when_asked(
    app: Flask, client: FlaskClient, db: Session, mailbox: list[EmailMessage], register_route: str
) -> None:
    workshop_id, user_id = _arrange(db)
    app.config["MAIL_SEND_SYNC"] = True
    client.post(f"{register_route}/{workshop_id}/{user_id}")
    assert [m["To"] for m in mailbox] == ["camille@exemple.fr"]


def test_rolled_back_action_sends_nothing(
    app: Flask, client: FlaskClient, db: Session, mailbox: list[EmailMessage], register_route: str
) -> None:
    _, user_id = _arrange(db)
    app.config["MAIL_SEND_SYNC"] = True
    assert client.post(f"/_test/echec/{user_id}").status_code == 200
    assert mailbox == []
    assert db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_dead_smtp_server_never_fails_the_action_nor_loses_the_mail(
    app: Flask, client: FlaskClient, db: Session, register_route: str
) -> None:
    workshop_id, user_id = _arrange(db)
    app.config.update(MAIL_BACKEND="smtp", MAIL_PORT=free_port(), MAIL_SEND_SYNC=True)
    response = client.post(f"{register_route}/{workshop_id}/{user_id}")
    assert response.status_code == 200  # the person's action succeeded

    db.rollback()
    db.expire_all()
    reg = db.scalars(sa.select(Registration)).one()
    assert reg.status == "confirmed"
    row = db.scalars(sa.select(OutboxMessage)).one()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error

    make_due(db)  # the backoff has elapsed; cron runs `flask outbox send`
    runner = app.test_cli_runner()
    with smtp_server() as (port, messages):
        app.config["MAIL_PORT"] = port
        first = runner.invoke(args=["outbox", "send"])
        assert first.exit_code == 0, first.output
        second = runner.invoke(args=["outbox", "send"])
        assert second.exit_code == 0, second.output
        assert [m["To"] for m in messages] == ["camille@exemple.fr"]  # exactly once
    assert reload(db, row).status == "sent"


def test_old_sent_messages_are_purged_pending_ones_kept(app: Flask, db: Session) -> None:
    old, recent, pending = queue(db, 3)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    old.status, old.sent_at = "sent", long_ago
    recent.status, recent.sent_at = "sent", dt.datetime.now(dt.UTC)
    pending.created_at = long_ago
    db.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    db.rollback()
    remaining = set(db.scalars(sa.select(OutboxMessage.id)).all())
    assert remaining == {recent.id, pending.id}
