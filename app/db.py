"""Declarative base, engine and one SQLAlchemy session per application context."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """A timezone-aware datetime stored in UTC on every engine (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware UTC times")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Base of every model, with a constraint naming convention Alembic can rely on."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}


def _configure_sqlite(engine: sa.Engine) -> None:
    """WAL, busy timeout, foreign keys, and explicit BEGIN so writes can start IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, emit BEGIN so that we choose its kind.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # A write transaction takes the write lock first: a read-then-write can then never fail
        # with "database is locked" half way (REL-05).
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, echo: bool = False) -> sa.Engine:
    """Create the engine for a database URL (SQLite or PostgreSQL through psycopg 3)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def new_session(engine: sa.Engine, write: bool = False) -> Session:
    """Open a session; `write=True` starts SQLite transactions with BEGIN IMMEDIATE."""
    session = Session(bind=engine, expire_on_commit=False, autoflush=True)
    if write:
        begin_write(session)
    return session


def begin_write(session: Session) -> None:
    """Start the session's next transaction as a write (BEGIN IMMEDIATE on SQLite).

    Call it before the first read of a transaction that will write; once a transaction has
    begun it cannot be upgraded, so it is a no-op then.
    """
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={"sqlite_immediate": True})


def get_engine() -> sa.Engine:
    """The engine of the current application."""
    engine: sa.Engine = current_app.extensions["ateliers_engine"]
    return engine


def get_session() -> Session:
    """The session of the current request (or app context), opened on first use."""
    if "db_session" not in g:
        write = has_request_context() and request.method not in SAFE_METHODS
        g.db_session = new_session(get_engine(), write=write)
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    """Create the engine (no connection is opened) and close the session at teardown."""
    app.extensions["ateliers_engine"] = make_engine(app.config["DATABASE_URL"], app.config["SQL_ECHO"])
    app.teardown_appcontext(_close_session)


def _insert(session: Session, table: Any, values: dict[str, Any]) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(**values)


def insert_ignore(session: Session, table: Any, values: dict[str, Any]) -> None:
    """Insert a row unless a unique key holds it already: one atomic statement, safe under concurrency."""
    session.execute(_insert(session, table, values).on_conflict_do_nothing())


def upsert(session: Session, table: Any, values: dict[str, Any], key: list[str], update: list[str]) -> None:
    """Insert a row or, when `key` holds it already, update the `update` columns: one atomic statement."""
    statement = _insert(session, table, values)
    session.execute(
        statement.on_conflict_do_update(index_elements=key, set_={c: statement.excluded[c] for c in update})
    )
