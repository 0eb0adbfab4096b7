"""Notes hold under a server restart (REL-12), many concurrent writers (REL-05) and out-of-order commits.

The restart test drives gunicorn (two workers, production settings) over real HTTP, on a migrated
SQLite file and on the run's PostgreSQL database; the others run the notes service in threads, each
with its own write session as a request would, on both engines.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.db import get_engine, new_session
from app.models import GroupFeed, Note, User
from app.services import notes
from config import BASE_DIR
from tests.factories import DEFAULT_PASSWORD
from tests.support.groups import fresh
from tests.support.notes import room, submission, write
from tests.support.smtp import free_port
from tests.test_gunicorn import Answer, Browser, Server, child_environment, wait_until_answering

pytestmark = pytest.mark.slow

WAIT_S = 60.0


def wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
    """Poll `condition` until it returns something truthy, within a bounded time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)  # poll interval, not a timing assumption
    pytest.fail(f"timed out waiting for {what}")


# --- REL-12: acknowledged notes survive a restart of gunicorn -------------------------------------


@contextmanager
def gunicorn(database_url: str, secret_key: str, log: Path, stop: str) -> Iterator[Server]:
    """gunicorn wsgi:app with 2 workers on `database_url`; stopped by SIGTERM or killed outright.

    It runs in its own process group so that `stop="kill"` sends SIGKILL to the master and its
    workers at once, as a crash of the machine's app server would (nothing gets to finish).
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = child_environment(
        ATELIERS_ENV="production",
        SECRET_KEY=secret_key,
        DATABASE_URL=database_url,
        PUBLIC_URL=base,
        TRUSTED_HOSTS="127.0.0.1",
        SESSION_COOKIE_SECURE="false",
        MAIL_BACKEND="console",
    )
    command = [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(base, port, process, log, log)
    try:
        wait_until_answering(server)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL if stop == "kill" else signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def call_json(browser: Browser, path: str, payload: dict[str, Any] | None = None, token: str = "") -> Answer:
    """GET (or POST `payload` as JSON with the CSRF header) through the browser's cookie jar."""
    body = json.dumps(payload).encode() if payload is not None else None
    headers = {"Connection": "close", "Accept": "application/json"}
    if payload is not None:
        headers |= {"Content-Type": "application/json", "X-CSRFToken": token}
    request = urllib.request.Request(browser.base + path, data=body, headers=headers)
    try:
        with browser.opener.open(request, timeout=15) as response:
            return Answer(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read().decode())


def signed_in_browser(base: str, user: User) -> tuple[Browser, str]:
    """A browser signed in as `user` through the sign-in form, and a CSRF token of its session."""
    browser = Browser(base)
    answer = browser.request(
        "/connexion",
        {"csrf_token": browser.csrf("/connexion"), "email": user.email or "", "password": DEFAULT_PASSWORD},
    )
    assert answer.status in (302, 303), answer.text[:300]
    return browser, browser.csrf("/accessibilite")


def feed_ids(browser: Browser, group_id: int) -> set[int]:
    """Every live note of the group, read from its feed from the start."""
    answer = call_json(browser, f"/api/notes/sous-groupes/{group_id}/flux?depuis=0.0")
    assert answer.status == 200, answer.text[:300]
    return {note["id"] for note in json.loads(answer.text)["notes"]}


