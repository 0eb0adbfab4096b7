"""Schedules whose only aim is to avoid costs (social golfers): conflict-directed tabu search.

When no pair score is positive (`solver._upper_bound` is not None), the best possible schedule costs
nothing: no repeat among the planned rounds, no earlier acquaintance, no broken rule. Annealing
wanders on such flat landscapes; the methods that solve the hard social-golfer instances instead
(Dotú & Van Hentenryck 2005; Triska & Musliu 2012) run a tabu search whose neighbourhood is the
swaps, inside one round, of two people of different groups where at least one is in conflict there
(sits with someone they meet in another round too, or must not meet). The best non-tabu swap is
taken even when it worsens; a swapped pair stays tabu in that round for a random tenure unless the
swap beats the best schedule; after a long stall the search restarts from the best schedule with a
few random swaps.

The cost is general: a pair placed together in round r costs `-base` (earlier meetings, broken
rules) plus `repeat` for every other planned round where it meets, so this also serves workshops
with pins, locks and cannot-link rules but no attribute to mix.

Speed (the search runs in Python, so what counts is the number of numpy calls per iteration, not
their size). The state is the pair cost of one more meeting (`pair`, U x U) and the one-hot groups
of every round (U x R*G); a swap changes 4 (s - 1) pair costs and four one-hot cells. Each iteration
recomputes what every unit pays with every group of every round in one matrix product, then scores
only the swaps of units in conflict, all at once, each in O(1).
"""

from __future__ import annotations

import time

import numpy as np

from app.grouping.build import FloatArray, IntArray, Model

MAX_CELLS = 400_000  # rounds x units x units above which the annealer is used instead
TENURE = (4, 100)  # tabu tenure range, in iterations (Dotú & Van Hentenryck)
STALL = 300  # iterations without a new best before a perturbed restart from the best
KICK = (2, 5)  # random swaps of a perturbation
EPSILON = 1e-9


def applicable(model: Model) -> bool:
    """True when this search fits: several rounds, single-person units, small enough tables."""
    return (
        model.rounds > 1
        and bool((model.unit_size == 1).all())
        and model.rounds * model.unit_count**2 <= MAX_CELLS
    )


