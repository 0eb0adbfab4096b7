"""The English catalogue stays complete, and the footer language switch works (French first)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.i18n import LANGUAGE_COOKIE
from app.models import User
from config import BASE_DIR
from tests.conftest import login, post_form
from tests.factories import DEFAULT_PASSWORD, make_user

EN_PO = BASE_DIR / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# Python-style placeholders (%(name)s, %(num)d), literal percents (%%) and str.format fields ({name}).
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdif]|%%|\{[A-Za-z_]\w*\}")
ONE_YEAR = 365 * 24 * 3600


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def _ids(catalog: Catalog) -> set[str]:
    """Comparable ids: the singular text (a plural entry is known by its singular)."""
    return {message.id[0] if isinstance(message.id, tuple) else message.id for message in _entries(catalog)}


def _pairs(message: Message) -> Iterable[tuple[str, str]]:
    """(source, translation) pairs: msgstr[0] goes with msgid, the other forms with msgid_plural."""
    if isinstance(message.id, tuple):
        singular, plural = message.id
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, form in enumerate(forms):
            yield (singular if index == 0 else plural), form or ""
    else:
        yield message.id, str(message.string or "")


def _label(message: Message) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
    return f"{message.id!r} ({where})"


# --- (a) the catalogue itself -------------------------------------------------------------------


def test_english_catalogue_has_a_translation_for_every_entry() -> None:
    catalog = _read(EN_PO)
    entries = _entries(catalog)
    assert len(entries) > 500, "the catalogue looks truncated"
    assert not catalog.fuzzy, "the catalogue header is marked fuzzy"
    empty = [_label(m) for m in entries if not all(text.strip() for _, text in _pairs(m))]
    fuzzy = [_label(m) for m in entries if m.fuzzy]
    assert not empty, f"untranslated entries in {EN_PO.name}: " + "; ".join(empty)
    assert not fuzzy, "fuzzy entries (check them, then remove the flag): " + "; ".join(fuzzy)


def test_english_translations_keep_every_placeholder() -> None:
    mismatched = []
    for message in _entries(_read(EN_PO)):
        for source, translation in _pairs(message):
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
                mismatched.append(f"{source!r} -> {translation!r}")
    assert not mismatched, "placeholders differ: " + "; ".join(mismatched)


def test_plural_entries_fill_both_english_forms() -> None:
    plurals = [m for m in _entries(_read(EN_PO)) if isinstance(m.id, tuple)]
    assert plurals, "no plural entry found: ngettext strings are no longer extracted?"
    for message in plurals:
        assert isinstance(message.string, tuple) and len(message.string) == 2, _label(message)
        assert message.string[0] != message.string[1], _label(message)


# --- (b) nothing in the code escapes the catalogue ---------------------------------------------


def test_every_extracted_string_is_in_the_english_catalogue(tmp_path: Path) -> None:
    """A new French string without an English translation fails here (run `make translations`)."""
    pot = tmp_path / "messages.pot"
    # Same command as the Makefile / README: babel.cfg maps app/**.py, templates/**.html and **.txt.
    mapping = str(BASE_DIR / "babel.cfg")
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", mapping, "-k", "_l", "-o", str(pot), str(BASE_DIR)]
    )
    extracted = _ids(_read(pot))
    assert len(extracted) > 500, "extraction found almost nothing: is babel.cfg still right?"
    missing = sorted(extracted - _ids(_read(EN_PO)))
    assert not missing, (
        "strings missing from the English catalogue (pybabel update, then translate): " + "; ".join(missing)
    )


# --- (c) through HTTP ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def compiled_translations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .po compiled afresh, so these tests check the catalogue itself, not a stale build output."""
    root = tmp_path_factory.mktemp("translations")
    target = root / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, _read(EN_PO))
    return root


@pytest.fixture
def app_overrides(compiled_translations: Path) -> dict[str, object]:
    """Serve the freshly compiled catalogue."""
    return {"BABEL_TRANSLATION_DIRECTORIES": str(compiled_translations)}


