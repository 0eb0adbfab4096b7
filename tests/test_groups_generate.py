"""The facilitator's grouping tool: generate for checked-in people, history of the programme,
move / lock / re-solve, late arrivals and absences, World Café rotations."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from itertools import combinations

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import AuditLog, GroupMember, PeerGroup, Registration, Round
from app.services import grouping
from tests.conftest import post_form
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
    team,
    text,
    token,
)


def test_generate_groups_only_the_people_checked_in_within_the_sizes(
    client: FlaskClient, db: Session
) -> None:
    facilitator, workshop = team(db, capacity=40)
    present = people(db, workshop, 14, per_organisation=2)  # 7 organisations of 2 people
    waiting = people(db, workshop, 3, attendance="unknown")
    absent = people(db, workshop, 1, attendance="absent")
    sign_in(client, facilitator)

    page = client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes")
    assert page.status_code == 200
    assert "Former les sous-groupes" in text(page)
    # The workshop is two weeks away: the counts are not « today's ».
    assert "Présences notées : 14 sur 18 inscriptions confirmées." in text(page)
    assert "Aujourd'hui" not in text(page)
    # One pair of brackets only: « (obligatoire) » after the label.
    label = 'Temps de calcul maximal, en secondes</label> <span class="required">(obligatoire)</span>'
    assert label in text(page)

    response = generate(client, db, workshop, min_size=4, max_size=5)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/gestion/ateliers/{workshop.id}/sous-groupes#resultat")
    [groups] = plan(db, workshop)
    placed = set().union(*groups)
    assert placed == {user.id for user in present}
    assert not placed & {user.id for user in waiting + absent}
    assert all(4 <= len(group) <= 5 for group in groups)
    organisation = {user.id: user.organisation for user in present}
    for group in groups:
        assert len({organisation[user_id] for user_id in group}) == len(group), "two of one organisation"
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert "Aucun binôme déjà rencontré" in page
    assert "aucun binôme de même organisation" in page
    assert "Brouillon, visible par l'équipe seulement" in page
    assert present[0].full_name in page
    fresh(db)
    rounds = db.scalars(sa.select(Round).where(Round.workshop_id == workshop.id)).all()
    assert [r.status for r in rounds] == ["draft"]
    assert rounds[0].settings["criteria"]["who"] == "present"
    assert rounds[0].settings["elapsed_s"] <= 1.5, "the engine keeps to the chosen time (1 s)"
    assert (
        db.scalar(
            sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "groups.generate")
        )
        == 1
    )


def test_all_confirmed_people_or_a_number_of_groups(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db, capacity=40)
    expected = people(db, workshop, 6) + people(db, workshop, 6, attendance="unknown")
    absent = people(db, workshop, 1, attendance="absent")
    sign_in(client, facilitator)

    response = generate(client, db, workshop, who="confirmed", sizing="count", group_count=4, **FAST)

    assert response.status_code == 302
    [groups] = plan(db, workshop)
    assert set().union(*groups) == {user.id for user in expected}, "everyone expected, nobody marked absent"
    assert absent[0].id not in set().union(*groups)
    assert len(groups) == 4
    assert sorted(len(group) for group in groups) == [3, 3, 3, 3]


def test_nobody_checked_in_is_said_plainly_with_the_choices_kept(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db)
    people(db, workshop, 5, attendance="unknown")
    sign_in(client, facilitator)

    response = generate(client, db, workshop, rounds=2, max_size=7)

    assert response.status_code == 400
    page = text(response)
    assert "Aucune personne n'est pointée présente" in page
    assert 'name="max_size" type="number" value="7"' in page, "the typed size is kept"
    assert 'id="who-erreur"' in page, "the error sits next to the choice of people"
    assert plan(db, workshop) == []


def test_invalid_criteria_are_refused_field_by_field(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db)
    people(db, workshop, 8)
    sign_in(client, facilitator)

    response = generate(client, db, workshop, rounds=9, time_limit_s=30, min_size=6, max_size=3)

    assert response.status_code == 400
    page = text(response)
    assert page.count('aria-invalid="true"') >= 2
    assert plan(db, workshop) == []


def test_history_of_published_rounds_of_the_programme_is_avoided(client: FlaskClient, db: Session) -> None:
    facilitator, later = team(db, capacity=20, title="Deuxième atelier")
    programme = later.programme
    earlier = make_workshop(
        db,
        programme,
        title="Premier atelier",
        starts_at=later.starts_at - dt.timedelta(days=30),
        ends_at=later.starts_at - dt.timedelta(days=30) + dt.timedelta(hours=3),
    )
    everyone = [make_user(db, actor_profile="association", territory="Moselle") for _ in range(9)]
    for user in everyone:
        seat(db, earlier, user)
        seat(db, later, user)
    sign_in(client, facilitator)
    # The first workshop: three groups of three, published.
    assert generate(client, db, earlier, min_size=3, max_size=3, **FAST).status_code == 302
    assert (
        post_form(
            client, f"/gestion/ateliers/{earlier.id}/sous-groupes/publier", {"version": token(db, earlier)}
        ).status_code
        == 302
    )
    [met] = plan(db, earlier)

    response = generate(client, db, later, min_size=3, max_size=3, **FAST)

    assert response.status_code == 302
    [groups] = plan(db, later)
    for group in groups:
        for first, second in combinations(group, 2):
            assert not any({first, second} <= old for old in met), "a pair of the first workshop met again"
    page = text(client.get(f"/gestion/ateliers/{later.id}/sous-groupes"))
    assert "Aucun binôme déjà rencontré" in page


def test_history_counts_only_published_rounds_of_earlier_workshops_of_the_programme(db: Session) -> None:
    _facilitator, third = team(db)
    programme = third.programme
    start = third.starts_at
    first = make_workshop(
        db, programme, starts_at=start - dt.timedelta(days=60), ends_at=start - dt.timedelta(days=59)
    )
    second = make_workshop(
        db, programme, starts_at=start - dt.timedelta(days=30), ends_at=start - dt.timedelta(days=29)
    )
    _other_facilitator, elsewhere = team(
        db, starts_at=start - dt.timedelta(days=10), ends_at=start - dt.timedelta(days=9)
    )
    a, b, c = (make_user(db) for _ in range(3))

    def published_group(
        workshop_id: int, members: list[int], status: str = "published", number: int = 1
    ) -> None:
        regs = {}
        for user_id in members:
            reg = db.scalar(
                sa.select(Registration).where(
                    Registration.workshop_id == workshop_id, Registration.user_id == user_id
                )
            )
            if reg is None:
                reg = Registration(workshop_id=workshop_id, user_id=user_id, status="confirmed")
                db.add(reg)
                db.flush()
            regs[user_id] = reg.id
        round_ = Round(workshop_id=workshop_id, number=number, status=status)
        group = PeerGroup(position=1)
        group.members.extend(GroupMember(user_id=u, registration_id=regs[u]) for u in members)
        round_.groups.append(group)
        db.add(round_)
        db.commit()

    published_group(first.id, [a.id, b.id], number=1)
    published_group(first.id, [a.id, b.id, c.id], number=2)
    published_group(second.id, [b.id, c.id])
    published_group(second.id, [a.id, c.id], status="draft", number=2)  # not published: not met
    published_group(elsewhere.id, [a.id, c.id])  # another programme

    history = grouping.programme_history(db, third)

    by_pair: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for m in history:
        by_pair.setdefault((m.a, m.b), []).append((m.times, m.ago))
    assert sorted(by_pair[(str(a.id), str(b.id))]) == [(2, 2)]
    assert sorted(by_pair[(str(a.id), str(c.id))]) == [(1, 2)]
    assert sorted(by_pair[(str(b.id), str(c.id))]) == [(1, 1), (1, 2)]


def test_move_with_the_select_locks_the_person_and_resolve_keeps_locks(
    client: FlaskClient, db: Session
) -> None:
    facilitator, workshop = team(db, capacity=30)
    everyone = people(db, workshop, 12)
    sign_in(client, facilitator)
    assert generate(client, db, workshop, min_size=4, max_size=4).status_code == 302
    groups = groups_of(db, workshop)
    mover = member_of(
        db, workshop, next(u for u in everyone if u.id in {m.user_id for m in groups[0].members})
    )
    target = groups[1]

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/sous-groupes/deplacer",
        {"member_id": mover.id, "group_id": target.id, "version": round_token(db, target.round_id)},
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#groupe-{target.id}")
    moved = member_of(db, workshop, mover.user)
    assert moved.group_id == target.id and moved.locked
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert "a rejoint le sous-groupe 2" in page
    assert "3 à 5 personnes par groupe" in page, "the summary follows the move"
    assert "4 personnes pour une taille prévue de 4 à 4" not in page

    # Lock the third group, then compute the rest again.
    third = groups_of(db, workshop)[2]
    kept = {m.user_id for m in third.members}
    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/sous-groupes/verrou",
        {"group_id": third.id, "locked": "1", "version": round_token(db, third.round_id)},
    )
    assert response.status_code == 302
    response = post_form(
        client, f"/gestion/ateliers/{workshop.id}/sous-groupes/recalculer", {"version": token(db, workshop)}
    )

    assert response.status_code == 302
    after = groups_of(db, workshop)
    assert {m.user_id for m in after[2].members} == kept
    assert member_of(db, workshop, mover.user).group_id == target.id
    assert sum(len(g.members) for g in after) == 12


def test_moving_into_a_locked_group_is_refused(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db)
    people(db, workshop, 8)
    sign_in(client, facilitator)
    generate(client, db, workshop, min_size=4, max_size=4, **FAST)
    first, second = groups_of(db, workshop)
    post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/sous-groupes/verrou",
        {"group_id": second.id, "locked": "1", "version": round_token(db, second.round_id)},
    )
    mover = first.members[0]

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/sous-groupes/deplacer",
        {"member_id": mover.id, "group_id": second.id, "version": round_token(db, second.round_id)},
    )

    assert response.status_code == 400
    assert "est verrouillé" in text(response)
    assert member_of(db, workshop, mover.user).group_id == first.id


def test_swap_two_people(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db)
    people(db, workshop, 8)
    sign_in(client, facilitator)
    generate(client, db, workshop, min_size=4, max_size=4, **FAST)
    first, second = groups_of(db, workshop)
    a, b = first.members[0], second.members[0]

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/sous-groupes/echanger",
        {"first": a.id, "second": b.id, "version": round_token(db, first.round_id)},
    )

    assert response.status_code == 302
    assert member_of(db, workshop, a.user).group_id == second.id
    assert member_of(db, workshop, b.user).group_id == first.id


def changed_groups(before: list[set[int]], after: list[set[int]]) -> int:
    return sum(1 for old, new in zip(before, after, strict=True) if old != new)


def test_late_arrival_and_absence_are_repaired_with_few_moves(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db, capacity=30)
    everyone = people(db, workshop, 12)
    sign_in(client, facilitator)
    assert generate(client, db, workshop, min_size=3, max_size=5).status_code == 302
    [before] = plan(db, workshop)
    assert len(before) == 3 and all(3 <= len(group) <= 5 for group in before)

    # Someone arrives late: checked in after the groups were formed.
    late = people(db, workshop, 1, attendance="present", first_name="Retardataire")[0]
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert "1 personne attendue n'a pas de sous-groupe" in page
    assert late.full_name in page

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/sous-groupes/mettre-a-jour",
        {"version": token(db, workshop)},
    )

    assert response.status_code == 302
    [after] = plan(db, workshop)
    assert late.id in set().union(*after)
    assert changed_groups(before, after) == 1
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert "Arrivées ajoutées : 1 ; personnes retirées : 0" in page

    # Someone of the largest group leaves (marked absent at check-in): no group falls below 3.
    largest = max(after, key=len)
    gone = next(user for user in everyone if user.id in largest)
    fresh(db)
    registration = db.scalar(sa.select(Registration).where(Registration.user_id == gone.id))
    assert registration is not None
    registration.attendance = "absent"
    db.commit()
    assert "Absence notée" in text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/sous-groupes/mettre-a-jour",
        {"version": token(db, workshop)},
    )

    assert response.status_code == 302
    [final] = plan(db, workshop)
    assert gone.id not in set().union(*final)
    assert changed_groups(after, final) == 1


def test_update_with_nothing_new_changes_nothing(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db)
    people(db, workshop, 8)
    sign_in(client, facilitator)
    generate(client, db, workshop, min_size=4, max_size=4, **FAST)
    before = plan(db, workshop)

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/sous-groupes/mettre-a-jour",
        {"version": token(db, workshop)},
    )

    assert response.status_code == 302
    assert plan(db, workshop) == before
    assert "Aucune arrivée ni absence" in text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))


def test_world_cafe_plans_three_rotations_without_meeting_twice(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db, format="world_cafe", capacity=30)
    people(db, workshop, 16)
    sign_in(client, facilitator)
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert 'id="rounds" name="rounds" required type="number" value="3"' in page or 'value="3"' in page

    response = generate(client, db, workshop, rounds=3, min_size=4, max_size=5, **FAST)

    assert response.status_code == 302
    rounds = plan(db, workshop)
    assert len(rounds) == 3
    seen: set[frozenset[int]] = set()
    for groups in rounds:
        assert sorted(map(len, groups)) == [4, 4, 4, 4]
        for group in groups:
            for pair in combinations(sorted(group), 2):
                assert frozenset(pair) not in seen, "two people met twice"
                seen.add(frozenset(pair))
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert "Rotation 3" in page and "Aucun binôme déjà rencontré" in page


def test_person_locked_in_one_rotation_only_stays_there(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db, format="world_cafe", capacity=30)
    people(db, workshop, 12)
    sign_in(client, facilitator)
    generate(client, db, workshop, rounds=2, min_size=4, max_size=4, **FAST)
    first_round = groups_of(db, workshop, 1)
    member = first_round[0].members[0]
    post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/sous-groupes/deplacer",
        {"member_id": member.id, "group_id": first_round[2].id, "version": round_token(db, member.round_id)},
    )

    response = post_form(
        client, f"/gestion/ateliers/{workshop.id}/sous-groupes/recalculer", {"version": token(db, workshop)}
    )

    assert response.status_code == 302
    assert member_of(db, workshop, member.user, 1).group_id == first_round[2].id
    rounds = plan(db, workshop)
    assert all(sum(map(len, groups)) == 12 for groups in rounds)


def test_an_organisation_larger_than_the_groups_is_said_plainly(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db)
    people(db, workshop, 5, organisation="Ville de Metz")
    people(db, workshop, 3)
    sign_in(client, facilitator)

    response = generate(client, db, workshop, min_size=4, max_size=4, **FAST)

    assert response.status_code == 302
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert "L'organisation « Ville de Metz » compte 5 personnes pour 2 groupes" in page
    assert "binômes de même organisation" in page
    assert "Même organisation que" in page

    # The plan stores the notice as a code: an English reader gets it in English.
    post_form(client, "/langue", {"language": "en", "next": "/"})
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert "« Ville de Metz » has 5 people for 2 groups" in page


def test_nobody_left_alone_with_their_profile_when_asked(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db, capacity=40)
    # Twelve people, three profiles of four: mixing alone puts one of each profile per group.
    crowd = [
        user
        for profile in ("local_authority", "association", "company")
        for user in people(db, workshop, 4, actor_profile=profile)
    ]
    sign_in(client, facilitator)

    # The engine keeps a share of its budget (5 %) for this rule once the mix is formed: with one
    # second, that share (about 50 ms) can run out on a busy machine before every group is 2 + 2.
    generate(client, db, workshop, min_size=4, max_size=4, keep_profiles_company="y", time_limit_s=5)

    [groups] = plan(db, workshop)
    profile = {user.id: user.actor_profile for user in crowd}
    for group in groups:
        counts = Counter(profile[user_id] for user_id in group)
        assert min(counts.values()) >= 2, counts
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert "aucune personne seule de son profil" in page
    fresh(db)
    [round_] = db.scalars(sa.select(Round).where(Round.workshop_id == workshop.id)).all()
    assert round_.settings["criteria"]["keep_profiles_company"] is True


def test_without_the_option_the_summary_does_not_count_people_alone(client: FlaskClient, db: Session) -> None:
    facilitator, workshop = team(db, capacity=40)
    people(db, workshop, 12)
    sign_in(client, facilitator)
    generate(client, db, workshop, min_size=4, max_size=4)
    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))
    assert "aucune personne seule de son profil" not in page and "seules de leur profil" not in page


def test_the_check_in_count_says_today_only_on_the_workshop_day(client: FlaskClient, db: Session) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    facilitator, workshop = team(db, starts_at=now, ends_at=now + dt.timedelta(hours=3))
    people(db, workshop, 2)
    people(db, workshop, 1, attendance="unknown")
    sign_in(client, facilitator)

    page = text(client.get(f"/gestion/ateliers/{workshop.id}/sous-groupes"))

    assert "Aujourd'hui : 2 personnes pointées présentes sur 3 inscriptions confirmées." in page
    assert "Présences notées" not in page
