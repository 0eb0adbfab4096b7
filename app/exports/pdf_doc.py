"""PDF rendering of the synthesis outline with reportlab's platypus.

Text is set in embedded TrueType fonts (DejaVu Sans when installed) so accents, « guillemets », œ and
non-breaking spaces extract correctly (pdftotext, screen readers); the document declares its
title, subject, author and language (fr-FR), shows its title in the viewer, and has bookmarks for
every heading. Charts are vector drawings whose labels and values are real, extractable text.
Every page's header and footer carry the programme, its organisers and the confidentiality rule.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config  # type: ignore[import-untyped]
from reportlab.graphics.shapes import Drawing, Line, Rect, String  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_LEFT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import cm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Preformatted,
    Spacer,
    Table,
    TableStyle,
)

from app.exports import markdown_doc as md
from app.exports.charts import FONT_BOLD, FONT_DIR, FONT_REGULAR, Geometry, layout
from app.exports.synthesis_model import Chart, Count, SynthesisData

PDF_MIME = "application/pdf"
# Streams are compressed binary; ASCII85 on top only makes them 25 % larger and costs time.
rl_config.useA85 = 0
MARGIN = 2 * cm
Canvas = Any  # reportlab ships no type information


@lru_cache(maxsize=1)
def fonts() -> dict[str, str]:
    """Register DejaVu Sans (regular, bold, italic, mono) once; fall back to the PDF base fonts."""
    files = {
        "regular": FONT_REGULAR,
        "bold": FONT_BOLD,
        "italic": FONT_DIR / "DejaVuSans-Oblique.ttf",
        "bold_italic": FONT_DIR / "DejaVuSans-BoldOblique.ttf",
        "mono": FONT_DIR / "DejaVuSansMono.ttf",
    }
    if not all(path.exists() for path in files.values()):
        return {
            "regular": "Helvetica",
            "bold": "Helvetica-Bold",
            "italic": "Helvetica-Oblique",
            "bold_italic": "Helvetica-BoldOblique",
            "mono": "Courier",
        }
    names = {key: "Ateliers" + path.stem.replace("-", "") for key, path in files.items()}
    for key, path in files.items():
        pdfmetrics.registerFont(TTFont(names[key], str(path)))
    pdfmetrics.registerFontFamily(
        names["regular"],
        normal=names["regular"],
        bold=names["bold"],
        italic=names["italic"],
        boldItalic=names["bold_italic"],
    )
    return names


@lru_cache(maxsize=1)
def _covered() -> frozenset[int] | None:
    # The code points every registered font can draw (None: the PDF base fonts, left alone).
    names = fonts()
    if names["regular"] == "Helvetica":
        return None
    maps = [set(pdfmetrics.getFont(names[key]).face.charToGlyph) for key in ("regular", "bold", "italic")]
    return frozenset(set.intersection(*maps))


def printable(text: str) -> str:
    """Text the embedded fonts can draw: a missing character shows as « \ufffd » (emoji, rare scripts).

    Without this reportlab draws nothing for it, and text extraction loses the words around it.
    """
    covered = _covered()
    if covered is None or text.isascii():
        return text
    for char in set(text):
        if ord(char) not in covered:
            # Invisible joiners and variation selectors of emoji sequences are simply dropped.
            replacement = "" if unicodedata.category(char) in ("Mn", "Cf") else "\ufffd"
            text = text.replace(char, replacement)
    return text


def _styles() -> dict[str, ParagraphStyle]:
    font = fonts()
    base = ParagraphStyle("body", fontName=font["regular"], fontSize=10, leading=13.5, spaceAfter=5)

    def derived(name: str, **changes: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **changes)

    heading = {"fontName": font["bold"], "keepWithNext": 1, "alignment": TA_LEFT}
    return {
        "title": derived("title", fontSize=20, leading=24, spaceAfter=10, **heading),
        "h2": derived("h2", fontSize=15, leading=19, spaceBefore=14, spaceAfter=6, **heading),
        "h3": derived("h3", fontSize=12.5, leading=16, spaceBefore=10, spaceAfter=4, **heading),
        "h4": derived("h4", fontSize=11, leading=14, spaceBefore=8, spaceAfter=3, **heading),
        "h5": derived("h5", fontSize=10, leading=13, spaceBefore=6, spaceAfter=3, **heading),
        "h6": derived("h6", fontSize=10, leading=13, spaceBefore=6, spaceAfter=3, **heading),
        "body": base,
        "lead": derived("lead", fontName=font["bold"], fontSize=13, leading=17),
        "mark": derived(
            "mark", borderWidth=0.6, borderColor=colors.black, borderPadding=5, spaceBefore=6, spaceAfter=10
        ),
        "meta": derived("meta", fontName=font["italic"], fontSize=9, leading=12),
        "question": derived("question", fontName=font["italic"], leftIndent=12),
        "quote": derived("quote", fontName=font["italic"], leftIndent=18, rightIndent=18),
        "code": derived("code", fontName=font["mono"], fontSize=9, leading=11.5, leftIndent=12),
        "caption": derived("caption", fontName=font["bold"], fontSize=9.5, spaceBefore=6, keepWithNext=1),
        "item": derived("item", leftIndent=14, bulletIndent=3, spaceAfter=2),
        "note": derived("note", fontSize=9.5, leading=12.5, leftIndent=14, bulletIndent=3, spaceAfter=4),
        "cell": derived("cell", fontSize=9, leading=11.5, spaceAfter=0),
        "header": derived("header", fontSize=7.5, leading=9.5, spaceAfter=0),
    }


def _markup(text: str) -> str:
    # Paragraph text is reportlab's mini-markup: escape it, keep line breaks.
    return escape(printable(text)).replace("\n", "<br/>")


def _runs_markup(runs: md.Inline, code_font: str) -> str:
    parts = []
    for run in runs:
        piece = _markup(md.link_text(run))
        if run.code:
            piece = f'<font face="{code_font}">{piece}</font>'
        if run.strike:
            piece = f"<strike>{piece}</strike>"
        if run.italic:
            piece = f"<i>{piece}</i>"
        if run.bold:
            piece = f"<b>{piece}</b>"
        parts.append(piece)
    return "".join(parts)


class _Heading(Paragraph):  # type: ignore[misc]
    """A heading paragraph that also becomes a bookmark in the PDF outline."""

    outline_level = 0
    outline_text = ""


class _Template(BaseDocTemplate):  # type: ignore[misc]
    """One frame per page; headings become nested bookmarks (levels never skipped)."""

    def __init__(self, buffer: io.BytesIO, on_page: Callable[[Canvas, Any], None], **kwargs: Any) -> None:
        super().__init__(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            **kwargs,
        )
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
        self.bookmarks = 0
        self.outline_depth = -1

    def afterFlowable(self, flowable: Flowable) -> None:
        """Bookmark each heading once it is placed on a page."""
        if isinstance(flowable, _Heading):
            self.bookmarks += 1
            key = f"h{self.bookmarks}"
            level = min(flowable.outline_level, self.outline_depth + 1)
            self.outline_depth = level
            if self.bookmarks == 1:
                self.canv.showOutline()  # open the bookmarks panel: the document's table of contents
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.outline_text, key, level=level, closed=level > 0)


class _Builder:
    """Turns outline blocks into flowables."""

    def __init__(self, width: float) -> None:
        self.styles = _styles()
        self.font = fonts()
        self.width = width
        self.flowables: list[Flowable] = []

    def block(self, block: md.Block) -> None:
        """Append the flowables of one block."""
        if isinstance(block, md.Heading):
            self.heading(block)
        elif isinstance(block, md.Paragraph):
            self.paragraph(block)
        elif isinstance(block, md.Item):
            bullet = f"{block.number}." if block.number is not None else ("•" if block.depth == 0 else "–")
            style = self.styles["item"]
            indent = 16 * block.depth
            if indent:
                style = ParagraphStyle(
                    f"item{block.depth}",
                    parent=style,
                    leftIndent=style.leftIndent + indent,
                    bulletIndent=style.bulletIndent + indent,
                )
            text = _runs_markup(block.runs, self.font["mono"])
            self.flowables.append(Paragraph(text, style, bulletText=bullet))
        elif isinstance(block, md.Table):
            self.table(block.header, block.rows)
        elif isinstance(block, md.Figure):
            self.flowables.append(Paragraph(_markup(md.clean(block.chart.title)), self.styles["caption"]))
            self.flowables.append(chart_drawing(block.chart, self.width, self.font))
            self.flowables.append(Spacer(1, 6))
        else:
            self.note(block)

    def heading(self, block: md.Heading) -> None:
        """A heading in its style, bookmarked at its level."""
        style = self.styles["title" if block.level == 1 else f"h{min(block.level, 6)}"]
        heading = _Heading(_markup(block.text), style)
        heading.outline_level = block.level - 1
        heading.outline_text = block.text
        self.flowables.append(heading)

    def paragraph(self, block: md.Paragraph) -> None:
        """A paragraph in the style of its kind; code keeps its lines and spaces."""
        if block.kind == "code":
            self.flowables.append(Preformatted(printable(md.plain(block.runs)), self.styles["code"]))
            return
        style = self.styles.get(block.kind, self.styles["body"])
        self.flowables.append(Paragraph(_runs_markup(block.runs, self.font["mono"]), style))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A gridded table whose header row repeats on each page."""
        width = max([len(header), *(len(row) for row in rows)])
        cell = self.styles["cell"]

        def line(cells: Sequence[str], bold: bool) -> list[Paragraph]:
            padded = [*cells, *([""] * (width - len(cells)))]
            return [Paragraph(f"<b>{_markup(text)}</b>" if bold else _markup(text), cell) for text in padded]

        data = [line(header, True), *(line(row, False) for row in rows)]
        table = Table(data, repeatRows=1, hAlign="LEFT", colWidths=_column_widths(width, rows, self.width))
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                ]
            )
        )
        self.flowables.extend([table, Spacer(1, 8)])

    def note(self, block: md.Note) -> None:
        """One note: mark in bold, text, and a line in italics saying where it comes from."""
        segments: list[Segment] = []
        if block.mark:
            segments.append((self.font["bold"], NOTE_SIZE, printable(f"{block.mark} — ")))
        segments.append((self.font["regular"], NOTE_SIZE, printable(block.text)))
        if block.meta:
            segments.append((self.font["italic"], META_SIZE, "\n" + printable(block.meta)))
        self.flowables.append(NoteFlowable.from_segments(segments, self.font["regular"]))


