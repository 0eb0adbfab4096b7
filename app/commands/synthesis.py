"""`flask synthesis export WORKSHOP --format docx -o FILE`: the same export as the workspace's button."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.db import get_engine, new_session
from app.exports.synthesis import render
from app.models import Workshop
from app.services import synthesis
from app.services.programmes import InvalidInput

synthesis_cli = AppGroup("synthesis", help="Synthèses des ateliers.")
FORMATS = ("md", "docx", "odt", "pdf", "csv", "xlsx", "json")


@synthesis_cli.command("export")
@click.argument("workshop_id", type=int)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="docx", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--nominatif", is_flag=True, help="Export nominatif (atelier en attribution nominative seulement)."
)
def export_command(workshop_id: int, fmt: str, output: Path, nominatif: bool) -> None:
    """Write a workshop's synthesis to FILE in the chosen format (logged like a download)."""
    session = new_session(get_engine(), write=True)
    try:
        workshop = session.get(Workshop, workshop_id)
        if workshop is None:
            raise click.ClickException(f"Atelier {workshop_id} introuvable.")
        scope = synthesis.workshop_scope(workshop)
        try:
            data = synthesis.build_data(session, scope, named=nominatif)
        except InvalidInput as error:
            raise click.ClickException(str(error.message)) from error
        content, _mime, _extension = render(data, fmt)
        output.write_bytes(content)
        synthesis.record_export(session, None, scope, fmt, nominatif)
        session.commit()
    finally:
        session.close()
    click.echo(f"Synthèse écrite dans {output} ({len(content)} octets).")


def register(app: Flask) -> None:
    """Attach this module's commands."""
    app.cli.add_command(synthesis_cli)
