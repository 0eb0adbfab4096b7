"""The app starts on both engines and serves the public pages."""

from flask.testing import FlaskClient


def test_home_page_answers(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.get_data(as_text=True)