Segment = tuple[str, float, str]  # font name, size, text
TextLine = tuple[Segment, ...]
NOTE_SIZE = 9.5
META_SIZE = 8.5
LEADING = 1.3
_TOKENS = re.compile(r"\n|[^\S\n]|[^\s]+")


class NoteFlowable(Flowable):  # type: ignore[misc]
    """A bulleted note laid out by hand: thousands of them would take seconds as `Paragraph`s.

    Mixed fonts on a line (bold mark, regular text, italic meta), greedy word wrap with cached word
    widths, split across pages line by line.
    """

    indent = 14.0
    space_after = 4.0

    def __init__(
        self,
        segments: Sequence[Segment],
        bullet_font: str,
        lines: list[TextLine] | None = None,
        bullet: bool = True,
    ) -> None:
        super().__init__()
        self.segments = segments
        self.bullet_font = bullet_font
        self.bullet = bullet
        self.lines = lines
        self.laid_width = -1.0

    @classmethod
    def from_segments(cls, segments: Sequence[Segment], bullet_font: str) -> NoteFlowable:
        """A note from its runs of text (a segment starting with a line break starts a new line)."""
        return cls(segments, bullet_font)

    def getSpaceAfter(self) -> float:
        """Space between notes."""
        return self.space_after

    def _layout(self, width: float) -> list[TextLine]:
        if self.lines is not None and (self.laid_width == width or not self.segments):
            return self.lines
        self.lines = wrap_segments(self.segments, width - self.indent)
        self.laid_width = width
        return self.lines

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Lay the text out for this width; the height is the sum of the lines' leading."""
        self.width = available_width
        self.height = sum(_leading(line) for line in self._layout(available_width))
        return available_width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """As many lines as fit here, the rest on the next page."""
        lines = self._layout(available_width)
        used = 0.0
        count = 0
        for line in lines:
            if used + _leading(line) > available_height:
                break
            used += _leading(line)
            count += 1
        if count == 0 or count == len(lines):
            return []
        head = NoteFlowable((), self.bullet_font, lines[:count], self.bullet)
        tail = NoteFlowable((), self.bullet_font, lines[count:], bullet=False)
        return [head, tail]

    def draw(self) -> None:
        """Draw line by line with one text object."""
        canvas = self.canv
        text = canvas.beginText()
        top = self.height
        for index, line in enumerate(self.lines or []):
            size = max(segment[1] for segment in line) if line else NOTE_SIZE
            baseline = top - size
            if index == 0 and self.bullet:
                text.setFont(self.bullet_font, NOTE_SIZE)
                text.setTextOrigin(3, baseline)
                text.textOut("•")
            text.setTextOrigin(self.indent, baseline)
            for font_name, font_size, piece in line:
                text.setFont(font_name, font_size)
                text.textOut(piece)
            top -= _leading(line)
        canvas.drawText(text)


