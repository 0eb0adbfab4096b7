"""Repeat-free designs (affine planes over finite fields) that start the social-golfer search."""

from __future__ import annotations

import numpy as np
import pytest

from app.grouping import solve
from app.grouping.design import (
    affine_schedule,
    design_rounds,
    design_schedule,
    field_tables,
    prime_power,
)
from app.grouping.doubling import doubled_schedule
from tests.test_grouping_golfer import golfers, repeats


@pytest.mark.parametrize("order", [2, 3, 4, 5, 7, 8, 9, 16, 25, 27, 32])
def test_field_tables_form_a_field(order: int) -> None:
    add, mul = field_tables(order)
    elements = np.arange(order)
    assert (add[0] == elements).all() and (mul[1] == elements).all()
    assert all(sorted(add[a]) == list(elements) for a in elements)  # every a + x is a bijection
    assert all(sorted(mul[a]) == list(elements) for a in elements[1:])  # no zero divisor
    a, b, c = np.meshgrid(elements, elements, elements, indexing="ij")
    assert (mul[a, add[b, c]] == add[mul[a, b], mul[a, c]]).all()  # distributive


def test_prime_powers_are_recognised() -> None:
    assert [q for q in range(2, 30) if prime_power(q)] == [
        2,
        3,
        4,
        5,
        7,
        8,
        9,
        11,
        13,
        16,
        17,
        19,
        23,
        25,
        27,
        29,
    ]


@pytest.mark.parametrize("groups", range(2, 18))
def test_every_designed_schedule_is_repeat_free_with_exact_sizes(groups: int) -> None:
    for size in range(2, groups + 1):
        rounds = design_rounds(groups, size)
        if rounds == 0:
            assert prime_power(groups) is None
            continue
        schedule = affine_schedule(groups, size, rounds)
        assert schedule is not None and schedule.shape == (rounds, groups * size)
        meetings = np.zeros((groups * size, groups * size), dtype=np.int64)
        for row in schedule:
            assert (np.bincount(row, minlength=groups) == size).all()
            meetings += row[:, None] == row[None, :]
        np.fill_diagonal(meetings, 0)
        assert meetings.max() <= 1, (groups, size)


def test_eight_groups_of_four_for_nine_rounds_is_solved_at_once() -> None:
    solution = solve(golfers(8, 4, 9, time_limit_s=10.0))
    assert repeats(solution) == 0 and solution.repeat_pairs == 0
    assert solution.elapsed_s < 1.0


def test_a_design_is_not_claimed_beyond_its_rounds() -> None:
    assert design_rounds(8, 4) == 9 and affine_schedule(8, 4, 10) is None
    assert design_rounds(6, 3) == 0  # 6 is not a prime power: the tabu search alone
    assert doubled_schedule(8, 4, 11) is None and doubled_schedule(8, 5, 2) is None
    longest = design_schedule(8, 4, 11)  # 11 rounds are impossible: the 10 built, the rest searched
    assert longest is not None and longest.shape == (10, 32)


def test_the_doubled_design_gives_eight_groups_of_four_ten_rounds() -> None:
    schedule = doubled_schedule(8, 4, 10)
    assert schedule is not None and schedule.shape == (10, 32)
    meetings = np.zeros((32, 32), dtype=np.int64)
    for row in schedule:
        assert (np.bincount(row, minlength=8) == 4).all()
        meetings += row[:, None] == row[None, :]
    np.fill_diagonal(meetings, 0)
    assert meetings.max() == 1
    # Each person meets 30 of the 31 others; the one never met is their twin (2p, 2p + 1).
    assert (meetings.sum(axis=1) == 30).all()
    assert all(meetings[2 * p, 2 * p + 1] == 0 for p in range(16))


def test_eight_groups_of_four_for_ten_rounds_is_solved_at_once() -> None:
    # The tabu search alone kept about 20 repeats after 60 s on this instance (social golfers 8-4-10).
    for seed in (1, 2):
        solution = solve(golfers(8, 4, 10, time_limit_s=10.0, seed=seed))
        assert repeats(solution) == 0 and solution.repeat_pairs == 0
        assert all(len(group) == 4 for groups in solution.rounds for group in groups)
        assert solution.elapsed_s < 1.0
