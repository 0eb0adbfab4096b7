"""HD-08: no personal data left in browser storage after logout.

The note space keeps unsent drafts in localStorage (notes.js); signing out answers with
`Clear-Site-Data: "storage"` so that the browser empties it, whichever page the person signs out
from. Signing in must NOT clear it: a draft kept through an expired session is given back after the
person signs in again. The browser side is checked in tests/e2e/test_notes_journey.py.
"""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import login, post_form
from tests.factories import DEFAULT_PASSWORD
from tests.support.notes import room


def test_hd_08_logout_clears_site_storage_but_sign_in_keeps_it(client: FlaskClient, db: Session) -> None:
    r = room(db, groups=1, size=2)
    r.alice.email = "brouillon@exemple.fr"
    db.commit()

    # Signing in keeps storage: a draft kept through an expired session comes back afterwards.
    signed_in = login(client, "brouillon@exemple.fr", DEFAULT_PASSWORD)
    assert signed_in.status_code == 302
    assert "Clear-Site-Data" not in signed_in.headers
    space = client.get(f"/notes/sous-groupes/{r.groups[0].id}")
    assert space.status_code == 200 and "Clear-Site-Data" not in space.headers

    response = post_form(client, "/deconnexion")

    assert response.status_code == 302
    assert response.headers.get("Clear-Site-Data") == '"storage"'
    # Cookies are left alone: the flash message after the redirect still reaches the person.
    assert "cookies" not in response.headers["Clear-Site-Data"]


def test_hd_08_logout_when_already_signed_out_clears_storage_too(client: FlaskClient) -> None:
    # A session that expired while a draft was kept: the sign-out button still empties storage.
    response = post_form(client, "/deconnexion")

    assert response.status_code == 302
    assert response.headers.get("Clear-Site-Data") == '"storage"'
