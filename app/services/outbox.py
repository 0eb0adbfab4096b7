"""Delivery of the e-mail outbox over SMTP: claim due messages, send, record the outcome.

A message is written to `outbox_message` in the transaction of the action that caused it, so it
exists exactly when the action committed. Delivery then works in short transactions:

1. claim: a write transaction selects due pending rows (PostgreSQL: `FOR UPDATE SKIP LOCKED`;
   SQLite: `BEGIN IMMEDIATE`, one writer at a time), counts the attempt and moves
   `next_attempt_at` past a lease, then commits. Another process never claims a leased row, so no
   message is sent twice; if this process dies mid-send, the lease expires and the row is retried.
2. send: outside any transaction (a slow SMTP server never holds a database lock).
3. record: `sent` only after the server accepted the message; otherwise the error (short, no
   secrets) and the next attempt with exponential backoff, or `failed` after the last attempt.

No Flask here: `config` is any mapping holding the MAIL_* settings (`app.config` does).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
import smtplib
import ssl
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import begin_write, utcnow
from app.models import OutboxMessage

log = logging.getLogger("ateliers.mail")

BACKENDS = ("smtp", "console", "none")
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_RETRY_BASE_S = 60
DEFAULT_RETRY_MAX_S = 6 * 3600
BATCH_SIZE = 20
ERROR_LENGTH = 300


class ConnectionFailed(Exception):
    """The SMTP server could not be reached or dropped the connection: stop this round."""


@dataclass
class DeliveryReport:
    """What one delivery round did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        """Messages claimed in this round."""
        return self.sent + self.retrying + self.failed


def one_line(value: str) -> str:
    """Header-safe text: control characters (CR, LF, ...) become spaces (IV-04)."""
    cleaned = "".join(" " if unicodedata.category(char) == "Cc" else char for char in value)
    # Collapse ASCII spaces only: non-breaking spaces of French typography are kept.
    return re.sub(r" {2,}", " ", cleaned).strip(" ")


def sender_address(config: Mapping[str, Any]) -> Address:
    """The From address, parsed from MAIL_DEFAULT_SENDER (« Nom <adresse> » or a bare address)."""
    name, addr = email.utils.parseaddr(str(config["MAIL_DEFAULT_SENDER"]))
    if "@" not in addr:
        raise ValueError("MAIL_DEFAULT_SENDER must contain an e-mail address")
    username, _, domain = addr.rpartition("@")
    return Address(display_name=one_line(name), username=username, domain=domain)


def attachment_name(method: str) -> str:
    """File name of the calendar attachment."""
    return "annulation.ics" if method == "CANCEL" else "invitation.ics"


def build_message(row: OutboxMessage, sender: Address, now: dt.datetime | None = None) -> EmailMessage:
    """The MIME message of an outbox row: text and HTML alternatives, the .ics attached.

    Headers are built from `Address` objects and one-line strings, so no value can start a new
    header (IV-04); the envelope recipient is set apart when sending.
    """
    recipient = one_line(row.recipient)
    username, at, domain = recipient.rpartition("@")
    if not at or not username or not domain:
        raise ValueError("adresse de destination invalide")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(username=username, domain=domain)
    message["Subject"] = one_line(row.subject)
    message["Date"] = email.utils.format_datetime(now or utcnow())
    # Stable per row: a message re-sent after a crash keeps its id, so receivers can deduplicate.
    message["Message-ID"] = f"<outbox.{row.id}.{int(row.created_at.timestamp())}@{sender.domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    if row.ics:
        method = row.ics_method or "REQUEST"
        message.add_attachment(
            bytes(row.ics),
            maintype="text",
            subtype="calendar",
            filename=attachment_name(method),
            params={"method": method, "charset": "utf-8"},
        )
    return message


