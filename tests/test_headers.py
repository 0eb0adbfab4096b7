"""Response headers and request hygiene: CSP and friends (HD-01..07), input limits (IV-02, IV-05),
CSRF (CS-01), no state change on GET (CS-02), no unescaped output in templates (XS-02)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.db import Base, get_engine
from app.services.registration import cancel_token, register
from app.services.tokens import issue_token
from config import BASE_DIR
from tests.conftest import login, make_app, post_form
from tests.factories import DEFAULT_PASSWORD, make_programme, make_user, make_workshop
from tests.test_policies import DUMMY_TOKEN

PUBLIC_PAGES = ("/", "/parcours", "/accessibilite", "/donnees-personnelles", "/connexion", "/creer-un-compte")


def csp_directives(header: str) -> dict[str, list[str]]:
    """Parse a Content-Security-Policy header into {directive: [sources]}."""
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def sign_in(client: FlaskClient, session: Session, **fields: Any) -> Any:
    """Create an account and sign in through the real login form."""
    user = make_user(session, **fields)
    response = login(client, user.email or "", DEFAULT_PASSWORD)
    assert response.status_code in (302, 303), "sign-in failed"
    return user


# --- HD-01..03: headers on every page ---------------------------------------------------------


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/page-qui-n-existe-pas"])
def test_hd_01_csp_forbids_inline_scripts_plugins_base_and_framing(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = csp_directives(response.headers["Content-Security-Policy"])
    script_src = csp.get("script-src", csp.get("default-src", []))
    assert script_src, "script-src (or default-src) must be set"
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert "*" not in script_src
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/page-qui-n-existe-pas", "/static/css/app.css"])
def test_hd_02_nosniff_and_hd_03_referrer_policy(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


# --- HD-05: nothing private stays in a cache -----------------------------------------------------


def test_hd_05_signed_in_pages_are_no_store(client: FlaskClient, db: Session) -> None:
    sign_in(client, db)
    for path in ("/", "/mes-ateliers", "/compte/"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert "no-store" in response.headers.get("Cache-Control", ""), path


def test_hd_05_anonymous_public_pages_may_be_cached(client: FlaskClient) -> None:
    """The header is targeted: public pages of an anonymous visitor are not marked private."""
    assert "no-store" not in client.get("/parcours").headers.get("Cache-Control", "")


def test_hd_05_downloads_are_no_store(client: FlaskClient, db: Session) -> None:
    user = sign_in(client, db)
    for path in (f"/calendrier/{user.calendar_token}.ics", "/compte/donnees/mes-donnees.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers.get("Cache-Control", ""), path


def test_hd_05_exports_are_no_store_attachments(client: FlaskClient, db: Session) -> None:
    facilitator = sign_in(client, db, role="facilitator")
    workshop = make_workshop(db, make_programme(db, facilitators=[facilitator]))
    for suffix in ("export.csv", "export.xlsx"):
        response = client.get(f"/gestion/ateliers/{workshop.id}/{suffix}")
        assert response.status_code == 200, suffix
        assert response.headers["Content-Disposition"].startswith("attachment"), suffix
        assert "no-store" in response.headers.get("Cache-Control", ""), suffix
    for path in (f"/gestion/ateliers/{workshop.id}/export.csv", "/gestion/import/modele.csv"):
        assert client.get(path).headers["Content-Type"] == "text/csv; charset=utf-8", path


# --- HD-07: no traceback in production ---------------------------------------------------------


def test_hd_07_production_errors_show_no_traceback(database_url: str) -> None:
    app = make_app(
        database_url, ENV_NAME="production", TESTING=False, DEBUG=False, PROPAGATE_EXCEPTIONS=False
    )

    # A throwaway route on this app instance only (never registered on the real app).
    @app.get("/erreur-forcee")
    def forced_error() -> str:
        raise RuntimeError("détail interne secret /srv/ateliers/app.py")

    response = app.test_client().get("/erreur-forcee")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" not in body
    assert "RuntimeError" not in body
    assert "détail interne secret" not in body
    assert "/srv/ateliers" not in body
    assert "<h1>" in body, "a plain error page is shown"
    json_response = app.test_client().get("/erreur-forcee", headers={"Content-Type": "application/json"})
    assert json_response.status_code == 500
    assert "secret" not in json_response.get_data(as_text=True)
    with app.app_context():
        get_engine().dispose()


# --- IV-02, IV-05: request limits --------------------------------------------------------------


def test_iv_02_oversized_post_gets_413(app: Flask, client: FlaskClient) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit and limit <= 20 * 1024 * 1024
    response = client.post("/langue", data={"language": "en", "filler": "x" * (limit + 1)})
    assert response.status_code == 413
    assert "ateliers_lang" not in response.headers.get("Set-Cookie", "")


def test_iv_05_untrusted_host_is_refused(app: Flask, client: FlaskClient) -> None:
    assert app.config["TRUSTED_HOSTS"]
    refused = client.get("/", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert "evil.example" not in refused.get_data(as_text=True)
    assert client.get("/", headers={"Host": "localhost"}).status_code == 200


def test_iv_05_production_default_trusts_only_configured_hosts() -> None:
    """The shipped configuration sets TRUSTED_HOSTS (from the environment, loopback by default)."""
    from config import Config

    assert Config.TRUSTED_HOSTS
    assert "evil.example" not in Config.TRUSTED_HOSTS


# --- CS-01: CSRF on every state-changing request -----------------------------------------------


def test_cs_01_post_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/langue", data={"language": "en", "next": "/"})
    assert response.status_code == 400
    assert "ateliers_lang" not in response.headers.get("Set-Cookie", "")
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)
    # The same request with a token does switch the language (so the refusal above is the token's doing).
    assert post_form(client, "/langue", {"language": "en", "next": "/"}).status_code in (302, 303)
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_cs_01_json_post_without_csrf_header_is_refused(client: FlaskClient) -> None:
    response = client.post("/langue", json={"language": "en"})
    assert response.status_code == 400
    assert "ateliers_lang" not in response.headers.get("Set-Cookie", "")


def test_cs_01_signup_without_csrf_token_creates_nobody(client: FlaskClient, db: Session) -> None:
    from app.models import User

    response = client.post(
        "/creer-un-compte",
        data={
            "email": "sans-jeton@exemple.fr",
            "first_name": "Alix",
            "last_name": "Weber",
            "password": "une phrase de passe assez longue 42",
            "confirm": "une phrase de passe assez longue 42",
            "organisation": "Ville de Metz",
            "actor_profile": "local_authority",
            "territory": "Moselle",
        },
    )
    assert response.status_code == 400
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_cs_01_signed_in_post_without_token_changes_nothing(client: FlaskClient, db: Session) -> None:
    user = sign_in(client, db)
    response = client.post("/langue", data={"language": "en"})
    assert response.status_code == 400
    db.expire_all()
    assert db.get(type(user), user.id).locale == "fr"  # type: ignore[union-attr]


# --- CS-02: no state change on GET -------------------------------------------------------------


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the audit log excepted: logging an export is not a state change)."""
    with app.app_context(), get_engine().connect() as conn:
        data = {}
        for table in Base.metadata.sorted_tables:
            if table.name == "audit_log":
                continue
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            data[table.name] = [tuple(row) for row in rows]
        return data


