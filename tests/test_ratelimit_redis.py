"""RL-01 with Redis: two app instances (two worker processes in production) share the sign-in limit.

Uses a dedicated Redis database number and deletes only the keys carrying this test's unique
address and client IP, so it never touches anyone else's data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from app.db import get_engine, new_session
from app.extensions import limiter
from tests.conftest import make_app, missing, post_form
from tests.factories import DEFAULT_PASSWORD, make_user

REDIS_DB = 11
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    """The dedicated Redis database, or a skip (a failure in CI) when Redis is not running."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        missing(f"Redis not reachable at {REDIS_URL}: {error.__class__.__name__}")
    yield client
    client.close()


@pytest.fixture
def tag() -> str:
    """A unique tag for this test: it goes into the e-mail address and the client IP."""
    return uuid.uuid4().hex[:12]


def ip_for(tag: str) -> str:
    """A documentation-range IP address derived from the tag."""
    return f"198.51.100.{int(tag[:2], 16) % 250 + 1}"


@pytest.fixture
def own_keys(redis_client: redis.Redis, tag: str) -> Iterator[None]:
    """Delete, after the test, only the Redis keys this test created."""
    yield
    for pattern in (f"*{tag}*", f"*/{ip_for(tag)}/*"):
        for key in redis_client.scan_iter(match=pattern):
            redis_client.delete(key)


def worker(database_url: str, storage: str) -> Flask:
    """One app instance, as one gunicorn worker would build it."""
    app = make_app(database_url, RATELIMIT_STORAGE_URI=storage)
    return app


def failed_login(app: Flask, email: str, ip: str) -> int:
    response = post_form(
        app.test_client(),
        "/connexion",
        {"email": email, "password": "mauvais mot de passe"},
        environ_base={"REMOTE_ADDR": ip},
    )
    return response.status_code


def good_login(app: Flask, email: str, ip: str) -> int:
    response = post_form(
        app.test_client(),
        "/connexion",
        {"email": email, "password": DEFAULT_PASSWORD},
        environ_base={"REMOTE_ADDR": ip},
    )
    return response.status_code


@pytest.fixture
def account(app: Flask, tag: str) -> str:
    """An account whose address carries the tag (the per-account limit key contains it)."""
    email = f"redis-{tag}@exemple.fr"
    with app.app_context():
        session = new_session(get_engine())
        make_user(session, email=email)
        session.close()
    return email


@pytest.mark.usefixtures("own_keys")
def test_rl_01_two_app_instances_share_the_login_limit_through_redis(
    app: Flask, database_url: str, redis_client: redis.Redis, account: str, tag: str
) -> None:
    ip = ip_for(tag)
    first = worker(database_url, REDIS_URL)
    for _ in range(5):
        assert failed_login(first, account, ip) == 400
    assert any(redis_client.scan_iter(match=f"*{tag}*")), "the limit was not stored in Redis"

    # A second instance (the last one initialised rebinds the shared limiter to its own storage).
    second = worker(database_url, REDIS_URL)
    assert good_login(second, account, ip) == 429
    assert good_login(second, account, "198.51.100.254") == 429  # per account, whatever the IP
    with first.app_context():
        get_engine().dispose()
    with second.app_context():
        get_engine().dispose()


def test_rl_01_without_shared_storage_a_second_instance_would_not_know(
    app: Flask, database_url: str, account: str
) -> None:
    """Control: with in-memory storage the counts are per instance, which is why Redis is needed."""
    first = worker(database_url, "memory://")
    for _ in range(5):
        assert failed_login(first, account, "203.0.113.9") == 400
    assert good_login(first, account, "203.0.113.9") == 429
    second = worker(database_url, "memory://")
    assert good_login(second, account, "203.0.113.9") == 302
    limiter.reset()
    with first.app_context():
        get_engine().dispose()
    with second.app_context():
        get_engine().dispose()
