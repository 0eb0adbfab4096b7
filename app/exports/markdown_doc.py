"""The synthesis as a document outline, and its Markdown rendering.

`document()` turns a `SynthesisData` into one list of blocks (headings, paragraphs, list items, tables,
charts, notes); the Markdown, Word, ODT and PDF renderers all draw that same list, so the documents
never disagree. Facilitators' section bodies are Markdown: `parse_markdown()` reads them into the
same blocks with markdown-it-py and drops raw HTML everywhere. Note texts are plain text: in the
Markdown output they are escaped so they can never become structure, links or HTML (XS-01).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from markdown_it import MarkdownIt
from markdown_it.token import Token

from app.exports.synthesis_model import Chart, NoteRow, SynthesisData

MARKDOWN_MIME = "text/markdown; charset=utf-8"
LANGUAGE = "fr-FR"
PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"
SEPARATOR = " · "

# Characters XML 1.0 refuses (Word and ODT files are XML): C0 controls except TAB, LF, CR.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Markdown punctuation that can start structure inline (emphasis, code, links, HTML, tables, entities).
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|#~&])")
# What makes a line a heading, quote, list item, setext underline or ordered list item.
_MD_LINE_START = re.compile(r"^([-+=>]|\d+(?=[.)]))")
_SAFE_URL = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
_LINE_BREAK = "\n"


@dataclass(frozen=True)
class Run:
    """A piece of inline text with its emphasis (links keep their address, shown as text elsewhere)."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False
    href: str = ""


Inline = tuple[Run, ...]


@dataclass(frozen=True)
class Heading:
    """A heading; level 1 is the document title."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; `kind` is body, lead, mark (named export), meta, question, quote, code or caption."""

    runs: Inline
    kind: str = "body"


@dataclass(frozen=True)
class Item:
    """A list item at `depth` (0 = top level); `number` for numbered lists, None for bullets."""

    runs: Inline
    depth: int = 0
    number: int | None = None


@dataclass(frozen=True)
class Table:
    """A small table of plain texts (facts counts, tables written in section bodies)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Figure:
    """A bar chart: an image in documents, a table in Markdown."""

    chart: Chart
    alt: str


@dataclass(frozen=True)
class Note:
    """One note: its mark (« Retenue » or empty), its plain text, and where it comes from."""

    mark: str
    text: str
    meta: str


Block = Heading | Paragraph | Item | Table | Figure | Note


def clean(text: str) -> str:
    """Text every format can hold: one kind of line break, tabs as spaces, no XML-illegal characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _XML_ILLEGAL.sub("", text)


def pair(label: str, value: object) -> str:
    """« label : value » with the non-breaking space French puts before a colon."""
    return f"{label}{NBSP}: {value}"


def format_datetime(value: dt.datetime) -> str:
    """A date and time as 18/12/2026 10:30 (aware times shown in Paris time)."""
    if value.tzinfo is not None:
        value = value.astimezone(PARIS)
    return value.strftime("%d/%m/%Y %H:%M")


def plain(runs: Iterable[Run]) -> str:
    """The text of some runs, links followed by their address."""
    return "".join(link_text(run) for run in runs)


def link_text(run: Run) -> str:
    """A run's text; a link's address is written after it when it differs (documents show no links)."""
    if run.href and run.href.removeprefix("mailto:") not in run.text:
        return f"{run.text} ({run.href})"
    return run.text


# --- Facilitators' Markdown → blocks -------------------------------------------------------------

_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def parse_markdown(source: str, heading_offset: int = 2) -> list[Block]:
    """Blocks from a section body written in Markdown; raw HTML is dropped, headings shifted down."""
    return _BodyReader(heading_offset).read(_PARSER.parse(clean(source)))


