"""OpenDocument text (.odt) rendering of the synthesis outline with odfpy.

Draws `markdown_doc.document()` with named styles (Title, Heading 1..5, Quote, Caption, lists) so the
structure survives in LibreOffice and in screen readers; charts are PNG images with a title and a
description; every page's header and footer carry the programme, its organisers and the
confidentiality rule.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from odf import dc, draw, meta, style, svg, table, text  # type: ignore[import-untyped]
from odf.opendocument import OpenDocumentText  # type: ignore[import-untyped]
from PIL import Image

from app.exports.charts import bar_chart_png
from app.exports.markdown_doc import (
    LANGUAGE,
    SEPARATOR,
    Block,
    Figure,
    Heading,
    Inline,
    Item,
    Note,
    Paragraph,
    Run,
    Table,
    clean,
    document,
    link_text,
    pair,
)
from app.exports.synthesis_model import SynthesisData

ODT_MIME = "application/vnd.oasis.opendocument.text"
FONT = "DejaVu Sans"
MONOSPACE = "DejaVu Sans Mono"
IMAGE_WIDTH_CM = 16.0
Element = Any  # odfpy ships no type information
_SPACES = re.compile("(  +)")

# name → (display name, text properties, paragraph properties)
_PARAGRAPH_STYLES: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "Title": ("Title", {"fontsize": "20pt", "fontweight": "bold"}, {"marginbottom": "0.3cm"}),
    "Subtitle": ("Subtitle", {"fontsize": "13pt", "fontweight": "bold"}, {"marginbottom": "0.2cm"}),
    "Heading_20_1": ("Heading 1", {"fontsize": "16pt", "fontweight": "bold"}, {"margintop": "0.5cm"}),
    "Heading_20_2": ("Heading 2", {"fontsize": "13pt", "fontweight": "bold"}, {"margintop": "0.4cm"}),
    "Heading_20_3": ("Heading 3", {"fontsize": "11pt", "fontweight": "bold"}, {"margintop": "0.3cm"}),
    "Heading_20_4": ("Heading 4", {"fontsize": "10pt", "fontweight": "bold"}, {"margintop": "0.2cm"}),
    "Heading_20_5": ("Heading 5", {"fontsize": "10pt", "fontstyle": "italic"}, {"margintop": "0.2cm"}),
    "Text_20_body": ("Text body", {}, {"marginbottom": "0.2cm"}),
    "Quotations": ("Quotations", {"fontstyle": "italic"}, {"marginleft": "1cm", "marginbottom": "0.2cm"}),
    "Caption": ("Caption", {"fontsize": "9pt", "fontstyle": "italic"}, {"margintop": "0.2cm"}),
    "Preformatted_20_Text": ("Preformatted Text", {"fontname": MONOSPACE, "fontsize": "9pt"}, {}),
    "Marked": (
        "Marked",
        {},
        {"border": "0.06pt solid #000000", "padding": "0.15cm", "marginbottom": "0.2cm"},
    ),
    "Meta": ("Meta", {"fontsize": "9pt", "fontstyle": "italic"}, {"marginbottom": "0.2cm"}),
    "List_20_Contents": ("List Contents", {}, {"marginbottom": "0.1cm"}),
    "Table_20_Contents": ("Table Contents", {}, {}),
    "Header": ("Header", {"fontsize": "8pt"}, {}),
    "Footer": ("Footer", {"fontsize": "8pt"}, {}),
}
_KIND_STYLES = {
    "lead": "Subtitle",
    "mark": "Marked",
    "meta": "Meta",
    "question": "Quotations",
    "quote": "Quotations",
    "code": "Preformatted_20_Text",
    "caption": "Caption",
}


def add_text(element: Element, value: str) -> None:
    """Add text keeping its line breaks and repeated spaces (ODF collapses them otherwise).

    odfpy's own `teletype.addTextToElement` walks the text character by character: too slow for
    thousands of notes.
    """
    for number, line in enumerate(value.split("\n")):
        if number:
            element.addElement(text.LineBreak())
        for piece in _SPACES.split(line):
            if not piece:
                continue
            if piece.startswith("  "):
                element.addText(" ")
                element.addElement(text.S(c=len(piece) - 1))
            else:
                element.addText(piece)


def _styles(doc: Element) -> None:
    doc.fontfacedecls.addElement(
        style.FontFace(name=FONT, fontfamily=f"'{FONT}'", fontfamilygeneric="swiss", fontpitch="variable")
    )
    doc.fontfacedecls.addElement(
        style.FontFace(
            name=MONOSPACE, fontfamily=f"'{MONOSPACE}'", fontfamilygeneric="modern", fontpitch="fixed"
        )
    )
    default = style.DefaultStyle(family="paragraph")
    language, country = LANGUAGE.split("-")
    default.addElement(
        style.TextProperties(fontname=FONT, fontsize="10pt", language=language, country=country)
    )
    doc.styles.addElement(default)
    doc.styles.addElement(style.Style(name="Standard", family="paragraph", attributes={"class": "text"}))
    for name, (display, text_properties, paragraph_properties) in _PARAGRAPH_STYLES.items():
        attributes: dict[str, Any] = {"name": name, "displayname": display, "family": "paragraph"}
        attributes["parentstylename"] = "Standard"
        if name.startswith("Heading_20_"):
            attributes["defaultoutlinelevel"] = name[-1]
            attributes["nextstylename"] = "Text_20_body"
        paragraph_style = style.Style(**attributes)
        # The schema wants paragraph properties before text properties.
        if paragraph_properties:
            paragraph_style.addElement(style.ParagraphProperties(**paragraph_properties))
        if text_properties:
            paragraph_style.addElement(style.TextProperties(**text_properties))
        doc.styles.addElement(paragraph_style)
    for name, properties in (
        ("Strong_20_Emphasis", {"fontweight": "bold"}),
        ("Emphasis", {"fontstyle": "italic"}),
        ("Source_20_Text", {"fontname": MONOSPACE}),
    ):
        text_style = style.Style(name=name, displayname=name.replace("_20_", " "), family="text")
        text_style.addElement(style.TextProperties(**properties))
        doc.styles.addElement(text_style)
    doc.styles.addElement(_list_style("List_20_Bullet", "List Bullet", numbered=False))
    doc.styles.addElement(_list_style("Numbering_20_1", "Numbering 1", numbered=True))


def _list_style(name: str, display: str, *, numbered: bool) -> Element:
    list_style = text.ListStyle(name=name, displayname=display)
    for level in range(1, 4):
        if numbered:
            level_style = text.ListLevelStyleNumber(level=level, numformat="1", numsuffix=".")
        else:
            level_style = text.ListLevelStyleBullet(level=level, bulletchar="•" if level == 1 else "–")
        level_style.addElement(
            style.ListLevelProperties(
                spacebefore=f"{0.6 * (level - 1):.1f}cm",
                minlabelwidth="0.6cm",
            )
        )
        list_style.addElement(level_style)
    return list_style


def _page(doc: Element, data: SynthesisData) -> None:
    # Every page says whose programme it is and which confidentiality rule applies.
    layout = style.PageLayout(name="Page")
    layout.addElement(
        style.PageLayoutProperties(
            pagewidth="21cm",
            pageheight="29.7cm",
            margintop="1.5cm",
            marginbottom="1.5cm",
            marginleft="2cm",
            marginright="2cm",
            printorientation="portrait",
        )
    )
    doc.automaticstyles.addElement(layout)
    master = style.MasterPage(name="Standard", pagelayoutname=layout)
    header = style.Header()
    header_paragraph = text.P(stylename="Header")
    add_text(header_paragraph, clean(SEPARATOR.join([data.programme, *data.organisers])))
    header.addElement(header_paragraph)
    footer = style.Footer()
    footer_paragraph = text.P(stylename="Footer")
    if data.named:
        footer_paragraph.addElement(
            text.Span(stylename="Strong_20_Emphasis", text=f"{data.labels.named_export} — ")
        )
    add_text(footer_paragraph, pair(data.labels.confidentiality, clean(data.confidentiality)))
    footer.addElement(footer_paragraph)
    master.addElement(header)
    master.addElement(footer)
    doc.masterstyles.addElement(master)


def _meta(doc: Element, data: SynthesisData) -> None:
    doc.meta.addElement(dc.Title(text=clean(data.title)))
    doc.meta.addElement(dc.Subject(text=clean(data.programme)))
    doc.meta.addElement(dc.Description(text=pair(data.labels.confidentiality, clean(data.confidentiality))))
    doc.meta.addElement(dc.Language(text=LANGUAGE))
    doc.meta.addElement(meta.InitialCreator(text=clean(", ".join(data.organisers))))
    doc.meta.addElement(meta.CreationDate(text=data.generated_at.replace(tzinfo=None).isoformat()))
    if data.named:
        doc.meta.addElement(meta.Keyword(text=data.labels.named_export))


class _Writer:
    """Appends blocks to the document body, keeping open lists for consecutive items."""

    def __init__(self, doc: Element) -> None:
        self.doc = doc
        self.body = doc.text
        self.lists: list[tuple[Element, bool, Element | None]] = []  # (list, numbered, last item)
        self.note_list: Element | None = None
        self.span_styles: dict[tuple[bool, bool, bool, bool], str] = {}
        self.tables = 0
        self.images = 0

    def block(self, block: Block) -> None:
        """Append one block."""
        if not isinstance(block, Item):
            self.lists = []
        if not isinstance(block, Note):
            self.note_list = None
        if isinstance(block, Heading):
            self.heading(block)
        elif isinstance(block, Paragraph):
            paragraph = text.P(stylename=_KIND_STYLES.get(block.kind, "Text_20_body"))
            code = block.kind == "code"
            self.runs(
                paragraph, tuple(Run(run.text, code=True) for run in block.runs) if code else block.runs
            )
            self.body.addElement(paragraph)
        elif isinstance(block, Item):
            self.item(block)
        elif isinstance(block, Table):
            self.table(block.header, block.rows)
        elif isinstance(block, Figure):
            self.figure(block)
        else:
            self.note(block)

    def heading(self, block: Heading) -> None:
        """The title as a Title paragraph, other headings as outline levels 1..5."""
        if block.level == 1:
            element = text.P(stylename="Title")
        else:
            level = min(block.level - 1, 5)
            element = text.H(outlinelevel=level, stylename=f"Heading_20_{level}")
        add_text(element, block.text)
        self.body.addElement(element)

    def span_style(self, run: Run) -> str | None:
        """The name of an automatic text style for this combination of emphasis (made once)."""
        key = (run.bold, run.italic, run.strike, run.code)
        if not any(key):
            return None
        if key not in self.span_styles:
            name = "T" + "".join(flag for flag, on in zip("bisc", key, strict=True) if on)
            properties: dict[str, str] = {}
            if run.bold:
                properties["fontweight"] = "bold"
            if run.italic:
                properties["fontstyle"] = "italic"
            if run.strike:
                properties["textlinethroughstyle"] = "solid"
            if run.code:
                properties["fontname"] = MONOSPACE
            automatic = style.Style(name=name, family="text")
            automatic.addElement(style.TextProperties(**properties))
            self.doc.automaticstyles.addElement(automatic)
            self.span_styles[key] = name
        return self.span_styles[key]

    def runs(self, paragraph: Element, runs: Inline) -> None:
        """Add runs as spans with their emphasis; links become their text and address."""
        for run in runs:
            name = self.span_style(run)
            if name is None:
                add_text(paragraph, link_text(run))
            else:
                span = text.Span(stylename=name)
                add_text(span, link_text(run))
                paragraph.addElement(span)

    def item(self, block: Item) -> None:
        """A list item, nesting lists by depth; numbered lists start where the Markdown said."""
        numbered = block.number is not None
        depth = min(block.depth, len(self.lists))
        del self.lists[depth + 1 :]
        if len(self.lists) > depth and self.lists[depth][1] != numbered:
            del self.lists[depth:]
        if len(self.lists) <= depth:
            new_list = text.List(stylename="Numbering_20_1" if numbered else "List_20_Bullet")
            parent = self.lists[-1][2] if self.lists else None
            (parent if parent is not None else self.body).addElement(new_list)
            self.lists.append((new_list, numbered, None))
        current, _, _ = self.lists[depth]
        attributes = {"startvalue": block.number} if numbered and self.lists[depth][2] is None else {}
        list_item = text.ListItem(**attributes)
        paragraph = text.P(stylename="List_20_Contents")
        self.runs(paragraph, block.runs)
        list_item.addElement(paragraph)
        current.addElement(list_item)
        self.lists[depth] = (current, numbered, list_item)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A table whose first row is a header row repeated on each page."""
        self.tables += 1
        width = max([len(header), *(len(row) for row in rows)])
        element = table.Table(name=f"Tableau{self.tables}", stylename="Grid")
        element.addElement(table.TableColumn(numbercolumnsrepeated=width))
        header_rows = table.TableHeaderRows()
        header_rows.addElement(self.table_row(header, width, bold=True))
        element.addElement(header_rows)
        for row in rows:
            element.addElement(self.table_row(row, width, bold=False))
        self.body.addElement(element)

    def table_row(self, cells: Sequence[str], width: int, *, bold: bool) -> Element:
        """One row of plain-text cells."""
        row = table.TableRow()
        for index in range(width):
            cell = table.TableCell(valuetype="string", stylename="GridCell")
            paragraph = text.P(stylename="Table_20_Contents")
            value = cells[index] if index < len(cells) else ""
            if bold:
                span = text.Span(stylename="Strong_20_Emphasis")
                add_text(span, value)
                paragraph.addElement(span)
            else:
                add_text(paragraph, value)
            cell.addElement(paragraph)
            row.addElement(cell)
        return row

    def figure(self, block: Figure) -> None:
        """The chart's title as a caption, then the chart as an image with a title and description."""
        caption = text.P(stylename="Caption")
        add_text(caption, clean(block.chart.title))
        self.body.addElement(caption)
        png = bar_chart_png(block.chart, with_title=False)
        with Image.open(io.BytesIO(png)) as image:
            width, height = image.size
        self.images += 1
        href = self.doc.addPicture(f"Pictures/chart{self.images}.png", "image/png", png)
        frame = draw.Frame(
            name=f"Graphique{self.images}",
            anchortype="as-char",
            width=f"{IMAGE_WIDTH_CM}cm",
            height=f"{IMAGE_WIDTH_CM * height / width:.2f}cm",
        )
        frame.addElement(draw.Image(href=href))
        frame.addElement(svg.Title(text=clean(block.chart.title)))
        frame.addElement(svg.Desc(text=block.alt))
        paragraph = text.P(stylename="Text_20_body")
        paragraph.addElement(frame)
        self.body.addElement(paragraph)

    def note(self, block: Note) -> None:
        """One note as a bullet: mark, text, and a line in italics saying where it comes from."""
        if self.note_list is None:
            self.note_list = text.List(stylename="List_20_Bullet")
            self.body.addElement(self.note_list)
        paragraph = text.P(stylename="List_20_Contents")
        if block.mark:
            paragraph.addElement(text.Span(stylename="Strong_20_Emphasis", text=f"{block.mark} — "))
        add_text(paragraph, block.text)
        if block.meta:
            paragraph.addElement(text.LineBreak())
            meta_span = text.Span(stylename="Emphasis")
            add_text(meta_span, block.meta)
            paragraph.addElement(meta_span)
        item = text.ListItem()
        item.addElement(paragraph)
        self.note_list.addElement(item)


def _table_styles(doc: Element) -> None:
    grid = style.Style(name="Grid", family="table")
    grid.addElement(style.TableProperties(width=f"{IMAGE_WIDTH_CM}cm", align="left"))
    doc.automaticstyles.addElement(grid)
    cell = style.Style(name="GridCell", family="table-cell")
    cell.addElement(style.TableCellProperties(border="0.5pt solid #000000", padding="0.1cm"))
    doc.automaticstyles.addElement(cell)


def render_odt(data: SynthesisData) -> bytes:
    """The synthesis as an OpenDocument text (title, subject, language and author set)."""
    doc = OpenDocumentText()
    _styles(doc)
    _table_styles(doc)
    _page(doc, data)
    _meta(doc, data)
    writer = _Writer(doc)
    for block in document(data):
        writer.block(block)
    buffer = io.BytesIO()
    doc.write(buffer)
    return bytes(buffer.getvalue())
