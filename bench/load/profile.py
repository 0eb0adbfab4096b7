"""Where a hot request spends its time: SQL statements per request and the Python around them.

    .venv/bin/python -m bench.load.profile --db sqlite|postgresql [--requests 300] [--cprofile]

Arranges a small event on a fresh database (same code as the load run), signs one participant and
one facilitator in with Flask's test client (in process, no HTTP server), then repeats each hot
request: the feed poll answered 304, the feed poll answered 200 (one new note), the note POST and
the dashboard. For each it prints the mean wall time per request, the SQL statements per request
with their mean time, and the share of the time spent outside the database (Python: routing,
session cookie, Flask-Login, serialisation...). `--cprofile` adds the top functions of each.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import re
import secrets
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.db import get_engine
from bench.load.arrange import ARGON2, PASSWORD, Event, arrange, drop_database, fresh_database, migrate
from config import Config

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Statements:
    """SQL statements seen while `active`, grouped by their first words, with their time."""

    active: bool = False
    count: int = 0
    seconds: float = 0.0
    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    _started: list[float] = field(default_factory=list)

    def attach(self, engine: sa.Engine) -> None:
        """Listen to the engine's statements."""

        @sa.event.listens_for(engine, "before_cursor_execute")
        def _before(*_args: Any) -> None:
            self._started.append(time.perf_counter())

        @sa.event.listens_for(engine, "after_cursor_execute")
        def _after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            spent = time.perf_counter() - self._started.pop()
            if self.active:
                self.count += 1
                self.seconds += spent
                self.by_kind[_kind(statement)].append(spent)


def _kind(statement: str) -> str:
    """A short name for a statement: its verb and main table."""
    flat = " ".join(statement.split())
    verb = flat.split(" ", 1)[0].upper()
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", flat, re.IGNORECASE)
    if verb == "SELECT" and table is None:
        return flat[:60]
    return f"{verb} {table.group(1) if table else ''}".strip()


def profile_config(url: str) -> type[Config]:
    """Production-like settings on the benchmark database (CSRF on, real sessions)."""
    values: dict[str, object] = {
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "MAIL_BACKEND": "none",
        "TRUSTED_HOSTS": ["localhost"],
        "LOG_LEVEL": "WARNING",
    }
    values.update({key: int(value) for key, value in ARGON2.items()})
    return type("LoadProfileConfig", (Config,), values)


def signed_in(app: Flask, email: str) -> tuple[FlaskClient, str]:
    """A test client signed in through the form, and its CSRF token."""
    client = app.test_client()
    token = CSRF_INPUT.search(client.get("/connexion").get_data(as_text=True))
    assert token is not None
    answer = client.post(
        "/connexion", data={"csrf_token": token.group(1), "email": email, "password": PASSWORD}
    )
    assert answer.status_code in (302, 303), answer.status_code
    page = CSRF_INPUT.search(client.get("/accessibilite").get_data(as_text=True))
    assert page is not None
    return client, page.group(1)


def measure(
    name: str, request: Callable[[], Any], statements: Statements, count: int, use_cprofile: bool
) -> dict[str, Any]:
    """Repeat one request; the mean time, the statements per request, optionally a profile."""
    for _ in range(20):  # warm-up: caches, compiled statements, pool
        request()
    statements.count, statements.seconds, statements.by_kind = 0, 0.0, defaultdict(list)
    profiler = cProfile.Profile() if use_cprofile else None
    statements.active = True
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for _ in range(count):
        request()
    if profiler:
        profiler.disable()
    wall = time.perf_counter() - started
    statements.active = False
    result = {
        "request": name,
        "mean_ms": wall / count * 1000,
        "sql_per_request": statements.count / count,
        "sql_ms": statements.seconds / count * 1000,
        "statements": {
            kind: {"per_request": len(times) / count, "mean_ms": sum(times) / len(times) * 1000}
            for kind, times in sorted(statements.by_kind.items(), key=lambda kv: -sum(kv[1]))
        },
    }
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        result["profile"] = out.getvalue()
    return result


def run(event: Event, count: int, use_cprofile: bool) -> list[dict[str, Any]]:
    """Measure the four hot requests."""
    app = create_app(profile_config(event.url))
    statements = Statements()
    with app.app_context():
        statements.attach(get_engine())
    person, facilitator = event.participants[0], event.facilitators[0]
    client, token = signed_in(app, person.email)
    staff, _staff_token = signed_in(app, facilitator.email)
    group = person.group_id
    feed_url = f"/api/notes/sous-groupes/{group}/flux"
    post_url = f"/api/notes/sous-groupes/{group}/notes"

    def post() -> Any:
        body = {
            "category": "lever",
            "text": "Une pratique qui marche.",
            "tags": [],
            "submission_id": uuid.uuid4().hex,
        }
        answer = client.post(post_url, json=body, headers={"X-CSRFToken": token})
        assert answer.status_code == 201, answer.status_code
        return answer

    post()
    current = client.get(f"{feed_url}?depuis=0.0")
    etag, cursor = current.headers["ETag"], current.get_json()["cursor"]

    def feed_304() -> Any:
        answer = client.get(f"{feed_url}?depuis={cursor}", headers={"If-None-Match": etag})
        assert answer.status_code == 304, answer.status_code
        return answer

    def feed_200() -> Any:
        # A poll that finds one new note: what each member sees after a post (cursor one behind).
        group_counter, board_counter = (int(x) for x in cursor.split("."))
        answer = client.get(f"{feed_url}?depuis={group_counter - 1}.{board_counter}")
        assert answer.status_code == 200, answer.status_code
        return answer

    def dashboard() -> Any:
        answer = staff.get(f"/api/gestion/ateliers/{event.workshop_id}/notes/tableau")
        assert answer.status_code == 200, answer.status_code
        return answer

    results = [
        measure("feed GET (304)", feed_304, statements, count, use_cprofile),
        measure("feed GET (200, one new note)", feed_200, statements, count, use_cprofile),
        measure("dashboard GET", dashboard, statements, count, use_cprofile),
        measure("note POST", post, statements, count, use_cprofile),
    ]
    with app.app_context():
        get_engine().dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    """Print the profile of the hot requests."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgresql", "sqlite"], required=True)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = parser.parse_args(argv)
    url = fresh_database(args.db)
    try:
        migrate(url)
        event = arrange(url, args.groups)
        results = run(event, args.requests, args.cprofile)
    finally:
        drop_database(url)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for result in results:
        outside = result["mean_ms"] - result["sql_ms"]
        print(
            f"\n## {result['request']}: {result['mean_ms']:.2f} ms/request, "
            f"{result['sql_per_request']:.1f} SQL statements ({result['sql_ms']:.2f} ms), "
            f"{outside:.2f} ms outside the database"
        )
        for kind, figures in result["statements"].items():
            print(f"  {figures['per_request']:4.1f} × {figures['mean_ms']:6.3f} ms  {kind}")
        if "profile" in result:
            print(result["profile"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
