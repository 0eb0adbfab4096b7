"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL: the local server (ATELIERS_TEST_PG, default postgresql://postgres@127.0.0.1:5432/postgres);
a fresh database is created per test run (per xdist worker) and dropped at the end. Locally a missing
server skips those tests with a visible reason; with CI=true it fails the run.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app import create_app
from app.db import Base, get_engine, new_session
from app.extensions import limiter
from config import BASE_DIR, Config

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("ATELIERS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def missing(reason: str) -> None:
    """Skip locally, fail in CI: in CI every optional part is mandatory."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


class TestConfig(Config):
    """Fast, isolated settings for tests (cheap Argon2, no real mail unless a test asks)."""

    TESTING = True
    ENV_NAME = "testing"
    SECRET_KEY = "test-secret-key-" + "x" * 32
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    MAIL_BACKEND = "none"
    RATELIMIT_STORAGE_URI = "memory://"
    TRUSTED_HOSTS = ["localhost", "127.0.0.1"]
    SERVER_NAME_URL = "http://localhost"


def alembic_config(app: Flask) -> AlembicConfig:
    """An Alembic config bound to this app (env.py builds nothing itself then)."""
    cfg = AlembicConfig(str(BASE_DIR / "alembic.ini"))
    cfg.attributes["app"] = app
    cfg.attributes["configure_logger"] = False
    return cfg


class IsolatedClient(FlaskClient):
    """A client whose requests each get their own application context, as in production.

    The `db` fixture keeps an app context pushed for the whole test and Flask reuses a pushed
    context for requests: without this, requests would share `g` (database session, Flask-Login's
    cached user, the CSRF token) from one request, or one client, to the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(database_url: str, **overrides: object) -> Flask:
    """Create an app on a database URL with optional config overrides."""
    attrs = {"DATABASE_URL": database_url, **overrides}
    config_class = type("PerTestConfig", (TestConfig,), attrs)
    application = create_app(config_class)
    application.test_client_class = IsolatedClient
    return application


def _migrate(url: str) -> None:
    app = make_app(url)
    with app.app_context():
        command.upgrade(alembic_config(app), "head")
        get_engine().dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (fast, and every test starts clean)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, migrated to head, dropped at the end."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as error:
        admin.dispose()
        missing(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {error.__class__.__name__}")
    name = f"ateliers_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate_pg(app: Flask) -> None:
    # DELETE is much faster than TRUNCATE on the handful of rows a test leaves behind.
    with app.app_context(), get_engine().begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database of one test: a fresh SQLite copy, or the run's PostgreSQL database emptied."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def app_overrides() -> dict[str, object]:
    """Config overrides a test module can redefine."""
    return {}


@pytest.fixture
def app(database_url: str, app_overrides: dict[str, object]) -> Iterator[Flask]:
    """The application on the test's database."""
    application = make_app(database_url, **app_overrides)
    limiter.reset()
    yield application
    if database_url.startswith("postgresql"):
        _truncate_pg(application)
    with application.app_context():
        get_engine().dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session on the test database, outside any request (for arranging and asserting)."""
    with app.app_context():
        session = new_session(get_engine())
        yield session
        session.close()


def csrf_token(client: FlaskClient) -> str:
    """A valid CSRF token for this client's session (every page's footer form carries one)."""
    response = client.get("/accessibilite")
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, object] | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    """POST a form with a valid CSRF token."""
    payload = {"csrf_token": csrf_token(client), **(data or {})}
    return client.post(url, data=payload, **kwargs)


def login(client: FlaskClient, email: str, password: str):  # type: ignore[no-untyped-def]
    """Sign in through the real login form."""
    return post_form(client, "/connexion", {"email": email, "password": password})