class _BodyReader:
    """Walks markdown-it tokens once, keeping track of lists, quotes and tables."""

    def __init__(self, heading_offset: int) -> None:
        self.offset = heading_offset
        self.blocks: list[Block] = []
        self.lists: list[list[int]] = []  # per open list: [next number] or [] for bullets
        self.quote = 0
        self.item_started = False
        self.heading: int | None = None
        self.table: list[list[str]] | None = None
        self.header_rows = 0

    def read(self, tokens: Sequence[Token]) -> list[Block]:
        """Every block of the token stream, in order."""
        for token in tokens:
            self._token(token)
        return self.blocks

    def _token(self, token: Token) -> None:
        kind = token.type
        if kind == "heading_open":
            self.heading = min(int(token.tag[1:]) + self.offset, 6)
        elif kind == "heading_close":
            self.heading = None
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = int(token.attrs.get("start", 1) or 1)
            self.lists.append([start] if kind == "ordered_list_open" else [])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif kind == "list_item_open":
            self.item_started = True
        elif kind in ("blockquote_open", "blockquote_close"):
            self.quote += 1 if kind == "blockquote_open" else -1
        elif kind in ("code_block", "fence"):
            self.blocks.append(Paragraph((Run(token.content.rstrip("\n"), code=True),), "code"))
        elif kind == "table_open":
            self.table, self.header_rows = [], 0
        elif kind == "thead_close" and self.table is not None:
            self.header_rows = len(self.table)
        elif kind == "tr_open" and self.table is not None:
            self.table.append([])
        elif kind == "table_close":
            self._close_table()
        elif kind == "inline":
            self._inline(token)

    def _close_table(self) -> None:
        rows = self.table or []
        self.table = None
        if rows:
            header = rows[0] if self.header_rows else [""] * len(rows[0])
            body = rows[1:] if self.header_rows else rows
            self.blocks.append(Table(tuple(header), tuple(tuple(row) for row in body)))

    def _inline(self, token: Token) -> None:
        runs = inline_runs(token.children or [])
        if self.table is not None:
            if self.table:
                self.table[-1].append(plain(runs).replace("\n", " "))
            return
        if self.heading is not None:
            self.blocks.append(Heading(self.heading, plain(runs).replace("\n", " ")))
        elif self.lists and self.item_started:
            self.item_started = False
            numbers = self.lists[-1]
            number = None
            if numbers:
                number = numbers[0]
                numbers[0] += 1
            self.blocks.append(Item(runs, len(self.lists) - 1, number))
        elif runs:
            self.blocks.append(Paragraph(runs, "quote" if self.quote else "body"))


def inline_runs(children: Sequence[Token]) -> Inline:
    """Runs from an inline token's children: emphasis, code, links; HTML dropped, images as their alt."""
    runs: list[Run] = []
    bold = italic = strike = 0
    href = ""
    for child in children:
        kind = child.type
        if kind in ("text", "text_special"):
            if child.content:
                runs.append(Run(child.content, bold > 0, italic > 0, False, strike > 0, href))
        elif kind == "code_inline":
            runs.append(Run(child.content, bold > 0, italic > 0, True, strike > 0, href))
        elif kind == "softbreak":
            runs.append(Run(" "))
        elif kind == "hardbreak":
            runs.append(Run(_LINE_BREAK))
        elif kind == "image" and child.content:
            runs.append(Run(child.content, bold > 0, italic > 0))
        elif kind in ("strong_open", "strong_close"):
            bold += 1 if kind == "strong_open" else -1
        elif kind in ("em_open", "em_close"):
            italic += 1 if kind == "em_open" else -1
        elif kind in ("s_open", "s_close"):
            strike += 1 if kind == "s_open" else -1
        elif kind == "link_open":
            target = str(child.attrs.get("href", ""))
            href = target if _SAFE_URL.match(target) else ""
        elif kind == "link_close":
            href = ""
        # html_inline and anything unknown: dropped, never passed through.
    return _merge(runs)


def _merge(runs: list[Run]) -> Inline:
    merged: list[Run] = []
    for run in runs:
        if merged and _same_style(merged[-1], run):
            last = merged.pop()
            run = Run(last.text + run.text, run.bold, run.italic, run.code, run.strike, run.href)
        merged.append(run)
    return tuple(merged)


def _same_style(left: Run, right: Run) -> bool:
    return (left.bold, left.italic, left.code, left.strike, left.href) == (
        right.bold,
        right.italic,
        right.code,
        right.strike,
        right.href,
    )


# --- SynthesisData → blocks ----------------------------------------------------------------------


def document(data: SynthesisData) -> list[Block]:
    """The whole synthesis as blocks, in reading order: every document format draws this list."""
    blocks: list[Block] = [*front_matter(data), *warnings(data), *facts(data)]
    for section in data.sections:
        blocks.append(Heading(2, clean(section.title)))
        blocks.extend(parse_markdown(section.body))
    blocks.extend(themes(data))
    blocks.extend(annex(data))
    return blocks


def front_matter(data: SynthesisData) -> list[Block]:
    """Title, programme, organisers, confidentiality rule, named-export mark, version and date."""
    labels = data.labels
    blocks: list[Block] = [
        Heading(1, clean(data.title)),
        Paragraph((Run(clean(data.programme), bold=True),), "lead"),
    ]
    if data.organisers:
        blocks.append(Paragraph((Run(pair(labels.organisers, clean(", ".join(data.organisers)))),)))
    blocks.append(
        Paragraph(
            (Run(pair(labels.confidentiality, ""), bold=True), Run(clean(data.confidentiality))), "mark"
        )
    )
    if data.named:
        blocks.append(Paragraph((Run(labels.named_export, bold=True),), "mark"))
    meta = [f"{labels.generated} {format_datetime(data.generated_at)}"]
    if data.version is not None:
        meta.insert(0, pair(labels.version, data.version))
    blocks.append(Paragraph((Run(SEPARATOR.join(meta)),), "meta"))
    return blocks


