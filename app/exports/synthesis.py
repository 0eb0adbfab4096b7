"""Synthesis exports: one `SynthesisData` to Markdown, Word, ODT, PDF, CSV, XLSX or JSON bytes.

`render(data, fmt)` is the only entry point views and the command line need; `FORMATS` lists what
it accepts. Pure functions: no Flask, no SQL. The raw notes (CSV, XLSX) reuse the tabular
renderers' protections: formulas neutralised (EX-01), RFC 4180 quoting (EX-02), UTF-8 BOM and `;`
(EX-07), text never stored as a formula (EX-03).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app.exports import tabular
from app.exports.docx_doc import DOCX_MIME, render_docx
from app.exports.markdown_doc import LANGUAGE, MARKDOWN_MIME, PARIS, render_markdown
from app.exports.odt_doc import ODT_MIME, render_odt
from app.exports.pdf_doc import PDF_MIME, render_pdf
from app.exports.synthesis_json import JSON_MIME, render_json
from app.exports.synthesis_model import NOTE_COLUMN_KEYS, SynthesisData, note_cells

Renderer = Callable[[SynthesisData], bytes]
# Widths (in characters) of the notes sheet's columns; the text column is the wide one.
_COLUMN_WIDTHS = {"text": 70, "question": 40, "workshop": 30, "tags": 30, "theme": 25, "author": 25}
_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
_WRAP = Alignment(wrap_text=True, vertical="top")
_BOLD = Font(bold=True)


@dataclass(frozen=True)
class Format:
    """One export format: its key (`--format`), media type, file extension and renderer."""

    key: str
    mime: str
    extension: str
    render: Renderer


def _local(value: dt.datetime) -> dt.datetime:
    # Spreadsheets have no time zones: aware times are shown in Paris time, naive ones as given.
    return value.astimezone(PARIS).replace(tzinfo=None) if value.tzinfo is not None else value


def note_header(data: SynthesisData) -> list[str]:
    """The notes table's column titles, in the order of `NOTE_COLUMN_KEYS`."""
    titles = {column.key: column.title for column in data.columns}
    return [titles.get(key, key) for key in NOTE_COLUMN_KEYS]


def note_rows(data: SynthesisData) -> Iterable[list[tabular.Cell]]:
    """One row per note, in `data.notes` order, with times in local wall-clock time."""
    for note in data.notes:
        yield [_local(cell) if isinstance(cell, dt.datetime) else cell for cell in note_cells(note)]


def render_csv(data: SynthesisData, delimiter: str = ";") -> bytes:
    """The raw notes as CSV: UTF-8 with BOM, `;` by default, RFC 4180, formula-safe (EX-01/02/07)."""
    return tabular.to_csv(note_header(data), note_rows(data), delimiter=delimiter)


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: tabular.Cell, *, styled: bool = False) -> object:
    """A cell of the right type: numbers stay numbers, dates are dates, text is never a formula.

    Plain values are returned as they are (streamed fast); a `Cell` only where a type or a style
    has to be forced.
    """
    if isinstance(value, bool):
        value = "oui" if value else "non"  # the same words as the CSV (tabular)
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=_local(value))
        cell.number_format = _DATETIME_FORMAT
        return cell
    if isinstance(value, int | float) or value is None:
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if not text:
        return None  # an empty cell, not an empty string
    risky = text.startswith(tabular.FORMULA_TRIGGERS)
    if not styled and not risky:
        return text  # openpyxl stores it as a plain string
    cell = WriteOnlyCell(sheet, value=text)
    # openpyxl makes any text starting with "=" a formula: force the string type (EX-03), and mark
    # risky text with the quote prefix so that editing it in Excel keeps it text (EX-01).
    cell.data_type = "s"
    if risky:
        cell.quotePrefix = True
    return cell


def _styled(sheet: WriteOnlyWorksheet, value: tabular.Cell, *, bold: bool) -> object:
    cell = _xlsx_cell(sheet, value, styled=True)
    if isinstance(cell, Cell):
        cell.alignment = _WRAP
        if bold:
            cell.font = _BOLD
    return cell


def _write_only_sheet(workbook: Workbook, title: str) -> Any:
    # Typed loosely: the openpyxl stubs lack what write-only sheets do have (column widths, filters).
    sheet = workbook.create_sheet(tabular._sheet_title(title))
    assert isinstance(sheet, WriteOnlyWorksheet)
    return sheet


def _notes_sheet(workbook: Workbook, data: SynthesisData) -> None:
    sheet = _write_only_sheet(workbook, data.labels.notes)
    for index, key in enumerate(NOTE_COLUMN_KEYS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _COLUMN_WIDTHS.get(key, 14)
    sheet.freeze_panes = "A2"
    sheet.append([_styled(sheet, title, bold=True) for title in note_header(data)])
    for row in note_rows(data):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(NOTE_COLUMN_KEYS))}{len(data.notes) + 1}"


def readme_rows(data: SynthesisData) -> list[Sequence[tabular.Cell]]:
    """The README sheet: what the file is, its confidentiality rule, then every column explained."""
    labels = data.labels
    rows: list[Sequence[tabular.Cell]] = [
        [data.title],
        [data.programme],
        [labels.organisers, ", ".join(data.organisers)],
        [labels.confidentiality, data.confidentiality],
        [labels.named_export, data.named],
        [labels.generated, _local(data.generated_at)],
    ]
    if data.version is not None:
        rows.append([labels.version, data.version])
    rows.extend([labels.warnings, warning] for warning in data.warnings)
    rows.append([])
    rows.append([labels.notes])
    rows.extend([column.title, column.description] for column in data.columns)
    return rows


def _readme_sheet(workbook: Workbook, data: SynthesisData) -> None:
    sheet = _write_only_sheet(workbook, data.labels.readme)
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 90
    for row in readme_rows(data):
        sheet.append([_styled(sheet, value, bold=position == 0) for position, value in enumerate(row)])


def render_xlsx(data: SynthesisData) -> bytes:
    """The raw notes as XLSX: a notes sheet (text never a formula) and a README sheet."""
    # Write-only mode streams rows: with thousands of notes it is several times faster and smaller.
    workbook = Workbook(write_only=True)
    _notes_sheet(workbook, data)
    _readme_sheet(workbook, data)
    workbook.properties.title = data.title
    workbook.properties.subject = data.programme
    workbook.properties.creator = ", ".join(data.organisers)
    workbook.properties.language = LANGUAGE
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FORMATS: dict[str, Format] = {
    "md": Format("md", MARKDOWN_MIME, "md", render_markdown),
    "docx": Format("docx", DOCX_MIME, "docx", render_docx),
    "odt": Format("odt", ODT_MIME, "odt", render_odt),
    "pdf": Format("pdf", PDF_MIME, "pdf", render_pdf),
    "csv": Format("csv", tabular.CSV_MIME, "csv", render_csv),
    "xlsx": Format("xlsx", tabular.XLSX_MIME, "xlsx", render_xlsx),
    "json": Format("json", JSON_MIME, "json", render_json),
}


def render(data: SynthesisData, fmt: str) -> tuple[bytes, str, str]:
    """The synthesis in format `fmt` (a key of `FORMATS`): its bytes, media type and file extension."""
    spec = FORMATS.get(fmt)
    if spec is None:
        raise ValueError(f"unknown synthesis format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return spec.render(data), spec.mime, spec.extension
