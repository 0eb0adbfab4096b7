"""A fresh database for the load run: created, migrated with Alembic, then filled with the event.

The event: one workshop whose first round is published, `groups` peer groups of `size` people, and
facilitators of its programme. Rows go in through the app's models in a few bulk flushes (every
person shares one password hash, computed once with the benchmark's Argon2 parameters).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from app.db import get_engine, new_session
from app.models import (
    GroupMember,
    PeerGroup,
    Programme,
    ProgrammeFacilitator,
    ProgrammeOrganisation,
    Registration,
    Round,
    User,
    Workshop,
)
from app.services.passwords import hash_password
from config import BASE_DIR, Config

PG_ADMIN_URL = os.environ.get("ATELIERS_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# The accounts exist only in the throwaway benchmark database.
PASSWORD = "charge-de-test-2026-atelier"
CATEGORIES = ["inspiring_practice", "difficulty", "lever"]
PROFILES = ("local_authority", "association", "company", "academic", "ess_enterprise", "citizen")
# Sign-in is outside the timed window; cheap Argon2 keeps 510 sign-ins from taking minutes.
ARGON2 = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "8192", "ARGON2_PARALLELISM": "1"}


@dataclass
class Person:
    """A signed-up account of the event and the group whose feed it polls (None: facilitator)."""

    email: str
    group_id: int | None


@dataclass
class Event:
    """What the load run needs to know about the arranged database."""

    url: str
    workshop_id: int
    group_ids: list[int]
    participants: list[Person]
    facilitators: list[Person]


def fresh_database(kind: str, keep_dir: Path | None = None) -> str:
    """Create an empty database and return its URL (PostgreSQL: a new database; SQLite: a new file)."""
    if kind == "sqlite":
        folder = keep_dir or Path(tempfile.mkdtemp(prefix="ateliers-load-"))
        return f"sqlite:///{folder / 'load.db'}"
    name = f"ateliers_load_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    """Remove a database made by `fresh_database`."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        if path.parent.name.startswith("ateliers-load-"):  # the directory fresh_database made
            path.parent.rmdir()
        return
    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrate(url: str) -> None:
    """`alembic upgrade head` on the database, in a child process (as an operator would run it)."""
    env = {key: value for key, value in os.environ.items() if key != "ATELIERS_ENV"}
    env["DATABASE_URL"] = url
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=BASE_DIR, env=env, check=True)


def bench_config(url: str) -> type[Config]:
    """The app configuration used to arrange the rows (same Argon2 parameters as the server)."""
    values: dict[str, object] = {"DATABASE_URL": url, "MAIL_BACKEND": "none"}
    values.update({key: int(value) for key, value in ARGON2.items()})
    return type("LoadArrangeConfig", (Config,), values)


def arrange(url: str, groups: int = 100, size: int = 5, facilitators: int = 10) -> Event:
    """Fill the database with one workshop, its published round, its groups and its facilitators."""
    app = create_app(bench_config(url))
    with app.app_context():
        session = new_session(get_engine(), write=True)
        password_hash = hash_password(PASSWORD)
        staff = [
            User(
                email=f"animation{i}@charge.exemple.fr",
                password_hash=password_hash,
                first_name="Animation",
                last_name=f"Équipe {i}",
                role="facilitator",
            )
            for i in range(facilitators)
        ]
        programme = Programme(slug="charge", title="Parcours de charge", description="Banc de charge.")
        programme.organisations.append(ProgrammeOrganisation(name="Région Grand Est", position=0))
        session.add_all([*staff, programme])
        session.flush()
        session.add_all([ProgrammeFacilitator(programme_id=programme.id, user_id=u.id) for u in staff])
        start = dt.datetime.now(dt.UTC).replace(microsecond=0)
        workshop = Workshop(
            programme_id=programme.id,
            title="Atelier de charge",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            capacity=groups * size + 10,
            attribution_mode="by_profile",
            note_categories=CATEGORIES,
        )
        session.add(workshop)
        session.flush()
        people = [
            User(
                email=f"personne{i}@charge.exemple.fr",
                password_hash=password_hash,
                first_name=f"Personne{i}",
                last_name=f"Groupe{i // size}",
                organisation=f"Organisation {i}",
                actor_profile=PROFILES[i % len(PROFILES)],
                territory="Moselle",
            )
            for i in range(groups * size)
        ]
        session.add_all(people)
        session.flush()
        seats = [
            Registration(
                workshop_id=workshop.id,
                user_id=user.id,
                status="confirmed",
                organisation=user.organisation,
                actor_profile=user.actor_profile,
                territory=user.territory,
                attendance="present",
            )
            for user in people
        ]
        round_ = Round(workshop_id=workshop.id, number=1, status="published", published_at=start)
        session.add_all([*seats, round_])
        session.flush()
        peer_groups = [
            PeerGroup(round_id=round_.id, position=g + 1, table_name=f"Table {g + 1}") for g in range(groups)
        ]
        session.add_all(peer_groups)
        session.flush()
        session.add_all(
            GroupMember(
                group_id=peer_groups[i // size].id,
                round_id=round_.id,
                user_id=user.id,
                registration_id=seats[i].id,
                role="rapporteur" if i % size == 0 else "member",
            )
            for i, user in enumerate(people)
        )
        session.commit()
        event = Event(
            url=url,
            workshop_id=workshop.id,
            group_ids=[group.id for group in peer_groups],
            participants=[
                Person(user.email or "", peer_groups[i // size].id) for i, user in enumerate(people)
            ],
            facilitators=[Person(user.email or "", None) for user in staff],
        )
        session.close()
        get_engine().dispose()
    return event