def _page(client: FlaskClient, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _switch(client: FlaskClient, language: str, next_url: str = "/") -> str:
    """Press the footer switch; return where it redirects."""
    response = post_form(client, "/langue", {"language": language, "next": next_url})
    assert response.status_code == 302
    return str(response.headers["Location"])


def _assert_french(page: str) -> None:
    assert '<html lang="fr">' in page
    assert ">Parcours</a>" in page
    assert "English version" in page
    assert ">Programmes</a>" not in page


def _assert_english(page: str) -> None:
    assert '<html lang="en">' in page
    assert ">Programmes</a>" in page
    assert "Version française" in page
    assert ">Parcours</a>" not in page


def test_pages_are_in_french_by_default(client: FlaskClient) -> None:
    page = _page(client)

    _assert_french(page)
    assert "Ateliers de partage entre pairs" in page
    assert client.get_cookie(LANGUAGE_COOKIE) is None


def test_footer_switch_turns_the_interface_english_and_back(client: FlaskClient) -> None:
    assert _switch(client, "en", next_url="/parcours").endswith("/parcours")

    programmes = _page(client, "/parcours")
    _assert_english(programmes)
    assert "Each programme brings together several peer-sharing workshops" in programmes
    home = _page(client)
    _assert_english(home)
    assert "Peer-sharing workshops" in home
    assert "Skip to content" in home
    assert "Accessibility" in home and "Personal data" in home
    # Forms too: lazy labels and validation messages follow the request's language.
    login_page = post_form(client, "/connexion", {"email": "", "password": ""}).get_data(as_text=True)
    assert "This field is required." in login_page
    assert "Ce champ est obligatoire." not in login_page

    assert _switch(client, "fr").endswith("/")
    _assert_french(_page(client))
    cookie = client.get_cookie(LANGUAGE_COOKIE)
    assert cookie is not None and cookie.value == "fr"


def test_the_choice_is_remembered_by_a_lasting_cookie(client: FlaskClient) -> None:
    response = post_form(client, "/langue", {"language": "en"})

    headers = response.headers.getlist("Set-Cookie")
    set_cookie = next(h for h in headers if h.startswith(f"{LANGUAGE_COOKIE}="))
    assert set_cookie.startswith(f"{LANGUAGE_COOKIE}=en;")
    max_age = re.search(r"Max-Age=(\d+)", set_cookie)
    assert max_age and int(max_age.group(1)) >= ONE_YEAR - 60, "the language cookie must outlive the session"
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    # The cookie alone (say, after the browser was closed: no session any more) brings English back.
    client.delete_cookie("session")
    _assert_english(_page(client, "/accessibilite"))


def test_an_unknown_language_falls_back_to_french(client: FlaskClient) -> None:
    _switch(client, "en")
    _switch(client, "de")

    _assert_french(_page(client))
    cookie = client.get_cookie(LANGUAGE_COOKIE)
    assert cookie is not None and cookie.value == "fr"


def _stored_locale(db: Session, user_id: int) -> str:
    db.rollback()  # end the test's read transaction so the request's commit is visible
    return str(db.execute(sa.select(User.locale).where(User.id == user_id)).scalar_one())


def test_a_signed_in_persons_choice_is_stored_on_the_account(client: FlaskClient, db: Session) -> None:
    person = make_user(db, email="lea.bernard@exemple.fr")
    assert person.locale == "fr"
    login(client, "lea.bernard@exemple.fr", DEFAULT_PASSWORD)

    _switch(client, "en")

    assert _stored_locale(db, person.id) == "en"
    # Another browser, with no language cookie: the account's choice applies as soon as she signs in.
    elsewhere = client.application.test_client()
    _assert_french(_page(elsewhere))
    assert login(elsewhere, "lea.bernard@exemple.fr", DEFAULT_PASSWORD).status_code == 302
    page = _page(elsewhere, "/mes-ateliers")
    _assert_english(page)
    assert "You are not registered for any upcoming workshop." in page

    _switch(elsewhere, "fr")
    assert _stored_locale(db, person.id) == "fr"


def test_the_sign_in_message_is_already_in_the_accounts_language(client: FlaskClient, db: Session) -> None:
    make_user(db, email="sami.haddad@exemple.fr", locale="en")

    response = login(client, "sami.haddad@exemple.fr", DEFAULT_PASSWORD)

    page = _page(client, response.headers["Location"])
    _assert_english(page)
    assert "You are signed in." in page