def schedule_cost(model: Model, assign: IntArray) -> float:
    """Total cost of a schedule: pair costs of every round plus repeat costs among rounds."""
    together = assign[:, :, None] == assign[:, None, :]
    meet = together.sum(axis=0).astype(np.float64)
    np.fill_diagonal(meet, 0.0)
    placed = float((-model.base[None] * together).sum()) / 2.0
    return placed + float((model.repeat * meet * np.maximum(meet - 1.0, 0.0)).sum()) / 4.0


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
        rounds, units = assign.shape
        self.cost0: FloatArray = np.ascontiguousarray(-model.base)
        self.repeat: FloatArray = np.ascontiguousarray(model.repeat)
        movable = model.fixed_group < 0
        if self._symmetric():
            # Everyone is interchangeable: any first round can be renamed into any other, so
            # keeping round 0 as it is loses no schedule and narrows the search.
            movable[0] = False
        self.movable = movable
        self.fixed = ~movable
        self.fixed_any = bool(self.fixed.any())
        self.fixed_partly = bool((self.fixed.any(axis=1) & movable.any(axis=1)).any())
        groups = model.group_count
        self.tabu = np.zeros((rounds, units, units), dtype=np.int64)
        self.units = np.arange(units)
        self.round_offset = (np.arange(rounds) * groups)[:, None]
        # With one repeat cost for every pair, `repeat @ one_hot` is that cost times the group
        # sizes minus oneself: no second product needed.
        off = ~np.eye(units, dtype=np.bool_)
        values = self.repeat[off]
        self.uniform: float | None = float(values[0]) if values.size and np.ptp(values) <= EPSILON else None
        self.others_cost = np.zeros(rounds * groups, dtype=np.float64)  # uniform x (size - 1)
        self.sign_cache: dict[tuple[int, int], FloatArray] = {}
        self.iterations = 0
        self.stopped_by = ""
        self.load(assign)

    def _symmetric(self) -> bool:
        model = self.model
        off = ~np.eye(model.unit_count, dtype=np.bool_)
        return (
            not (model.fixed_group >= 0).any()
            and not model.closed.any()
            and not (self.cost0 > EPSILON).any()
            and bool(np.ptp(self.repeat[off]) <= EPSILON)
        )

    def load(self, assign: IntArray) -> None:
        """Take `assign` as the current schedule and rebuild the meeting counts and one-hot groups."""
        rounds, units = assign.shape
        groups = self.model.group_count
        self.assign = np.ascontiguousarray(assign, dtype=np.int64).copy()
        self.members: list[list[list[int]]] = [
            [[int(x) for x in np.flatnonzero(row == g)] for g in range(groups)] for row in self.assign
        ]
        together = self.assign[:, :, None] == self.assign[:, None, :]
        meet = together.sum(axis=0)
        np.fill_diagonal(meet, 0)
        self.pair = self.cost0 + self.repeat * meet  # cost of one more meeting of u and v
        # one_hot[u, r * G + g] = 1 when u sits in group g in round r.
        self.one_hot = np.zeros((units, rounds * groups), dtype=np.float64)
        self.one_hot[self.units[None, :], self.column] = 1.0
        if self.uniform is not None:
            self.others_cost = self.uniform * (self.one_hot.sum(axis=0) - 1.0)
        self.current = schedule_cost(self.model, self.assign)

    @property
    def column(self) -> IntArray:
        """Column of one_hot (r * G + group) of every (r, u)."""
        column: IntArray = self.assign + self.round_offset
        return column

    def cost(self, assign: IntArray) -> float:
        """Total cost of a schedule (see `schedule_cost`)."""
        return schedule_cost(self.model, assign)

    def table(self) -> FloatArray:
        """table[u, r * G + g]: what u pays with the members of group g in round r (own group: others).

        The pair cost in round r counts the meetings of the other rounds only: `pair` minus one
        `repeat` when the two sit together in round r.
        """
        one_hot = self.one_hot
        paid = self.pair @ one_hot
        if self.uniform is not None:
            table: FloatArray = paid - one_hot * self.others_cost
        else:
            table = paid - one_hot * (self.repeat @ one_hot)
        return table

    def candidates(self, best_cost: float) -> tuple[FloatArray, IntArray]:
        """Cost change of every swap (unit in conflict k, any unit v); +inf when not allowed.

        Returns the (K x U) deltas and the flat index r * U + u of each row.
        """
        rounds, units = self.assign.shape
        table = self.table()
        column = self.column
        own = table[self.units[None, :], column]  # R x U: what (r, u) pays in its own group
        conflicted = own > EPSILON
        if self.fixed_any:
            conflicted &= self.movable
        rows = np.flatnonzero(conflicted)
        rows_r, rows_u = np.divmod(rows, units)
        columns_k = column[rows_r]  # K x U: column of every unit in the row's round
        own_column = column.ravel()[rows]
        into = table[rows_u[:, None], columns_k]  # u's cost in v's group
        back = table[:, own_column].T  # v's cost in u's group
        delta = into + back
        delta -= own.ravel()[rows][:, None]
        delta -= own[rows_r]
        delta -= 2.0 * self.pair[rows_u]
        blocked = columns_k == own_column[:, None]
        if self.fixed_partly:
            blocked |= self.fixed[rows_r]
        tabu = self.tabu.reshape(rounds * units, units)[rows] > self.iterations
        tabu &= delta >= best_cost - self.current - EPSILON
        blocked |= tabu
        delta[blocked] = np.inf
        return delta, rows

    def swap(self, r: int, u: int, v: int) -> None:
        """Swap units u and v (different groups) in round r, updating meetings and one-hot groups."""
        assign = self.assign
        a, b = int(assign[r, u]), int(assign[r, v])
        group_a, group_b = self.members[r][a], self.members[r][b]
        group_a.remove(u)
        group_b.remove(v)
        # Meetings: u leaves group a and joins group b, v the other way round (both orders).
        size_a, size_b = len(group_a), len(group_b)
        ends = [u] * (size_a + size_b) + [v] * (size_a + size_b)
        others = group_a + group_b + group_a + group_b
        first = np.array(ends + others, dtype=np.int64)
        second = np.array(others + ends, dtype=np.int64)
        self.pair[first, second] += self.signs(size_a, size_b) * self.repeat[first, second]
        group_a.append(v)
        group_b.append(u)
        offset = r * self.model.group_count
        one_hot = self.one_hot
        one_hot[u, offset + a] = one_hot[v, offset + b] = 0.0
        one_hot[u, offset + b] = one_hot[v, offset + a] = 1.0
        assign[r, u], assign[r, v] = b, a

    def signs(self, size_a: int, size_b: int) -> FloatArray:
        """Meeting changes of the pairs listed by `swap`: -1 for u with a, +1 with b, then v reversed."""
        key = (size_a, size_b)
        cached = self.sign_cache.get(key)
        if cached is None:
            half = [-1.0] * size_a + [1.0] * size_b + [1.0] * size_a + [-1.0] * size_b
            cached = np.array(half + half, dtype=np.float64)
            self.sign_cache[key] = cached
        return cached

    def run(self) -> tuple[IntArray, float]:
        """Search until cost 0, the deadline or the iteration budget; return the best schedule and cost."""
        rng = self.rng
        best_cost, best = self.current, self.assign.copy()
        last_gain = 0
        while best_cost > EPSILON:
            if self.max_iterations is not None and self.iterations >= self.max_iterations:
                self.stopped_by = "iterations"
                break
            if self.iterations % 16 == 0 and time.perf_counter() >= self.deadline:
                self.stopped_by = "time"
                break
            self.iterations += 1
            delta, rows = self.candidates(best_cost)
            lowest = float(delta.min()) if delta.size else np.inf
            if not np.isfinite(lowest):
                self._kick()
                continue
            ties = np.flatnonzero(delta.ravel() <= lowest + EPSILON)
            index = int(ties[int(rng.integers(0, ties.size))]) if ties.size > 1 else int(ties[0])
            k, v = divmod(index, delta.shape[1])
            r, u = divmod(int(rows[k]), self.assign.shape[1])
            self.swap(r, u, v)
            tenure = int(rng.integers(TENURE[0], TENURE[1] + 1))
            self.tabu[r, u, v] = self.tabu[r, v, u] = self.iterations + tenure
            self.current += lowest
            if self.current < best_cost - EPSILON:
                # Recount a new best exactly: summed deltas of large rule penalties drift.
                self.current = self.cost(self.assign)
            if self.current < best_cost - EPSILON:
                best_cost, best, last_gain = self.current, self.assign.copy(), self.iterations
            elif self.iterations - last_gain > STALL:
                self.load(best)
                self._kick()
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
            if self.movable[r, u] and self.movable[r, v] and self.assign[r, u] != self.assign[r, v]:
                self.swap(r, u, v)
        self.current = self.cost(self.assign)
        self.tabu[:] = 0
