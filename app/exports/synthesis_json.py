"""JSON rendering of the synthesis: the data model as documented by docs/synthesis.schema.json.

Texts are written as they are (JSON is data: whoever displays it escapes it); dates are ISO 8601,
with their UTC offset when the data carries one. `format_version` changes when the structure does.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from app.exports.synthesis_model import Chart, Count, Facts, NoteRow, SynthesisData

JSON_MIME = "application/json"
FORMAT_NAME = "ateliers-synthesis"
FORMAT_VERSION = 1


def _counts(counts: tuple[Count, ...]) -> list[dict[str, Any]]:
    return [{"label": count.label, "value": count.value} for count in counts]


def _time(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds")


def note_json(note: NoteRow) -> dict[str, Any]:
    """One note as a JSON object (the CSV/XLSX columns, tags as a list, the category's id too)."""
    return {
        "workshop": note.workshop,
        "round": note.round,
        "group": note.group,
        "table": note.table,
        "category": note.category,
        "category_label": note.category_label,
        "question": note.question,
        "tags": list(note.tags),
        "text": note.text,
        "plus": note.plus,
        "highlighted": note.highlighted,
        "theme": note.theme,
        "author": note.author,
        "created_at": _time(note.created_at),
        "updated_at": _time(note.updated_at),
    }


def _facts(facts: Facts) -> dict[str, Any]:
    return {
        "workshop": facts.workshop,
        "date": facts.date,
        "place": facts.place,
        "format": facts.format,
        "attendees": facts.attendees,
        "registered": facts.registered,
        "groups": facts.groups,
        "rounds": facts.rounds,
        "notes": facts.notes,
        "profiles": _counts(facts.profiles),
        "territories": _counts(facts.territories),
        "categories": _counts(facts.categories),
    }


def _chart(chart: Chart) -> dict[str, Any]:
    return {"key": chart.key, "title": chart.title, "bars": _counts(chart.bars)}


def to_json_dict(data: SynthesisData) -> dict[str, Any]:
    """The whole synthesis as JSON-ready values, in the order of the schema."""
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "title": data.title,
        "programme": data.programme,
        "organisers": list(data.organisers),
        "scope": data.scope,
        "workshops": list(data.workshops),
        "attribution_mode": data.attribution_mode,
        "confidentiality": data.confidentiality,
        "named": data.named,
        "generated_at": _time(data.generated_at),
        "version": data.version,
        "facts": [_facts(facts) for facts in data.facts],
        "charts": [_chart(chart) for chart in data.charts],
        "sections": [{"key": s.key, "title": s.title, "body": s.body} for s in data.sections],
        "themes": [{"name": t.name, "notes": [note_json(note) for note in t.notes]} for t in data.themes],
        "notes": [note_json(note) for note in data.notes],
        "columns": [{"key": c.key, "title": c.title, "description": c.description} for c in data.columns],
        "warnings": list(data.warnings),
    }


def render_json(data: SynthesisData) -> bytes:
    """The synthesis as UTF-8 JSON (indented, non-ASCII characters kept as they are)."""
    return json.dumps(to_json_dict(data), ensure_ascii=False, indent=2).encode("utf-8")
