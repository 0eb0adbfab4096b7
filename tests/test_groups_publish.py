"""Publication and what participants see: their own group only, after publication, shaped by the
workshop's attribution mode; roles and table names."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.domain import ACTOR_PROFILES
from app.models import AuditLog, Registration, Round, User, Workshop
from tests.conftest import post_form
from tests.factories import make_user
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


def published_workshop(
    client: FlaskClient, db: Session, mode: str = "named", **fields: object
) -> tuple[User, Workshop, list[User]]:
    """Eight people in two groups of four, with distinctive organisations; not yet published."""
    facilitator, workshop = team(db, attribution_mode=mode, **fields)
    everyone = people(db, workshop, 8)
    for registration in db.scalars(sa.select(Registration).where(Registration.workshop_id == workshop.id)):
        registration.organisation = f"Structure {registration.user.last_name}"
    db.commit()
    sign_in(client, facilitator)
    assert generate(client, db, workshop, min_size=4, max_size=4, **FAST).status_code == 302
    return facilitator, workshop, everyone


def publish(client: FlaskClient, db: Session, workshop: Workshop, round_id: int | None = None) -> None:
    data: dict[str, object] = {"version": round_token(db, round_id) if round_id else token(db, workshop)}
    if round_id:
        data["round_id"] = round_id
    response = post_form(client, f"/gestion/ateliers/{workshop.id}/sous-groupes/publier", data)
    assert response.status_code == 302


def split(db: Session, workshop: Workshop, everyone: list[User]) -> tuple[User, list[User], list[User]]:
    """A participant, the others of their group, and the people of the other group."""
    first, second = groups_of(db, workshop)
    mine = {m.user_id for m in first.members}
    person = next(u for u in everyone if u.id in mine)
    peers = [u for u in everyone if u.id in mine and u.id != person.id]
    others = [u for u in everyone if u.id in {m.user_id for m in second.members}]
    return person, peers, others


def test_participants_see_nothing_before_publication(client: FlaskClient, db: Session) -> None:
    _facilitator, workshop, everyone = published_workshop(client, db)
    person, peers, others = split(db, workshop, everyone)
    sign_out(client)
    sign_in(client, person)

    page = client.get(f"/ateliers/{workshop.id}/mon-sous-groupe")

    assert page.status_code == 200
    body = text(page)
    assert "Les sous-groupes ne sont pas encore publiés" in body
    assert not any(user.last_name in body for user in peers + others)
    assert f"/ateliers/{workshop.id}/mon-sous-groupe" not in text(client.get("/mes-ateliers"))
    assert f"/ateliers/{workshop.id}/mon-sous-groupe" not in text(client.get(f"/ateliers/{workshop.id}"))


def test_after_publication_a_participant_sees_their_own_group_only(client: FlaskClient, db: Session) -> None:
    facilitator, workshop, everyone = published_workshop(client, db, mode="named")
    publish(client, db, workshop)
    person, peers, others = split(db, workshop, everyone)
    sign_out(client)
    sign_in(client, person)

    body = text(client.get(f"/ateliers/{workshop.id}/mon-sous-groupe"))

    assert "Sous-groupe 1" in body
    for peer in peers:
        assert peer.full_name in body and f"Structure {peer.last_name}" in body
    for other in others:
        assert other.last_name not in body, "a member of another group is shown"
    # The links from the participant's pages appear once published.
    assert f"/ateliers/{workshop.id}/mon-sous-groupe" in text(client.get("/mes-ateliers"))
    assert f"/ateliers/{workshop.id}/mon-sous-groupe" in text(client.get(f"/ateliers/{workshop.id}"))
    fresh(db)
    assert (
        db.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "groups.publish"))
        == 1
    )
    del facilitator


def test_by_profile_mode_shows_profiles_but_no_names_nor_organisations(
    client: FlaskClient, db: Session
) -> None:
    _facilitator, workshop, everyone = published_workshop(client, db, mode="by_profile")
    publish(client, db, workshop)
    person, peers, others = split(db, workshop, everyone)
    sign_out(client)
    sign_in(client, person)

    body = text(client.get(f"/ateliers/{workshop.id}/mon-sous-groupe"))

    assert "sans leur nom ni leur organisation" in body
    # The grouping ignores profiles here, so the group's profiles are whatever it drew.
    for peer in peers:
        assert str(ACTOR_PROFILES[peer.actor_profile]) in body
    for user in peers + others:
        assert user.last_name not in body
        assert f"Structure {user.last_name}" not in body


def test_anonymous_mode_shows_only_the_size_and_the_profile_mix(client: FlaskClient, db: Session) -> None:
    _facilitator, workshop, everyone = published_workshop(client, db, mode="anonymous")
    publish(client, db, workshop)
    person, peers, others = split(db, workshop, everyone)
    sign_out(client)
    sign_in(client, person)

    body = text(client.get(f"/ateliers/{workshop.id}/mon-sous-groupe"))

    assert "reste anonyme" in body
    assert "Profils d'acteurs du sous-groupe" in body
    assert "<dd>4</dd>" in client.get(f"/ateliers/{workshop.id}/mon-sous-groupe").get_data(as_text=True)
    for user in peers + others:
        assert user.last_name not in body


def test_one_round_published_at_a_time(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db, format="world_cafe", attribution_mode="named", capacity=30)
    everyone = people(db, workshop, 8)
    sign_in(client, facilitator)
    generate(client, db, workshop, rounds=2, min_size=4, max_size=4, **FAST)
    fresh(db)
    first, second = db.scalars(
        sa.select(Round).where(Round.workshop_id == workshop.id).order_by(Round.number)
    )
    publish(client, db, workshop, first.id)
    person = everyone[0]
    sign_out(client)
    sign_in(client, person)

    body = text(client.get(f"/ateliers/{workshop.id}/mon-sous-groupe"))

    assert "Rotation 1" in body and "Rotation 2" not in body
    sign_out(client)
    sign_in(client, facilitator)
    publish(client, db, workshop, second.id)
    sign_out(client)
    sign_in(client, person)
    body = text(client.get(f"/ateliers/{workshop.id}/mon-sous-groupe"))
    assert "Rotation 1" in body and "Rotation 2" in body
    del first, second


def test_unpublish_hides_the_groups_until_the_workshop_ends(client: FlaskClient, db: Session) -> None:
    _facilitator, workshop, everyone = published_workshop(client, db)
    publish(client, db, workshop)

    response = post_form(
        client, f"/gestion/ateliers/{workshop.id}/sous-groupes/retirer", {"version": token(db, workshop)}
    )

    assert response.status_code == 302
    fresh(db)
    assert {r.status for r in db.scalars(sa.select(Round).where(Round.workshop_id == workshop.id))} == {
        "draft"
    }
    sign_out(client)
    sign_in(client, everyone[0])
    assert "pas encore publiés" in text(client.get(f"/ateliers/{workshop.id}/mon-sous-groupe"))


def test_unpublish_is_refused_once_the_workshop_has_ended(client: FlaskClient, db: Session) -> None:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=2)
    _facilitator, workshop, _everyone = published_workshop(
        client, db, starts_at=start, ends_at=start + dt.timedelta(hours=3)
    )
    publish(client, db, workshop)

    response = post_form(
        client, f"/gestion/ateliers/{workshop.id}/sous-groupes/retirer", {"version": token(db, workshop)}
    )

    assert response.status_code == 400
    assert "L'atelier est terminé" in text(response)
    fresh(db)
    assert {r.status for r in db.scalars(sa.select(Round).where(Round.workshop_id == workshop.id))} == {
        "published"
    }


def generate_form(page: str, workshop: Workshop) -> str:
    """The opening tag of the criteria form (« Générer »)."""
    action = f"/gestion/ateliers/{workshop.id}/sous-groupes/generer"
    found = re.search(rf'<form method="post" action="{action}"[^>]*>', page)
    assert found is not None
    return found.group(0)


def test_generating_again_over_a_draft_asks_first(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db)
    people(db, workshop, 8)
    sign_in(client, facilitator)
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert "data-confirm" not in generate_form(page, workshop)  # nothing to lose yet

    assert generate(client, db, workshop, min_size=4, max_size=4, **FAST).status_code == 302
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert (
        'data-confirm="Générer à nouveau remplace le brouillon actuel, y compris les déplacements faits '
        'à la main, les rôles et les noms de table. Continuer ?"'
    ) in generate_form(page, workshop)
    assert ">Générer à nouveau</button>" in page


def test_generating_again_is_refused_while_published(client: FlaskClient, db: Session) -> None:
    _facilitator, workshop, _everyone = published_workshop(client, db)
    publish(client, db, workshop)

    # The page says why instead of offering a button that would be refused.
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert "Les sous-groupes sont publiés : retirez la publication pour générer de nouveau." in page
    form_html = page[page.index(generate_form(page, workshop)) :]
    form_html = form_html[: form_html.index("</form>")]
    assert "<button" not in form_html and "data-confirm" not in generate_form(page, workshop)
    assert "Afficher les critères (générer à nouveau)" not in page

    response = generate(client, db, workshop, min_size=4, max_size=4, **FAST)

    assert response.status_code == 400
    assert "retirez d'abord la publication" in text(response)


def test_roles_and_table_names(client: FlaskClient, db: Session) -> None:
    _facilitator, workshop, everyone = published_workshop(client, db)
    first, second = groups_of(db, workshop)
    a, b = first.members[0], first.members[1]
    url = f"/gestion/ateliers/{workshop.id}/sous-groupes/roles"

    response = post_form(
        client,
        url,
        {
            "group_id": first.id,
            "table_name": "Les tilleuls",
            "rapporteur": a.id,
            "timekeeper": b.id,
            "table_host": "",
            "version": round_token(db, first.round_id),
        },
    )

    assert response.status_code == 302
    assert member_of(db, workshop, a.user).role == "rapporteur"
    assert member_of(db, workshop, b.user).role == "timekeeper"
    assert groups_of(db, workshop)[0].table_name == "Les tilleuls"
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert "Sous-groupe 1 – table « Les tilleuls »" in page

    # One person cannot hold two roles: refused, the typed table name comes back.
    response = post_form(
        client,
        url,
        {
            "group_id": first.id,
            "table_name": "Le grand chêne",
            "rapporteur": a.id,
            "timekeeper": a.id,
            "version": round_token(db, first.round_id),
        },
    )
    assert response.status_code == 400
    assert "ne peut pas tenir deux rôles" in text(response)
    assert 'value="Le grand chêne"' in text(response)
    assert groups_of(db, workshop)[0].table_name == "Les tilleuls"

    # Someone of another group cannot be given a role here.
    response = post_form(
        client,
        url,
        {
            "group_id": first.id,
            "rapporteur": second.members[0].id,
            "version": round_token(db, first.round_id),
        },
    )
    assert response.status_code == 400
    assert member_of(db, workshop, second.members[0].user).role == "member"

    # The participant sees their role and the table's name once published.
    publish(client, db, workshop)
    sign_out(client)
    sign_in(client, a.user)
    body = text(client.get(f"/ateliers/{workshop.id}/mon-sous-groupe"))
    assert "table « Les tilleuls »" in body
    assert "Rapporteur ou rapporteuse" in body
    del everyone


def test_missing_roles_are_given_automatically(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db, format="world_cafe")
    people(db, workshop, 8)
    sign_in(client, facilitator)
    generate(client, db, workshop, rounds=1, min_size=4, max_size=4, **FAST)

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/sous-groupes/roles-manquants",
        {"version": token(db, workshop)},
    )

    assert response.status_code == 302
    for group in groups_of(db, workshop):
        roles = sorted(m.role for m in group.members)
        assert roles == ["member", "rapporteur", "table_host", "timekeeper"]


@pytest.mark.parametrize("mode", ["named"])
def test_a_participant_registered_elsewhere_gets_404(client: FlaskClient, db: Session, mode: str) -> None:
    _facilitator, workshop, _everyone = published_workshop(client, db, mode=mode)
    publish(client, db, workshop)
    _other_facilitator, elsewhere = team(db)
    stranger = make_user(db)
    seat(db, elsewhere, stranger)
    sign_out(client)
    sign_in(client, stranger)

    assert client.get(f"/ateliers/{workshop.id}/mon-sous-groupe").status_code == 404
    assert client.get("/ateliers/999999/mon-sous-groupe").status_code == 404


def test_a_draft_can_be_discarded_but_not_a_published_plan(client: FlaskClient, db: Session) -> None:
    _facilitator, workshop, _everyone = published_workshop(client, db)
    url = f"/gestion/ateliers/{workshop.id}/sous-groupes/effacer"
    publish(client, db, workshop)

    refused = post_form(client, url, {"version": token(db, workshop)})

    assert refused.status_code == 400
    assert len(plan(db, workshop)) == 1
    post_form(
        client, f"/gestion/ateliers/{workshop.id}/sous-groupes/retirer", {"version": token(db, workshop)}
    )
    response = post_form(client, url, {"version": token(db, workshop)})
    assert response.status_code == 302
    assert plan(db, workshop) == []
    assert "Former les sous-groupes" in text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
