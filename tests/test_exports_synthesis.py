"""Synthesis renderers (app/exports/): one data model to Markdown, Word, ODT, PDF, CSV, XLSX and JSON.

No database: the data comes from tests/support/synthesis_sample.py. Each format is opened with its
own reader (python-docx, odfpy, pdftotext, csv, openpyxl, jsonschema) and checked for completeness,
escaping (XS-01), spreadsheet safety (EX-01/02/03/07) and attribution (EX-05).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import shutil
import subprocess
import zipfile
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import docx
import jsonschema
import openpyxl
import pytest
from markdown_it import MarkdownIt
from odf import teletype, text  # type: ignore[import-untyped]
from odf.opendocument import load as load_odt  # type: ignore[import-untyped]
from PIL import Image

from app.exports import markdown_doc, pdf_doc, synthesis, tabular
from app.exports.charts import bar_chart_png, bar_chart_svg
from app.exports.synthesis_model import Chart, Count, SynthesisData, note_cells
from tests.conftest import missing
from tests.support import synthesis_sample as sample

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "synthesis.schema.json"
WARNING = (
    "Le profil « Fondation » n'est tenu que par 2 personnes du sous-groupe 4 : il pourrait les identifier."
)
DOCUMENTS = ("md", "docx", "odt", "pdf")


@cache
def anonymous() -> SynthesisData:
    """A workshop's synthesis, anonymous, with a warning."""
    return sample.build(60, 6, warnings=(WARNING,))


@cache
def named() -> SynthesisData:
    """The same workshop exported with names, as chosen by a facilitator."""
    return sample.build(60, 6, named=True)


@cache
def rendered(data: SynthesisData, fmt: str) -> bytes:
    """The bytes of one format (cached: several tests read the same file)."""
    body, _, _ = synthesis.render(data, fmt)
    return body


def squash(value: str) -> str:
    """Whitespace-insensitive text: line wrapping differs between formats."""
    return " ".join(value.split())


def docx_text(body: bytes) -> str:
    """Every text of a .docx opened with python-docx: paragraphs, tables, headers and footers."""
    document = docx.Document(io.BytesIO(body))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    for section in document.sections:
        parts.extend(paragraph.text for paragraph in section.header.paragraphs)
        parts.extend(paragraph.text for paragraph in section.footer.paragraphs)
    return "\n".join(parts)


def odt_text(body: bytes) -> str:
    """Every paragraph and heading of an .odt opened with odfpy (header and footer included)."""
    document = load_odt(io.BytesIO(body))
    elements = [*document.getElementsByType(text.H), *document.getElementsByType(text.P)]
    return "\n".join(teletype.extractText(element) for element in elements)