def _leading(line: TextLine) -> float:
    return max((segment[1] for segment in line), default=NOTE_SIZE) * LEADING


@lru_cache(maxsize=65536)
def _width(word: str, font_name: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(word, font_name, size))


def wrap_segments(segments: Sequence[Segment], width: float) -> list[TextLine]:
    """Greedy word wrap of mixed-font text into lines no wider than `width`."""
    lines: list[TextLine] = []
    current: list[Segment] = []
    used = 0.0
    pending = ""  # spaces seen since the last word, written only if another word follows on the line

    def push(font_name: str, size: float, piece: str) -> None:
        if current and current[-1][0] == font_name and current[-1][1] == size:
            current[-1] = (font_name, size, current[-1][2] + piece)
        else:
            current.append((font_name, size, piece))

    for font_name, size, text in segments:
        for piece in _TOKENS.findall(text):
            if piece == "\n":
                lines.append(tuple(current))
                current, used, pending = [], 0.0, ""
            elif piece.isspace():
                if current:
                    pending += " "
            else:
                for word in _break_long(piece, font_name, size, width):
                    word_width = _width(word, font_name, size)
                    gap = _width(pending, font_name, size) if pending else 0.0
                    if current and used + gap + word_width > width:
                        lines.append(tuple(current))
                        current, used, pending, gap = [], 0.0, "", 0.0
                    push(font_name, size, pending + word)
                    used += gap + word_width
                    pending = ""
    if current or not lines:
        lines.append(tuple(current))
    return lines


