"""Back office: import participants from a CSV file (upload, preview, confirm).

The preview is the answer to the upload and writes nothing; the confirmation sends the same bytes
back (base64 in a hidden field, so no line break or encoding is altered on the way), re-checks
everything and applies it in one transaction, then redirects.
"""

from __future__ import annotations

import base64
import binascii

from flask import Response, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from app.db import get_session
from app.exports import tabular
from app.i18n import _
from app.manage.access import actor, invitation_ttl, managed_workshop
from app.manage.blueprint import bp
from app.manage.forms import ImportConfirmForm, ImportUploadForm
from app.models import Workshop
from app.policies import facilitator
from app.services import imports, roster
from app.services.imports import ImportRejected, ImportReport


def _render_upload(workshop: Workshop, form: ImportUploadForm, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "manage/import.html",
            workshop=workshop,
            form=form,
            columns=imports.COLUMNS,
            required=imports.REQUIRED_COLUMNS,
            max_kb=imports.MAX_BYTES // 1024,
            max_lines=imports.MAX_LINES,
        ),
        status,
    )


def _render_preview(workshop: Workshop, report: ImportReport, raw: bytes) -> ResponseReturnValue:
    confirm = ImportConfirmForm(formdata=None, data={"content": base64.b64encode(raw).decode("ascii")})
    return (
        render_template(
            "manage/import_preview.html",
            workshop=workshop,
            report=report,
            confirm_form=confirm,
            counts=roster.counts(get_session(), workshop),
            outcomes={
                imports.OUTCOME_NEW: _("Nouveau compte : une invitation sera envoyée"),
                imports.OUTCOME_EXISTING: _("Compte existant : inscription ajoutée"),
                imports.OUTCOME_REGISTERED: _("Déjà inscrite ou inscrit : ligne ignorée"),
            },
        ),
        422 if report.has_errors else 200,
    )


@bp.get("/ateliers/<int:workshop_id>/import")
@facilitator
def import_form(workshop_id: int) -> ResponseReturnValue:
    """The upload form and the documentation of the columns."""
    return _render_upload(managed_workshop(workshop_id), ImportUploadForm(formdata=None))


@bp.post("/ateliers/<int:workshop_id>/import")
@facilitator
def import_preview(workshop_id: int) -> ResponseReturnValue:
    """Check the uploaded file and show what each line would do; nothing is written."""
    found = managed_workshop(workshop_id)
    form = ImportUploadForm()
    if not form.validate():
        return _render_upload(found, form, 400)
    # Read one byte more than allowed, so an oversized file is refused without reading it all.
    raw = form.file.data.read(imports.MAX_BYTES + 1)
    report = imports.preview(get_session(), found, raw)
    get_session().rollback()
    return _render_preview(found, report, raw)


@bp.post("/ateliers/<int:workshop_id>/import/confirmer")
@facilitator
def import_apply(workshop_id: int) -> ResponseReturnValue:
    """Apply the previewed file in one transaction, or nothing at all when it has errors."""
    found = managed_workshop(workshop_id)
    form = ImportConfirmForm()
    raw = b""
    if form.validate():
        try:
            raw = base64.b64decode(form.content.data or "", validate=True)
        except (binascii.Error, ValueError):
            raw = b""
    if not raw:
        flash(_("Le contenu du fichier n'a pas été reçu : veuillez le choisir à nouveau."), "error")
        return _render_upload(found, ImportUploadForm(formdata=None), 400)
    session = get_session()
    try:
        result = imports.apply(session, found, actor(), raw, invitation_ttl_s=invitation_ttl())
        session.commit()
    except ImportRejected as error:
        session.rollback()
        return _render_preview(found, error.report, raw)
    flash(
        _(
            "Import terminé. Inscriptions confirmées : %(confirmed)s ; en liste d'attente : "
            "%(waitlisted)s ; comptes créés (invitation envoyée) : %(created)s ; lignes ignorées "
            "car déjà inscrites : %(skipped)s.",
            confirmed=result.confirmed,
            waitlisted=result.waitlisted,
            created=result.accounts_created,
            skipped=result.skipped,
        ),
        "success",
    )
    return redirect(url_for("manage.workshop", workshop_id=workshop_id))


@bp.get("/import/modele.csv")
@facilitator
def import_template() -> Response:
    """The model file to fill in (UTF-8 with BOM, `;`)."""
    response = Response(imports.template_csv(), content_type=tabular.CSV_MIME)
    response.headers["Content-Disposition"] = tabular.content_disposition("modele-import-participants.csv")
    response.headers["Cache-Control"] = "no-store"
    return response
