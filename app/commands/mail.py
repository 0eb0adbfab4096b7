"""CLI commands: the e-mail outbox (`flask outbox send|status`) and `flask send-reminders`."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app.db import get_engine, new_session
from app.services import notifications, outbox

outbox_cli = AppGroup("outbox", help="File d'attente des e-mails.")


def _report_line(report: outbox.DeliveryReport) -> str:
    return (
        f"{report.sent} envoyé(s), {report.retrying} à réessayer plus tard, "
        f"{report.failed} en échec définitif."
    )


def _deliver(limit: int) -> outbox.DeliveryReport:
    session = new_session(get_engine())
    try:
        return outbox.deliver_pending(session, current_app.config, limit=limit)
    finally:
        session.close()


@outbox_cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Nombre maximal de messages à traiter.")
@click.option("--retry-failed", is_flag=True, help="Remettre d'abord en file les messages en échec.")
def send_command(limit: int, retry_failed: bool) -> None:
    """Send the due pending e-mails (meant for cron); --retry-failed gives failed ones one more try."""
    backend = current_app.config.get("MAIL_BACKEND", "smtp")
    if retry_failed:
        session = new_session(get_engine())
        try:
            count = outbox.retry_failed(session)
        finally:
            session.close()
        click.echo(f"{count} message(s) en échec remis en file.")
    if backend == "none":
        click.echo("MAIL_BACKEND=none : aucun envoi, les messages restent en file.")
        return
    report = _deliver(limit)
    click.echo(_report_line(report))


@outbox_cli.command("status")
@click.option("--limit", default=50, show_default=True, help="Nombre de messages non envoyés listés.")
def status_command(limit: int) -> None:
    """Count the messages per status and list those not sent yet (failed first)."""
    session = new_session(get_engine())
    try:
        counts = outbox.status_counts(session)
        click.echo(
            f"En attente : {counts['pending']}  Envoyés : {counts['sent']}  En échec : {counts['failed']}"
        )
        for message in outbox.unsent_messages(session, limit):
            when = message.next_attempt_at.strftime("%Y-%m-%d %H:%M UTC")
            click.echo(
                f"#{message.id} [{message.status}] {message.kind or '-'} -> {message.recipient} "
                f"essais={message.attempts} prochain={when} erreur={message.last_error or '-'}"
            )
    finally:
        session.close()


@outbox_cli.command("purge")
@click.option(
    "--days", default=30, show_default=True, help="Supprimer les messages envoyés depuis plus de N jours."
)
def purge_command(days: int) -> None:
    """Delete sent e-mails older than N days (personal data is not kept longer than needed)."""
    session = new_session(get_engine(), write=True)
    try:
        count = outbox.purge_sent(session, dt.timedelta(days=days))
        session.commit()
    finally:
        session.close()
    click.echo(f"{count} message(s) envoyé(s) supprimé(s).")


@click.command("send-reminders")
@with_appcontext
@click.option(
    "--hours", default=48.0, show_default=True, help="Fenêtre : ateliers commençant d'ici N heures."
)
def send_reminders_command(hours: float) -> None:
    """Queue one reminder per confirmed seat of workshops starting soon, once per workshop, then send."""
    session = new_session(get_engine())
    try:
        due = notifications.workshops_due_for_reminder(session, hours)
        session.rollback()
        workshops = messages = 0
        for workshop_id in due:
            queued = notifications.queue_workshop_reminders(session, workshop_id)
            # One commit per workshop: its mark and its reminders are stored together.
            session.commit()
            if queued is not None:
                workshops += 1
                messages += queued
        click.echo(f"{messages} rappel(s) mis en file pour {workshops} atelier(s).")
    finally:
        session.close()
    if current_app.config.get("MAIL_BACKEND", "smtp") != "none":
        click.echo(_report_line(_deliver(500)))


def register(app: Flask) -> None:
    """Attach this module's commands."""
    app.cli.add_command(outbox_cli)
    app.cli.add_command(send_reminders_command)