def _break_long(word: str, font_name: str, size: float, width: float) -> list[str]:
    if _width(word, font_name, size) <= width:
        return [word]
    pieces, start = [], 0
    for end in range(1, len(word) + 1):
        if _width(word[start:end], font_name, size) > width and end - 1 > start:
            pieces.append(word[start : end - 1])
            start = end - 1
    pieces.append(word[start:])
    return pieces


def _column_widths(count: int, rows: Sequence[Sequence[str]], total: float) -> list[float]:
    if count == 2 and rows and all(row[-1].isdigit() for row in rows):
        # Counts: the label takes what the number does not need.
        return [total * 0.8, total * 0.2]
    return [total / count] * count


def chart_drawing(chart: Chart, width: float, font: dict[str, str], font_size: float = 9) -> Drawing:
    """The bar chart as a vector drawing with real text (labels and values extract as text)."""
    regular = font["regular"]
    chart = Chart(chart.key, chart.title, tuple(Count(printable(bar.label), bar.value) for bar in chart.bars))

    def measure(value: str) -> float:
        return float(pdfmetrics.stringWidth(value, regular, font_size))

    widest_value = max((measure(str(bar.value)) for bar in chart.bars), default=0.0)
    widest_label = max((measure(bar.label) for bar in chart.bars), default=0.0)
    geometry = Geometry(
        width=width,
        font_size=font_size,
        row_height=font_size * 2.0,
        line_height=font_size * 1.25,
        padding=font_size * 0.75,
        title_height=0.0,
        label_width=min(widest_label, width * 0.45),
        value_width=widest_value + font_size,
    )
    laid = layout(chart, geometry, measure, with_title=False)
    height = laid.height
    drawing = Drawing(width, height)
    for row in laid.rows:
        _draw_row(
            drawing, row.lines, row.value, row.top, row.height, row.bar_length, geometry, height, regular
        )
    if laid.rows:
        top, bottom = laid.rows[0].top, laid.rows[-1].top + laid.rows[-1].height
        drawing.add(
            Line(
                geometry.bar_left,
                height - top,
                geometry.bar_left,
                height - bottom,
                strokeColor=colors.Color(0.42, 0.42, 0.42),
                strokeWidth=0.8,
            )
        )
    return drawing


