"""Password hashing with Argon2id (PW-07) and the password policy (PW-01..04)."""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

_DEFAULTS = {"ARGON2_TIME_COST": 3, "ARGON2_MEMORY_COST": 65536, "ARGON2_PARALLELISM": 4}


def normalise(password: str) -> str:
    """NFKC-normalise a password so that visually identical input hashes the same."""
    return unicodedata.normalize("NFKC", password)


def hasher() -> PasswordHasher:
    """An Argon2id hasher with the configured parameters."""
    settings = current_app.config if has_app_context() else _DEFAULTS
    return PasswordHasher(
        time_cost=int(settings["ARGON2_TIME_COST"]),
        memory_cost=int(settings["ARGON2_MEMORY_COST"]),
        parallelism=int(settings["ARGON2_PARALLELISM"]),
    )


def hash_password(password: str) -> str:
    """Hash a (normalised) password with Argon2id."""
    return hasher().hash(normalise(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; a missing hash never matches (but costs the same time)."""
    ph = hasher()
    try:
        if password_hash is None:
            # Same work as a real check, so unknown accounts answer in the same time (EN-01).
            ph.verify(_dummy_hash(), normalise(password) + "x")
            return False
        return ph.verify(password_hash, normalise(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash used older parameters (rehash on login)."""
    return hasher().check_needs_rehash(password_hash)


_dummy_cache: dict[tuple[int, int, int], str] = {}


def _dummy_hash() -> str:
    ph = hasher()
    key = (ph.time_cost, ph.memory_cost, ph.parallelism)
    if key not in _dummy_cache:
        _dummy_cache[key] = ph.hash("unused dummy password for timing")
    return _dummy_cache[key]
