"""The grouping engine alone: hard rules always held, infeasibility reported, determinism, budget."""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from app.grouping import (
    LockedGroup,
    Meeting,
    Person,
    Problem,
    ProblemError,
    Solution,
    Weights,
    problem_from_json,
    solve,
)

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ["local_authority", "association", "company", "academic", "foundation", "citizen"]


def workshop_people(n: int, seed: int = 0, organisations: int = 40) -> list[Person]:
    """A workshop-like crowd: skewed profiles, a few territories, organisations of several people."""
    rng = random.Random(seed)
    shares = [30, 25, 15, 12, 10, 8]
    return [
        Person(
            f"p{i}",
            organisation=f"Org {rng.randrange(organisations)}",
            profile=rng.choices(PROFILES, weights=shares)[0],
            territory=rng.choice(["Moselle", "Marne", "Aube", "Vosges", "Bas-Rhin"]),
        )
        for i in range(n)
    ]


def members_by_round(solution: Solution) -> list[list[set[str]]]:
    """Each round's groups as sets of ids."""
    return [[set(group) for group in groups] for groups in solution.rounds]


def test_sizes_stay_within_bounds_and_everyone_is_placed_once() -> None:
    people = workshop_people(47)
    solution = solve(Problem(people=people, bounds=[(4, 6)] * 9, rounds=2, time_limit_s=1.0))
    for groups in solution.rounds:
        assert sorted(pid for group in groups for pid in group) == sorted(p.id for p in people)
        assert all(4 <= len(group) <= 6 for group in groups)
    assert solution.hard_violations == 0 and solution.feasible


def test_explicit_sizes_and_per_group_bounds_are_respected() -> None:
    people = workshop_people(20, seed=2)
    exact = solve(Problem(people=people, bounds=[(5, 5), (7, 7), (8, 8)], time_limit_s=0.5))
    assert [len(group) for group in exact.rounds[0]] == [5, 7, 8]
    varied = solve(Problem(people=people, bounds=[(2, 3), (8, 9), (8, 9)], time_limit_s=0.5))
    sizes = [len(group) for group in varied.rounds[0]]
    assert 2 <= sizes[0] <= 3 and all(8 <= size <= 9 for size in sizes[1:])


def test_no_two_people_of_one_organisation_together_when_feasible() -> None:
    people = workshop_people(60, seed=3, organisations=15)
    assert max(Counter(p.organisation for p in people).values()) <= 10
    solution = solve(Problem(people=people, bounds=[(6, 6)] * 10, rounds=3, time_limit_s=2.0))
    organisation = {p.id: p.organisation for p in people}
    for groups in solution.rounds:
        for group in groups:
            names = [organisation[pid] for pid in group]
            assert len(names) == len(set(names))
    assert solution.hard_violations == 0


def distinct_organisations(people: list[Person]) -> list[Person]:
    """The same people, each from an organisation of their own."""
    return [Person(p.id, f"Organisation {p.id}", p.profile, p.territory) for p in people]


def test_cannot_link_must_link_and_pins_always_hold() -> None:
    people = distinct_organisations(workshop_people(30, seed=4))
    problem = Problem(
        people=people,
        bounds=[(5, 5)] * 6,
        rounds=2,
        cannot_link=[["p0", "p1", "p2"]],
        must_link=[["p3", "p4"], ["p5", "p6", "p7"]],
        pinned={"p8": 0, "p9": 5},
        time_limit_s=1.0,
    )
    solution = solve(problem)
    for groups in members_by_round(solution):
        group_of = {pid: g for g, group in enumerate(groups) for pid in group}
        assert len({group_of["p0"], group_of["p1"], group_of["p2"]}) == 3
        assert group_of["p3"] == group_of["p4"]
        assert group_of["p5"] == group_of["p6"] == group_of["p7"]
        assert group_of["p8"] == 0 and group_of["p9"] == 5
    assert solution.hard_violations == 0


