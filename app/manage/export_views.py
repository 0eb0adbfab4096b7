"""Back office: download a workshop's registrations as CSV or XLSX (EX-01..07).

The rows come from `roster.export_table`, the bytes from the pure renderers in
`app.exports.tabular`; this module only sends the file and records the export in the audit log.
"""

from __future__ import annotations

from flask import Response, request
from sqlalchemy.orm import Session

from app.db import begin_write, get_session
from app.exports import tabular
from app.manage.access import actor, managed_workshop
from app.manage.blueprint import bp
from app.manage.forms import ExportForm
from app.models import Workshop
from app.policies import facilitator
from app.services import audit, roster


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = tabular.content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def _export_session() -> Session:
    """The request's session, switched to a write transaction for the audit entry.

    A GET starts a read transaction (the login already read the account); end it, then take the
    write lock first so that SQLite never fails the insert half way (REL-05).
    """
    session = get_session()
    session.commit()
    begin_write(session)
    return session


def _filename(workshop: Workshop, extension: str) -> str:
    day = workshop.starts_at.date().isoformat()
    return tabular.safe_filename(f"inscriptions {workshop.title} {day}", extension)


def _record(session: Session, workshop: Workshop, kind: str, named: bool, rows: int) -> None:
    # EX-06: who, what and when; never the content.
    audit.record(
        session,
        actor().id,
        "export.registrations",
        "workshop",
        workshop.id,
        format=kind,
        named=named,
        rows=rows,
    )
    session.commit()


@bp.get("/ateliers/<int:workshop_id>/export.csv")
@facilitator
def export_csv(workshop_id: int) -> Response:
    """CSV with BOM; `;` by default, `,` on request; names only in a named export."""
    session = _export_session()
    found = managed_workshop(workshop_id)
    options = ExportForm(formdata=request.args)
    header, rows = roster.export_table(session, found, named=options.named)
    body = tabular.to_csv(header, rows, delimiter=options.delimiter)
    _record(session, found, "csv", options.named, len(rows))
    return _download(body, tabular.CSV_MIME, _filename(found, "csv"))


@bp.get("/ateliers/<int:workshop_id>/export.xlsx")
@facilitator
def export_xlsx(workshop_id: int) -> Response:
    """XLSX where text always stays text; names only in a named export."""
    session = _export_session()
    found = managed_workshop(workshop_id)
    options = ExportForm(formdata=request.args)
    header, rows = roster.export_table(session, found, named=options.named)
    body = tabular.to_xlsx(header, rows, sheet_title=found.title)
    _record(session, found, "xlsx", options.named, len(rows))
    return _download(body, tabular.XLSX_MIME, _filename(found, "xlsx"))