def get_urls(app: Flask, values: dict[str, dict[str, object]]) -> Iterator[str]:
    """Every GET route with its parameters filled from `values` (by endpoint), else 1 / a token."""
    from werkzeug.routing import IntegerConverter

    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in (rule.methods or set()):
            continue
        filled: dict[str, object] = {}
        for name in rule.arguments:
            if name in values.get(rule.endpoint, {}):
                filled[name] = values[rule.endpoint][name]
            elif isinstance(rule._converters[name], IntegerConverter):
                filled[name] = 1
            else:
                filled[name] = DUMMY_TOKEN
        built = rule.build(filled, append_unknown=False)
        assert built is not None
        yield built[1]


def test_cs_02_no_get_route_changes_the_database(app: Flask, db: Session) -> None:
    admin = make_user(db, role="admin", email="admin-cs02@exemple.fr")
    programme = make_programme(db, facilitators=[admin])
    workshop = make_workshop(db, programme)
    registration = register(db, workshop.id, admin)
    reset = issue_token(db, admin, "password_reset", 3600)
    invitation = issue_token(db, admin, "invitation", 3600)
    cancel = cancel_token(registration, app.config["SECRET_KEY"])
    db.commit()
    real_values: dict[str, dict[str, object]] = {
        "main.programme": {"slug": programme.slug},
        "calendar.feed": {"token": admin.calendar_token},
        "registrations.cancel_by_token": {"token": cancel},
        "auth.reset": {"token": reset},
        "auth.accept_invitation": {"token": invitation},
    }
    urls = sorted(set(get_urls(app, real_values)))
    assert len(urls) >= 5

    anonymous = app.test_client()
    signed_in = app.test_client()
    assert login(signed_in, admin.email or "", DEFAULT_PASSWORD).status_code in (302, 303)
    before = snapshot(app)
    for client in (anonymous, signed_in):
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, f"{url}: {response.status_code}"
    assert snapshot(app) == before


