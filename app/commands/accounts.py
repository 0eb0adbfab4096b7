"""CLI commands: accounts (`flask create-admin`) and retention (`flask purge`)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale

from app.db import get_engine, new_session
from app.services import accounts, retention
from app.services.errors import DomainError


@click.command("create-admin")
@click.option("--email", required=True, help="Adresse e-mail de l'administratrice ou de l'administrateur.")
@click.option("--first-name", default="", help="Prénom (facultatif).")
@click.option("--last-name", default="", help="Nom (facultatif).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Lire le mot de passe sur l'entrée standard (première ligne) au lieu de le demander.",
)
@with_appcontext
def create_admin(email: str, first_name: str, last_name: str, password_stdin: bool) -> None:
    """Create an administrator account (there is no default account, PW-13)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            "Mot de passe (15 caractères au moins)", hide_input=True, confirmation_prompt=True
        )
    session = new_session(get_engine(), write=True)
    # No request in a command: messages are French (the locale selector would read the request).
    with force_locale("fr"):
        try:
            user = accounts.create_staff(
                session, email, password, role="admin", first_name=first_name, last_name=last_name
            )
            session.commit()
        except DomainError as error:
            session.rollback()
            raise click.ClickException(str(error.message)) from error
        finally:
            session.close()
    click.echo(f"Compte administrateur créé : {user.email}")


@click.command("purge")
@with_appcontext
def purge() -> None:
    """Apply the retention periods of the personal-data notice (for cron, daily)."""
    session = new_session(get_engine(), write=True)
    try:
        counts = retention.purge(session)
        session.commit()
    finally:
        session.close()
    click.echo(f"Liens à usage unique supprimés : {counts.tokens}")
    click.echo(f"E-mails envoyés depuis plus de 90 jours supprimés : {counts.messages}")
    click.echo(
        f"Besoins d'accessibilité effacés (ateliers terminés depuis un mois) : {counts.accessibility_needs}"
    )
    click.echo(f"Inscriptions anonymisées (parcours terminés depuis trois ans) : {counts.registrations}")
    click.echo(f"Preuves de consentements retirés depuis cinq ans supprimées : {counts.consents}")
    click.echo(f"Entrées du journal d'audit de plus d'un an supprimées : {counts.audit_entries}")
    click.echo(
        f"Notes détachées de leur autrice ou auteur (parcours terminés depuis trois ans) : {counts.notes}"
    )


def register(app: Flask) -> None:
    """Attach this module's commands."""
    app.cli.add_command(create_admin)
    app.cli.add_command(purge)
