"""Who may use the grouping tool (AC-01, AC-06), forged identifiers (AC-04), stale edits (REL-01)."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.policies import policy_of
from tests.conftest import csrf_token, post_form
from tests.factories import make_user, make_workshop
from tests.support.groups import (
    FAST,
    fresh,
    generate,
    groups_of,
    member_of,
    people,
    plan,
    round_token,
    seat,
    sign_in,
    sign_out,
    team,
    text,
    token,
)


def facilitator_rules(app: Flask) -> list[tuple[str, str]]:
    """(method, rule) of every back-office route of the groups blueprint."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("groups.") and rule.rule.startswith("/gestion/"):
            for method in ("GET", "POST"):
                if method in (rule.methods or set()):
                    found.append((method, rule.rule))
    return found


def test_ac_01_every_groups_route_declares_its_policy(app: Flask) -> None:
    endpoints = {
        rule.endpoint: rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("groups.")
    }

    assert len(endpoints) >= 14
    for endpoint, path in endpoints.items():
        expected = "facilitator" if path.startswith("/gestion/") else "signed_in"
        assert policy_of(app.view_functions[endpoint]) == expected, endpoint


def test_ac_06_facilitator_of_another_programme_gets_404_everywhere(
    app: Flask, client: FlaskClient, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    owner, workshop = team(db)
    people(db, workshop, 8)
    sign_in(client, owner)
    generate(client, db, workshop, min_size=4, max_size=4, **FAST)
    before = plan(db, workshop)
    member = groups_of(db, workshop)[0].members[0]
    outsider = make_user(db, role="facilitator")
    _, _their_workshop = team(db)
    sign_out(client)
    sign_in(client, outsider)
    data = {
        "csrf_token": csrf_token(client),
        "version": token(db, workshop),
        "member_id": member.id,
        "group_id": groups_of(db, workshop)[1].id,
        "locked": "1",
        "first": member.id,
        "second": member.id,
    }
    rules = facilitator_rules(app)
    assert len(rules) >= 13

    with caplog.at_level(logging.WARNING, logger="ateliers.security"):
        for method, rule in rules:
            url = rule.replace("<int:workshop_id>", str(workshop.id))
            response = client.get(url) if method == "GET" else client.post(url, data=data)
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"

    assert plan(db, workshop) == before
    assert "access denied" in caplog.text


def test_participants_and_visitors_cannot_use_the_tool(app: Flask, client: FlaskClient, db: Session) -> None:
    _owner, workshop = team(db)
    participant = make_user(db)
    seat(db, workshop, participant)
    rules = facilitator_rules(app)

    for method, rule in rules:
        url = rule.replace("<int:workshop_id>", str(workshop.id))
        response = client.get(url) if method == "GET" else post_form(client, url, {"version": "0"})
        assert response.status_code == 302 and "/connexion" in response.headers["Location"], url

    sign_in(client, participant)
    for method, rule in rules:
        url = rule.replace("<int:workshop_id>", str(workshop.id))
        response = client.get(url) if method == "GET" else post_form(client, url, {"version": "0"})
        assert response.status_code == 403, url
    assert plan(db, workshop) == []


def test_ac_04_a_member_of_another_workshop_cannot_be_moved_from_here(
    client: FlaskClient, db: Session
) -> None:
    facilitator, workshop = team(db)
    people(db, workshop, 8)
    other = make_user(db, role="facilitator")
    sign_in(client, facilitator)
    generate(client, db, workshop, min_size=4, max_size=4, **FAST)
    # A second workshop of the same facilitator: its ids must not be accepted on the first one.
    fresh(db)
    second = make_workshop(db, workshop.programme)
    people(db, second, 8)
    generate(client, db, second, min_size=4, max_size=4, **FAST)
    foreign = groups_of(db, second)[0].members[0]
    before = plan(db, second)

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/sous-groupes/deplacer",
        {
            "member_id": foreign.id,
            "group_id": groups_of(db, second)[1].id,
            "version": round_token(db, foreign.round_id),
        },
    )

    assert response.status_code == 404
    assert plan(db, second) == before
    del other


def test_rel_01_a_stale_move_answers_409_and_changes_nothing(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db)
    people(db, workshop, 8)
    sign_in(client, facilitator)
    generate(client, db, workshop, min_size=4, max_size=4, **FAST)
    first, second = groups_of(db, workshop)
    a, b = first.members[0], first.members[1]
    shown = round_token(db, first.round_id)  # the version both tabs were opened with
    url = f"/gestion/ateliers/{workshop.id}/sous-groupes/deplacer"

    assert (
        post_form(client, url, {"member_id": a.id, "group_id": second.id, "version": shown}).status_code
        == 302
    )
    response = post_form(client, url, {"member_id": b.id, "group_id": second.id, "version": shown})

    assert response.status_code == 409
    body = text(response)
    assert "modifiés entre-temps" in body and 'role="alert"' in body
    assert member_of(db, workshop, b.user).group_id == first.id
    assert round_token(db, first.round_id) in body, "the page carries the current version to try again"


def test_rel_01_a_stale_plan_action_answers_409(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db)
    people(db, workshop, 8)
    sign_in(client, facilitator)
    generate(client, db, workshop, min_size=4, max_size=4, **FAST)
    old = token(db, workshop)
    first = groups_of(db, workshop)[0]
    post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/sous-groupes/verrou",
        {"group_id": first.id, "locked": "1", "version": old},
    )

    for action in ("publier", "recalculer", "mettre-a-jour", "roles-manquants", "effacer"):
        response = post_form(
            client, f"/gestion/ateliers/{workshop.id}/sous-groupes/{action}", {"version": old}
        )
        assert response.status_code == 409, action
    response = generate(client, db, workshop, version=old, min_size=4, max_size=4, **FAST)
    assert response.status_code == 409
    assert len(plan(db, workshop)) == 1
