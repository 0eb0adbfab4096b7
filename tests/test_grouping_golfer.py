"""The tabu search for schedules that only avoid costs (social golfers): solved, never over-claimed."""

from __future__ import annotations

import itertools
import time
from collections import Counter

import numpy as np

from app.grouping import LockedGroup, Meeting, Person, Problem, Solution, Weights, solve
from app.grouping.build import build_model
from app.grouping.golfer import TabuSearch, applicable, schedule_cost
from app.grouping.search import initial_assignment


def golfers(groups: int, size: int, rounds: int, **options: object) -> Problem:
    """g groups of s people for w rounds, people without attributes, repeats cost 1 each."""
    values: dict[str, object] = {
        "people": [Person(str(i)) for i in range(groups * size)],
        "bounds": [(size, size)] * groups,
        "rounds": rounds,
        "weights": Weights(profile=0, territory=0, repeat=1),
        "same_organisation_apart": False,
        "time_limit_s": 10.0,
        "seed": 1,
    }
    values.update(options)
    return Problem(**values)  # type: ignore[arg-type]


def repeats(solution: Solution) -> int:
    """Pairs meeting k times count k - 1, re-counted from the groups."""
    meetings: Counter[tuple[str, str]] = Counter()
    for groups in solution.rounds:
        for group in groups:
            meetings.update(itertools.combinations(sorted(group), 2))
    return sum(times - 1 for times in meetings.values())


def test_kirkman_schoolgirls_are_scheduled_without_a_repeat() -> None:
    started = time.perf_counter()
    solution = solve(golfers(5, 3, 7))
    assert repeats(solution) == 0 and solution.repeat_pairs == 0
    assert all(len(group) == 3 for groups in solution.rounds for group in groups)
    assert time.perf_counter() - started < 5.0  # stops as soon as no repeat is left


def test_six_groups_of_three_for_seven_rounds_is_solved() -> None:
    solution = solve(golfers(6, 3, 7, seed=2))
    assert repeats(solution) == 0


def test_an_impossible_schedule_keeps_a_repeat_and_says_so() -> None:
    # 6 groups of 6 for 4 rounds cannot avoid every repeat (a known impossible case).
    solution = solve(golfers(6, 6, 4, time_limit_s=1.5))
    assert repeats(solution) >= 1
    assert solution.repeat_pairs == repeats(solution)


def test_same_seed_and_iteration_budget_give_the_same_schedule() -> None:
    problem = golfers(7, 3, 9, max_iterations=400, time_limit_s=30.0, seed=3)
    assert solve(problem).rounds == solve(problem).rounds


def test_pins_locks_and_rules_are_kept_while_repeats_are_removed() -> None:
    problem = golfers(
        5,
        3,
        5,
        pinned={"0": 2, "7": 4},
        cannot_link=[["1", "2", "3"]],
        locked=[LockedGroup(round=1, group=0, members=("4", "5", "6"))],
        history=[Meeting("8", "9")],
    )
    solution = solve(problem)
    assert solution.hard_violations == 0
    for groups in solution.rounds:
        assert "0" in groups[2] and "7" in groups[4]
        assert all(len({"1", "2", "3"} & set(group)) <= 1 for group in groups)
    assert set(solution.rounds[1][0]) == {"4", "5", "6"}
    assert repeats(solution) == 0


def test_the_cost_table_stays_exact_after_many_swaps() -> None:
    problem = golfers(
        6, 4, 5, history=[Meeting("1", "2", times=2)], cannot_link=[["3", "4"]], pinned={"5": 1}
    )
    model = build_model(problem)
    assert applicable(model)
    rng = np.random.default_rng(4)
    search = TabuSearch(model, initial_assignment(model, rng), rng, time.perf_counter() + 30, 300)
    search.run()
    pair, one_hot, current = search.pair.copy(), search.one_hot.copy(), search.current
    search.load(search.assign)
    assert np.allclose(pair, search.pair) and (one_hot == search.one_hot).all()
    assert abs(current - schedule_cost(model, search.assign)) < 1e-6
