"""Password policy and hashing: PW-01..04 (length, Unicode, common and personal passwords), PW-07."""

from __future__ import annotations

import argon2
import pytest
from flask import Flask

from app.services.passwords import (
    check_password_policy,
    common_passwords,
    hash_password,
    needs_rehash,
    verify_password,
)

PERSON = ["camille.martin@exemple.fr", "Camille", "Martin", "Région Grand Est"]
TITLES = ["Hybrider son modèle socio-économique territorial"]


def reasons(password: str, role: str = "participant", inputs: list[str] | None = None) -> list[str]:
    return check_password_policy(
        password, role=role, user_inputs=PERSON + TITLES if inputs is None else inputs
    )


def test_pw_01_at_least_12_characters_for_participants() -> None:
    assert reasons("lune rousse") != []  # 11
    assert "au moins 12 caractères" in reasons("lune rousse")[0]
    assert reasons("lune rousses") == []  # 12


@pytest.mark.parametrize("role", ["facilitator", "admin"])
def test_pw_01_at_least_15_characters_for_facilitators_and_admins(role: str) -> None:
    assert reasons("lune rousse 14c", role=role) == []  # 15
    short = reasons("lune rousse 14", role=role)  # 14
    assert len(short) == 1
    assert "au moins 15 caractères" in short[0]


def test_pw_02_at_most_1024_characters() -> None:
    base = "le vent souffle sur la plaine "
    at_limit = (base * 40)[:1024]
    assert reasons(at_limit) == []
    too_long = reasons(at_limit + "x")
    assert len(too_long) == 1
    assert "1024" in too_long[0]


def test_pw_03_no_composition_rules_and_any_unicode() -> None:
    # Only lower-case letters and spaces: fine, no digit or symbol is required.
    assert reasons("des pommes et des poires") == []
    # Accented letters, CJK, emoji and right-to-left scripts are accepted.
    assert reasons("être ou ne pas être là-bas") == []
    assert reasons("猫が好きな人たちの集まりです") == []
    assert reasons("🌻🌻 tournesol en été 🌞") == []
    assert reasons("مرحبا بكم في ورشة العمل") == []


def test_pw_03_nfkc_normalisation_before_hashing(app: Flask) -> None:
    with app.app_context():
        stored = hash_password("ｃａｆé ｄｕ ｃｏｉｎ ２０２６")  # full-width forms
        assert verify_password(stored, "café du coin 2026")
        # A decomposed « é » (e + combining accent) is the same password as the composed one.
        stored = hash_password("l'été indien dure longtemps")
        assert verify_password(stored, "l'e\u0301te\u0301 indien dure longtemps")
        assert not verify_password(stored, "l'ete indien dure longtemps")
    # Length is counted after normalisation: eleven full-width letters stay eleven characters.
    assert reasons("ｌｕｎｅ ｒｏｕｓｓｅ") != []


def test_pw_04_the_common_password_list_has_thousands_of_entries() -> None:
    words = common_passwords()
    assert len(words) >= 10_000
    for word in ("password", "123456", "azerty", "motdepasse", "soleil", "qwerty123456"):
        assert word in words


@pytest.mark.parametrize(
    "password",
    [
        "qwerty123456",
        "1q2w3e4r5t6y",
        "motdepasse123",
        "Password2026!!",
        "P@ssw0rd123456",
        "azertyuiop123",
        "soleil soleil soleil",
        "jetaimejetaime",
        "111111111111",
        "123456789012",
        "abcdefghijklmnop",
        "éééééééééééééé",
    ],
)
def test_pw_04_common_or_trivial_passwords_are_refused(password: str) -> None:
    found = reasons(password, inputs=[])
    assert len(found) == 1, password
    assert "trop courant" in found[0]


@pytest.mark.parametrize(
    "password",
    [
        "CamilleMartin2026!",
        "camille.martin@exemple.fr",
        "Martin Camille 1984",
        "région grand est 57",
        "Hybrider son modèle 2026",
        "socio-économique territorial",
        "camille camille camille",
    ],
)
def test_pw_04_passwords_built_from_personal_data_or_a_programme_title_are_refused(password: str) -> None:
    found = reasons(password)
    assert found, password
    assert any("construit à partir de votre nom" in reason or "trop courant" in reason for reason in found)


@pytest.mark.parametrize(
    "password",
    [
        "camille aime les longues randonnées",
        "mon modèle économique est solide",
        "correct horse battery staple 42",
    ],
)
def test_pw_04_a_passphrase_mentioning_a_name_among_other_words_is_accepted(password: str) -> None:
    assert reasons(password) == []


def test_pw_07_hashes_are_argon2id_with_the_configured_parameters(app: Flask) -> None:
    with app.app_context():
        stored = hash_password("un mot de passe de test")
        params = argon2.extract_parameters(stored)
        assert params.type is argon2.Type.ID
        assert params.time_cost == app.config["ARGON2_TIME_COST"]
        assert params.memory_cost == app.config["ARGON2_MEMORY_COST"]
        assert not needs_rehash(stored)
        older = argon2.PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash("x" * 12)
        assert needs_rehash(older)
        assert not verify_password(None, "un mot de passe de test")