def test_locked_groups_keep_exactly_their_members() -> None:
    people = distinct_organisations(workshop_people(24, seed=5))
    locked = LockedGroup(round=0, group=2, members=("p10", "p11", "p12", "p13"))
    solution = solve(Problem(people=people, bounds=[(4, 4)] * 6, locked=[locked], time_limit_s=0.5))
    assert set(solution.rounds[0][2]) == {"p10", "p11", "p12", "p13"}


def test_an_organisation_larger_than_the_number_of_groups_is_reported_and_damage_minimised() -> None:
    people = [Person(f"big{i}", organisation="Région Grand Est", profile="local_authority") for i in range(7)]
    people += [Person(f"o{i}", organisation=f"Asso {i}", profile="association") for i in range(13)]
    solution = solve(Problem(people=people, bounds=[(4, 4)] * 5, time_limit_s=0.5))
    assert not solution.feasible
    assert any(
        "Région Grand Est" in message and "7 personnes pour 5 groupes" in message
        for message in solution.messages
    )
    # 7 colleagues in 5 groups: the best possible is two groups with two of them (2 violating pairs).
    assert solution.hard_violations == 2
    per_group = [sum(pid.startswith("big") for pid in group) for group in solution.rounds[0]]
    assert sorted(per_group) == [1, 1, 1, 2, 2]


def test_sizes_that_cannot_hold_everyone_are_refused_with_a_clear_error() -> None:
    with pytest.raises(ProblemError) as error:
        solve(Problem(people=workshop_people(30), bounds=[(4, 5)] * 5))
    assert "25 personnes au plus, pour 30 personnes" in error.value.errors[0]


def test_same_seed_same_groups_and_different_seed_may_differ() -> None:
    people = workshop_people(40, seed=6)

    def make(seed: int) -> Problem:
        return Problem(
            people=people, bounds=[(5, 5)] * 8, rounds=2, seed=seed, time_limit_s=30.0, max_iterations=40_000
        )

    first, second = solve(make(7)), solve(make(7))
    assert first.rounds == second.rounds
    assert first.objective == second.objective


def test_the_time_budget_is_honoured_on_a_large_instance() -> None:
    people = workshop_people(400, seed=8, organisations=200)
    solution = solve(Problem(people=people, bounds=[(5, 6)] * 70, rounds=3, time_limit_s=1.0))
    assert solution.elapsed_s <= 1.25
    assert solution.hard_violations == 0


def _best_by_enumeration(scores: np.ndarray, size: int) -> float:
    n = scores.shape[0]
    best = -np.inf
    everyone = set(range(n))
    for first in itertools.combinations(range(1, n), size - 1):
        group_a = (0, *first)
        rest = sorted(everyone - set(group_a))
        for second in itertools.combinations(rest[1:], size - 1):
            group_b = (rest[0], *second)
            group_c = tuple(sorted(set(rest) - set(group_b)))
            value = sum(
                scores[i, j]
                for group in (group_a, group_b, group_c)
                for i, j in itertools.combinations(group, 2)
            )
            best = max(best, value)
    return float(best)


def test_a_tiny_instance_reaches_the_optimum_found_by_enumeration() -> None:
    rng = np.random.default_rng(11)
    scores = rng.integers(0, 50, (9, 9)).astype(float)
    scores = np.triu(scores, 1)
    scores = scores + scores.T
    optimum = _best_by_enumeration(scores, 3)
    problem = Problem(
        people=[Person(str(i)) for i in range(9)],
        bounds=[(3, 3)] * 3,
        pair_scores=scores.tolist(),
        same_organisation_apart=False,
        time_limit_s=1.0,
    )
    assert solve(problem).objective == pytest.approx(optimum)


