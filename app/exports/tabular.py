"""Tabular renderers: rows (lists of cells) to CSV or XLSX bytes; no Flask, no SQL.

Cells are `str`, `int`, `float`, `bool`, `None` or dates. Text that a spreadsheet could run as a
formula is neutralised (EX-01), CSV follows RFC 4180 and starts with a UTF-8 BOM (EX-02, EX-07),
XLSX never stores text as a formula (EX-03).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

Cell = str | int | float | bool | dt.date | dt.datetime | None
Row = Sequence[Cell]

# OWASP "CSV injection": a leading =, +, -, @, TAB or CR makes spreadsheets evaluate the cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = (";", ",")
CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel refuses sheet titles with these characters and longer than 31 characters.
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: str) -> str:
    """Prefix text that starts like a formula with an apostrophe (EX-01); other text is unchanged."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _csv_cell(value: Cell) -> str | int | float:
    # bool is an int subclass: write it as words so it cannot be read as 1/0 by mistake.
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime):
        # Wall-clock time chosen by the caller; a format every spreadsheet reads as a date.
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


def to_csv(header: Row, rows: Iterable[Row], delimiter: str = ";") -> bytes:
    """CSV bytes: UTF-8 with BOM, RFC 4180 quoting, CRLF line ends, formula-safe text (EX-01/02/07)."""
    if delimiter not in DELIMITERS:
        raise ValueError(f"unsupported delimiter {delimiter!r}")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([_csv_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(title: str) -> str:
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(" ", title).strip().strip("'") or "Feuille"
    return cleaned[:31]


def to_xlsx(header: Row, rows: Iterable[Row], sheet_title: str = "Inscriptions") -> bytes:
    """XLSX bytes where text is always stored as text, never as a formula (EX-03)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = _sheet_title(sheet_title)
    for row_index, row in enumerate([header, *rows], start=1):
        for column_index, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=column_index)
            if value is None:
                continue
            if isinstance(value, bool):
                cell.value = "oui" if value else "non"
            elif isinstance(value, int | float):
                cell.value = value
            elif isinstance(value, dt.datetime):
                # Spreadsheets have no time zones: write the wall-clock time the caller chose.
                cell.value = value.replace(tzinfo=None)
                cell.number_format = "dd/mm/yyyy hh:mm"
            elif isinstance(value, dt.date):
                cell.value = value
                cell.number_format = "dd/mm/yyyy"
            else:
                text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
                cell.value = text
                # openpyxl turns any text starting with "=" into a formula: force the string type,
                # and mark risky text with the quote prefix so Excel keeps it as text when edited.
                cell.data_type = "s"
                if text.startswith(FORMULA_TRIGGERS):
                    cell.quotePrefix = True
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def safe_filename(name: str, extension: str, fallback: str = "export") -> str:
    """A download file name without path separators, quotes or control characters (EX-04)."""
    cleaned = unicodedata.normalize("NFC", name)
    cleaned = "".join(" " if unicodedata.category(char)[0] in "CZ" else char for char in cleaned)
    cleaned = re.sub(r"[\\/:*?\"<>|;,'`%]+", " ", cleaned)
    cleaned = re.sub(r"\s+", "-", cleaned.strip()).strip(".-")[:120].strip(".-")
    return f"{cleaned or fallback}.{extension}"


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the RFC 5987 UTF-8 name (EX-04)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._") or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