def warnings(data: SynthesisData) -> list[Block]:
    """The warnings (profiles that could identify someone), before anything else is read."""
    if not data.warnings:
        return []
    return [Heading(2, data.labels.warnings), *(Item((Run(clean(text)),)) for text in data.warnings)]


def _chart_title(data: SynthesisData, key: str) -> str:
    return next((chart.title for chart in data.charts if chart.key == key), key)


def facts(data: SynthesisData) -> list[Block]:
    """Per workshop: date, place, format and counts; then the charts (tables in Markdown)."""
    labels = data.labels
    blocks: list[Block] = [Heading(2, labels.facts)] if data.facts or data.charts else []
    for fact in data.facts:
        blocks.append(Heading(3, clean(fact.workshop)))
        for label, value in (
            (labels.date, fact.date),
            (labels.place, fact.place),
            (labels.format, fact.format),
            (labels.attendees, fact.attendees),
            (labels.registered, fact.registered),
            (labels.groups, fact.groups),
            (labels.rounds, fact.rounds),
            (labels.notes_count, fact.notes),
        ):
            blocks.append(Item((Run(pair(label, clean(str(value)))),)))
        if len(data.facts) > 1:
            # A roll-up's charts add workshops up; each workshop's own counts stay readable as tables.
            for key, counts in (
                ("profiles", fact.profiles),
                ("territories", fact.territories),
                ("categories", fact.categories),
            ):
                if counts:
                    rows = tuple((clean(count.label), str(count.value)) for count in counts)
                    blocks.append(Table((clean(_chart_title(data, key)), "n"), rows))
    blocks.extend(Figure(chart, chart_alt(chart)) for chart in data.charts if chart.bars)
    return blocks


def chart_alt(chart: Chart) -> str:
    """The text alternative of a chart: its title and every value."""
    values = " ; ".join(pair(clean(bar.label), bar.value) for bar in chart.bars)
    return clean(f"{chart.title}. {values}")


def _column_title(data: SynthesisData, key: str, fallback: str) -> str:
    return next((column.title for column in data.columns if column.key == key), fallback)


def note_block(data: SynthesisData, note: NoteRow, *, with_category: bool, with_theme: bool) -> Note:
    """A note with its mark and a line saying where it comes from (as far as attribution allows)."""
    labels = data.labels
    meta: list[str] = []
    if data.scope == "programme" or len(data.workshops) > 1:
        meta.append(note.workshop)
    meta.append(f"{_column_title(data, 'round', labels.rounds)} {note.round}")
    meta.append(f"{_column_title(data, 'group', labels.groups)} {note.group}")
    if note.table:
        meta.append(note.table)
    if with_category:
        meta.append(note.category_label)
    if note.tags:
        meta.append(pair(_column_title(data, "tags", labels.tags), ", ".join(note.tags)))
    if note.plus:
        meta.append(pair(_column_title(data, "plus", labels.plus), note.plus))
    if with_theme and note.theme:
        meta.append(pair(_column_title(data, "theme", labels.theme), note.theme))
    if note.author:
        meta.append(pair(_column_title(data, "author", labels.author), note.author))
    mark = labels.highlighted if note.highlighted else ""
    return Note(mark, clean(note.text), clean(SEPARATOR.join(meta)))


def themes(data: SynthesisData) -> list[Block]:
    """Each theme and the notes gathered under it."""
    if not data.themes:
        return []
    blocks: list[Block] = [Heading(2, data.labels.themes)]
    for theme in data.themes:
        blocks.append(Heading(3, clean(theme.name)))
        ordered = sorted(theme.notes, key=lambda note: not note.highlighted)
        blocks.extend(note_block(data, note, with_category=True, with_theme=False) for note in ordered)
    return blocks


def annex(data: SynthesisData) -> list[Block]:
    """Raw notes by category, highlighted ones first and marked."""
    if not data.notes:
        return []
    by_category: dict[str, list[NoteRow]] = {}
    for note in data.notes:
        by_category.setdefault(note.category_label, []).append(note)
    order = [bar.label for chart in data.charts if chart.key == "categories" for bar in chart.bars]
    labels_in_order = [label for label in order if label in by_category]
    labels_in_order += [label for label in by_category if label not in labels_in_order]
    blocks: list[Block] = [Heading(2, data.labels.notes)]
    for label in labels_in_order:
        notes = sorted(by_category[label], key=lambda note: not note.highlighted)
        blocks.append(Heading(3, clean(label)))
        if notes[0].question:
            blocks.append(Paragraph((Run(clean(notes[0].question), italic=True),), "question"))
        blocks.extend(note_block(data, note, with_category=False, with_theme=True) for note in notes)
    return blocks