# --- XS-02 and the CSP: no unescaped output, no inline script or style -------------------------

TEMPLATE_DIR = BASE_DIR / "templates"
APP_DIR = BASE_DIR / "app"
UNESCAPED = re.compile(r"\|\s*safe\b|\bMarkup\s*\(|autoescape\s+false|\|\s*unescape\b")
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


# The one module that turns user text into HTML, by sanitising it (its own tests prove it).
SANITISER = APP_DIR / "synthesis" / "rendering.py"


def source_files() -> list[Path]:
    return sorted([*TEMPLATE_DIR.rglob("*.html"), *TEMPLATE_DIR.rglob("*.txt"), *APP_DIR.rglob("*.py")])


def unescaped_candidates() -> list[Path]:
    return [path for path in source_files() if path != SANITISER]


def offending_lines(pattern: re.Pattern[str], paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(BASE_DIR)}:{line}: {match.group(0)[:80]}")
    return found


def test_xs_02_no_safe_filter_nor_markup_anywhere() -> None:
    assert offending_lines(UNESCAPED, unescaped_candidates()) == []


def test_xs_02_the_scanner_finds_what_it_looks_for() -> None:
    """The patterns are not vacuous."""
    samples = {
        UNESCAPED: ["{{ note.text|safe }}", "Markup(user.name)", "{% autoescape false %}"],
        INLINE_SCRIPT: ["<script>alert(1)</script>", '<script type="module">'],
        STYLE_ATTRIBUTE: ['<p style="color:red">'],
        STYLE_ELEMENT: ["<style>p{}</style>"],
        EVENT_ATTRIBUTE: ['<a onclick="x()">'],
    }
    for pattern, texts in samples.items():
        for text in texts:
            assert pattern.search(text), text
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js" defer></script>')
    assert not STYLE_ATTRIBUTE.search('<p class="style-note">')


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("inline <script>", INLINE_SCRIPT),
        ("style= attribute", STYLE_ATTRIBUTE),
        ("<style> element", STYLE_ELEMENT),
        ("on*= event attribute", EVENT_ATTRIBUTE),
    ],
)
def test_templates_have_no_inline_script_or_style(name: str, pattern: re.Pattern[str]) -> None:
    templates = sorted(TEMPLATE_DIR.rglob("*.html"))
    assert templates
    assert offending_lines(pattern, templates) == [], name
