"""The optional "cluster" rule (GroupEng): nobody is the only one of their profile in a group.

A person is *isolated* in a round when no one else of their actor profile sits in their group
although others of that profile take part in the round. The rule is not a sum of pair scores, so
the annealer does not see it; once the groups are formed, a steepest descent over moves and swaps
trades `Weights.cluster` per isolated person removed against the pair objective it costs (hard
rules weigh far more than any cluster weight, so they are never broken for it).
"""

from __future__ import annotations

import time

import numpy as np

from app.grouping.build import BoolArray, FloatArray, IntArray, Model
from app.grouping.problem import Problem
from app.grouping.search import State

EPSILON = 1e-9
STEPS_PER_ROUND = 2_000


def unit_profiles(problem: Problem, model: Model) -> FloatArray:
    """U x K: how many people of each profile a unit holds (people without a profile count nowhere)."""
    names = sorted({p.profile for p in problem.people if p.profile})
    column = {name: k for k, name in enumerate(names)}
    counts = np.zeros((model.unit_count, len(names)), dtype=np.float64)
    for person, unit in enumerate(model.unit_of):
        profile = problem.people[person].profile
        if profile:
            counts[unit, column[profile]] += 1.0
    return counts


def isolated(group_counts: FloatArray, shared: BoolArray) -> FloatArray:
    """Isolated people per group: cells holding exactly one person of a profile others share."""
    lonely: FloatArray = ((np.abs(group_counts - 1.0) < EPSILON) & shared).sum(axis=-1).astype(np.float64)
    return lonely


def isolated_people(problem: Problem, model: Model, assign: IntArray) -> int:
    """Isolated people over every round of a schedule."""
    profiles = unit_profiles(problem, model)
    shared = profiles.sum(axis=0) >= 2.0
    total = 0
    for row in assign:
        counts = np.zeros((model.group_count, profiles.shape[1]), dtype=np.float64)
        np.add.at(counts, row, profiles)
        total += int(isolated(counts, shared).sum())
    return total


class ClusterPolish:
    """Steepest descent on `objective + weight x (isolated people removed)` (module docstring)."""

    def __init__(self, state: State, problem: Problem, movable: np.ndarray, deadline: float) -> None:
        self.state = state
        self.model = state.model
        self.weight = problem.weights.cluster
        self.profiles = unit_profiles(problem, self.model)
        self.shared = self.profiles.sum(axis=0) >= 2.0
        self.movable = movable & ~self.model.closed[np.arange(self.model.rounds)[:, None], state.assign]
        self.deadline = deadline

    def counts(self, r: int) -> FloatArray:
        """G x K profile counts of every group in round r."""
        counts = np.zeros((self.model.group_count, self.profiles.shape[1]), dtype=np.float64)
        np.add.at(counts, self.state.assign[r], self.profiles)
        return counts

    def run(self) -> IntArray:
        """Short tabu search per round on the combined score; return the best schedule seen.

        A plain descent stalls: turning « A B C X » groups into « A A B B » takes two swaps, the
        first of which gains nothing. So the best non-tabu change is taken even when it loses, a
        moved unit stays put for a few steps, and the best schedule seen is kept.
        """
        best_assign = self.state.assign.copy()
        rounds = self.model.rounds
        for r in range(rounds):
            # Each round gets a fair share of the time left.
            now = time.perf_counter()
            best_assign[r] = self._search_round(r, now + (self.deadline - now) / (rounds - r))
        return best_assign

    def _search_round(self, r: int, deadline: float) -> IntArray:
        state = self.state
        tenure = max(3, self.model.unit_count // 4)
        frozen_until = np.zeros(self.model.unit_count, dtype=np.int64)
        current = best = -self.weight * float(isolated(self.counts(r), self.shared).sum())
        best_row: IntArray = state.assign[r].copy()
        for step in range(1, STEPS_PER_ROUND + 1):
            if best >= -EPSILON or time.perf_counter() >= deadline:
                break
            change = self._best_change(r, frozen_until > step)
            if change is None:
                break
            gain, u, v, target = change
            source = int(state.assign[r, u])
            state.move(r, u, target)
            frozen_until[u] = step + tenure
            if v >= 0:
                state.move(r, v, source)
                frozen_until[v] = step + tenure
            current += gain
            if current > best + EPSILON:
                best, best_row = current, state.assign[r].copy()
        state_row = state.assign[r]
        for unit in np.flatnonzero(state_row != best_row):
            state.move(r, int(unit), int(best_row[unit]))
        return best_row

    def _best_change(self, r: int, frozen: np.ndarray) -> tuple[float, int, int, int] | None:
        """Best (gain, u, v, target) over isolated movable units u; v = -1 for a move alone."""
        counts = self.counts(r)
        lonely = isolated(counts, self.shared)
        if not lonely.any():
            return None
        assign = self.state.assign[r]
        movable = self.movable[r] & ~frozen
        best: tuple[float, int, int, int] | None = None
        for u in np.flatnonzero(movable & (lonely[assign] > 0)):
            if time.perf_counter() >= self.deadline:
                break  # many isolated people make a step long: the budget comes first
            gain, v, target = self._best_for(r, int(u), counts, lonely, movable)
            if np.isfinite(gain) and (best is None or gain > best[0]):
                best = (gain, int(u), v, target)
        return best

    def _best_for(
        self, r: int, u: int, counts: FloatArray, lonely: FloatArray, movable: np.ndarray
    ) -> tuple[float, int, int]:
        """Best gain of moving u alone (v = -1) or swapping it with a unit v; (gain, v, target)."""
        state, model = self.state, self.model
        assign = state.assign[r]
        a = int(assign[u])
        own = self.profiles[u]
        size = model.unit_size[u]
        gain_to = state.gain_to[r]
        preference = model.preference[r]
        leave = gain_to[u, a] + preference[u, a]
        # Moves of u alone into another group with room.
        groups = np.arange(model.group_count)
        fits = (state.sizes[r, a] - size >= model.low[a]) & (state.sizes[r] + size <= model.high)
        fits &= (groups != a) & ~model.closed[r]
        after_a = isolated(counts[a] - own, self.shared)
        after_b = isolated(counts + own, self.shared)
        move_gain = self.weight * (lonely[a] + lonely - after_a - after_b)
        move_gain += gain_to[u] + preference[u] - leave
        move_gain[~fits] = -np.inf
        best_target = int(np.argmax(move_gain))
        best = (float(move_gain[best_target]), -1, best_target)
        # Swaps with a unit of the same size in another group.
        others = np.flatnonzero(movable & (assign != a) & (model.unit_size == size))
        if others.size:
            b = assign[others]
            theirs = self.profiles[others]
            new_a = isolated(counts[a] - own + theirs, self.shared)
            new_b = isolated(counts[b] - theirs + own, self.shared)
            swap_gain = self.weight * (lonely[a] + lonely[b] - new_a - new_b)
            pair = state.weight_column(r, u)[others]
            swap_gain += gain_to[u, b] + preference[u, b] - leave
            swap_gain += gain_to[others, a] + preference[others, a]
            swap_gain -= gain_to[others, b] + preference[others, b]
            swap_gain -= 2.0 * pair
            k = int(np.argmax(swap_gain))
            if swap_gain[k] > best[0]:
                best = (float(swap_gain[k]), int(others[k]), int(b[k]))
        return best
