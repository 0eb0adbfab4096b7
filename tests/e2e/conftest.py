"""Browser fixtures: a live server (werkzeug in a thread) on a migrated SQLite copy, mail sent to
the loopback SMTP sink, and the SYSTEM Chromium driven by Playwright (never a downloaded browser).

A missing Chromium or Playwright skips these tests locally and fails them in CI (`missing`).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from app.db import get_engine, new_session
from app.extensions import limiter
from tests.conftest import make_app, missing
from tests.support.smtp import free_port, smtp_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Dialog, Locator, Page

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_TIMEOUT_S = 10.0


def wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT_TIMEOUT_S) -> Any:
    """Poll `condition` until it returns something truthy, within a bounded time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)  # poll interval, not a timing assumption
    pytest.fail(f"timed out waiting for {what}")


@dataclass
class LiveServer:
    """The app served over real HTTP on loopback, with the mail it sent."""

    url: str
    app: Flask
    mails: list[EmailMessage] = field(default_factory=list)

    def __call__(self, path: str) -> str:
        """Absolute URL of a path on this server."""
        return self.url + path

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A database session to arrange or check data (commit explicitly)."""
        with self.app.app_context():
            session = new_session(get_engine())
            try:
                yield session
            finally:
                session.close()

    def mails_to(self, address: str) -> list[EmailMessage]:
        """Messages received so far for one recipient."""
        return [mail for mail in self.mails if address in str(mail["To"])]

    def wait_for_mail(self, address: str, subject_part: str) -> EmailMessage:
        """The first message to `address` whose subject contains `subject_part` (bounded wait)."""

        def find() -> EmailMessage | None:
            for mail in self.mails_to(address):
                if subject_part.lower() in str(mail["Subject"]).lower():
                    return mail
            return None

        found: EmailMessage = wait_for(find, f"an e-mail « {subject_part} » to {address}")
        return found


@pytest.fixture
def live_server(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """A fresh migrated database, an SMTP sink and the app served by werkzeug in a thread."""
    database = tmp_path / "e2e.db"
    shutil.copy(sqlite_template, database)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with smtp_server() as (smtp_port, messages):
        app = make_app(
            f"sqlite:///{database}",
            MAIL_BACKEND="smtp",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp_port,
            MAIL_USE_TLS=False,
            MAIL_USE_SSL=False,
            MAIL_SEND_SYNC=True,
            TRUSTED_HOSTS=["127.0.0.1", "localhost"],
            SERVER_NAME_URL=base,
        )
        limiter.reset()
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(base, app, messages)
        finally:
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                get_engine().dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """The system Chromium (CHROMIUM_PATH or `chromium` on PATH), headless."""
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not executable:
        missing("system Chromium not found (set CHROMIUM_PATH or install the Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright Python package is not installed (requirements-dev.txt)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _new_context(browser: Browser, **options: Any) -> BrowserContext:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, **options)
    context.set_default_timeout(WAIT_TIMEOUT_S * 1000)
    return context


@dataclass
class ConsoleLog:
    """Errors the page reported: console errors (a CSP refusal among them) and uncaught exceptions."""

    errors: list[str] = field(default_factory=list)


@pytest.fixture
def console() -> ConsoleLog:
    """Where the `page` fixture records the browser's errors."""
    return ConsoleLog()


def say_yes(dialog: Dialog) -> None:
    """Destructive buttons ask for confirmation (app.js, data-confirm): the person says yes.

    A test that answers otherwise removes this listener first (`page.remove_listener`)."""
    dialog.accept()


@dataclass
class Dialogs:
    """Answers every dialog of a page as `accept` says, and keeps their texts in `seen`."""

    accept: bool
    seen: list[str]

    def answer(self, dialog: Dialog) -> None:
        """Record the question, then press « OK » or « Annuler »."""
        self.seen.append(dialog.message)
        if self.accept:
            dialog.accept()
        else:
            dialog.dismiss()


def answer_dialogs(page: Page, accept: bool) -> Dialogs:
    """From now on the page's dialogs are answered as `accept` says (changeable later)."""
    dialogs = Dialogs(accept, [])
    page.remove_listener("dialog", say_yes)  # does nothing on a page opened without it
    page.on("dialog", dialogs.answer)
    return dialogs


@pytest.fixture
def new_page(browser: Browser, console: ConsoleLog) -> Iterator[Callable[[], Page]]:
    """Open pages, each in a fresh context (one person each) that ENFORCES the CSP."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = _new_context(browser)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and console.errors.append(message.text))
        page.on("pageerror", lambda error: console.errors.append(str(error)))
        page.on("dialog", say_yes)
        return page

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    """A page in a fresh context that enforces the CSP (journeys must work under it)."""
    return new_page()


@pytest.fixture
def a11y_page(browser: Browser) -> Iterator[Page]:
    """A page whose context bypasses the CSP, only so that axe-core can be injected."""
    context = _new_context(browser, bypass_csp=True)
    page = context.new_page()
    page.on("dialog", say_yes)
    try:
        yield page
    finally:
        context.close()


def drag(page: Page, source: Locator, target: Locator) -> None:
    """Drag with the mouse as a person does on a long page: start the drag, scroll, drop.

    (`drag_to` scrolls to the target before the drag has started, which Chromium takes as no drag.)
    """
    source.hover()
    page.mouse.down()
    box = source.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 20, steps=3)
    target.scroll_into_view_if_needed()
    target.hover()
    page.mouse.up()


def sign_in(page: Page, server: LiveServer, email: str, password: str) -> None:
    """Sign in through the real form, as a person would."""
    page.goto(server("/connexion"))
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/connexion" not in page.url, f"sign-in failed for {email}: {page.url}"


def sign_out(page: Page) -> None:
    """Sign out with the header button (a POST)."""
    page.locator("header form button[type=submit]").click()
    page.wait_for_load_state()
