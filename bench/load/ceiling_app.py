"""The ceiling: the least a Flask request doing one insert can cost on the same stack.

Same gunicorn settings, Flask, SQLAlchemy engine and session setup as the app (`app.db.make_engine`,
`new_session(write=True)`: WAL and BEGIN IMMEDIATE on SQLite, the same pool on PostgreSQL), the same
database, but no sign-in, CSRF, session cookie, permission check or counter: `POST /insert` adds
one row to its own table and commits; `GET /read` runs one indexed select (the cheapest poll).

    DATABASE_URL=... gunicorn -k gthread ... bench.load.ceiling_app:app
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from app.db import make_engine, new_session, utcnow

metadata = sa.MetaData()
ceiling = sa.Table(
    "bench_ceiling",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("group_id", sa.Integer, nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def create_table(url: str) -> None:
    """Create the ceiling's table (once, before the workers start: they would race to create it)."""
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()


def build() -> Flask:
    """The minimal app on DATABASE_URL."""
    application = Flask(__name__)
    engine = make_engine(os.environ["DATABASE_URL"])

    @application.post("/insert")
    def insert() -> ResponseReturnValue:
        data = request.get_json(silent=True) or {}
        session = new_session(engine, write=True)
        try:
            row_id = session.execute(
                sa.insert(ceiling)
                .values(
                    group_id=int(data.get("group", 0)), text=str(data.get("text", "")), created_at=utcnow()
                )
                .returning(ceiling.c.id)
            ).scalar_one()
            session.commit()
        finally:
            session.close()
        return jsonify(id=row_id), 201

    @application.get("/read/<int:group_id>")
    def read(group_id: int) -> ResponseReturnValue:
        session = new_session(engine)
        try:
            last = session.scalar(sa.select(sa.func.max(ceiling.c.id)).where(ceiling.c.group_id == group_id))
        finally:
            session.close()
        return jsonify(last=last)

    return application


app = build() if "DATABASE_URL" in os.environ else Flask(__name__)
