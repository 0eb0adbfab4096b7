"""Horizontal bar charts from a `Chart`: PNG for documents (Pillow), SVG for web pages.

Readable without colour: every bar is plain dark ink, its category is written as text on its left and
its value as text at its end. The SVG escapes every label itself (the pages embed it as Markup) and
uses presentation attributes only (the CSP forbids `style=`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from app.exports.synthesis_model import Chart

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
INK = "#1a1a1a"
PAPER = "#ffffff"
RULE = "#6b6b6b"

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
Measure = Callable[[str], float]


@dataclass(frozen=True)
class Geometry:
    """Sizes of one chart drawing, in the unit of its renderer (pixels or points)."""

    width: float
    font_size: float
    row_height: float
    line_height: float
    padding: float
    title_height: float
    label_width: float
    value_width: float

    @property
    def bar_left(self) -> float:
        """Where bars start (right of the category labels)."""
        return self.padding + self.label_width + self.padding

    @property
    def bar_span(self) -> float:
        """The length of the longest bar."""
        return max(self.width - self.bar_left - self.value_width - self.padding, 1.0)


@dataclass(frozen=True)
class Row:
    """One bar laid out: its label lines, its value and where it sits."""

    lines: tuple[str, ...]
    value: int
    top: float
    height: float
    bar_length: float


@dataclass(frozen=True)
class Layout:
    """A chart laid out once, drawn by PNG, SVG and PDF renderers alike."""

    geometry: Geometry
    rows: tuple[Row, ...]
    height: float


def wrap(text: str, max_width: float, measure: Measure, max_lines: int = 3) -> tuple[str, ...]:
    """Words of `text` in lines no wider than `max_width`; the last line ends with « … » if cut."""
    words = text.split()
    if not words:
        return ("",)
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and measure(candidate) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and measure(last + " …") > max_width:
            last = last[:-1]
        lines[-1] = last.rstrip() + " …"
    return tuple(lines)


def layout(chart: Chart, geometry: Geometry, measure: Measure, *, with_title: bool) -> Layout:
    """Place every bar of `chart`: label lines, bar length proportional to the largest value."""
    top = geometry.padding + (geometry.title_height if with_title else 0.0)
    largest = max((bar.value for bar in chart.bars), default=0)
    rows: list[Row] = []
    for bar in chart.bars:
        lines = wrap(bar.label, geometry.label_width, measure)
        height = max(geometry.row_height, len(lines) * geometry.line_height + geometry.padding / 2)
        length = geometry.bar_span * bar.value / largest if largest > 0 else 0.0
        rows.append(Row(lines, bar.value, top, height, max(length, 0.0)))
        top += height
    return Layout(geometry, tuple(rows), top + geometry.padding)


@lru_cache(maxsize=16)
def pil_font(size: int, bold: bool = False) -> Font:
    """DejaVu Sans when installed (every French character), else Pillow's built-in font."""
    path = FONT_BOLD if bold else FONT_REGULAR
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _png_geometry(chart: Chart, width: int, measure: Measure, font_size: int) -> Geometry:
    padding = round(font_size * 0.75)
    widest_label = max((measure(bar.label) for bar in chart.bars), default=0.0)
    widest_value = max((measure(str(bar.value)) for bar in chart.bars), default=0.0)
    return Geometry(
        width=width,
        font_size=font_size,
        row_height=round(font_size * 2.0),
        line_height=round(font_size * 1.3),
        padding=padding,
        title_height=round(font_size * 2.2),
        # Labels take what they need, at most 45 % of the width (longer ones wrap).
        label_width=min(widest_label, width * 0.45),
        value_width=widest_value + padding,
    )


def bar_chart_png(chart: Chart, width: int = 1200, *, with_title: bool = True, font_size: int = 24) -> bytes:
    """The chart as a PNG image: dark bars, category and value written as text, white background."""
    font = pil_font(font_size)
    bold = pil_font(font_size, bold=True)

    def measure(text: str) -> float:
        return float(font.getlength(text))

    geometry = _png_geometry(chart, width, measure, font_size)
    laid = layout(chart, geometry, measure, with_title=with_title)
    image = Image.new("RGB", (width, max(round(laid.height), font_size * 3)), PAPER)
    draw = ImageDraw.Draw(image)
    if with_title:
        draw.text((geometry.padding, geometry.padding), chart.title, fill=INK, font=bold)
    for row in laid.rows:
        _draw_png_row(draw, row, geometry, font)
    if laid.rows:
        # The axis the bars start from, so a zero value still reads as « nothing ».
        first, last = laid.rows[0], laid.rows[-1]
        x = geometry.bar_left
        draw.line([(x, first.top), (x, last.top + last.height)], fill=RULE, width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(192, 192))
    return buffer.getvalue()


