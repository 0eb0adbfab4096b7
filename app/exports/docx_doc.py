"""Word (.docx) rendering of the synthesis outline with python-docx.

Draws `markdown_doc.document()` block by block with the template's built-in styles (Title, Heading n,
List Bullet, Quote, Caption), so screen readers and the navigation pane see the structure. Charts
are PNG images with a text alternative. Styles are looked up once: with thousands of notes, a name
lookup per paragraph would dominate the time.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

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

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
IMAGE_WIDTH = Cm(16)
MONOSPACE = "DejaVu Sans Mono"
W_P, W_PPR, W_PSTYLE, W_VAL = qn("w:p"), qn("w:pPr"), qn("w:pStyle"), qn("w:val")
W_R, W_RPR, W_T, W_BR, W_B, W_I = qn("w:r"), qn("w:rPr"), qn("w:t"), qn("w:br"), qn("w:b"), qn("w:i")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


class _Writer:
    """Appends blocks to one python-docx document, with its styles resolved once."""

    def __init__(self, doc: DocxDocument) -> None:
        self.doc = doc
        self.body = doc.element.body
        # Body content goes before the section properties, which stay the body's last child.
        section_properties = self.body.sectPr
        assert section_properties is not None  # python-docx's template always has one
        self.end = section_properties
        styles = doc.styles
        self.style_ids = {
            name: styles[name].style_id
            for name in (
                "Title",
                *(f"Heading {level}" for level in range(1, 6)),
                "Subtitle",
                "List Bullet",
                "List Bullet 2",
                "List Bullet 3",
                "List Continue",
                "List Continue 2",
                "List Continue 3",
                "Quote",
                "Caption",
                "Intense Quote",
            )
        }
        table_style = styles["Table Grid"]
        self.table_style = table_style if table_style.type == WD_STYLE_TYPE.TABLE else None

    def paragraph(self, style: str | None = None) -> DocxParagraph:
        """A new paragraph at the end of the body, its style set by id (no lookup by name)."""
        paragraph = self.doc.add_paragraph()
        if style is not None:
            paragraph._p.get_or_add_pPr().style = self.style_ids[style]
        return paragraph

    def block(self, block: Block) -> None:
        """Append one block."""
        if isinstance(block, Heading):
            style = "Title" if block.level == 1 else f"Heading {min(block.level - 1, 5)}"
            self.paragraph(style).add_run(block.text)
        elif isinstance(block, Paragraph):
            self.text_paragraph(block)
        elif isinstance(block, Item):
            self.item(block)
        elif isinstance(block, Table):
            self.table(block.header, block.rows)
        elif isinstance(block, Figure):
            self.figure(block)
        else:
            self.note(block)

    def runs(self, paragraph: DocxParagraph, runs: Inline, *, italic: bool = False) -> None:
        """Add runs with their emphasis; links become their text and address."""
        for run in runs:
            added = paragraph.add_run(link_text(run))
            added.bold = run.bold or None
            added.italic = (run.italic or italic) or None
            if run.strike:
                added.font.strike = True
            if run.code:
                added.font.name = MONOSPACE

    def text_paragraph(self, block: Paragraph) -> None:
        """A paragraph in the style its kind calls for."""
        style = {"lead": "Subtitle", "quote": "Quote", "caption": "Caption", "mark": "Intense Quote"}.get(
            block.kind
        )
        paragraph = self.paragraph(style)
        if block.kind == "code":
            self.runs(paragraph, tuple(Run(run.text, code=True) for run in block.runs))
        else:
            self.runs(paragraph, block.runs, italic=block.kind in ("question", "meta"))

    def item(self, block: Item) -> None:
        """A bullet, or a numbered item whose number is written (Word would not restart lists)."""
        depth = min(block.depth, 2)
        suffix = f" {depth + 1}" if depth else ""
        if block.number is None:
            paragraph = self.paragraph(f"List Bullet{suffix}")
            self.runs(paragraph, block.runs)
        else:
            paragraph = self.paragraph(f"List Continue{suffix}")
            self.runs(paragraph, (Run(f"{block.number}. "), *block.runs))

    def table(self, header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> None:
        """A bordered table whose first row is a repeated header row."""
        width = max(len(header), *(len(row) for row in rows)) if rows else len(header)
        table: DocxTable = self.doc.add_table(rows=1 + len(rows), cols=width)
        if self.table_style is not None:
            table.style = self.table_style
        cells = table._cells
        for row_index, row in enumerate((header, *rows)):
            for column_index in range(width):
                text = row[column_index] if column_index < len(row) else ""
                paragraph = cells[row_index * width + column_index].paragraphs[0]
                paragraph.add_run(text).bold = row_index == 0 or None
        row_properties = table.rows[0]._tr.get_or_add_trPr()
        row_properties.append(OxmlElement("w:tblHeader"))
        self.paragraph()  # Word glues consecutive tables together without a paragraph between.

    def figure(self, block: Figure) -> None:
        """The chart's title as a caption, then the chart as an image described by its values."""
        self.paragraph("Caption").add_run(clean(block.chart.title))
        paragraph = self.paragraph()
        shape = paragraph.add_run().add_picture(
            io.BytesIO(bar_chart_png(block.chart, with_title=False)), width=IMAGE_WIDTH
        )
        doc_properties = shape._inline.docPr
        doc_properties.set("descr", block.alt)
        doc_properties.set("title", clean(block.chart.title))

    def note(self, block: Note) -> None:
        """One note as a bullet: mark, text, and a line in italics saying where it comes from.

        Built as XML directly: python-docx's generic child insertion costs ~0.3 ms per run, and an
        export can hold thousands of notes.
        """
        paragraph = self.body.makeelement(W_P, {})
        properties = _child(paragraph, W_PPR)
        _child(properties, W_PSTYLE, {W_VAL: self.style_ids["List Bullet"]})
        if block.mark:
            _run_xml(paragraph, f"{block.mark} — ", W_B)
        _run_xml(paragraph, block.text)
        if block.meta:
            _run_xml(paragraph, "\n" + block.meta, W_I)
        self.end.addprevious(paragraph)