def test_three_rounds_of_nine_people_never_repeat_a_pair() -> None:
    people = [Person(str(i)) for i in range(9)]
    problem = Problem(
        people=people,
        bounds=[(3, 3)] * 3,
        rounds=3,
        weights=Weights(profile=0, territory=0, repeat=1),
        same_organisation_apart=False,
        time_limit_s=5.0,
    )
    solution = solve(problem)
    assert solution.repeat_pairs == 0
    pairs = Counter(
        frozenset(pair)
        for groups in solution.rounds
        for group in groups
        for pair in itertools.combinations(group, 2)
    )
    assert max(pairs.values()) == 1


def test_people_who_already_met_are_kept_apart_when_possible() -> None:
    people = distinct_organisations(workshop_people(24, seed=9))
    history = [Meeting(f"p{i}", f"p{j}") for i in range(6) for j in range(i + 1, 6)]
    solution = solve(Problem(people=people, bounds=[(4, 4)] * 6, history=history, time_limit_s=1.0))
    assert solution.repeat_pairs == 0
    group_of = {pid: g for g, group in enumerate(solution.rounds[0]) for pid in group}
    assert len({group_of[f"p{i}"] for i in range(6)}) == 6


def test_a_late_arrival_changes_few_groups_when_repairing() -> None:
    people = distinct_organisations(workshop_people(40, seed=10))
    first = solve(Problem(people=people, bounds=[(4, 5)] * 9, time_limit_s=1.0))
    late = Person("late", organisation="Nouvelle asso", profile="citizen", territory="Aube")
    repaired = solve(
        Problem(
            people=[*people, late],
            bounds=[(4, 5)] * 9,
            previous=first.rounds,
            weights=Weights(stability=1000.0),
            time_limit_s=1.0,
        )
    )
    before = {pid: g for g, group in enumerate(first.rounds[0]) for pid in group}
    after = {pid: g for g, group in enumerate(repaired.rounds[0]) for pid in group}
    moved = [pid for pid in before if before[pid] != after[pid]]
    assert len(moved) <= 1
    assert "late" in after


