"""Route policies: every route declares who may call it (AC-01); anonymous callers of private
routes are sent to the sign-in page or get 401, never the page (AC-02)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask
from werkzeug.routing import IntegerConverter, Rule

from app.policies import POLICIES, policy_of, public
from tests.conftest import csrf_token, make_app

OPEN_POLICIES = frozenset({"public", "token"})
DUMMY_TOKEN = "jeton-factice-" + "a" * 32


def routes_without_policy(app: Flask) -> list[str]:
    """Endpoints (static excepted) whose view declares no known policy."""
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        view = app.view_functions[rule.endpoint]
        if policy_of(view) not in POLICIES:
            missing.append(f"{rule.endpoint} {rule.rule}")
    return missing


def fill(rule: Rule) -> str:
    """A concrete URL for a rule: integers become 1, strings a dummy token."""
    values: dict[str, object] = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        values[name] = 1 if isinstance(converter, IntegerConverter) else DUMMY_TOKEN
    built = rule.build(values, append_unknown=False)
    assert built is not None, rule.rule
    return built[1]


def private_rules(app: Flask, method: str) -> Iterator[Rule]:
    """Rules answering `method` whose policy requires a signed-in person."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or method not in (rule.methods or set()):
            continue
        if policy_of(app.view_functions[rule.endpoint]) not in OPEN_POLICIES:
            yield rule


def test_ac_01_every_route_declares_a_policy(app: Flask) -> None:
    assert routes_without_policy(app) == []


def test_ac_01_the_check_finds_a_route_without_policy(database_url: str) -> None:
    """The walker is not vacuous: a route without a decorator is reported."""
    other = make_app(database_url)

    @other.get("/sans-politique")
    def no_policy() -> str:
        return "oops"

    @other.get("/avec-politique")
    @public
    def with_policy() -> str:
        return "ok"

    assert routes_without_policy(other) == ["no_policy /sans-politique"]


def test_ac_01_known_private_pages_are_not_public(app: Flask) -> None:
    """The pages holding personal data require at least a signed-in person."""
    expected = {
        "registrations.mine": {"signed_in"},
        "account.profile": {"signed_in"},
        "manage.index": {"facilitator", "admin"},
    }
    for endpoint, allowed in expected.items():
        assert policy_of(app.view_functions[endpoint]) in allowed, endpoint


def test_ac_02_anonymous_html_requests_are_sent_to_sign_in(app: Flask) -> None:
    client = app.test_client()
    rules = list(private_rules(app, "GET"))
    assert rules, "no private GET route found"
    for rule in rules:
        url = fill(rule)
        response = client.get(url, headers={"Accept": "text/html"})
        if url.startswith("/api/"):
            # JSON-only routes answer 401 whatever the caller accepts (nothing to show a person).
            assert response.status_code == 401 and response.is_json, f"{url}: {response.status_code}"
            continue
        assert response.status_code in (302, 303), f"{url}: {response.status_code}"
        location = response.headers["Location"]
        assert location.split("?", 1)[0].endswith("/connexion"), f"{url} -> {location}"
        assert "next=" in location, f"{url}: the sign-in page should bring the person back"


def test_ac_02_anonymous_json_requests_get_401(app: Flask) -> None:
    client = app.test_client()
    for rule in private_rules(app, "GET"):
        url = fill(rule)
        response = client.get(url, headers={"Accept": "application/json"})
        assert response.status_code == 401, f"{url}: {response.status_code}"
        assert response.is_json


def test_ac_02_anonymous_posts_to_private_routes_are_refused(app: Flask) -> None:
    """Even with a valid CSRF token, a private POST never runs for an anonymous caller."""
    client = app.test_client()
    token = csrf_token(client)
    for rule in private_rules(app, "POST"):
        url = fill(rule)
        response = client.post(url, data={"csrf_token": token})
        assert response.status_code in (302, 303, 401), f"{url}: {response.status_code}"
        if response.status_code != 401:
            assert "/connexion" in response.headers["Location"], url
