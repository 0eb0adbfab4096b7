"""The production server: gunicorn with two workers on a migrated SQLite file, and the SE-10
refusal of a missing or development secret key."""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.db import get_engine, new_session
from config import BASE_DIR, DEV_SECRET_KEY
from tests.conftest import make_app
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.smtp import free_port

pytestmark = pytest.mark.slow

# Variables config.py reads: removed from the child's environment so only the test's values count.
CONFIG_VARIABLES = (
    "ATELIERS_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "PUBLIC_URL",
    "TRUSTED_HOSTS",
    "SESSION_COOKIE_SECURE",
    "MAIL_BACKEND",
    "RATELIMIT_STORAGE_URI",
    "PROXY_FIX_COUNT",
)
START_TIMEOUT_S = 60.0


def child_environment(**values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
    env.update(values)
    return env


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep 3xx answers as they are: the test checks where they point."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str


class Browser:
    """A tiny HTTP client with a cookie jar (a new TCP connection per request)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> Answer:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Connection": "close"})
        try:
            with self.opener.open(request, timeout=15) as response:
                return Answer(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read().decode())

    def csrf(self, path: str) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.request(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)


@dataclass
class Server:
    base: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    access_log: Path


def wait_until_answering(server: Server) -> None:
    """Poll the home page until it answers, within a bounded time; fail if gunicorn exits."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.process.returncode}:\n{server.log.read_text()}")
        try:
            with urllib.request.urlopen(server.base + "/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)  # poll interval, not a timing assumption
    pytest.fail(f"gunicorn did not answer within {START_TIMEOUT_S} s:\n{server.log.read_text()}")


@pytest.fixture
def gunicorn_server(sqlite_template: Path, tmp_path: Path) -> Iterator[Server]:
    """gunicorn wsgi:app, 2 workers, production settings, on a migrated SQLite copy with one account."""
    database = tmp_path / "prod.db"
    shutil.copy(sqlite_template, database)
    url = f"sqlite:///{database}"
    seed_app = make_app(url)
    with seed_app.app_context():
        session = new_session(get_engine())
        make_user(session, email="gunicorn@exemple.fr", first_name="Dominique", last_name="Kieffer")
        session.close()
        get_engine().dispose()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = child_environment(
        ATELIERS_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=url,
        PUBLIC_URL=base,
        TRUSTED_HOSTS="127.0.0.1",
        SESSION_COOKIE_SECURE="false",
        MAIL_BACKEND="console",
    )
    log = tmp_path / "gunicorn.log"
    access_log = tmp_path / "access.log"
    command = [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    # The access log names the worker (pid) that served each request.
    command += ["--access-logfile", str(access_log), "--access-logformat", '%(p)s "%(r)s" %(s)s']
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(base, port, process, log, access_log)
    try:
        wait_until_answering(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def served_by(server: Server, marker: str) -> str:
    """The pid of the worker that served the request whose URL carries `marker` (bounded wait)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.access_log.exists():
            for line in server.access_log.read_text().splitlines():
                if marker in line:
                    return line.split()[0]
        time.sleep(0.05)  # the worker writes its access line just after answering
    pytest.fail(f"no access log line for {marker}:\n{server.access_log.read_text()}")


@contextmanager
def one_worker_busy(server: Server) -> Iterator[None]:
    """Keep one sync worker busy reading an unfinished request, so the other serves what comes next."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
        sock.sendall(b"GET /accessibilite?occupe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n")
        try:
            yield
        finally:
            sock.sendall(b"\r\n")
            while sock.recv(65536):
                pass


def on_another_worker(server: Server, other_than: str, request: Callable[[str], Answer]) -> Answer:
    """Repeat `request(marker)` until a worker other than `other_than` serves it (bounded)."""
    for attempt in range(30):
        marker = f"essai-{attempt}-{secrets.token_hex(4)}"
        with one_worker_busy(server):
            answer = request(marker)
        if served_by(server, marker) != other_than:
            return answer
    pytest.fail(f"every request went to worker {other_than}")


def test_gunicorn_serves_pages_and_a_signed_in_flow_across_workers(gunicorn_server: Server) -> None:
    server = gunicorn_server
    browser = Browser(server.base)
    home = browser.request("/")
    assert home.status == 200
    assert '<html lang="fr">' in home.text
    assert "frame-ancestors 'none'" in home.headers["Content-Security-Policy"]

    # Sign in on one worker ...
    token = browser.csrf("/connexion")
    signed = browser.request(
        "/connexion?marque=connexion",
        {"csrf_token": token, "email": "gunicorn@exemple.fr", "password": DEFAULT_PASSWORD},
    )
    assert signed.status in (302, 303), signed.text[:500]
    login_worker = served_by(server, "marque=connexion")

    # ... the other worker knows the session: the state lives in the signed cookie.
    page = on_another_worker(server, login_worker, lambda marker: browser.request(f"/mes-ateliers?{marker}"))
    assert page.status == 200
    assert "Mes ateliers" in page.text
    assert "no-store" in page.headers["Cache-Control"]

    # A CSRF token from a page of one worker is accepted by the other.
    token = browser.csrf("/mes-ateliers?marque=jeton")
    switched = on_another_worker(
        server,
        served_by(server, "marque=jeton"),
        lambda marker: browser.request(f"/langue?{marker}", {"csrf_token": token, "language": "en"}),
    )
    assert switched.status in (302, 303), switched.text[:300]
    assert '<html lang="en">' in browser.request("/mes-ateliers").text

    logged_out = browser.request("/deconnexion", {"csrf_token": browser.csrf("/mes-ateliers")})
    assert logged_out.status in (302, 303)
    after = browser.request("/mes-ateliers")
    assert after.status in (302, 303) and "/connexion" in after.headers["Location"]

    # A POST without a token is refused.
    assert browser.request("/langue", {"language": "fr"}).status == 400


def run_app_import(tmp_path: Path, **values: str) -> subprocess.CompletedProcess[str]:
    """Build the production app (`import wsgi`) in a fresh interpreter with these variables."""
    env = child_environment(
        ATELIERS_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", **values
    )
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "secret",
    [None, DEV_SECRET_KEY, "short-key"],
    ids=["no-secret-key", "development-key", "short-key"],
)
def test_se_10_production_refuses_a_missing_or_development_key(tmp_path: Path, secret: str | None) -> None:
    values = {} if secret is None else {"SECRET_KEY": secret}
    result = run_app_import(tmp_path, **values)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_se_10_production_starts_with_a_long_random_key(tmp_path: Path) -> None:
    """The refusal above is the key's doing: the same start with a proper key succeeds."""
    result = run_app_import(tmp_path, SECRET_KEY=secrets.token_urlsafe(48))
    assert result.returncode == 0, result.stderr


def test_se_10_gunicorn_does_not_start_without_secret_key(tmp_path: Path) -> None:
    port = free_port()
    env = child_environment(ATELIERS_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
