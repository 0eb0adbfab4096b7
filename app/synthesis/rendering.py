"""The one place where pages get HTML built from user text: sanitised Markdown and escaped SVG charts.

XS-02 forbids `|safe` and `Markup()` everywhere else (tests/test_headers.py scans for them and
exempts only this module): Markdown is rendered with raw HTML off, then cleaned by nh3 with an
allowlist; charts come from `app.exports.charts.bar_chart_svg`, which escapes every label.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.exports import charts
from app.exports.synthesis_model import Chart

# CommonMark with raw HTML switched off: a facilitator's text cannot carry a script or a style.
_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "code",
    "pre",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
}


def markdown_html(text: str) -> Markup:
    """Safe HTML for a Markdown text (XS-01: user text never becomes markup beyond these tags)."""
    html = _PARSER.render(text or "")
    # Headings of a section body sit below the page's own h2.
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitised just above by nh3 with an allowlist


def chart_svg(chart: Chart) -> Markup:
    """An accessible SVG bar chart for a page (labels escaped by the renderer)."""
    # Drawn narrow: a page at 320 px scales it down, and its text must stay readable.
    return Markup(charts.bar_chart_svg(chart, width=420, font_size=14))  # noqa: S704 - every label escaped by bar_chart_svg