def _short_error(error: BaseException) -> str:
    """The error class and message, one line, truncated; SMTP errors never carry the password."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        details = "; ".join(f"{code} {reply!r}" for code, reply in error.recipients.values())
        text = f"{type(error).__name__}: {details}"
    else:
        text = f"{type(error).__name__}: {error}"
    return one_line(text)[:ERROR_LENGTH]


def _is_permanent(error: BaseException) -> bool:
    """A 5xx refusal of the recipient: retrying cannot help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, ValueError)


def retry_delay(config: Mapping[str, Any], attempts: int) -> dt.timedelta:
    """Exponential backoff: base, 2 x base, 4 x base ... capped."""
    base = float(config.get("MAIL_RETRY_BASE_S", DEFAULT_RETRY_BASE_S))
    cap = float(config.get("MAIL_RETRY_MAX_S", DEFAULT_RETRY_MAX_S))
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _lease(config: Mapping[str, Any]) -> dt.timedelta:
    """How long a claimed row is reserved: long enough to send a whole batch even slowly."""
    timeout = float(config.get("MAIL_TIMEOUT", 10))
    return dt.timedelta(seconds=max(300.0, timeout * (BATCH_SIZE + 2) * 2))


def _claim(
    session: Session,
    config: Mapping[str, Any],
    size: int,
    now: dt.datetime,
    ids: Sequence[int] | None,
) -> list[OutboxMessage]:
    """Reserve up to `size` due pending rows for this process and count the attempt."""
    begin_write(session)
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(size)
        # Fresh values even if this session already holds the rows (attempts counted elsewhere).
        .execution_options(populate_existing=True)
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query).all())
    lease_until = now + _lease(config)
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = lease_until
    session.commit()
    return rows


def _record_sent(session: Session, row: OutboxMessage) -> None:
    begin_write(session)
    row.status = "sent"
    row.sent_at = utcnow()
    row.last_error = ""
    session.commit()