@pytest.mark.parametrize("stop", ["terminate", "kill"])
def test_rel_12_acknowledged_notes_survive_a_gunicorn_restart(
    app: Flask, db: Session, database_url: str, tmp_path: Path, stop: str
) -> None:
    r = room(db, groups=2, size=3)
    writers = [(r.alice, r.groups[0]), (r.bob, r.groups[0]), (r.carol, r.groups[1])]
    secret_key = secrets.token_urlsafe(48)  # the same key after the restart: sessions stay valid
    log = tmp_path / "gunicorn.log"
    acknowledged: dict[int, set[int]] = {group.id: set() for group in r.groups}
    first_submission = ""

    with gunicorn(database_url, secret_key, log, stop) as server:
        browsers = [signed_in_browser(server.base, user) for user, _group in writers]
        for round_ in range(8):
            for (browser, token), (_user, group) in zip(browsers, writers, strict=True):
                sid = submission()
                first_submission = first_submission or sid
                answer = call_json(
                    browser,
                    f"/api/notes/sous-groupes/{group.id}/notes",
                    {
                        "category": "lever",
                        "text": f"Note {round_} avant arrêt",
                        "tags": [],
                        "submission_id": sid,
                    },
                    token,
                )
                assert answer.status == 201, answer.text[:300]
                acknowledged[group.id].add(json.loads(answer.text)["note"]["id"])
        # The last answer is out: the server goes down at once (SIGKILL leaves no time to finish).

    assert sum(len(ids) for ids in acknowledged.values()) == 24
    with gunicorn(database_url, secret_key, log, "terminate") as server:
        for (browser, _token), (_user, group) in zip(browsers, writers, strict=True):
            browser.base = server.base
            assert feed_ids(browser, group.id) == acknowledged[group.id]
        # A retry of an acknowledged post after the restart finds its note (REL-07 holds across it).
        browser, token = browsers[0]
        again = call_json(
            browser,
            f"/api/notes/sous-groupes/{r.groups[0].id}/notes",
            {
                "category": "lever",
                "text": "Note 0 avant arrêt",
                "tags": [],
                "submission_id": first_submission,
            },
            token,
        )
        assert again.status == 200, again.text[:300]
        assert json.loads(again.text)["note"]["id"] in acknowledged[r.groups[0].id]

    fresh(db)
    assert db.scalar(sa.select(sa.func.count()).select_from(Note)) == 24


# --- REL-05: concurrent inserts all land ----------------------------------------------------------

THREADS = 8
INSERTS_PER_THREAD = 200