def _draw_row(
    drawing: Drawing,
    lines: tuple[str, ...],
    value: int,
    top: float,
    row_height: float,
    bar_length: float,
    geometry: Geometry,
    height: float,
    font_name: str,
) -> None:
    size = geometry.font_size
    block = len(lines) * geometry.line_height
    baseline = top + (row_height - block) / 2 + size * 0.9
    for line in lines:
        drawing.add(
            String(
                geometry.padding + geometry.label_width,
                height - baseline,
                line,
                fontName=font_name,
                fontSize=size,
                textAnchor="end",
                fillColor=colors.black,
            )
        )
        baseline += geometry.line_height
    bar_height = geometry.row_height * 0.6
    bar_top = top + (row_height - bar_height) / 2
    if bar_length > 0:
        drawing.add(
            Rect(
                geometry.bar_left,
                height - bar_top - bar_height,
                bar_length,
                bar_height,
                fillColor=colors.Color(0.1, 0.1, 0.1),
                strokeColor=None,
            )
        )
    drawing.add(
        String(
            geometry.bar_left + bar_length + geometry.padding / 2,
            height - bar_top - bar_height / 2 - size * 0.35,
            str(value),
            fontName=font_name,
            fontSize=size,
            fillColor=colors.black,
        )
    )


def _page_decoration(data: SynthesisData, styles: dict[str, ParagraphStyle]) -> Callable[[Canvas, Any], None]:
    header_text = _markup(md.clean(md.SEPARATOR.join([data.programme, *data.organisers])))
    rule = _markup(md.pair(data.labels.confidentiality, md.clean(data.confidentiality)))
    named = f"<b>{_markup(data.labels.named_export)}</b> — " if data.named else ""
    footer_text = named + rule

    def decorate(canvas: Canvas, doc: Any) -> None:
        # Every page says whose programme it is and which confidentiality rule applies.
        canvas.saveState()
        width = doc.width
        header = Paragraph(header_text, styles["header"])
        _, header_height = header.wrap(width, MARGIN)
        header.drawOn(canvas, doc.leftMargin, A4[1] - MARGIN / 2 - header_height / 2)
        footer = Paragraph(footer_text, styles["header"])
        _, footer_height = footer.wrap(width - 1.5 * cm, MARGIN)
        footer.drawOn(canvas, doc.leftMargin, MARGIN / 2 - footer_height / 2)
        canvas.setFont(styles["header"].fontName, 7.5)
        canvas.drawRightString(doc.leftMargin + width, MARGIN / 2 - 3, str(doc.page))
        canvas.restoreState()

    return decorate


def render_pdf(data: SynthesisData) -> bytes:
    """The synthesis as a PDF (fonts embedded, title, subject, author and language declared)."""
    styles = _styles()
    buffer = io.BytesIO()
    template = _Template(
        buffer,
        _page_decoration(data, styles),
        title=md.clean(data.title),
        subject=md.clean(data.programme),
        author=md.clean(", ".join(data.organisers)),
        keywords=[data.labels.named_export] if data.named else [],
        lang=md.LANGUAGE,
        initialFontName=fonts()["regular"],
        pageCompression=1,
        displayDocTitle=True,
    )
    builder = _Builder(template.width)
    for block in md.document(data):
        builder.block(block)
    template.build(builder.flowables)
    return buffer.getvalue()
