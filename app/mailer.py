"""Delivery of the e-mail outbox after each committed request.

Session events note the outbox rows a transaction inserted and keep them once it commits (a
rolled-back action sends nothing). When the request ends, those rows are handed to a per-process
background worker with its own database session, so a slow or dead SMTP server never makes the
person wait nor fails the action; what the worker cannot send stays pending for
`flask outbox send` (cron). With MAIL_SEND_SYNC the request sends them itself before returning
(tests, single-process demos). MAIL_SEND_ON_COMMIT=False leaves everything to the command.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from typing import Any

import sqlalchemy as sa
from flask import Flask, g
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.db import new_session
from app.models import OutboxMessage

log = logging.getLogger("ateliers.mail")

_FLUSHED = "ateliers_outbox_flushed"
_COMMITTED = "ateliers_outbox_committed"
_listeners_installed = False


def _after_flush(session: Session, _context: Any) -> None:
    ids = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if ids:
        session.info.setdefault(_FLUSHED, []).extend(ids)


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_FLUSHED, None)
    if ids:
        session.info.setdefault(_COMMITTED, []).extend(ids)


def _after_rollback(session: Session) -> None:
    session.info.pop(_FLUSHED, None)


def install_listeners() -> None:
    """Track committed outbox rows on every ORM session (once per process)."""
    global _listeners_installed
    if _listeners_installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)
    _listeners_installed = True


def committed_outbox_ids(session: Session) -> list[int]:
    """Take the ids of outbox rows this session has committed since the last call."""
    ids: list[int] = session.info.pop(_COMMITTED, [])
    return ids


def deliver_now(app: Flask, ids: list[int] | None = None) -> None:
    """Send the given pending messages (all due ones when None) in a session of our own.

    Never raises: a failure is recorded on the message and logged, the action stays done.
    """
    from app.services.outbox import deliver_pending

    engine: sa.Engine = app.extensions["ateliers_engine"]
    session = new_session(engine)
    try:
        deliver_pending(session, app.config, limit=max(100, len(ids or [])), ids=ids)
    except Exception:
        log.exception("e-mail delivery failed; messages stay in the outbox")
        with contextlib.suppress(Exception):
            session.rollback()
    finally:
        session.close()


class MailWorker:
    """One daemon thread per process that sends what requests have committed, in order."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.queue: queue.Queue[list[int]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, ids: list[int]) -> None:
        """Queue message ids for sending; starts the thread on first use (and after a fork)."""
        with self._lock:
            if self._pid != os.getpid():
                # After a fork (gunicorn workers) the parent's thread and queue belong to the parent.
                self.queue = queue.Queue()
                self._thread = None
                self._pid = os.getpid()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ateliers-mail", daemon=True)
                self._thread.start()
            self.queue.put(ids)

    def _run(self) -> None:
        while True:
            batch = self.queue.get()
            try:
                # Gather whatever else is waiting: one SMTP connection for all of it.
                while True:
                    try:
                        more = self.queue.get_nowait()
                    except queue.Empty:
                        break
                    batch.extend(more)
                    self.queue.task_done()
                deliver_now(self.app, batch)
            finally:
                self.queue.task_done()

    def wait_idle(self) -> None:
        """Block until everything submitted so far has been handled (tests, shutdown)."""
        self.queue.join()


def worker_of(app: Flask) -> MailWorker:
    """The app's mail worker."""
    worker: MailWorker = app.extensions["ateliers_mail_worker"]
    return worker


def init_app(app: Flask) -> None:
    """Register the hooks that send pending mail once the request's transaction is committed."""
    install_listeners()
    app.extensions["ateliers_mail_worker"] = MailWorker(app)

    @app.teardown_request
    def _send_committed_mail(_exc: BaseException | None) -> None:
        session: Session | None = g.get("db_session")
        if session is None:
            return
        ids = committed_outbox_ids(session)
        if not ids or not app.config.get("MAIL_SEND_ON_COMMIT", True):
            return
        if app.config.get("MAIL_BACKEND", "smtp") == "none":
            return
        if app.config.get("MAIL_SEND_SYNC", False):
            deliver_now(app, ids)
        else:
            worker_of(app).submit(ids)