def test_json_input_is_validated_with_every_error_listed() -> None:
    with pytest.raises(ProblemError) as error:
        problem_from_json(
            {
                "people": [{"id": "a"}, {"id": "b"}, {"id": "a"}],
                "groups": {"count": 1, "min_size": 2, "max_size": 2},
                "cannot_link": [["a", "zz"]],
                "weights": {"colour": 3},
            }
        )
    text = " | ".join(error.value.errors)
    assert "identifiant en double" in text
    assert "personne inconnue « zz »" in text
    assert "critère inconnu « colour »" in text


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m app.grouping` as a facilitator's script would."""
    return subprocess.run(
        [sys.executable, "-m", "app.grouping", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_cli_prints_the_solution_json(tmp_path: Path) -> None:
    problem = {
        "people": [
            {"id": f"p{i}", "organisation": f"O{i % 5}", "profile": PROFILES[i % 6]} for i in range(20)
        ],
        "groups": {"count": 4, "min_size": 5, "max_size": 5},
        "rounds": 2,
        "history": [{"a": "p1", "b": "p2", "times": 1}],
        "time_limit_s": 0.5,
        "seed": 3,
    }
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem), encoding="utf-8")
    result = run_cli(str(path))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert len(output["rounds"]) == 2 and all(len(group) == 5 for group in output["rounds"][0])
    assert output["hard_violations"] == 0 and output["seed"] == 3
    assert {"objective", "repeat_pairs", "groups", "elapsed_s"} <= set(output)


@pytest.mark.parametrize(
    ("stdin", "expected"),
    [
        ("{not json", "JSON mal formé"),
        (
            json.dumps(
                {"people": [{"id": "a"}, {"id": "b"}], "groups": {"count": 1}, "must_link": [["a", "x"]]}
            ),
            "personne inconnue « x »",
        ),
        (
            json.dumps({"people": [{"id": str(i)} for i in range(9)], "groups": {"count": 2, "max_size": 4}}),
            "8 personnes au plus, pour 9 personnes",
        ),
    ],
)
def test_cli_bad_input_gets_a_clear_error_and_non_zero_exit(stdin: str, expected: str) -> None:
    result = run_cli("-", stdin=stdin)
    assert result.returncode != 0
    assert expected in result.stderr
    assert result.stdout == ""


def test_must_linked_people_meeting_in_every_round_are_not_counted_as_repeats() -> None:
    people = distinct_organisations(workshop_people(20, seed=12))
    solution = solve(
        Problem(people=people, bounds=[(4, 4)] * 5, rounds=3, must_link=[["p0", "p1"]], time_limit_s=1.0)
    )
    assert solution.repeat_pairs == 0
    assert all(any({"p0", "p1"} <= set(group) for group in groups) for groups in solution.rounds)


def test_a_large_organisation_is_spread_one_per_group_in_every_round() -> None:
    people = [Person(f"r{i}", organisation="Région", profile="local_authority") for i in range(10)]
    people += distinct_organisations(workshop_people(40, seed=13))
    solution = solve(Problem(people=people, bounds=[(5, 5)] * 10, rounds=4, time_limit_s=2.0))
    assert solution.hard_violations == 0
    for groups in solution.rounds:
        assert all(sum(pid.startswith("r") for pid in group) == 1 for group in groups)


def test_cli_iterations_make_the_run_reproducible(tmp_path: Path) -> None:
    problem = {
        "people": [{"id": f"p{i}", "profile": PROFILES[i % 6], "territory": f"T{i % 4}"} for i in range(30)],
        "groups": {"count": 6, "min_size": 5, "max_size": 5},
        "rounds": 2,
        "time_limit_s": 30,
    }
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem), encoding="utf-8")
    first = run_cli(str(path), "--iterations", "200000", "--seed", "4")
    second = run_cli(str(path), "--iterations", "200000", "--seed", "4")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["rounds"] == json.loads(second.stdout)["rounds"]


def test_linked_pairs_leave_room_for_an_organisation_as_large_as_the_number_of_groups() -> None:
    # Exact sizes: every group needs one of the 12 colleagues, so no group may hold two linked pairs.
    colleagues = [Person(f"c{i}", organisation="Département", profile="local_authority") for i in range(12)]
    others = distinct_organisations(workshop_people(36, seed=14))
    pairs = [[f"p{2 * i}", f"p{2 * i + 1}"] for i in range(8)]
    solution = solve(
        Problem(people=colleagues + others, bounds=[(4, 4)] * 12, rounds=3, must_link=pairs, time_limit_s=2.0)
    )
    assert solution.hard_violations == 0
    for groups in solution.rounds:
        assert all(sum(pid.startswith("c") for pid in group) == 1 for group in groups)


def cluster_crowd() -> list[Person]:
    """Twelve people of three profiles, four each, all from different organisations."""
    return [Person(f"p{i}", organisation=f"Org {i}", profile=PROFILES[i % 3]) for i in range(12)]


def test_without_the_cluster_rule_mixing_leaves_people_alone_with_their_profile() -> None:
    solution = solve(Problem(people=cluster_crowd(), bounds=[(4, 4)] * 3, seed=1, time_limit_s=1.0))
    assert solution.isolated_people > 0
    assert solution.to_json()["isolated_people"] == solution.isolated_people


def test_the_cluster_rule_leaves_nobody_alone_with_their_profile() -> None:
    people = cluster_crowd()
    problem = Problem(
        people=people,
        bounds=[(4, 4)] * 3,
        rounds=2,
        weights=Weights(cluster=100.0),
        cannot_link=[["p0", "p3"]],
        seed=1,
        # Bounded by iterations, not by the clock: the rule's descent gets a share of the time
        # left, which a busy machine could eat; a seeded run bounded by iterations is reproducible.
        time_limit_s=30.0,
        max_iterations=20_000,
    )
    solution = solve(problem)
    assert solution.hard_violations == 0
    assert solution.isolated_people == 0
    profile = {p.id: p.profile for p in people}
    for groups in solution.rounds:
        for group in groups:
            counts = Counter(profile[i] for i in group)
            assert min(counts.values()) >= 2, counts
