"""The benchmark's independent evaluator scores, checks and counts correctly (tiny hand-made cases)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from bench.grouping.evaluate import (
    count_repeat_pairs,
    evaluate_golfer,
    evaluate_mdgp,
    evaluate_workshop,
    expected_random,
    gap_percent,
    normalised,
    random_partition,
    read_mdgp,
    repeat_lower_bound,
)
from bench.grouping.generate import generate_workshop, witness

# 5 people, 2 groups: group 0 holds 2 or 3, group 1 exactly 2 or 3 ("ds" bounds).
TINY = """5 2 ds 2 3 2 3
0 1 1
0 2 2
0 3 3
0 4 4
1 2 5
1 3 6
1 4 7
2 3 8
2 4 9
3 4 10
"""


@pytest.fixture
def tiny(tmp_path: Path):
    path = tmp_path / "tiny_ds.txt"
    path.write_text(TINY, encoding="utf-8")
    return read_mdgp(path)


def test_reads_the_mdgplib_format(tiny) -> None:
    assert tiny.n == 5 and tiny.kind == "ds" and tiny.bounds == [(2, 3), (2, 3)]
    assert tiny.d[1, 3] == tiny.d[3, 1] == 6 and tiny.d[2, 2] == 0


def test_scores_the_sum_of_within_group_pairs(tiny) -> None:
    # {0, 1, 2}: 1 + 2 + 5 = 8; {3, 4}: 10.
    score = evaluate_mdgp(tiny, [[0, 1, 2], [3, 4]])
    assert score.feasible and score.problems == [] and score.objective == 18
    # {0, 4}: 4; {1, 2, 3}: 5 + 6 + 8 = 19.
    assert evaluate_mdgp(tiny, [[4, 0], [3, 1, 2]]).objective == 23


def test_out_of_bounds_group_is_infeasible(tiny) -> None:
    score = evaluate_mdgp(tiny, [[0, 1, 2, 3], [4]])
    assert not score.feasible and math.isnan(score.objective)
    assert any("group 0 has 4 people" in p for p in score.problems)
    assert any("group 1 has 1 people" in p for p in score.problems)


def test_person_placed_twice_or_missing_is_infeasible(tiny) -> None:
    score = evaluate_mdgp(tiny, [[0, 1, 2], [2, 3]])
    assert not score.feasible
    assert "person 2 placed 2 times" in score.problems
    assert "1 people not placed" in score.problems
    assert not evaluate_mdgp(tiny, [[0, 1, 2], [3, 7]]).feasible


def test_truncated_instance_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("\n".join(TINY.splitlines()[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="pair lines"):
        read_mdgp(path)


def test_random_partitions_are_feasible_and_normalisation(tiny) -> None:
    rng = random.Random(3)
    for _ in range(20):
        assert evaluate_mdgp(tiny, random_partition(tiny.n, tiny.bounds, rng)).feasible
    random_mean = expected_random(tiny, samples=50)
    assert 0 < random_mean < 23
    assert normalised(23, 23, random_mean) == 1 and normalised(random_mean, 23, random_mean) == 0
    assert gap_percent(22, 25) == pytest.approx(12.0)


def test_counts_repeat_pairs_of_a_golfer_schedule() -> None:
    # 2 groups of 2 for 3 rounds: a perfect schedule (each of the 6 pairs meets once) ...
    perfect = [[[0, 1], [2, 3]], [[0, 2], [1, 3]], [[0, 3], [1, 2]]]
    assert evaluate_golfer(perfect, 2, 2, 3).solved
    # ... and one where {0, 1} and {2, 3} meet in all 3 rounds: 2 + 2 extra meetings.
    clumsy = [[[0, 1], [2, 3]], [[1, 0], [3, 2]], [[1, 0], [2, 3]]]
    assert count_repeat_pairs(clumsy) == 4
    assert count_repeat_pairs(clumsy, exempt=[(1, 0)]) == 2
    # Ids may come as ints or strings: both name the same golfer; here 2 pairs meet twice.
    third = [[[0, 1], [2, 3]], [["1", "0"], ["3", "2"]], [[0, 2], [1, 3]]]
    score = evaluate_golfer(third, 2, 2, 3)
    assert score.feasible and score.repeat_pairs == 2 and not score.solved
    broken = evaluate_golfer([[[0, 1, 2], [3]]], 2, 2, 1)
    assert not broken.feasible and not broken.solved


def test_workshop_violations_and_repeats() -> None:
    people = [
        {"id": "a", "organisation": "X", "profile": "p1", "territory": "t1"},
        {"id": "b", "organisation": "X", "profile": "p2", "territory": "t1"},
        {"id": "c", "organisation": "Y", "profile": "p1", "territory": "t2"},
        {"id": "d", "organisation": "", "profile": "p2", "territory": "t2"},
    ]
    data = {
        "people": people,
        "groups": {"count": 2, "min_size": 2, "max_size": 2},
        "rounds": 2,
        "cannot_link": [["c", "d"]],
        "must_link": [["a", "c"]],
        "pinned": {"d": 1},
        "history": [{"a": "a", "b": "c", "times": 1}, {"a": "b", "b": "d", "times": 2}],
    }
    good = [[["a", "c"], ["b", "d"]], [["c", "a"], ["d", "b"]]]
    score = evaluate_workshop(data, good)
    assert score.hard_violations == 0
    # a-c is must-linked (exempt); b-d met before (2 rounds) and meets twice now (1 extra).
    assert (score.repeat_history, score.repeat_planned, score.repeat_pairs) == (2, 1, 3)
    bad = [[["c", "d"], ["a", "b"]], [["a", "b", "c"], ["a"]]]
    v = evaluate_workshop(data, bad).violations
    assert v["organisation"] == 2 and v["cannot_link"] == 1 and v["pinned"] == 1 and v["must_link"] == 1
    assert v["size"] == 2 and v["placement"] == 2  # a twice, d missing in round 2


def test_lower_bound_and_generator() -> None:
    # 4 people in 2 groups of 2 over 4 rounds: each meets 4 partners but only 3 exist.
    people = [{"id": str(i), "organisation": "", "profile": "", "territory": ""} for i in range(4)]
    data = {"people": people, "groups": {"count": 2, "min_size": 2, "max_size": 2}, "rounds": 4}
    assert repeat_lower_bound(data) == 2
    assert repeat_lower_bound({**data, "rounds": 3}) == 0
    # 30 people in 5 groups of 6: two rounds share 25 (group, group) cells, so 5 pairs meet again in
    # every round after the first, whatever the schedule.
    golfers = [{"id": str(i), "organisation": "", "profile": "", "territory": ""} for i in range(30)]
    crowded = {"people": golfers, "groups": {"count": 5, "min_size": 6, "max_size": 6}, "rounds": 3}
    assert repeat_lower_bound(crowded) == 10
    assert repeat_lower_bound({**crowded, "rounds": 1}) == 0
    first = generate_workshop(60, 3, seed=2, variant="tight")
    assert first == generate_workshop(60, 3, seed=2, variant="tight")
    organisations: dict[str, int] = {}
    for person in first["people"]:
        organisations[person["organisation"]] = organisations.get(person["organisation"], 0) + 1
    assert max(organisations.values()) == first["groups"]["count"]
    history = generate_workshop(30, 1, seed=1, variant="history")
    assert history["history"] and repeat_lower_bound(history) == 0


@pytest.mark.parametrize("variant", ["standard", "tight", "history"])
def test_generated_workshops_are_feasible(variant: str) -> None:
    for seed in range(1, 6):
        data = generate_workshop(120, 3, seed, variant=variant)
        round_ = witness(data["people"], data["groups"]["count"])
        assert evaluate_workshop(data, [round_] * 3).hard_violations == 0
