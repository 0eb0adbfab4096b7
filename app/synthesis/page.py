"""Building the synthesis workspace page: what was typed comes back with a refused form."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.db import get_session
from app.services import notes, synthesis
from app.synthesis.forms import GroupForm, SectionForm
from app.synthesis.rendering import chart_svg, markdown_html


def _filters() -> dict[str, str]:
    """The explorer's pivot and filters, from the query string (allowlisted)."""
    by = request.args.get("par", "category")
    return {
        "by": by if by in synthesis.PIVOTS else "category",
        "category": request.args.get("categorie", ""),
        "highlighted": "1" if request.args.get("retenues") == "1" else "",
        "theme": request.args.get("theme", ""),
    }


def scope_url(scope: synthesis.Scope, name: str, **values: Any) -> str:
    """The URL of a synthesis action for this scope: `synthesis.<name>` for a workshop,
    `synthesis.programme_<name>` for the roll-up."""
    if scope.workshop:
        return url_for(f"synthesis.{name}", workshop_id=scope.workshop.id, **values)
    return url_for(f"synthesis.programme_{name}", programme_id=scope.programme.id, **values)


def render_workspace(
    scope: synthesis.Scope,
    *,
    error: str | None = None,
    section_forms: dict[str, SectionForm] | None = None,
    conflict: dict[str, Any] | None = None,
    group_form: GroupForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The workspace page (a refused form comes back with its text)."""
    session = get_session()
    views = synthesis.live_notes(session, scope)
    document = synthesis.draft_document(session, scope)
    filters = _filters()
    shown = synthesis.filter_notes(
        views,
        category=filters["category"],
        highlighted=bool(filters["highlighted"]),
        without_theme=filters["theme"] == "none",
    )
    facts = [synthesis.workshop_facts(session, w, views) for w in scope.workshops]
    publication = synthesis.latest_publication(session, scope)
    suggestions = synthesis.suggestions(session, scope, views)
    by_id = {v.note.id: v for v in views}
    warnings = synthesis.small_profile_warnings(session, scope, scope.attribution_mode, False)
    return (
        render_template(
            "synthesis/workspace.html",
            scope=scope,
            workshop=scope.workshop,
            programme=scope.programme,
            document=document,
            titles=synthesis.section_titles(),
            facts=facts,
            charts=[chart_svg(chart) for chart in synthesis.charts_of(facts)],
            pivots=synthesis.pivot(shown, filters["by"], scope.attribution_mode),
            filters=filters,
            total=len(views),
            shown=len(shown),
            themes=synthesis.themes(session, scope),
            workshop_themes=synthesis.workshop_themes(session, scope),
            scope_url=lambda name, **values: scope_url(scope, name, **values),
            notes_by_id=by_id,
            suggestions=[(s, [by_id[i] for i in s.ids if i in by_id]) for s in suggestions],
            publication=publication,
            error=error,
            section_forms=section_forms or {},
            conflict=conflict,
            group_form=group_form,
            markdown_html=markdown_html,
            mode=scope.attribution_mode,
            categories=notes.categories(scope.workshops),
            warnings=warnings,
            warnings_summary=synthesis.warnings_summary(warnings),
        ),
        status,
    )