def pdf_text(body: bytes, tmp_path: Path, *, first: int | None = None, last: int | None = None) -> str:
    """The PDF's text as pdftotext extracts it (skipped locally without poppler, mandatory in CI)."""
    if shutil.which("pdftotext") is None:
        missing("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "synthese.pdf"
    path.write_bytes(body)
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *pages, str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return result.stdout.decode("utf-8")


def pdf_body_text(data: SynthesisData, body: bytes, tmp_path: Path) -> str:
    """The PDF's text without each page's header, footer and number (they would cut notes in two)."""
    header = squash(pdf_doc.printable(" · ".join([data.programme, *data.organisers])))
    mark = f"{data.labels.named_export} — " if data.named else ""
    footer = squash(f"{mark}{data.labels.confidentiality} : {data.confidentiality}")
    pages = []
    for page in pdf_text(body, tmp_path).split("\f"):
        flat = squash(page).removeprefix(header)
        flat = re.sub(r"\s*\d+$", "", flat).removesuffix(footer)
        pages.append(re.sub(r"\s*\d+$", "", flat.strip()))
    return squash(" ".join(pages))


def markdown_text(body: bytes) -> str:
    """What a reader of the Markdown sees: rendered to HTML, tags removed, entities decoded."""
    rendered_html = MarkdownIt("commonmark", {"html": True}).enable("table").render(body.decode("utf-8"))
    return squash(html.unescape(re.sub(r"<[^>]+>", " ", rendered_html)))


def document_text(data: SynthesisData, fmt: str, tmp_path: Path) -> str:
    """The readable text of a document format, whitespace squashed."""
    body = rendered(data, fmt)
    if fmt == "md":
        return markdown_text(body)
    if fmt == "docx":
        return squash(docx_text(body))
    if fmt == "odt":
        return squash(odt_text(body))
    return pdf_body_text(data, body, tmp_path)


def expected_in(fmt: str, value: str) -> str:
    """How a plain text reads in a format (the PDF shows « \ufffd » for what its fonts cannot draw)."""
    cleaned = markdown_doc.clean(value)
    if fmt == "pdf":
        return squash(pdf_doc.printable(cleaned))
    return squash(cleaned)


def searchable(body: bytes, fmt: str, tmp_path: Path) -> str:
    """Everything a format holds, as text: zipped XML parts are unpacked, PDFs extracted."""
    if fmt in ("docx", "odt", "xlsx"):
        parts = []
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for name in archive.namelist():
                if name.endswith(".xml"):
                    for node in ElementTree.fromstring(archive.read(name)).iter():
                        parts.extend([node.text or "", *node.attrib.values(), node.tail or ""])
        return "\n".join(parts)
    if fmt == "pdf":
        return pdf_text(body, tmp_path)
    return body.decode("utf-8-sig")


def csv_rows(body: bytes, delimiter: str = ";") -> list[list[str]]:
    """The CSV read back by the standard library's reader."""
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def csv_cell(value: object) -> str:
    """What a note cell becomes in the CSV (tabular's rules: words for booleans, formula-safe text)."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, int):
        return str(value)
    return tabular.neutralise(str(value))


# --- every format: valid and complete ---------------------------------------------------------------


def test_every_format_renders_with_its_media_type_and_extension() -> None:
    expected = {
        "md": ("text/markdown; charset=utf-8", "md"),
        "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
        "odt": ("application/vnd.oasis.opendocument.text", "odt"),
        "pdf": ("application/pdf", "pdf"),
        "csv": ("text/csv; charset=utf-8", "csv"),
        "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        "json": ("application/json", "json"),
    }
    assert set(synthesis.FORMATS) == set(expected)
    for fmt, (mime, extension) in expected.items():
        body, got_mime, got_extension = synthesis.render(anonymous(), fmt)
        assert (got_mime, got_extension) == (mime, extension)
        assert len(body) > 1000, fmt


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown synthesis format"):
        synthesis.render(anonymous(), "html")


@pytest.mark.parametrize("fmt", DOCUMENTS)
def test_documents_contain_every_section_theme_highlighted_note_and_the_rule(
    fmt: str, tmp_path: Path
) -> None:
    data = anonymous()
    content = document_text(data, fmt, tmp_path)

    expected = [
        data.title,
        data.programme,
        *data.organisers,
        data.confidentiality,
        WARNING,
        *(section.title for section in data.sections),
        *(theme.name for theme in data.themes),
        *(note.text for note in data.notes if note.highlighted),
        *(chart.title for chart in data.charts),
        data.facts[0].date,
        data.facts[0].place,
    ]
    absent = [value for value in expected if expected_in(fmt, value) not in content]
    assert absent == []
    assert data.labels.highlighted in content
    # The highlighted notes come first within their category, each marked.
    assert content.count(data.labels.highlighted) >= sum(note.highlighted for note in data.notes)


@pytest.mark.parametrize("fmt", DOCUMENTS)
def test_documents_include_the_facilitators_markdown_as_text(fmt: str, tmp_path: Path) -> None:
    content = document_text(anonymous(), fmt, tmp_path)

    for phrase in (
        "Ce que nous retenons",
        "Mutualiser les",
        "Bénévolat de compétences",
        "Identifier les acteurs",
    ):
        assert phrase in content
    if fmt != "md":
        # Markup is rendered, not shown; a link's address stays readable.
        assert "**" not in content and "le guide de l'Avise (https://www.avise.org/)" in content


def test_docx_opens_with_structure_properties_and_described_charts() -> None:
    data = anonymous()
    document = docx.Document(io.BytesIO(rendered(data, "docx")))

    styles = {paragraph.text: paragraph.style.name for paragraph in document.paragraphs if paragraph.style}
    assert styles[data.title] == "Title"
    assert styles[data.sections[0].title] == "Heading 1"
    assert styles["Ce que nous retenons"] == "Heading 3"
    properties = document.core_properties
    assert properties.title == data.title and properties.subject == data.programme
    assert properties.language == "fr-FR"
    assert document.sections[0].header.paragraphs[0].text.startswith(data.programme)
    assert data.confidentiality in document.sections[0].footer.paragraphs[0].text
    shapes = document.inline_shapes
    assert len(shapes) == len(data.charts)
    descriptions = [shape._inline.docPr.get("descr") for shape in shapes]
    assert all(
        "Association" in description or "Moselle" in description or "Levier" in description
        for description in descriptions
    )


def test_docx_numbered_lists_keep_the_numbers_written() -> None:
    paragraphs = [p.text for p in docx.Document(io.BytesIO(rendered(anonymous(), "docx"))).paragraphs]

    assert "1. Identifier les acteurs" in paragraphs and "2. Construire la convention" in paragraphs


def test_odt_opens_with_metadata_outline_and_described_charts() -> None:
    data = anonymous()
    body = rendered(data, "odt")
    document = load_odt(io.BytesIO(body))

    headings = {
        teletype.extractText(h): h.getAttribute("outlinelevel") for h in document.getElementsByType(text.H)
    }
    assert headings[data.sections[0].title] == "1"
    assert headings["Ce que nous retenons"] == "3"
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        meta = archive.read("meta.xml").decode("utf-8")
        content = archive.read("content.xml").decode("utf-8")
        pictures = [name for name in archive.namelist() if name.startswith("Pictures/")]
    assert f"<dc:title>{data.title}</dc:title>" in meta
    assert "<dc:language>fr-FR</dc:language>" in meta
    assert len(pictures) == len(data.charts)
    assert content.count("<svg:desc>") == len(data.charts)


def test_pdf_declares_title_language_and_carries_the_rule_on_every_page(tmp_path: Path) -> None:
    data = anonymous()
    body = rendered(data, "pdf")

    assert b"/Lang (fr-FR)" in body and b"/DisplayDocTitle true" in body
    assert b"/Outlines" in body
    second_page = squash(pdf_text(body, tmp_path, first=2, last=2))
    assert squash(data.confidentiality) in second_page
    assert data.programme in second_page
    if shutil.which("pdfinfo"):
        path = tmp_path / "info.pdf"
        path.write_bytes(body)
        info = subprocess.run(
            ["pdfinfo", "-enc", "UTF-8", str(path)], capture_output=True, check=True, timeout=60
        )
        assert f"Title:           {data.title}" in info.stdout.decode("utf-8")


def test_pdf_accents_and_typography_extract_as_typed(tmp_path: Path) -> None:
    content = pdf_text(rendered(anonymous(), "pdf"), tmp_path)

    for typed in (
        "Région Grand Est",
        "« Territoires »",
        "mis en œuvre",
        "Personnes présentes :",  # pdftotext writes the non-breaking space as a space
        "Cœur",
    ):
        assert typed in content


def test_programme_roll_up_shows_each_workshop(tmp_path: Path) -> None:
    data = sample.build(90, 6, workshops=3)
    content = squash(rendered(data, "md").decode("utf-8"))

    for workshop in data.workshops:
        assert content.count(workshop) > 3  # its facts heading and its notes
    assert content.count(f"| {data.charts[0].title} | n |") == 3 + 1  # per workshop, and the chart


# --- charts -----------------------------------------------------------------------------------------


def test_png_chart_uses_no_colour_and_scales_to_the_width() -> None:
    chart = anonymous().charts[0]
    image = Image.open(io.BytesIO(bar_chart_png(chart, width=900)))

    assert image.format == "PNG" and image.width == 900 and image.height > 100
    colours = image.convert("RGB").getcolors(maxcolors=1 << 16) or []
    # Greys only: nothing is told by colour alone (values and labels are written).
    assert all(red == green == blue for _, (red, green, blue) in colours)


def test_charts_draw_every_value_even_zero() -> None:
    chart = Chart("categories", "Notes par catégorie", (Count("Levier", 12), Count("Question ouverte", 0)))

    svg = ElementTree.fromstring(bar_chart_svg(chart))
    texts = ["".join(node.itertext()) for node in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "12" in texts and "0" in texts and "Levier" in texts and "Question ouverte" in texts
    assert len(list(svg.iter("{http://www.w3.org/2000/svg}rect"))) == 1
    assert bar_chart_png(chart).startswith(b"\x89PNG")


# --- XS-01: user text stays inert text -------------------------------------------------------------


def test_xs_01_markdown_escapes_note_texts_so_they_stay_text() -> None:
    html = (
        MarkdownIt("commonmark", {"html": True}).enable("table").render(rendered(anonymous(), "md").decode())
    )

    assert "<script>" not in html  # neither from a note nor from a section body (raw HTML dropped)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{7*7}}" in html
    assert "# pas un titre *ni gras* _ni italique_ [ni lien](https://exemple.fr) `ni code`" in html
    assert '<a href="https://exemple.fr"' not in html
    for tricky in ("=1+1", "@SUM(A1)", "-2", "+33 6 12 34 56 78", "Metz, Nancy; Épinal | Troyes"):
        assert f"— {tricky}<br />" in html


def test_xs_01_markdown_escaping_round_trips_every_tricky_text() -> None:
    renderer = MarkdownIt("commonmark", {"html": True})
    for value in sample.TRICKY:
        html = renderer.render(markdown_doc.escape_markdown(value))
        plain_text = re.sub(r"<br />\n", "\n", html.removeprefix("<p>").removesuffix("</p>\n"))
        unescaped = plain_text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        assert unescaped.replace("&amp;", "&") == "\n".join(
            line.lstrip(" ") for line in markdown_doc.clean(value).split("\n")
        )


def test_xs_01_svg_escapes_every_label_and_has_no_style_attribute() -> None:
    chart = Chart(
        'k"><script>',
        "<script>alert(1)</script> & {{7*7}}",
        (Count("<img src=x onerror=alert(1)>", 3), Count('"guillemets" & {{7*7}}', 1)),
    )
    markup = bar_chart_svg(chart)
    svg = ElementTree.fromstring(markup)  # well-formed: nothing broke out of its text node

    assert "<script" not in markup and "<img" not in markup and "style=" not in markup
    assert not [node for node in svg.iter() if node.tag.split("}")[-1] in ("script", "img", "foreignObject")]
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby", "").split()
    nodes = {node.get("id"): node for node in svg.iter() if node.get("id")}
    assert nodes[title_id].text == chart.title
    assert "<img src=x onerror=alert(1)>\u00a0: 3" in (nodes[desc_id].text or "")
    texts = ["".join(node.itertext()) for node in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert '"guillemets" & {{7*7}}' in texts


@pytest.mark.parametrize(("fmt", "part"), [("docx", "word/document.xml"), ("odt", "content.xml")])
def test_xs_01_office_xml_holds_script_and_template_syntax_as_text(fmt: str, part: str) -> None:
    with zipfile.ZipFile(io.BytesIO(rendered(anonymous(), fmt))) as archive:
        xml = archive.read(part)
    tree = ElementTree.fromstring(xml)

    assert not [node for node in tree.iter() if node.tag.split("}")[-1].lower() == "script"]
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in xml
    assert b"{{7*7}}" in xml
    # The section body's raw HTML is dropped, its text kept.
    assert "Texte avec balise et {{7*7}} qui restent du texte." in "".join(tree.itertext())


# --- EX-01/02/03/07: the raw notes in spreadsheets -------------------------------------------------


def test_ex_07_csv_is_utf8_with_bom_and_semicolons() -> None:
    body = rendered(anonymous(), "csv")

    assert body.startswith(b"\xef\xbb\xbf")
    header = body.decode("utf-8-sig").split("\r\n")[0]
    assert header.startswith("Atelier;Rotation;Sous-groupe;Table;Catégorie;Question guide;Mots-clés;Texte;")


def test_ex_01_csv_neutralises_formulas_and_keeps_numbers() -> None:
    rows = csv_rows(rendered(anonymous(), "csv"))
    texts = {row[7] for row in rows[1:]}

    for formula in ("=1+1", "@SUM(A1)", "-2", "+33 6 12 34 56 78", "\tcaché derrière une tabulation"):
        assert "'" + formula in texts and formula not in texts
    first = rows[1]
    assert first[1].isdigit() and first[2].isdigit() and first[8].isdigit()


@pytest.mark.parametrize("delimiter", [";", ","])
def test_ex_02_csv_round_trips_every_note_through_csv_reader(delimiter: str) -> None:
    data = anonymous()
    rows = csv_rows(synthesis.render_csv(data, delimiter=delimiter), delimiter)

    assert rows[0] == [tabular.neutralise(title) for title in synthesis.note_header(data)]
    assert rows[1:] == [[csv_cell(cell) for cell in note_cells(note)] for note in data.notes]
    texts = [row[7] for row in rows[1:]]
    assert 'Il a dit "bonjour" ; puis « au revoir »' in texts
    assert "Metz, Nancy; Épinal | Troyes" in texts
    assert "ligne 1\nligne 2\r\nligne 3" in texts


def test_ex_03_xlsx_keeps_formula_text_as_text() -> None:
    data = anonymous()
    body = rendered(data, "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    sheet = workbook[data.labels.notes]

    cells = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None}
    for formula in ("=1+1", "@SUM(A1)", "-2", "+33 6 12 34 56 78"):
        assert cells[formula].data_type == "s" and cells[formula].quotePrefix is True
    assert not [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not [xml for xml in sheets if b"<f>" in xml or b"<f " in xml]


def test_xlsx_numbers_stay_numbers_and_dates_are_dates() -> None:
    data = anonymous()
    sheet = openpyxl.load_workbook(io.BytesIO(rendered(data, "xlsx")))[data.labels.notes]
    rows = list(sheet.iter_rows(values_only=True))

    assert list(rows[0]) == synthesis.note_header(data)
    first, note = rows[1], data.notes[0]
    assert first[1] == note.round and first[2] == note.group and first[8] == note.plus
    assert first[9] == ("oui" if note.highlighted else "non")
    assert first[12] == note.created_at and isinstance(first[12], dt.datetime)
    assert len(rows) == len(data.notes) + 1


def test_xlsx_readme_sheet_describes_every_column_and_the_rule() -> None:
    data = anonymous()
    workbook = openpyxl.load_workbook(io.BytesIO(rendered(data, "xlsx")))

    assert workbook.sheetnames == ["Notes", "LISEZ-MOI"]
    rows = [tuple(row) for row in workbook["LISEZ-MOI"].iter_rows(values_only=True)]
    for column in data.columns:
        assert (column.title, column.description) in rows
    assert (data.labels.confidentiality, data.confidentiality) in rows
    assert (data.labels.named_export, "non") in rows
    assert (data.labels.generated, dt.datetime(2026, 12, 18, 10, 30)) in rows  # Paris time, a real date


# --- JSON ------------------------------------------------------------------------------------------


@cache
def schema() -> dict[str, object]:
    """The documented schema of the JSON export."""
    loaded: dict[str, object] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("kind", ["anonymous", "named", "programme draft"])
def test_json_validates_against_its_documented_schema(kind: str) -> None:
    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    jsonschema.Draft202012Validator.check_schema(schema())
    data = {"anonymous": anonymous(), "named": named()}.get(kind) or sample.build(
        30, 3, workshops=2, version=None
    )
    document = json.loads(rendered(data, "json"))

    validator.validate(document)
    assert document["notes"][0]["tags"] == list(data.notes[0].tags)
    assert len(document["notes"]) == len(data.notes)
    assert [section["title"] for section in document["sections"]] == [s.title for s in data.sections]


def test_json_schema_rejects_what_it_does_not_document() -> None:
    validator = jsonschema.Draft202012Validator(schema())
    document = json.loads(rendered(anonymous(), "json"))
    del document["notes"][0]["text"]
    document["surprise"] = 1

    errors = {error.message for error in validator.iter_errors(document)}
    assert any("'text' is a required property" in message for message in errors)
    assert any("surprise" in message for message in errors)


def test_every_property_of_the_schema_is_described() -> None:
    def undocumented(node: object, path: str) -> list[str]:
        if isinstance(node, dict):
            found = []
            for name, child in node.get("properties", {}).items():
                if isinstance(child, dict) and "description" not in child and "$ref" not in child:
                    found.append(f"{path}.{name}")
            for key, child in node.items():
                found.extend(undocumented(child, f"{path}.{key}"))
            return found
        if isinstance(node, list):
            return [
                item for index, child in enumerate(node) for item in undocumented(child, f"{path}[{index}]")
            ]
        return []

    missing_descriptions = [p for p in undocumented(schema(), "$") if not p.endswith((".label", ".value"))]
    assert missing_descriptions == []


# --- EX-05: names only in a named export -----------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(synthesis.FORMATS))
def test_ex_05_anonymous_exports_carry_no_name_nor_email(fmt: str, tmp_path: Path) -> None:
    data = anonymous()
    content = searchable(rendered(data, fmt), fmt, tmp_path)

    leaked = [person for person in (*sample.PARTICIPANTS, *sample.EMAILS) if person in content]
    assert leaked == []
    assert "Export nominatif" not in content or fmt == "xlsx"
    if fmt in DOCUMENTS:
        assert squash(pdf_doc.printable(data.confidentiality)) in squash(content)


@pytest.mark.parametrize("fmt", sorted(synthesis.FORMATS))
def test_ex_05_a_named_export_says_so_and_names_the_authors(fmt: str, tmp_path: Path) -> None:
    data = named()
    content = squash(searchable(rendered(data, fmt), fmt, tmp_path))

    # The anonymous check above would see these names: it can fail.
    assert all(person in content for person in sample.PARTICIPANTS)
    if fmt in DOCUMENTS:
        assert data.labels.named_export in content
    if fmt == "json":
        assert json.loads(rendered(data, "json"))["named"] is True
    if fmt == "xlsx":
        readme = openpyxl.load_workbook(io.BytesIO(rendered(data, "xlsx")))["LISEZ-MOI"]
        assert (data.labels.named_export, "oui") in [tuple(r) for r in readme.iter_rows(values_only=True)]


def test_anonymous_documents_show_the_rule_and_no_named_mark(tmp_path: Path) -> None:
    data = anonymous()
    for fmt in DOCUMENTS:
        content = document_text(data, fmt, tmp_path)
        assert expected_in(fmt, data.confidentiality) in content, fmt
        assert data.labels.named_export not in content, fmt


# --- robustness -------------------------------------------------------------------------------------


def test_control_characters_and_empty_data_do_not_break_any_format() -> None:
    base = sample.build(3, 1)
    note = base.notes[0]
    odd = type(note)(**{**note.__dict__, "text": "bip\x07 nul\x00 fin\x1b", "tags": ()})
    data = SynthesisData(**{**base.__dict__, "notes": (odd,), "themes": (), "sections": (), "charts": ()})

    for fmt in synthesis.FORMATS:
        body, _, _ = synthesis.render(data, fmt)
        assert body
    assert b"bip nul fin" in rendered(data, "md")
    assert "bip nul fin" in docx_text(rendered(data, "docx"))


def test_facilitators_markdown_becomes_blocks_without_html() -> None:
    blocks = markdown_doc.parse_markdown(
        "# Titre\n\n3. trois\n4. quatre\n\n- **gras** et *italique*\n  - dessous\n\n"
        "<div>caché</div>\n\n[lien](javascript:alert(1)) [site](https://exemple.fr)"
    )

    assert blocks[0] == markdown_doc.Heading(3, "Titre")
    items = [block for block in blocks if isinstance(block, markdown_doc.Item)]
    assert [(item.number, item.depth) for item in items] == [(3, 0), (4, 0), (None, 0), (None, 1)]
    assert items[2].runs[0] == markdown_doc.Run("gras", bold=True)
    paragraphs = [markdown_doc.plain(b.runs) for b in blocks if isinstance(b, markdown_doc.Paragraph)]
    assert "caché" not in " ".join(paragraphs)
    assert paragraphs[-1] == "[lien](javascript:alert(1)) site (https://exemple.fr)"
