"""axe-core in the page: the copy shipped inside the axe_playwright_python package (no download)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


@cache
def axe_source() -> str:
    """The vendored axe.min.js."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def run_axe(page: Page) -> list[dict[str, Any]]:
    """Inject axe-core (the context must bypass the CSP) and return the WCAG 2.1 A/AA violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        # resultTypes: only violations are detailed, which makes axe much faster on long tables.
        "async (tags) => await axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        list(WCAG_TAGS),
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """Each violation's id, impact, help and nodes (target, HTML, why), for the failure message."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}")
        lines.append(f"  {violation.get('helpUrl', '')}")
        for node in violation["nodes"]:
            lines.append(f"    target: {node.get('target')}")
            lines.append(f"    html:   {node.get('html', '')[:300]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            lines.append(f"    why:    {summary[:400]}")
    return "\n".join(lines)


def assert_accessible(page: Page, label: str) -> None:
    """Zero axe-core violations tagged wcag2a/wcag2aa/wcag21a/wcag21aa on the current page."""
    violations = run_axe(page)
    assert not violations, f"axe-core violations on {label} ({page.url}):\n{describe(violations)}"