def test_rel_05_concurrent_note_inserts_on_sqlite_all_land(app: Flask, db: Session) -> None:
    """8 threads × 200 inserts, two writers per group: all land, no lock error, counters 1..n."""
    r = room(db, groups=THREADS // 2, size=2)
    writers = [(user.id, r.groups[g].id) for g in range(THREADS // 2) for user in r.members[g]]
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []
    sent: list[list[str]] = [[] for _ in range(THREADS)]

    def writer(index: int, user_id: int, group_id: int) -> None:
        with app.app_context():
            engine = get_engine()
            try:
                barrier.wait(timeout=60)
                for i in range(INSERTS_PER_THREAD):
                    # One write session per insert, as one request would have.
                    session = new_session(engine, write=True)
                    try:
                        user = session.get(User, user_id)
                        assert user is not None
                        sid = f"rel05-{index}-{i}-{secrets.token_hex(4)}"
                        notes.create_note(
                            session,
                            notes.space_for(session, user, group_id),
                            notes.NoteInput("lever", f"Note {i} du fil {index}"),
                            sid,
                        )
                        session.commit()
                        sent[index].append(sid)
                    finally:
                        session.close()
            except BaseException as error:
                failures.append(error)

    threads = [threading.Thread(target=writer, args=(i, *w)) for i, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished"
    assert failures == [], failures[:3]  # "database is locked" would surface here

    fresh(db)
    rows = db.execute(sa.select(Note.group_id, Note.revision, Note.submission_id)).all()
    assert len(rows) == THREADS * INSERTS_PER_THREAD
    assert {row.submission_id for row in rows} == {sid for batch in sent for sid in batch}
    for group in r.groups:
        revisions = sorted(row.revision for row in rows if row.group_id == group.id)
        assert revisions == list(range(1, 2 * INSERTS_PER_THREAD + 1)), f"gap or repeat in group {group.id}"
        assert db.get(GroupFeed, group.id).revision == 2 * INSERTS_PER_THREAD  # type: ignore[union-attr]


# --- A feed never skips a change when writes commit out of order ----------------------------------


def is_blocked(engine: sa.Engine, pid: int) -> bool:
    """PostgreSQL: the backend `pid` is waiting for a lock another transaction holds."""
    with engine.connect() as conn:
        return bool(conn.scalar(sa.text("SELECT cardinality(pg_blocking_pids(:pid)) > 0"), {"pid": pid}))


def test_the_feed_never_skips_a_change_when_writes_commit_out_of_order(app: Flask, db: Session) -> None:
    """A takes the group's next counter and holds its commit; B writes to the same group meanwhile.

    A reader polls the feed while A is open, while B is stuck behind A (or, were the counter taken
    without the group's row lock — a sequence, max()+1 —, after B committed first), after A's
    commit and after B's. Every poll answering cursor R must have delivered every change ≤ R:
    with a lock-free counter, B's later counter commits first, the reader moves past A's and
    never sees it.
    """
    r = room(db, groups=1, size=3)
    group_id = r.groups[0].id
    write(db, r.members[0][2], r.groups[0], "Déjà là")  # the group's counter row exists: R = 1
    engine = get_engine()
    postgres = engine.dialect.name == "postgresql"

    a_has_counter, release_a, a_done = threading.Event(), threading.Event(), threading.Event()
    b_started, b_done = threading.Event(), threading.Event()
    b_pid: list[int] = []
    failures: list[BaseException] = []

    def create(
        user_id: int, text: str, opened: Callable[[Session], None], written: Callable[[], None]
    ) -> None:
        with app.app_context():
            try:
                # On SQLite the write session's BEGIN IMMEDIATE already waits for the other writer.
                session = new_session(engine, write=True)
                try:
                    opened(session)
                    user = session.get(User, user_id)
                    assert user is not None
                    space = notes.space_for(session, user, group_id)
                    notes.create_note(session, space, notes.NoteInput("lever", text), submission())
                    written()
                    session.commit()
                finally:
                    session.close()
            except BaseException as error:  # reported by the main thread
                failures.append(error)

    def a_holds() -> None:
        a_has_counter.set()
        assert release_a.wait(timeout=WAIT_S), "A was never released"

    def b_opened(session: Session) -> None:
        if postgres:
            b_pid.append(int(session.scalar(sa.text("SELECT pg_backend_pid()")) or 0))

    def run_a() -> None:
        create(r.alice.id, "Note de A", lambda _session: None, a_holds)
        a_done.set()

    def run_b() -> None:
        b_started.set()
        create(r.bob.id, "Note de B", b_opened, lambda: None)
        b_done.set()

    thread_a = threading.Thread(target=run_a)
    thread_b = threading.Thread(target=run_b)

    delivered: set[int] = set()
    polls: list[tuple[int, frozenset[int]]] = []
    cursor = notes.Cursor()

    def poll() -> None:
        nonlocal cursor
        with app.app_context():
            reader = new_session(engine)
            try:
                viewer = reader.get(User, r.members[0][2].id)
                assert viewer is not None
                answer = notes.feed(reader, notes.space_for(reader, viewer, group_id), cursor)
            finally:
                reader.close()
        delivered.update(note["id"] for note in answer["notes"])
        cursor = notes.Cursor.parse(answer["cursor"])
        polls.append((cursor.group, frozenset(delivered)))

    poll()
    thread_a.start()
    wait_for(a_has_counter.is_set, "A to take the group's counter")
    poll()  # A holds counter 2, uncommitted
    thread_b.start()
    wait_for(b_started.is_set, "B to start")
    if postgres:
        # B is either stuck behind A's row lock, or (lock-free counter) already committed.
        wait_for(
            lambda: b_done.is_set() or (b_pid and is_blocked(engine, b_pid[0])), "B to wait for A or finish"
        )
    poll()  # B waits (or has committed out of order)
    release_a.set()
    wait_for(a_done.is_set, "A to commit")
    poll()
    wait_for(b_done.is_set, "B to commit")
    poll()
    thread_a.join(timeout=WAIT_S)
    thread_b.join(timeout=WAIT_S)
    assert failures == [], failures

    fresh(db)
    final = {note.id: note.revision for note in db.scalars(sa.select(Note).where(Note.group_id == group_id))}
    assert len(final) == 3
    for seen_cursor, seen in polls:
        due = {note_id for note_id, revision in final.items() if revision <= seen_cursor}
        assert due <= seen, f"cursor {seen_cursor} answered while notes {sorted(due - seen)} were missing"
    assert delivered == set(final)
    assert cursor.group == max(final.values()) == 3
