"""Pure CSV/XLSX renderers: BOM, separators, RFC 4180 quoting, formula neutralisation, file names."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from urllib.parse import unquote

import openpyxl
import pytest

from app.exports import tabular

RISKY = ["=1+1", "+33 6 12 34 56 78", "-2+3", "@SUM(A1)", "\tcaché", "\rretour"]


def read_csv(body: bytes, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_ex_07_csv_is_utf8_with_bom_and_semicolons_by_default() -> None:
    body = tabular.to_csv(["Nom", "Organisation"], [["Élodie", "Région Grand Est"]])

    assert body.startswith(b"\xef\xbb\xbf")
    assert body.decode("utf-8-sig").splitlines()[0] == "Nom;Organisation"
    assert read_csv(body) == [["Nom", "Organisation"], ["Élodie", "Région Grand Est"]]


def test_ex_07_comma_separator_is_offered() -> None:
    body = tabular.to_csv(["a", "b"], [["1;2", "x"]], delimiter=",")

    assert body.decode("utf-8-sig").splitlines()[1] == "1;2,x"


def test_csv_refuses_an_unknown_separator() -> None:
    with pytest.raises(ValueError):
        tabular.to_csv(["a"], [], delimiter="|")


def test_ex_01_csv_formula_cells_are_neutralised_and_numbers_stay_numbers() -> None:
    body = tabular.to_csv(["valeur"] * 9, [[*RISKY, 42, -3, 2.5]])

    row = read_csv(body)[1]
    assert row[:6] == ["'" + value for value in RISKY]
    assert row[6:] == ["42", "-3", "2.5"]


def test_ex_01_plain_text_is_left_alone() -> None:
    assert tabular.neutralise("Atelier = partage") == "Atelier = partage"
    assert tabular.neutralise("") == ""


@pytest.mark.parametrize("delimiter", [";", ","])
def test_ex_02_quotes_separators_and_newlines_round_trip(delimiter: str) -> None:
    tricky = ['Il a dit "bonjour"', "Metz, Nancy; Épinal", "ligne 1\nligne 2", "fin\r\nde ligne", ""]

    body = tabular.to_csv(["a", "b", "c", "d", "e"], [tricky], delimiter=delimiter)

    assert read_csv(body, delimiter) == [["a", "b", "c", "d", "e"], tricky]
    assert b'"Il a dit ""bonjour"""' in body


def test_csv_writes_none_as_empty_and_dates_readably() -> None:
    body = tabular.to_csv(
        ["vide", "quand", "jour", "oui"],
        [[None, dt.datetime(2030, 3, 10, 14, 5), dt.date(2030, 3, 10), True]],
    )

    assert read_csv(body)[1] == ["", "2030-03-10 14:05", "2030-03-10", "oui"]


def test_ex_03_xlsx_keeps_formula_text_as_text_and_numbers_numeric() -> None:
    body = tabular.to_xlsx(["texte", "nombre", "décimal"], [["=1+1", 42, 2.5], ["@SUM(A1)", -3, None]])

    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    assert sheet["A2"].quotePrefix is True
    assert sheet["A3"].value == "@SUM(A1)" and sheet["A3"].data_type == "s"
    assert sheet["B2"].value == 42 and sheet["B2"].data_type == "n"
    assert sheet["C2"].value == 2.5 and sheet["B3"].value == -3
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_xlsx_drops_control_characters_and_cleans_the_sheet_title() -> None:
    body = tabular.to_xlsx(["a"], [["bip\x07bip"]], sheet_title="Atelier [1/2]: très long titre qui dépasse")

    workbook = openpyxl.load_workbook(io.BytesIO(body))
    sheet = workbook.active
    assert sheet is not None
    assert sheet["A2"].value == "bipbip"
    assert len(sheet.title) <= 31 and "/" not in sheet.title and "[" not in sheet.title


def test_ex_04_file_name_is_sanitised_and_encoded_per_rfc_5987() -> None:
    name = tabular.safe_filename('Inscriptions « Été » "spécial" ../../etc/passwd\r\nX-Evil: 1', "csv")

    assert "/" not in name and '"' not in name and "\n" not in name and "\r" not in name
    assert name.endswith(".csv") and "Été" in name
    header = tabular.content_disposition(name)
    assert header.startswith('attachment; filename="')
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and fallback.endswith(".csv")
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert encoded.isascii() and " " not in encoded and unquote(encoded) == name


def test_ex_04_empty_title_gets_a_fallback_name() -> None:
    assert tabular.safe_filename("///", "xlsx") == "export.xlsx"
