"""The groups on paper and in a spreadsheet: a print view, CSV and XLSX downloads (EX-01..07)."""

from __future__ import annotations

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from app.db import begin_write, get_session
from app.exports import tabular
from app.groups.blueprint import bp
from app.groups.forms import GroupExportForm
from app.manage.access import actor, managed_workshop
from app.models import Workshop
from app.policies import facilitator
from app.services import audit, group_reports, grouping


@bp.get("/gestion/ateliers/<int:workshop_id>/sous-groupes/impression")
@facilitator
def print_view(workshop_id: int) -> ResponseReturnValue:
    """One card per group with names, organisations and roles, laid out for printing."""
    workshop = managed_workshop(workshop_id)
    return render_template(
        "groups/print.html",
        workshop=workshop,
        plan=group_reports.plan_view(get_session(), workshop),
        role_labels=grouping.role_choices(),
    )


def _export_session() -> Session:
    """The request's session switched to a write transaction for the audit entry (REL-05)."""
    session = get_session()
    session.commit()
    begin_write(session)
    return session


def _download(body: bytes, mimetype: str, workshop: Workshop, extension: str) -> Response:
    day = workshop.starts_at.date().isoformat()
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = tabular.content_disposition(
        tabular.safe_filename(f"sous-groupes {workshop.title} {day}", extension)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _record(session: Session, workshop: Workshop, kind: str, named: bool, rows: int) -> None:
    # EX-06: who, what and when; never the content.
    audit.record(
        session, actor().id, "export.groups", "workshop", workshop.id, format=kind, named=named, rows=rows
    )
    session.commit()


@bp.get("/gestion/ateliers/<int:workshop_id>/sous-groupes/export.csv")
@facilitator
def export_csv(workshop_id: int) -> Response:
    """CSV with BOM, `;` by default; names only when the named export is chosen."""
    session = _export_session()
    workshop = managed_workshop(workshop_id)
    options = GroupExportForm(formdata=request.args)
    header, rows = group_reports.export_table(session, workshop, named=options.named)
    body = tabular.to_csv(header, rows, delimiter=options.delimiter)
    _record(session, workshop, "csv", options.named, len(rows))
    return _download(body, tabular.CSV_MIME, workshop, "csv")


@bp.get("/gestion/ateliers/<int:workshop_id>/sous-groupes/export.xlsx")
@facilitator
def export_xlsx(workshop_id: int) -> Response:
    """XLSX where text always stays text; names only when the named export is chosen."""
    session = _export_session()
    workshop = managed_workshop(workshop_id)
    options = GroupExportForm(formdata=request.args)
    header, rows = group_reports.export_table(session, workshop, named=options.named)
    body = tabular.to_xlsx(header, rows, sheet_title="Sous-groupes")
    _record(session, workshop, "xlsx", options.named, len(rows))
    return _download(body, tabular.XLSX_MIME, workshop, "xlsx")
