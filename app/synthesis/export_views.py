"""Synthesis downloads (Markdown, Word, ODT, PDF, CSV, XLSX, JSON): facilitators only, logged, attachments."""

from __future__ import annotations

from flask import Response, abort
from flask.typing import ResponseReturnValue

from app.db import get_session
from app.exports.synthesis import render
from app.exports.tabular import content_disposition, safe_filename
from app.i18n import _
from app.manage.access import actor, managed_programme, managed_workshop
from app.policies import facilitator
from app.services import synthesis
from app.services.programmes import InvalidInput
from app.synthesis.blueprint import bp
from app.synthesis.forms import ExportForm
from app.synthesis.page import render_workspace


def download(scope: synthesis.Scope) -> ResponseReturnValue:
    """Render the scope's synthesis in the chosen format and send it as an attachment (EX-04)."""
    form = ExportForm()
    if not form.validate():
        abort(400)
    named = bool(form.nominatif.data)
    session = get_session()
    try:
        data = synthesis.build_data(session, scope, named=named)
    except InvalidInput as error:
        session.rollback()
        return render_workspace(scope, error=str(error.message), status=400)
    content, mime, extension = render(data, form.format.data)
    synthesis.record_export(session, actor(), scope, form.format.data, named)
    session.commit()
    stem = _("synthese") + "-" + (scope.workshop.title if scope.workshop else scope.programme.title)
    if named:
        stem += "-" + _("nominatif")
    response = Response(content, content_type=mime)
    response.headers["Content-Disposition"] = content_disposition(safe_filename(stem, extension))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/gestion/ateliers/<int:workshop_id>/synthese/export")
@facilitator
def export(workshop_id: int) -> ResponseReturnValue:
    """A workshop's synthesis as a file, at any moment (also while the session runs)."""
    return download(synthesis.workshop_scope(managed_workshop(workshop_id)))


@bp.post("/gestion/parcours/<int:programme_id>/synthese/export")
@facilitator
def programme_export(programme_id: int) -> ResponseReturnValue:
    """The programme roll-up as a file."""
    return download(synthesis.programme_scope(get_session(), managed_programme(programme_id)))
