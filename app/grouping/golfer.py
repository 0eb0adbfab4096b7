"""Schedules whose only aim is to avoid costs (social golfers): greedy start + conflict-directed tabu.

When no pair score is positive (`solver._upper_bound` is not None), the best possible schedule costs
nothing: no repeat among the planned rounds, no earlier acquaintance, no broken rule. Annealing
wanders on such flat landscapes; the methods that solve the hard social-golfer instances instead
(Dotú & Van Hentenryck 2005; Triska & Musliu 2012) do:

- a greedy start that builds each round group by group, adding the person who meets fewest people
  already met and leaves the most "freedom" (people still able to join without a repeat);
- a tabu search whose neighbourhood is the swaps, inside one round, of two people of different groups
  where at least one is in conflict there; the best non-tabu swap is taken even when it worsens
  (a swapped pair stays tabu in that round for a few iterations, unless it beats the best);
- after a long stall, a restart from the best schedule with a few random swaps.

The cost is general: a pair placed together in round r costs `-base` (earlier meetings, broken
rules) plus `repeat` for every other planned round where it meets, so this also serves workshops
with no attribute to mix. Problems are small here (rounds x units^2 at most MAX_CELLS), so every
iteration recomputes the whole swap table for all rounds in a few array operations.
"""

from __future__ import annotations

import time

import numpy as np

from app.grouping.build import FloatArray, IntArray, Model

MAX_CELLS = 400_000  # rounds x units x units above which the annealer is used instead
TENURE = (8, 16)  # tabu tenure range, in iterations
STALL = 3000  # iterations without a new best before a perturbed restart
KICK = (2, 6)  # random swaps of a perturbation
EPSILON = 1e-9


def applicable(model: Model) -> bool:
    """True when this search fits: several rounds, single-person units, small enough tables."""
    return (
        model.rounds > 1
        and bool((model.unit_size == 1).all())
        and model.rounds * model.unit_count**2 <= MAX_CELLS
    )


def greedy_schedule(model: Model, sizes: IntArray, rng: np.random.Generator) -> IntArray:
    """Build rounds one after another, group by group, avoiding people already met ("freedom of sets").

    `sizes[r, g]` are the group sizes to reach (taken from a feasible start); fixed units stay put.
    """
    rounds, units, groups = model.rounds, model.unit_count, model.group_count
    cost = -model.base  # earlier meetings and broken rules (>= 0 here)
    met = cost > EPSILON
    assign = np.full((rounds, units), -1, dtype=np.int64)
    for r in range(rounds):
        fixed = model.fixed_group[r]
        assign[r, fixed >= 0] = fixed[fixed >= 0]
        for g in rng.permutation(groups):
            members = np.flatnonzero(assign[r] == g)
            while len(members) < sizes[r, g]:
                free = assign[r] < 0
                candidates = np.flatnonzero(free)
                if candidates.size == 0:
                    break
                clashes = met[np.ix_(candidates, members)].sum(axis=1)
                # Freedom: free people who have met nobody in the group nor the candidate.
                open_to_group = free & ~met[:, members].any(axis=1)
                freedom = (~met[np.ix_(candidates, open_to_group)]).sum(axis=1)
                key = clashes * (units + 1) - freedom + rng.random(candidates.size) * 0.5
                chosen = int(candidates[int(np.argmin(key))])
                assign[r, chosen] = g
                members = np.append(members, chosen)
        stray = np.flatnonzero(assign[r] < 0)  # only when sizes did not add up: keep them feasible
        for u in stray:
            room = sizes[r] - np.bincount(assign[r][assign[r] >= 0], minlength=groups)
            assign[r, u] = int(np.argmax(room))
        together = assign[r][:, None] == assign[r][None, :]
        np.fill_diagonal(together, False)
        met |= together
    return assign