def _child(parent: BaseOxmlElement, tag: str, attributes: dict[str, str] | None = None) -> BaseOxmlElement:
    child: BaseOxmlElement = parent.makeelement(tag, attributes or {})
    parent.append(child)
    return child


def _run_xml(paragraph: BaseOxmlElement, text: str, emphasis: str | None = None) -> None:
    run = _child(paragraph, W_R)
    if emphasis is not None:
        _child(_child(run, W_RPR), emphasis)
    for index, line in enumerate(text.split("\n")):
        if index:
            _child(run, W_BR)
        if line:
            node = _child(run, W_T, {XML_SPACE: "preserve"})
            node.text = line


def _set_language(doc: DocxDocument) -> None:
    # The default run properties carry the language: spell-checkers and screen readers use it.
    run_defaults = doc.styles.element.find(qn("w:docDefaults"))
    properties = None if run_defaults is None else run_defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if properties is None:
        return
    for old in properties.findall(qn("w:lang")):
        properties.remove(old)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), LANGUAGE)
    language.set(qn("w:eastAsia"), LANGUAGE)
    properties.append(language)


def _set_properties(doc: DocxDocument, data: SynthesisData) -> None:
    properties = doc.core_properties
    properties.title = clean(data.title)[:255]
    properties.subject = clean(data.programme)[:255]
    properties.author = clean(", ".join(data.organisers))[:255]
    properties.last_modified_by = properties.author
    properties.comments = pair(data.labels.confidentiality, clean(data.confidentiality))
    properties.keywords = data.labels.named_export if data.named else ""
    properties.language = LANGUAGE
    generated = data.generated_at.replace(tzinfo=None)
    properties.created = generated
    properties.modified = generated
    properties.revision = data.version or 1


def _set_header_footer(doc: DocxDocument, data: SynthesisData) -> None:
    # Every page says whose programme it is and which confidentiality rule applies.
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.text = clean(SEPARATOR.join([data.programme, *data.organisers]))
    footer = section.footer.paragraphs[0]
    rule = pair(data.labels.confidentiality, clean(data.confidentiality))
    if data.named:
        footer.add_run(f"{data.labels.named_export} — ").bold = True
    footer.add_run(rule)
    for paragraph in (header, footer):
        for run in paragraph.runs:
            run.font.size = Pt(8)


def render_docx(data: SynthesisData) -> bytes:
    """The synthesis as a Word document (title, subject, author and language set)."""
    doc = Document()
    _set_language(doc)
    _set_properties(doc, data)
    _set_header_footer(doc, data)
    writer = _Writer(doc)
    for block in document(data):
        writer.block(block)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
