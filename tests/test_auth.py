"""Sign-up, sign-in, sign-out, reset and invitation: PW-, RL-, EN-, SE-, GD- items of SECURITY.md."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie

import argon2
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app import create_app
from app.models import Consent, OutboxMessage, User, UserToken
from app.services import tokens
from config import DEV_SECRET_KEY, ProductionConfig
from tests.conftest import TestConfig, login, post_form
from tests.factories import DEFAULT_PASSWORD, make_programme, make_user

GOOD_PASSWORD = "une girafe lit le journal sous la pluie"


def signup_form(**overrides: object) -> dict[str, object]:
    """A valid sign-up form."""
    data: dict[str, object] = {
        "email": "nouvelle.personne@exemple.fr",
        "first_name": "Maëlle",
        "last_name": "Kervella",
        "organisation": "Communauté de communes du Saulnois",
        "actor_profile": "local_authority",
        "territory": "Moselle",
        "job_title": "Chargée de mission transition",
        "password": GOOD_PASSWORD,
    }
    data.update(overrides)
    return data


def user_by_email(db: Session, email: str) -> User | None:
    db.commit()  # end the read transaction: SQLite would keep showing its snapshot
    return db.scalars(sa.select(User).where(User.email == email)).one_or_none()


def reload(db: Session, row: object) -> None:
    """Re-read a row after requests (ending the read transaction first, for SQLite's snapshot)."""
    db.commit()
    db.refresh(row)


def signed_in(client: FlaskClient) -> bool:
    """True when the client reaches the account page instead of being sent to sign in."""
    return client.get("/compte/").status_code == 200


def set_cookies(response_headers: list[str]) -> dict[str, SimpleCookie]:
    cookies: dict[str, SimpleCookie] = {}
    for header in response_headers:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            cookies[name] = cookie
    return cookies


# --- Sign-up -----------------------------------------------------------------------------------


def test_gd_01_gd_02_signup_consents_are_separate_unticked_and_optional(
    client: FlaskClient, db: Session
) -> None:
    page = client.get("/creer-un-compte").get_data(as_text=True)
    for purpose in ("newsletter", "directory", "photos"):
        tag = re.search(rf'<input[^>]*name="consent_{purpose}"[^>]*>', page)
        assert tag, purpose
        assert 'type="checkbox"' in tag.group(0)
        assert "checked" not in tag.group(0)
        assert "required" not in tag.group(0)

    response = post_form(client, "/creer-un-compte", signup_form())

    assert response.status_code == 302
    user = user_by_email(db, "nouvelle.personne@exemple.fr")
    assert user is not None
    assert db.scalars(sa.select(Consent).where(Consent.user_id == user.id)).all() == []


def test_gd_03_signup_stores_each_consent_with_notice_version_and_time(
    client: FlaskClient, db: Session, app: Flask
) -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    response = post_form(client, "/creer-un-compte", signup_form(consent_newsletter="y", consent_photos="y"))
    assert response.status_code == 302
    user = user_by_email(db, "nouvelle.personne@exemple.fr")
    assert user is not None
    rows = db.scalars(sa.select(Consent).where(Consent.user_id == user.id)).all()
    assert sorted(row.purpose for row in rows) == ["newsletter", "photos"]
    for row in rows:
        assert row.notice_version == app.config["NOTICE_VERSION"]
        assert row.given_at >= before
        assert row.withdrawn_at is None


def test_gd_10_signup_button_has_a_short_notice_linking_to_the_privacy_page(client: FlaskClient) -> None:
    page = client.get("/creer-un-compte").get_data(as_text=True)
    block = re.search(r'<div class="actions submit-with-notice">(.*?)</div>', page, re.S)
    assert block, "no notice block beside the submit button"
    assert 'type="submit"' in block.group(1)
    assert 'href="/donnees-personnelles"' in block.group(1)
    assert "Vos données servent" in block.group(1)
    assert client.get("/donnees-personnelles").status_code == 200


def test_signup_signs_in_and_follows_a_safe_next(client: FlaskClient, db: Session) -> None:
    response = post_form(client, "/creer-un-compte", signup_form(next="/parcours"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/parcours"
    assert signed_in(client)
    user = user_by_email(db, "nouvelle.personne@exemple.fr")
    assert user is not None
    assert user.role == "participant"
    assert user.first_name == "Maëlle"
    assert user.actor_profile == "local_authority"
    assert user.job_title == "Chargée de mission transition"


def test_signup_normalises_the_email_and_refuses_a_used_one_with_a_clear_error(
    client: FlaskClient, db: Session
) -> None:
    make_user(db, email="deja.la@exemple.fr")
    response = post_form(client, "/creer-un-compte", signup_form(email="  Deja.La@Exemple.FR "))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Un compte existe déjà avec cette adresse e-mail" in page
    assert 'value="Kervella"' in page  # typed text kept
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert not signed_in(client)

    response = post_form(client, "/creer-un-compte", signup_form(email="Autre.Adresse@Exemple.fr"))
    assert response.status_code == 302
    assert user_by_email(db, "autre.adresse@exemple.fr") is not None


def test_signup_refuses_an_unknown_actor_profile_and_an_invalid_email(
    client: FlaskClient, db: Session
) -> None:
    response = post_form(client, "/creer-un-compte", signup_form(actor_profile="pirate"))
    assert response.status_code == 400
    response = post_form(client, "/creer-un-compte", signup_form(email="pas-une-adresse"))
    assert response.status_code == 400
    assert "Saisissez une adresse e-mail valide" in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_signup_identity_fields_carry_autocomplete(client: FlaskClient) -> None:
    page = client.get("/creer-un-compte").get_data(as_text=True)
    expected = {
        "email": "email",
        "first_name": "given-name",
        "last_name": "family-name",
        "organisation": "organization",
        "job_title": "organization-title",
        "password": "new-password",
    }
    for name, token in expected.items():
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
        assert tag, name
        assert f'autocomplete="{token}"' in tag.group(0), name


def test_pw_01_signup_shows_the_reason_for_a_short_password(client: FlaskClient, db: Session) -> None:
    response = post_form(client, "/creer-un-compte", signup_form(password="court mais"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "au moins 12 caractères" in page
    assert 'aria-invalid="true"' in page
    assert user_by_email(db, "nouvelle.personne@exemple.fr") is None


def test_pw_04_signup_refuses_a_password_built_from_the_name_or_a_programme_title(
    client: FlaskClient, db: Session
) -> None:
    make_programme(db, title="Hybrider son modèle socio-économique territorial")
    response = post_form(client, "/creer-un-compte", signup_form(password="Maëlle Kervella 2026 !"))
    assert response.status_code == 400
    assert "construit à partir de votre nom" in response.get_data(as_text=True)
    response = post_form(client, "/creer-un-compte", signup_form(password="Hybrider son modèle 2026"))
    assert response.status_code == 400
    response = post_form(client, "/creer-un-compte", signup_form(password="motdepasse123456"))
    assert response.status_code == 400
    assert "trop courant" in response.get_data(as_text=True)
    assert user_by_email(db, "nouvelle.personne@exemple.fr") is None


def test_rl_02_signup_is_throttled_per_ip(client: FlaskClient, db: Session) -> None:
    for n in range(20):
        response = post_form(client, "/creer-un-compte", signup_form(email=f"p{n}@exemple.fr", password="x"))
        assert response.status_code == 400
    response = post_form(client, "/creer-un-compte", signup_form())
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 0


# --- Sign-in -----------------------------------------------------------------------------------


def test_login_with_the_right_password_signs_in(client: FlaskClient, db: Session) -> None:
    make_user(db, email="camille@exemple.fr")
    response = login(client, "  Camille@Exemple.fr ", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/mes-ateliers"
    assert signed_in(client)


def test_login_page_fields(client: FlaskClient) -> None:
    page = client.get("/connexion?next=/parcours").get_data(as_text=True)
    for name in ("email", "password", "remember", "next"):
        assert f'name="{name}"' in page
    assert 'value="/parcours"' in page
    assert 'autocomplete="current-password"' in page


def _normalised(page: str, *emails: str) -> str:
    page = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", page)
    page = re.sub(r'name="csrf_token" value="[^"]+"', "", page)
    for email in emails:
        page = page.replace(email, "EMAIL")
    return page


def test_en_01_unknown_account_and_wrong_password_answer_identically_with_the_same_work(
    client: FlaskClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(db, email="existe@exemple.fr")
    calls: list[str] = []
    real_verify = argon2.PasswordHasher.verify

    def counting_verify(self: argon2.PasswordHasher, hash: str, password: str) -> bool:
        calls.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting_verify)

    wrong = login(client, "existe@exemple.fr", "pas le bon mot de passe")
    wrong_calls = len(calls)
    unknown = login(client, "inconnu@exemple.fr", "pas le bon mot de passe")
    unknown_calls = len(calls) - wrong_calls

    assert wrong.status_code == unknown.status_code == 400
    assert "Adresse e-mail ou mot de passe incorrect." in wrong.get_data(as_text=True)
    assert _normalised(wrong.get_data(as_text=True), "existe@exemple.fr") == _normalised(
        unknown.get_data(as_text=True), "inconnu@exemple.fr"
    )
    assert wrong_calls == unknown_calls == 1


def test_deactivated_and_invited_accounts_cannot_sign_in(client: FlaskClient, db: Session) -> None:
    make_user(db, email="desactive@exemple.fr", is_active_account=False)
    invited = make_user(db, email="invite@exemple.fr")
    invited.password_hash = None
    db.commit()
    for email in ("desactive@exemple.fr", "invite@exemple.fr"):
        response = login(client, email, DEFAULT_PASSWORD)
        assert response.status_code == 400
        assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)
        assert not signed_in(client)


def test_rl_01_login_is_throttled_per_account_without_permanent_lockout(
    client: FlaskClient, db: Session
) -> None:
    make_user(db, email="cible@exemple.fr")
    make_user(db, email="voisine@exemple.fr")
    for _ in range(5):
        assert login(client, "cible@exemple.fr", "mauvais mot de passe").status_code == 400

    blocked = login(client, "Cible@Exemple.fr", DEFAULT_PASSWORD)
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.get_data(as_text=True)
    # A window, not a lockout: the client is told when to come back (at most 15 minutes).
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert not signed_in(client)

    # Another account from the same address is not blocked by this account's failures.
    assert login(client, "voisine@exemple.fr", DEFAULT_PASSWORD).status_code == 302


def test_rl_01_login_is_throttled_per_ip(client: FlaskClient, db: Session) -> None:
    make_user(db, email="victime@exemple.fr")
    for n in range(30):
        assert login(client, f"essai{n}@exemple.fr", "mauvais mot de passe").status_code == 400
    assert login(client, "victime@exemple.fr", DEFAULT_PASSWORD).status_code == 429
    other_ip = post_form(
        client,
        "/connexion",
        {"email": "victime@exemple.fr", "password": DEFAULT_PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other_ip.status_code == 302


def test_rl_01_successful_logins_are_not_counted_as_failures(client: FlaskClient, db: Session) -> None:
    make_user(db, email="assidue@exemple.fr")
    for _ in range(8):
        assert login(client, "assidue@exemple.fr", DEFAULT_PASSWORD).status_code == 302
        assert post_form(client, "/deconnexion").status_code == 302


def test_pw_07_hash_is_argon2id_and_rehashed_on_login_when_parameters_change(
    client: FlaskClient, db: Session, app: Flask
) -> None:
    user = make_user(db, email="ancienne@exemple.fr")
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")
    old = argon2.PasswordHasher(time_cost=2, memory_cost=512, parallelism=1).hash(DEFAULT_PASSWORD)
    user.password_hash = old
    db.commit()

    assert login(client, "ancienne@exemple.fr", DEFAULT_PASSWORD).status_code == 302

    reload(db, user)
    assert user.password_hash != old
    params = argon2.extract_parameters(user.password_hash)
    assert params.type is argon2.Type.ID
    assert params.time_cost == app.config["ARGON2_TIME_COST"]
    assert params.memory_cost == app.config["ARGON2_MEMORY_COST"]
    # The new hash still opens the account.
    other = app.test_client()
    assert login(other, "ancienne@exemple.fr", DEFAULT_PASSWORD).status_code == 302


def test_se_02_login_starts_a_fresh_session(client: FlaskClient, db: Session) -> None:
    make_user(db, email="fraiche@exemple.fr")
    with client.session_transaction() as sess:
        sess["planted_before_login"] = "attacker"
    login(client, "fraiche@exemple.fr", DEFAULT_PASSWORD)
    with client.session_transaction() as sess:
        assert "planted_before_login" not in sess
        assert sess.get("_user_id", "").startswith(str(db.scalars(sa.select(User.id)).one()))


def test_se_03_logout_is_post_only_and_a_copied_cookie_is_refused_after(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    make_user(db, email="partie@exemple.fr")
    post_form(
        client, "/connexion", {"email": "partie@exemple.fr", "password": DEFAULT_PASSWORD, "remember": "y"}
    )
    session_cookie = client.get_cookie("session")
    remember_cookie = client.get_cookie("remember_token")
    assert session_cookie is not None and remember_cookie is not None

    assert client.get("/deconnexion").status_code == 405
    assert signed_in(client)
    response = post_form(client, "/deconnexion")
    assert response.status_code == 302
    assert not signed_in(client)

    thief = app.test_client()
    thief.set_cookie("session", session_cookie.value)
    assert thief.get("/compte/").status_code == 302
    thief2 = app.test_client()
    thief2.set_cookie("remember_token", remember_cookie.value)
    assert thief2.get("/compte/").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "https://evil.example/",
        "http:/evil.example",
        "\t//evil.example",
    ],
)
def test_se_07_login_refuses_an_offsite_next(client: FlaskClient, db: Session, target: str) -> None:
    make_user(db, email="prudente@exemple.fr")
    response = post_form(
        client, "/connexion", {"email": "prudente@exemple.fr", "password": DEFAULT_PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/mes-ateliers"


def test_se_07_login_follows_a_same_site_next(client: FlaskClient, db: Session) -> None:
    make_user(db, email="suivie@exemple.fr")
    response = post_form(
        client,
        "/connexion",
        {"email": "suivie@exemple.fr", "password": DEFAULT_PASSWORD, "next": "/parcours?x=1"},
    )
    assert response.headers["Location"] == "/parcours?x=1"


def test_se_01_cookie_flags_and_remember_me_duration(client: FlaskClient, db: Session) -> None:
    make_user(db, email="biscuit@exemple.fr")
    response = post_form(
        client, "/connexion", {"email": "biscuit@exemple.fr", "password": DEFAULT_PASSWORD, "remember": "y"}
    )
    cookies = set_cookies(response.headers.getlist("Set-Cookie"))
    for name in ("session", "remember_token"):
        morsel = cookies[name][name]
        assert morsel["httponly"], name
        assert morsel["samesite"] == "Lax", name
        assert not morsel["secure"], name  # local development over plain HTTP
    expires = parsedate_to_datetime(cookies["remember_token"]["remember_token"]["expires"])
    remaining = expires - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=29) < remaining <= dt.timedelta(days=30, minutes=1)


def test_se_01_production_cookies_are_secure(database_url: str) -> None:
    production_like = type(
        "ProductionLike",
        (ProductionConfig,),
        {
            key: getattr(TestConfig, key)
            for key in ("SECRET_KEY", "ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM")
        }
        | {
            "DATABASE_URL": database_url,
            "TRUSTED_HOSTS": ["localhost"],
            "MAIL_BACKEND": "none",
        },
    )
    app = create_app(production_like)
    from app.db import get_engine, new_session
    from app.extensions import limiter

    limiter.reset()
    with app.app_context():
        session = new_session(get_engine())
        try:
            make_user(session, email="prod@exemple.fr")
        finally:
            session.close()
    try:
        client = app.test_client()
        response = post_form(
            client, "/connexion", {"email": "prod@exemple.fr", "password": DEFAULT_PASSWORD, "remember": "y"}
        )
        assert response.status_code == 302
        cookies = set_cookies(response.headers.getlist("Set-Cookie"))
        for name in ("session", "remember_token"):
            morsel = cookies[name][name]
            assert morsel["secure"], name
            assert morsel["httponly"], name
            assert morsel["samesite"] == "Lax", name
    finally:
        if database_url.startswith("postgresql"):
            from tests.conftest import _truncate_pg

            _truncate_pg(app)
        with app.app_context():
            get_engine().dispose()


def test_se_10_production_refuses_the_development_secret_key(database_url: str) -> None:
    for key in (DEV_SECRET_KEY, "", "short-key"):
        config = type("BadProduction", (ProductionConfig,), {"SECRET_KEY": key, "DATABASE_URL": database_url})
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            create_app(config)
    good = type("GoodProduction", (ProductionConfig,), {"SECRET_KEY": "k" * 48, "DATABASE_URL": database_url})
    assert create_app(good).config["ENV_NAME"] == "production"


# --- Forgotten password and reset link ---------------------------------------------------------


def _tokens(db: Session, user: User, kind: str = "password_reset") -> list[UserToken]:
    db.commit()  # end the read transaction: SQLite would keep showing its snapshot
    return list(db.scalars(sa.select(UserToken).where(UserToken.user_id == user.id, UserToken.kind == kind)))


def _outbox_to(db: Session, email: str) -> list[OutboxMessage]:
    db.commit()  # end the read transaction: SQLite would keep showing its snapshot
    return list(db.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient.contains(email))))


def test_en_02_reset_request_answers_identically_whether_the_account_exists(
    client: FlaskClient, db: Session
) -> None:
    user = make_user(db, email="reelle@exemple.fr")
    known = post_form(client, "/mot-de-passe-oublie", {"email": "reelle@exemple.fr"})
    known_page = client.get(known.headers["Location"]).get_data(as_text=True)
    unknown = post_form(client, "/mot-de-passe-oublie", {"email": "fantome@exemple.fr"})
    unknown_page = client.get(unknown.headers["Location"]).get_data(as_text=True)

    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert _normalised(known_page) == _normalised(unknown_page)
    assert "Si un compte existe pour cette adresse" in known_page
    assert len(_tokens(db, user)) == 1
    assert len(_outbox_to(db, "reelle@exemple.fr")) == 1
    assert _outbox_to(db, "fantome@exemple.fr") == []


def test_rl_02_reset_is_throttled_per_email_and_no_mail_is_queued_past_the_limit(
    client: FlaskClient, db: Session
) -> None:
    user = make_user(db, email="pressee@exemple.fr")
    for _ in range(3):
        assert post_form(client, "/mot-de-passe-oublie", {"email": "pressee@exemple.fr"}).status_code == 302
    assert len(_outbox_to(db, "pressee@exemple.fr")) == 3

    for email in ("pressee@exemple.fr", "PRESSEE@exemple.fr"):
        response = post_form(client, "/mot-de-passe-oublie", {"email": email})
        assert response.status_code == 429
    assert len(_tokens(db, user)) == 3
    assert len(_outbox_to(db, "pressee@exemple.fr")) == 3


def test_rl_02_reset_is_throttled_per_ip(client: FlaskClient, db: Session) -> None:
    user = make_user(db, email="derniere@exemple.fr")
    for n in range(10):
        assert post_form(client, "/mot-de-passe-oublie", {"email": f"x{n}@exemple.fr"}).status_code == 302
    assert post_form(client, "/mot-de-passe-oublie", {"email": "derniere@exemple.fr"}).status_code == 429
    assert _tokens(db, user) == []
    assert _outbox_to(db, "derniere@exemple.fr") == []


def test_pw_11_reset_link_lasts_at_most_one_hour(client: FlaskClient, db: Session) -> None:
    user = make_user(db, email="horloge@exemple.fr")
    post_form(client, "/mot-de-passe-oublie", {"email": "horloge@exemple.fr"})
    (token,) = _tokens(db, user)
    assert token.expires_at - token.created_at <= dt.timedelta(hours=1)
    assert token.expires_at - token.created_at > dt.timedelta(minutes=30)


def test_pw_11_se_04_reset_link_is_single_use_and_ends_every_other_session(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    user = make_user(db, email="oublieuse@exemple.fr")
    elsewhere = app.test_client()
    assert login(elsewhere, "oublieuse@exemple.fr", DEFAULT_PASSWORD).status_code == 302
    raw = tokens.issue_token(db, user, "password_reset", app.config["PASSWORD_RESET_TTL_S"])
    db.commit()

    assert client.get(f"/reinitialisation/{raw}").status_code == 200
    new_password = "un nouveau mot de passe bien long"
    response = post_form(
        client, f"/reinitialisation/{raw}", {"new_password": new_password, "confirm": new_password}
    )
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(elsewhere)

    again = post_form(
        client,
        f"/reinitialisation/{raw}",
        {"new_password": "autre chose de très long", "confirm": "autre chose de très long"},
    )
    assert again.status_code == 404
    assert "n'est plus valable" in again.get_data(as_text=True)
    assert client.get(f"/reinitialisation/{raw}").status_code == 404

    fresh = app.test_client()
    assert login(fresh, "oublieuse@exemple.fr", DEFAULT_PASSWORD).status_code == 400
    assert login(fresh, "oublieuse@exemple.fr", new_password).status_code == 302


def test_pw_11_expired_or_forged_reset_link_is_refused(app: Flask, client: FlaskClient, db: Session) -> None:
    user = make_user(db, email="tardive@exemple.fr")
    raw = tokens.issue_token(db, user, "password_reset", app.config["PASSWORD_RESET_TTL_S"])
    (token,) = _tokens(db, user)
    token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.commit()
    assert client.get(f"/reinitialisation/{raw}").status_code == 404
    pw = "un nouveau mot de passe bien long"
    assert (
        post_form(client, f"/reinitialisation/{raw}", {"new_password": pw, "confirm": pw}).status_code == 404
    )
    assert client.get("/reinitialisation/invente").status_code == 404
    reload(db, user)
    assert login(app.test_client(), "tardive@exemple.fr", DEFAULT_PASSWORD).status_code == 302


def test_reset_applies_the_password_policy_and_keeps_the_link_usable(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    user = make_user(db, email="patiente@exemple.fr", first_name="Hortense", last_name="Vauquelin")
    raw = tokens.issue_token(db, user, "password_reset", app.config["PASSWORD_RESET_TTL_S"])
    db.commit()
    weak = "Hortense Vauquelin 1"
    response = post_form(client, f"/reinitialisation/{raw}", {"new_password": weak, "confirm": weak})
    assert response.status_code == 400
    assert "construit à partir de votre nom" in response.get_data(as_text=True)
    mismatch = post_form(
        client, f"/reinitialisation/{raw}", {"new_password": GOOD_PASSWORD, "confirm": "autre"}
    )
    assert mismatch.status_code == 400
    assert "pas identiques" in mismatch.get_data(as_text=True)
    ok = post_form(
        client, f"/reinitialisation/{raw}", {"new_password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
    )
    assert ok.status_code == 302


# --- Invitation --------------------------------------------------------------------------------


def test_invitation_lets_the_person_choose_a_password_and_consents_once(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    from app.services import accounts

    user, created = accounts.find_or_create_participant(
        db, " Invitee@Exemple.fr", "Anouk", "Ribeiro", "Tiers-lieu La Fabrique", "association", "Vosges"
    )
    assert created
    assert user.email == "invitee@exemple.fr"
    assert user.password_hash is None
    raw = tokens.issue_token(db, user, "invitation", app.config["INVITATION_TTL_S"])
    db.commit()
    same, created_again = accounts.find_or_create_participant(
        db, "invitee@exemple.fr", "X", "Y", "", "association", ""
    )
    assert same.id == user.id and not created_again

    page = client.get(f"/invitation/{raw}")
    assert page.status_code == 200
    assert "invitee@exemple.fr" in page.get_data(as_text=True)
    assert 'name="consent_directory"' in page.get_data(as_text=True)
    response = post_form(
        client,
        f"/invitation/{raw}",
        {"new_password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD, "consent_directory": "y"},
    )
    assert response.status_code == 302
    assert signed_in(client)
    reload(db, user)
    assert user.password_hash is not None
    consents = db.scalars(sa.select(Consent).where(Consent.user_id == user.id)).all()
    assert [c.purpose for c in consents] == ["directory"]

    assert client.get(f"/invitation/{raw}").status_code == 404
    assert login(app.test_client(), "invitee@exemple.fr", GOOD_PASSWORD).status_code == 302


# --- flask create-admin (PW-13) ----------------------------------------------------------------


def test_pw_13_no_default_account_the_first_admin_comes_from_create_admin(app: Flask, db: Session) -> None:
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    runner = app.test_cli_runner()

    short = runner.invoke(
        args=["create-admin", "--email", "chef@exemple.fr", "--password-stdin"], input="quatorze chars\n"
    )
    assert short.exit_code != 0
    assert "au moins 15 caractères" in short.output
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 0

    password = "la tour de guet veille sur Metz"
    result = runner.invoke(
        args=["create-admin", "--email", "Chef@Exemple.fr", "--password-stdin"], input=password + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "chef@exemple.fr" in result.output
    assert password not in result.output
    admin = user_by_email(db, "chef@exemple.fr")
    assert admin is not None and admin.role == "admin"
    assert admin.password_hash is not None and admin.password_hash.startswith("$argon2id$")

    prompted = runner.invoke(
        args=["create-admin", "--email", "seconde@exemple.fr"], input=f"{password} bis\n{password} bis\n"
    )
    assert prompted.exit_code == 0, prompted.output
    assert password not in prompted.output  # hidden prompt: nothing echoed

    duplicate = runner.invoke(
        args=["create-admin", "--email", "chef@exemple.fr", "--password-stdin"], input=password + "\n"
    )
    assert duplicate.exit_code == 1
    assert "existe déjà" in duplicate.output
    client = app.test_client()
    assert login(client, "chef@exemple.fr", password).status_code == 302