class TabuSearch:
    """Conflict-directed tabu search over swaps inside one round (see the module docstring)."""

    def __init__(
        self,
        model: Model,
        assign: IntArray,
        rng: np.random.Generator,
        deadline: float,
        max_iterations: int | None,
    ) -> None:
        self.model = model
        self.rng = rng
        self.deadline = deadline
        self.max_iterations = max_iterations
        self.assign = assign.copy()
        rounds, units = assign.shape
        self.cost0 = -model.base
        self.repeat = model.repeat
        movable = model.fixed_group < 0
        self.movable_pair = movable[:, :, None] & movable[:, None, :]
        self.tabu = np.zeros((rounds, units, units), dtype=np.int64)
        self.diagonal = np.arange(units)
        self.noise = rng.random(1 << 16) * 1e-6  # tie-breaking among equal swaps, read at random offsets
        self.iterations = 0
        self.stopped_by = ""

    def cost(self, assign: IntArray) -> float:
        """Total cost of a schedule: pair costs of every round plus repeat costs among rounds."""
        together = assign[:, :, None] == assign[:, None, :]
        meet = together.sum(axis=0).astype(np.float64)
        np.fill_diagonal(meet, 0.0)
        placed = float((self.cost0[None] * together).sum()) / 2.0
        return placed + float((self.repeat * meet * np.maximum(meet - 1.0, 0.0)).sum()) / 4.0

    def deltas(self) -> FloatArray:
        """Cost change of every swap (r, u, v); +inf where not allowed."""
        assign = self.assign
        together = assign[:, :, None] == assign[:, None, :]
        meet = together.sum(axis=0)
        weights = self.cost0[None] + self.repeat[None] * (meet[None] - together)
        weights[:, self.diagonal, self.diagonal] = 0.0
        # into[r, u, v]: cost of u's pairs with the group of v in round r (a batched product).
        into = weights @ together.astype(np.float64)
        own = np.diagonal(into, axis1=1, axis2=2)
        delta = into + into.transpose(0, 2, 1) - own[:, :, None] - own[:, None, :] - 2.0 * weights
        conflicted = own > EPSILON
        allowed = ~together & self.movable_pair & (conflicted[:, :, None] | conflicted[:, None, :])
        return np.where(allowed, delta, np.inf)

    def run(self) -> tuple[IntArray, float]:
        """Search until cost 0, the deadline or the iteration budget; return the best schedule and cost."""
        rng = self.rng
        current = self.cost(self.assign)
        best_cost, best = current, self.assign.copy()
        last_gain = 0
        while best_cost > EPSILON:
            if self.max_iterations is not None and self.iterations >= self.max_iterations:
                self.stopped_by = "iterations"
                break
            if self.iterations % 16 == 0 and time.perf_counter() >= self.deadline:
                self.stopped_by = "time"
                break
            self.iterations += 1
            delta = self.deltas()
            size = delta.size
            offset = int(rng.integers(0, self.noise.size - size)) if size < self.noise.size else 0
            noisy = delta.ravel() + (self.noise[offset : offset + size] if size < self.noise.size else 0.0)
            tabu = self.tabu.ravel() > self.iterations
            aspire = current + delta.ravel() < best_cost - EPSILON
            noisy = np.where(tabu & ~aspire, np.inf, noisy)
            index = int(np.argmin(noisy))
            if not np.isfinite(noisy[index]):
                self._kick()
                current = self.cost(self.assign)
                continue
            r, rest = divmod(index, self.assign.shape[1] ** 2)
            u, v = divmod(rest, self.assign.shape[1])
            self.assign[r, u], self.assign[r, v] = self.assign[r, v], self.assign[r, u]
            tenure = int(rng.integers(TENURE[0], TENURE[1] + 1))
            self.tabu[r, u, v] = self.tabu[r, v, u] = self.iterations + tenure
            current += float(delta.flat[index])
            if current < best_cost - EPSILON:
                best_cost, best, last_gain = current, self.assign.copy(), self.iterations
            elif self.iterations - last_gain > STALL:
                self.assign = best.copy()
                self._kick()
                current = self.cost(self.assign)
                last_gain = self.iterations
        if best_cost <= EPSILON:
            self.stopped_by = "optimal"
        return best, max(0.0, best_cost)

    def _kick(self) -> None:
        """A few random swaps between movable units of different groups in random rounds."""
        rng = self.rng
        rounds, units = self.assign.shape
        for _ in range(int(rng.integers(KICK[0], KICK[1] + 1))):
            r = int(rng.integers(0, rounds))
            u, v = (int(x) for x in rng.integers(0, units, 2))
            if self.movable_pair[r, u, v] and self.assign[r, u] != self.assign[r, v]:
                self.assign[r, u], self.assign[r, v] = self.assign[r, v], self.assign[r, u]
        self.tabu[:] = 0
