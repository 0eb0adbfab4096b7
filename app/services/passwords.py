"""Password hashing with Argon2id (PW-07) and the password policy (PW-01..04)."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

from app.i18n import _

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


# --- Password policy (PW-01..04): length, common passwords, passwords built from personal data ---

MIN_LENGTH = 12
STAFF_MIN_LENGTH = 15
MAX_LENGTH = 1024
STAFF_ROLES = frozenset({"facilitator", "admin"})
# Once the personal words are taken out, fewer characters than this left means "built from" them.
MIN_REMAINDER = 8
_FRENCH_LIST = Path(__file__).resolve().parent.parent / "data" / "common_passwords_fr.txt"
_KEYBOARD_ROWS = ("azertyuiopqsdfghjklmwxcvbn", "qwertyuiopasdfghjklzxcvbnm", "qwertzuiopasdfghjklyxcvbnm")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})


def min_length_for(role: str) -> int:
    """Minimum length for a role: 15 for facilitators and administrators, 12 otherwise (PW-01)."""
    return STAFF_MIN_LENGTH if role in STAFF_ROLES else MIN_LENGTH


@functools.cache
def common_passwords() -> frozenset[str]:
    """The refused passwords: zxcvbn's frequency list (30 000 entries) plus a short French list."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    french = (
        line.strip()
        for line in _FRENCH_LIST.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return frozenset(word.casefold() for word in (*FREQUENCY_LISTS["passwords"], *french))


def _fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: 'Émilie-Rose 2026' -> 'emilierose2026'."""
    decomposed = unicodedata.normalize("NFKD", normalise(text).casefold())
    return "".join(char for char in decomposed if char.isalnum() and not unicodedata.combining(char))


def _repeated_unit(text: str) -> str | None:
    """The shortest unit that, repeated, makes up `text` ('abcabcab' -> 'abc'), if any."""
    for size in range(1, len(text) // 2 + 1):
        unit = text[:size]
        if (unit * (len(text) // size + 1))[: len(text)] == text:
            return unit
    return None


def _is_trivial(text: str) -> bool:
    """A run like '111111111111', 'abcabcabc', '123456789012', a keyboard row or a repeated word."""
    if not text:
        return True
    unit = _repeated_unit(text)
    if unit is not None and (len(unit) < MIN_LENGTH or unit in common_passwords()):
        return True
    steps = {(ord(b) - ord(a)) for a, b in itertools.pairwise(text)}
    if steps <= {1} or steps <= {-1} or (text.isdigit() and steps <= {1, -9}):
        return True
    return any(text in row or text in row * 2 for row in _KEYBOARD_ROWS)


def _is_common(text: str) -> bool:
    """True for a listed password, even padded with digits/symbols, spaced out or in leetspeak."""
    words = common_passwords()
    lowered = normalise(text).casefold()
    compact = "".join(lowered.split())
    core = compact.strip("0123456789!?.,;:-_*#+=/\\|@$%&~^'\"()[]{}<> ")
    folded = _fold(text)
    candidates = {lowered, compact, core, core.translate(_LEET), folded, _fold(core)}
    if any(candidate in words for candidate in candidates if candidate):
        return True
    return _is_trivial(folded) or _is_trivial(compact)


def _personal_tokens(user_inputs: list[str]) -> list[str]:
    """Words a password must not be built from: each input whole, its parts, name pairs."""
    tokens: set[str] = set()
    for raw in user_inputs:
        if not raw:
            continue
        text = raw.split("@", 1)[0] if "@" in raw else raw
        whole = _fold(raw)
        if len(whole) >= 3:
            tokens.add(whole)
        parts = [_fold(part) for part in re.split(r"[\W_]+", text)]
        tokens.update(part for part in parts if len(part) >= 3)
        joined = "".join(parts)
        if len(joined) >= 3:
            tokens.add(joined)
        if "@" in raw:
            tokens.update(_fold(label) for label in raw.split("@", 1)[1].split(".") if len(label) >= 3)
    # Longest first so that 'martinez' goes before 'martin'.
    return sorted(tokens, key=len, reverse=True)


def _built_from(text: str, user_inputs: list[str]) -> bool:
    """True when the password is little more than the person's name, e-mail, organisation, title."""
    folded = _fold(text)
    remainder = folded
    for token in _personal_tokens(user_inputs):
        remainder = remainder.replace(token, "")
    if remainder == folded:
        return False
    return len(remainder) < MIN_REMAINDER or remainder in common_passwords() or _is_trivial(remainder)


def check_password_policy(password: str, *, role: str, user_inputs: list[str]) -> list[str]:
    """The French reasons why a password is refused (empty list: accepted). No composition rules."""
    reasons: list[str] = []
    text = normalise(password)
    minimum = min_length_for(role)
    if len(text) < minimum:
        reasons.append(
            _(
                "Le mot de passe doit contenir au moins %(count)s caractères (il en contient %(length)s).",
                count=minimum,
                length=len(text),
            )
        )
    if len(text) > MAX_LENGTH:
        reasons.append(_("Le mot de passe ne peut pas dépasser %(count)s caractères.", count=MAX_LENGTH))
        return reasons
    if _is_common(text):
        reasons.append(
            _(
                "Ce mot de passe est trop courant ou trop simple. Essayez plutôt une phrase "
                "de plusieurs mots que vous seul ou seule connaissez."
            )
        )
    elif _built_from(text, user_inputs):
        reasons.append(
            _(
                "Le mot de passe ne doit pas être construit à partir de votre nom, de votre adresse "
                "e-mail, de votre organisation ou du titre d'un parcours."
            )
        )
    return reasons