# --- blocks → Markdown ---------------------------------------------------------------------------


def escape_markdown(text: str, *, line_prefix: str = "", line_start: bool = True) -> str:
    """Plain text as Markdown that renders as that same text: no emphasis, link, HTML or structure.

    Line breaks become hard breaks; `line_prefix` indents continuation lines (inside list items);
    `line_start` says whether the text begins a line (where `-`, `+`, `1.` or spaces mean structure).
    """
    lines = []
    for number, line in enumerate(clean(text).split("\n")):
        line = _MD_INLINE.sub(r"\\\1", line)
        if number or line_start:
            # Leading spaces would make an indented code block: they carry no meaning in a note.
            line = _MD_LINE_START.sub(r"\\\1", line.lstrip(" "))
        lines.append(line)
    return ("\\\n" + line_prefix).join(lines)


def _escape_cell(text: str) -> str:
    return escape_markdown(text.replace("\n", " "))


def _url(href: str) -> str:
    return href.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


def runs_markdown(runs: Iterable[Run], line_prefix: str = "") -> str:
    """Runs as inline Markdown; the texts escaped, emphasis and links written by us."""
    parts = []
    line_start = True
    for run in runs:
        if run.text == _LINE_BREAK:
            parts.append("\\\n" + line_prefix)
            line_start = True
            continue
        if run.code:
            text = _code_span(run.text)
        else:
            text = escape_markdown(run.text, line_prefix=line_prefix, line_start=line_start)
        line_start = False
        stripped = text.strip()
        if stripped:
            lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
            for flag, marker in ((run.strike, "~~"), (run.italic, "*"), (run.bold, "**")):
                if flag:
                    stripped = f"{marker}{stripped}{marker}"
            if run.href:
                stripped = f"[{stripped}](<{_url(run.href)}>)"
            text = lead + stripped + trail
        parts.append(text)
    return "".join(parts)


def _code_span(text: str) -> str:
    text = text.replace("\n", " ")
    longest = max((len(ticks) for ticks in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _code_block(text: str) -> str:
    longest = max((len(ticks) for ticks in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def _table_markdown(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(_escape_cell(cell) for cell in header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines.extend("| " + " | ".join(_escape_cell(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)


def block_markdown(block: Block) -> str:
    """One block as Markdown."""
    if isinstance(block, Heading):
        text = escape_markdown(block.text.replace("\n", " "), line_start=False)
        return "#" * block.level + " " + text
    if isinstance(block, Paragraph):
        return _paragraph_markdown(block)
    if isinstance(block, Item):
        indent = "    " * block.depth
        marker = f"{block.number}." if block.number is not None else "-"
        return indent + marker + " " + runs_markdown(block.runs, indent + " " * (len(marker) + 1))
    if isinstance(block, Table):
        return _table_markdown(block.header, block.rows)
    if isinstance(block, Figure):
        rows = [(bar.label, str(bar.value)) for bar in block.chart.bars]
        return _table_markdown((block.chart.title, "n"), rows)
    return _note_markdown(block)


def _paragraph_markdown(block: Paragraph) -> str:
    if block.kind == "code":
        return _code_block(plain(block.runs))
    if block.kind == "quote":
        return "> " + runs_markdown(block.runs, "> ")
    return runs_markdown(block.runs)


def _note_markdown(note: Note) -> str:
    prefix = "  "
    mark = f"**{escape_markdown(note.mark)}** — " if note.mark else ""
    text = mark + escape_markdown(note.text, line_prefix=prefix)
    if note.meta:
        text += "\\\n" + prefix + "*" + escape_markdown(note.meta, line_prefix=prefix) + "*"
    return "- " + text


def _same_list(previous: Block | None, block: Block) -> bool:
    if isinstance(previous, Note) and isinstance(block, Note):
        return True
    if isinstance(previous, Item) and isinstance(block, Item):
        # A top-level switch between bullets and numbers starts a new list: leave a blank line.
        return block.depth > 0 or (previous.number is None) == (block.number is None)
    return False


def _join(blocks: Sequence[Block]) -> str:
    # Consecutive list items (and notes) form one list; everything else is separated by a blank line.
    out: list[str] = []
    previous: Block | None = None
    for block in blocks:
        if out:
            tight = _same_list(previous, block)
            out.append("\n" if tight else "\n\n")
        out.append(block_markdown(block))
        previous = block
    return "".join(out) + "\n"


def render_markdown(data: SynthesisData) -> bytes:
    """The synthesis as a UTF-8 Markdown document."""
    return _join(document(data)).encode("utf-8")