def _draw_png_row(draw: ImageDraw.ImageDraw, row: Row, geometry: Geometry, font: Font) -> None:
    text_block = len(row.lines) * geometry.line_height
    y = row.top + (row.height - text_block) / 2
    for line in row.lines:
        draw.text((geometry.padding + geometry.label_width, y), line, fill=INK, font=font, anchor="ra")
        y += geometry.line_height
    # Same thickness for every bar, centred on its (possibly wrapped) label.
    bar_top = row.top + (row.height - geometry.row_height * 0.6) / 2
    bar_bottom = bar_top + geometry.row_height * 0.6
    if row.bar_length >= 1:
        draw.rectangle(
            [(geometry.bar_left, bar_top), (geometry.bar_left + row.bar_length, bar_bottom)], fill=INK
        )
    value_x = geometry.bar_left + row.bar_length + geometry.padding / 2
    draw.text((value_x, (bar_top + bar_bottom) / 2), str(row.value), fill=INK, font=font, anchor="lm")


def _svg_id(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "chart"


def svg_measure(font_size: float) -> Measure:
    """An estimate of text width in a browser (DejaVu-like sans-serif): no font is available there."""
    return lambda text: len(text) * font_size * 0.56


def description(chart: Chart) -> str:
    """Every bar in words (« label : value ; … »), the text alternative of the drawing."""
    return " ; ".join(f"{bar.label}\u00a0: {bar.value}" for bar in chart.bars)


def bar_chart_svg(chart: Chart, *, id_prefix: str = "", width: int = 640, font_size: int = 14) -> str:
    """The chart as inline SVG for pages: labels escaped here, `role="img"` with title and description."""
    measure = svg_measure(font_size)
    base = _svg_id(f"{id_prefix}-{chart.key}" if id_prefix else f"chart-{chart.key}")
    widest_value = max((measure(str(bar.value)) for bar in chart.bars), default=0.0)
    geometry = Geometry(
        width=width,
        font_size=font_size,
        row_height=font_size * 2.0,
        line_height=font_size * 1.3,
        padding=font_size * 0.75,
        title_height=font_size * 2.2,
        label_width=width * 0.4,
        value_width=widest_value + font_size,
    )
    laid = layout(chart, geometry, measure, with_title=True)
    height = round(max(laid.height, font_size * 3))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{base}-title {base}-desc" font-family="DejaVu Sans, Verdana, sans-serif" '
        f'font-size="{font_size}">',
        f'<title id="{base}-title">{escape(chart.title)}</title>',
        f'<desc id="{base}-desc">{escape(description(chart))}</desc>',
        f'<text class="bar-chart-title" x="{geometry.padding:.1f}" y="{geometry.padding + font_size:.1f}" '
        f'font-weight="bold" fill="currentColor">{escape(chart.title)}</text>',
    ]
    parts.extend(_svg_row(row, geometry) for row in laid.rows)
    if laid.rows:
        first, last = laid.rows[0], laid.rows[-1]
        parts.append(
            f'<line class="bar-chart-axis" x1="{geometry.bar_left:.1f}" y1="{first.top:.1f}" '
            f'x2="{geometry.bar_left:.1f}" y2="{last.top + last.height:.1f}" stroke="currentColor" />'
        )
    parts.append("</svg>")
    return "".join(parts)


def _svg_row(row: Row, geometry: Geometry) -> str:
    size = geometry.font_size
    text_block = len(row.lines) * geometry.line_height
    first_baseline = row.top + (row.height - text_block) / 2 + size
    x = geometry.padding + geometry.label_width
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{first_baseline + index * geometry.line_height:.1f}">{escape(line)}</tspan>'
        for index, line in enumerate(row.lines)
    )
    bar_height = geometry.row_height * 0.6
    bar_top = row.top + (row.height - bar_height) / 2
    value_x = geometry.bar_left + row.bar_length + geometry.padding / 2
    value_y = bar_top + bar_height / 2 + size * 0.35
    bar = (
        f'<rect class="bar-chart-bar" x="{geometry.bar_left:.1f}" y="{bar_top:.1f}" '
        f'width="{row.bar_length:.1f}" height="{bar_height:.1f}" fill="currentColor" />'
        if row.bar_length > 0
        else ""
    )
    return (
        f'<g class="bar-chart-row"><text class="bar-chart-label" text-anchor="end" fill="currentColor">'
        f"{spans}</text>{bar}"
        f'<text class="bar-chart-value" x="{value_x:.1f}" y="{value_y:.1f}" fill="currentColor">'
        f"{row.value}</text></g>"
    )
