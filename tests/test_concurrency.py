"""REL-06 / AC-13: capacity, quotas and the FIFO waitlist hold under truly concurrent requests.

Each thread opens its own write session, as a request would, and all are released at once by a
barrier; the same tests run on SQLite (BEGIN IMMEDIATE) and PostgreSQL (SELECT ... FOR UPDATE).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.db import get_engine, new_session
from app.models import Registration, User, WorkshopQuota
from app.services import registration as registration_service
from tests.factories import make_programme, make_user, make_workshop

pytestmark = pytest.mark.slow

Job = Callable[[Session], Any]


def run_together(app: Flask, jobs: list[Job], after_commit: Job | None = None) -> list[Any]:
    """Run each job in its own thread and write session, all released at the same instant.

    Returns each job's result, or the exception it raised. `after_commit` runs in a fresh session
    right after each job's commit (to observe the database between concurrent transactions).
    """
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    observed: list[Any] = []

    def worker(index: int, job: Job) -> None:
        with app.app_context():
            engine = get_engine()
            try:
                barrier.wait(timeout=60)
                # Opened after the barrier: on SQLite a write session takes the write lock at once.
                session = new_session(engine, write=True)
                try:
                    results[index] = job(session)
                    session.commit()
                finally:
                    session.close()
                if after_commit is not None:
                    reader = new_session(engine)
                    try:
                        observed.append(after_commit(reader))
                    finally:
                        reader.close()
            except Exception as error:
                results[index] = error

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads), "a worker never finished"
    if after_commit is not None:
        results.append(observed)
    return results


def register_job(workshop_id: int, user_id: int) -> Job:
    def job(session: Session) -> tuple[int, str]:
        user = session.get(User, user_id)
        assert user is not None
        registration = registration_service.register(session, workshop_id, user)
        return user_id, registration.status

    return job


def cancel_job(registration_id: int, user_id: int) -> Job:
    def job(session: Session) -> str:
        user = session.get(User, user_id)
        return registration_service.cancel(session, registration_id, actor=user).status

    return job


def confirmed_seats(workshop_id: int) -> Job:
    def read(session: Session) -> int:
        return registration_service.confirmed_count(session, workshop_id)

    return read


def active_rows(db: Session, workshop_id: int) -> list[Registration]:
    db.commit()
    db.expire_all()
    return list(
        db.scalars(
            sa.select(Registration).where(
                Registration.workshop_id == workshop_id,
                Registration.status.in_(registration_service.ACTIVE_STATUSES),
            )
        )
    )


def enrol(db: Session, workshop_id: int, user: User) -> Registration:
    registration = registration_service.register(db, workshop_id, user)
    db.commit()
    return registration


def test_rel_06_ac_13_fifty_concurrent_registrations_ten_seats(app: Flask, db: Session) -> None:
    workshop = make_workshop(db, make_programme(db), capacity=10)
    users = [make_user(db, commit=False) for _ in range(50)]
    db.commit()

    results = run_together(app, [register_job(workshop.id, user.id) for user in users])

    errors = [result for result in results if isinstance(result, BaseException)]
    assert errors == []
    statuses = [status for _, status in results]
    assert statuses.count("confirmed") == 10
    assert statuses.count("waitlisted") == 40
    rows = active_rows(db, workshop.id)
    assert len(rows) == 50
    assert len({row.user_id for row in rows}) == 50
    assert sum(row.status == "confirmed" for row in rows) == 10
    positions = sorted(row.waitlist_position for row in rows if row.status == "waitlisted")  # type: ignore[type-var]
    assert positions == list(range(1, 41))
    waiting = [row for row in rows if row.status == "waitlisted"]
    assert sorted(registration_service.waitlist_position(db, row) for row in waiting) == list(range(1, 41))  # type: ignore[type-var]


def test_rel_06_concurrent_registrations_respect_the_quota_per_actor_profile(app: Flask, db: Session) -> None:
    workshop = make_workshop(db, make_programme(db), capacity=10)
    db.add(WorkshopQuota(workshop_id=workshop.id, actor_profile="association", seats=3))
    associations = [make_user(db, commit=False, actor_profile="association") for _ in range(15)]
    companies = [make_user(db, commit=False, actor_profile="company") for _ in range(15)]
    db.commit()
    people = [person for pair in zip(associations, companies, strict=True) for person in pair]

    results = run_together(app, [register_job(workshop.id, person.id) for person in people])

    assert [result for result in results if isinstance(result, BaseException)] == []
    rows = active_rows(db, workshop.id)
    confirmed = [row for row in rows if row.status == "confirmed"]
    assert len(rows) == 30
    # Fifteen company people could always fill the seats the association quota leaves.
    assert len(confirmed) == 10
    assert sum(row.actor_profile == "association" for row in confirmed) <= 3
    positions = sorted(row.waitlist_position for row in rows if row.status == "waitlisted")  # type: ignore[type-var]
    assert positions == list(range(1, 21))


def test_rel_06_concurrent_cancellations_and_registrations_never_exceed_capacity(
    app: Flask, db: Session
) -> None:
    workshop = make_workshop(db, make_programme(db), capacity=10)
    holders = [make_user(db, commit=False) for _ in range(10)]
    waiting = [make_user(db, commit=False) for _ in range(5)]
    newcomers = [make_user(db, commit=False) for _ in range(10)]
    db.commit()
    seats = [enrol(db, workshop.id, user) for user in holders]
    for user in waiting:
        assert enrol(db, workshop.id, user).status == "waitlisted"

    jobs = [cancel_job(seat.id, seat.user_id) for seat in seats]
    jobs += [register_job(workshop.id, user.id) for user in newcomers]
    results = run_together(app, jobs, after_commit=confirmed_seats(workshop.id))

    observed = results.pop()
    assert [result for result in results if isinstance(result, BaseException)] == []
    assert len(observed) == 20
    assert max(observed) <= 10
    rows = active_rows(db, workshop.id)
    confirmed = {row.user_id for row in rows if row.status == "confirmed"}
    still_waiting = [row for row in rows if row.status == "waitlisted"]
    assert len(confirmed) == 10
    assert len(still_waiting) == 5
    # FIFO: the people already waiting got the first freed seats, before any newcomer.
    assert {user.id for user in waiting} <= confirmed
    assert not {user.id for user in holders} & {row.user_id for row in rows}
    assert len({row.waitlist_position for row in still_waiting}) == 5
