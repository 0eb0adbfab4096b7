"""BASELINE ONLY — a trivial random solver, to exercise the harness before (or besides) the engine.

It places people uniformly at random into groups of feasible sizes, round after round, ignoring every
other constraint and score. Its figures are the floor any engine must beat (normalised score ~0 on
tier A); they are never the engine's figures.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench.grouping.evaluate import random_partition


@dataclass
class BaselineSolution:
    """Same fields as the engine's Solution that the harness reads."""

    rounds: list[list[list[str]]]
    objective: float
    repeat_pairs: int
    hard_violations: int
    elapsed_s: float
    iterations: int


def solve_random(
    ids: Sequence[str], bounds: Sequence[tuple[int, int]], rounds: int, seed: int
) -> BaselineSolution:
    """Random feasible-size groups for each round; objective and counts are left to the evaluator (NaN/-1)."""
    start = time.perf_counter()
    rng = random.Random(seed)
    schedule = [
        [[ids[i] for i in group] for group in random_partition(len(ids), bounds, rng)] for _ in range(rounds)
    ]
    return BaselineSolution(schedule, float("nan"), -1, -1, time.perf_counter() - start, rounds)