def _record_failure(
    session: Session,
    config: Mapping[str, Any],
    row: OutboxMessage,
    error: BaseException,
    report: DeliveryReport,
) -> None:
    begin_write(session)
    row.last_error = _short_error(error)
    max_attempts = int(config.get("MAIL_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    if row.attempts >= max_attempts or _is_permanent(error):
        row.status = "failed"
        report.failed += 1
        log.error("mail %s failed after %s attempts: %s", row.id, row.attempts, row.last_error)
    else:
        row.next_attempt_at = utcnow() + retry_delay(config, row.attempts)
        report.retrying += 1
        log.warning("mail %s not sent (attempt %s): %s", row.id, row.attempts, row.last_error)
    session.commit()


def _ehlo_name(config: Mapping[str, Any]) -> str | None:
    """Greet with the public host name rather than a slow reverse-DNS lookup of our own."""
    host = urlsplit(str(config.get("SERVER_NAME_URL", ""))).hostname or ""
    if host and any(char.isalpha() for char in host) and "." in host:
        return host
    return None


def open_smtp(config: Mapping[str, Any]) -> smtplib.SMTP:
    """Connect (SSL or STARTTLS when configured) and log in when a user name is set."""
    host = str(config["MAIL_SERVER"])
    port = int(config["MAIL_PORT"])
    timeout = float(config.get("MAIL_TIMEOUT", 10))
    local_hostname = _ehlo_name(config)
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if config.get("MAIL_USE_SSL"):
        client = smtplib.SMTP_SSL(host, port, local_hostname, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, local_hostname, timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            client.starttls(context=context)
    if config.get("MAIL_USERNAME"):
        client.login(str(config["MAIL_USERNAME"]), str(config.get("MAIL_PASSWORD", "")))
    return client


def _print(message: EmailMessage, row: OutboxMessage) -> None:
    """Development backend: show the message in the console instead of sending it."""
    lines = [
        "-" * 72,
        f"E-mail ({row.kind or 'message'}) n° {row.id}",
        f"De : {message['From']}",
        f"À : {message['To']}",
        f"Objet : {message['Subject']}",
        "",
        row.body_text.rstrip(),
    ]
    if row.ics:
        lines.append(f"[pièce jointe : {attachment_name(row.ics_method)} (METHOD:{row.ics_method})]")
    lines.append("-" * 72)
    print("\n".join(lines), file=sys.stdout, flush=True)


def _send_batch(
    session: Session, config: Mapping[str, Any], rows: list[OutboxMessage], report: DeliveryReport
) -> None:
    """Send claimed rows on one connection; raise ConnectionFailed when the server is unreachable."""
    sender = sender_address(config)
    backend = str(config.get("MAIL_BACKEND", "smtp"))
    client: smtplib.SMTP | None = None
    try:
        for index, row in enumerate(rows):
            try:
                message = build_message(row, sender)
            except ValueError as error:
                _record_failure(session, config, row, error, report)
                continue
            if backend == "console":
                _print(message, row)
                _record_sent(session, row)
                report.sent += 1
                continue
            try:
                if client is None:
                    client = open_smtp(config)
                # Explicit envelope: only the row's recipient ever receives it.
                client.send_message(message, from_addr=sender.addr_spec, to_addrs=[one_line(row.recipient)])
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
                _record_failure(session, config, row, error, report)
                continue
            except (OSError, smtplib.SMTPException) as error:
                # Unreachable, disconnected, TLS or login failure: every remaining row waits.
                for pending in rows[index:]:
                    _record_failure(session, config, pending, error, report)
                client = None
                raise ConnectionFailed(_short_error(error)) from error
            _record_sent(session, row)
            report.sent += 1
    finally:
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()


def deliver_pending(
    session: Session,
    config: Mapping[str, Any],
    limit: int = 100,
    *,
    ids: Sequence[int] | None = None,
    now: dt.datetime | None = None,
) -> DeliveryReport:
    """Send up to `limit` due pending messages (only `ids` when given) and record each outcome.

    Commits on `session` (any open transaction of it is committed first). With MAIL_BACKEND
    `none` nothing is sent and the messages stay pending.
    """
    report = DeliveryReport()
    backend = str(config.get("MAIL_BACKEND", "smtp"))
    if backend not in BACKENDS:
        raise ValueError(f"unknown MAIL_BACKEND {backend!r}")
    if backend == "none" or limit <= 0:
        return report
    if session.in_transaction():
        session.commit()
    while report.attempted < limit:
        rows = _claim(session, config, min(BATCH_SIZE, limit - report.attempted), now or utcnow(), ids)
        if not rows:
            break
        try:
            _send_batch(session, config, rows, report)
        except ConnectionFailed as error:
            log.warning("SMTP server unavailable, %s message(s) not sent: %s", len(rows), error)
            break
    return report


def status_counts(session: Session) -> dict[str, int]:
    """Number of messages per status (pending, sent, failed)."""
    counts = {"pending": 0, "sent": 0, "failed": 0}
    rows = session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    ).all()
    for status, count in rows:
        counts[str(status)] = int(count)
    return counts


def unsent_messages(session: Session, limit: int = 50) -> list[OutboxMessage]:
    """Failed then pending messages, oldest first (for `flask outbox status`)."""
    return list(
        session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.status.in_(("failed", "pending")))
            .order_by(OutboxMessage.status, OutboxMessage.created_at, OutboxMessage.id)
            .limit(limit)
        ).all()
    )


def retry_failed(session: Session, now: dt.datetime | None = None) -> int:
    """Put every failed message back in the queue for one more attempt; returns how many."""
    begin_write(session)
    result = session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == "failed")
        .values(status="pending", next_attempt_at=now or utcnow())
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def purge_sent(session: Session, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Delete messages sent before `older_than` ago: their bodies hold names and addresses (flush only)."""
    cutoff = (now or utcnow()) - older_than
    result = session.execute(
        sa.delete(OutboxMessage).where(OutboxMessage.status == "sent", OutboxMessage.sent_at < cutoff)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
