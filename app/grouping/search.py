"""Local search for peer groups: simulated annealing over moves and swaps, then steepest descent.

The state keeps, for every round r, unit u and group g, `gain_to[r, u, g]`: the sum of the pair
weights between u and the members of g in round r, where the weight of a pair in round r is its
base score minus the repeat cost of the meetings it has in the *other* planned rounds. With that
table a move or a swap is scored in O(1) and applied in O(units); candidates are scored by the
thousand with numpy.

Determinism: every random draw comes from one generator seeded by the problem's seed, and the clock
is read only between batches, so two runs with the same seed and the same number of completed
batches return the same groups; a run that ends by stagnation or by `max_iterations` is fully
reproducible.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from app.grouping.build import FloatArray, IntArray, Model

BATCH = 256
EPSILON = 1e-9


@dataclass
class SearchStats:
    """What the search did."""

    iterations: int = 0
    epochs: int = 0
    stopped_by: str = ""


class State:
    """An assignment of every unit to a group in every round, with its incremental tables."""

    def __init__(self, model: Model, assign: IntArray) -> None:
        self.model = model
        self.assign = assign.copy()  # R x U
        rounds, units = assign.shape
        groups = model.group_count
        self.sizes = np.zeros((rounds, groups), dtype=np.int64)
        for r in range(rounds):
            np.add.at(self.sizes[r], self.assign[r], model.unit_size)
        self.meet = np.zeros((units, units), dtype=np.int64)
        for r in range(rounds):
            self.meet += self.assign[r][:, None] == self.assign[r][None, :]
        np.fill_diagonal(self.meet, 0)
        self.gain_to = np.zeros((rounds, units, groups), dtype=np.float64)
        for r in range(rounds):
            self.gain_to[r] = self._round_weights(r) @ self._one_hot(r)

    def _one_hot(self, r: int) -> FloatArray:
        one_hot = np.zeros((self.assign.shape[1], self.model.group_count), dtype=np.float64)
        one_hot[np.arange(self.assign.shape[1]), self.assign[r]] = 1.0
        return one_hot

    def _round_weights(self, r: int) -> FloatArray:
        together = self.assign[r][:, None] == self.assign[r][None, :]
        weights: FloatArray = self.model.base - self.model.repeat * (self.meet - together)
        np.fill_diagonal(weights, 0.0)
        return weights

    def weight_column(self, r: int, u: int) -> FloatArray:
        """Weights in round r between every unit and unit u."""
        if self.model.rounds == 1:
            return self.model.base[:, u]  # one round: no repeat among planned rounds (zero diagonal)
        together = self.assign[r] == self.assign[r, u]
        column: FloatArray = self.model.base[:, u] - self.model.repeat[:, u] * (self.meet[:, u] - together)
        column[u] = 0.0
        return column

    def move(self, r: int, u: int, target: int) -> None:
        """Move unit u to group `target` in round r, updating every table."""
        source = int(self.assign[r, u])
        if source == target:
            return
        model = self.model
        column = self.weight_column(r, u)
        self.gain_to[r, :, source] -= column
        self.gain_to[r, :, target] += column
        if model.rounds > 1:
            left = np.flatnonzero(self.assign[r] == source)
            left = left[left != u]
            joined = np.flatnonzero(self.assign[r] == target)
            self._update_meetings(r, u, left, joined)
        self.assign[r, u] = target
        size = model.unit_size[u]
        self.sizes[r, source] -= size
        self.sizes[r, target] += size

    def _update_meetings(self, r: int, u: int, left: IntArray, joined: IntArray) -> None:
        """Meeting counts change, so pair weights change in every other round."""
        repeat = self.model.repeat
        self.meet[u, left] -= 1
        self.meet[left, u] -= 1
        self.meet[u, joined] += 1
        self.meet[joined, u] += 1
        for other in range(self.model.rounds):
            if other == r:
                continue
            row = self.assign[other]
            for members, sign in ((left, 1.0), (joined, -1.0)):
                if members.size == 0:
                    continue
                delta = sign * repeat[u, members]
                np.add.at(self.gain_to[other, u], row[members], delta)
                self.gain_to[other, members, row[u]] += delta

    def objective(self) -> float:
        """Total score: pair scores in groups minus repeat costs plus preferences (hard penalties in)."""
        model = self.model
        total = model.internal * model.rounds
        for r in range(model.rounds):
            together = self.assign[r][:, None] == self.assign[r][None, :]
            total += float((model.base * together).sum()) / 2.0
            total += float(model.preference[r, np.arange(self.assign.shape[1]), self.assign[r]].sum())
        meet = self.meet.astype(np.float64)
        total -= float((model.repeat * meet * np.maximum(meet - 1.0, 0.0)).sum()) / 4.0
        return total


def initial_assignment(model: Model, rng: np.random.Generator) -> IntArray:
    """Place units round by round, pinned, biggest and most constrained first, each where it fits best.

    Units with many hard conflicts (members of a large organisation) go first, so that they are dealt
    one per group while every group still has room: placed last, they would find no group free of a
    colleague.
    """
    rounds, units, groups = model.rounds, model.unit_count, model.group_count
    assign = np.full((rounds, units), -1, dtype=np.int64)
    unit_conflicts = np.zeros(units, dtype=np.int64)
    np.add.at(unit_conflicts, model.unit_of, model.conflict.sum(axis=1))
    for r in range(rounds):
        sizes = np.zeros(groups, dtype=np.int64)
        fixed = model.fixed_group[r]
        for u in np.flatnonzero(fixed >= 0):
            assign[r, u] = fixed[u]
            sizes[fixed[u]] += model.unit_size[u]
        free = np.flatnonzero(fixed < 0)
        # Members of an organisation about as large as the number of groups come first (one per
        # group while there is room), then blocks by size, then the others by their conflicts.
        crowded = unit_conflicts[free] >= max(1, groups // 2)
        keys = (rng.random(free.size), -unit_conflicts[free], -model.unit_size[free], ~crowded)
        order = free[np.lexsort(keys)]
        for u in order:
            assign[r, u] = _best_place(model, assign, r, int(u), sizes, rng)
            sizes[assign[r, u]] += model.unit_size[u]
    return assign


def _best_place(
    model: Model, assign: IntArray, r: int, u: int, sizes: IntArray, rng: np.random.Generator
) -> int:
    """The open group with room where unit u adds most (filling groups below minimum first)."""
    size = model.unit_size[u]
    open_groups = ~model.closed[r]
    room = (sizes + size <= model.high) & open_groups
    if not room.any():
        room = open_groups if open_groups.any() else np.ones(model.group_count, dtype=np.bool_)
    placed = assign[r] >= 0
    score = np.zeros(model.group_count, dtype=np.float64)
    if placed.any():
        members = np.flatnonzero(placed)
        weights = model.base[u, members].copy()
        for earlier in range(r):
            same = assign[earlier, members] == assign[earlier, u]
            weights -= model.repeat[u, members] * same
        np.add.at(score, assign[r, members], weights)
    score += model.preference[r, u]
    # Fill every group to its minimum before any group grows past it.
    under = sizes < model.low
    score += np.where(under & room, 1e-3 * model.hard_penalty, 0.0)
    score += rng.random(model.group_count) * 1e-9
    score[~room] = -np.inf
    return int(np.argmax(score))


class Progress:
    """How far an annealing schedule has gone: by iterations when bounded, else by the clock."""

    def __init__(self, begin: float, end: float, iterations: int | None, first_iteration: int) -> None:
        self.begin, self.end = begin, end
        self.iterations, self.first = iterations, first_iteration

    def fraction(self, iteration: int) -> float:
        """Share of the schedule done, in [0, 1]."""
        if self.iterations is not None:
            return (iteration - self.first) / max(1, self.iterations)
        return (time.perf_counter() - self.begin) / max(1e-9, self.end - self.begin)


class Annealer:
    """Simulated annealing on one State, one candidate *matrix* at a time.

    Scoring random candidates one batch at a time costs tens of microseconds of numpy overhead per
    batch, and near a good solution only about one candidate in a thousand is accepted. So each
    sweep scores every swap between a set of rows (all movable units, or a random sample of them on
    big problems) and every movable unit, plus every move of those rows, in a handful of array
    operations; each candidate draws its own Metropolis threshold. An accepted candidate picked
    uniformly is what sequential annealing would take next. Accepting it changes only the gains
    that touch its two groups, so further accepted candidates lying in other groups stay exact and
    are applied in the same sweep.
    """

    ROW_CAP = 160  # rows scored per sweep on big problems: keeps a sweep near 100 microseconds
    NOISE = 1 << 16
    MOVE_WEIGHT = 8.0

    def __init__(self, state: State, rng: np.random.Generator, deadline: float, max_iterations: int | None):
        self.state = state
        self.model = state.model
        self.rng = rng
        self.deadline = deadline
        self.max_iterations = max_iterations
        self.stats = SearchStats()
        model = self.model
        self.movable = [np.flatnonzero(model.fixed_group[r] < 0) for r in range(model.rounds)]
        self.active_rounds = np.array([r for r in range(model.rounds) if self.movable[r].size > 1])
        self.blocks = bool((model.unit_size > 1).any())
        self.varied_sizes = bool((model.low != model.high).any()) or self.blocks
        self.has_preference = bool((model.preference != 0).any())
        self.everyone = [self.movable[r].size == model.unit_count for r in range(model.rounds)]
        # Log-uniform thresholds drawn once and read at random offsets: drawing them per sweep
        # would cost as much as scoring the candidates.
        self.noise = np.log(rng.random(self.NOISE) + 1e-300)
        # Objective tracked by summing applied gains, so the best state is kept without rescoring.
        self.value = 0.0
        self.best_value = 0.0
        self.best_assign = state.assign.copy()
        self.target: float | None = None  # a proven optimum: stop as soon as it is reached

    def out_of_time(self) -> bool:
        """True when the budget of time or iterations is spent."""
        if self.max_iterations is not None and self.stats.iterations >= self.max_iterations:
            self.stats.stopped_by = "iterations"
            return True
        if time.perf_counter() >= self.deadline:
            self.stats.stopped_by = "time"
            return True
        return False

    def gains(self, r: int, rows: IntArray) -> tuple[FloatArray, FloatArray | None]:
        """Gain of every swap rows x movable units (-inf when invalid) and of every move of rows."""
        state, model = self.state, self.model
        pool = self.movable[r]
        table = state.gain_to[r]
        if self.has_preference:
            table = table + model.preference[r]
        assign = state.assign[r]
        whole = self.everyone[r] and rows.size == pool.size
        cols_group = assign if self.everyone[r] else assign[pool]
        rows_group = assign[rows]
        rows_table = table if whole else table[rows]
        cols_table = table if self.everyone[r] else table[pool]
        here_rows = rows_table[np.arange(rows.size), rows_group]
        here_cols = here_rows if whole else cols_table[np.arange(pool.size), cols_group]
        into = rows_table[:, cols_group] - here_rows[:, None]  # row joins the column's group
        back = cols_table[:, rows_group] - here_cols[:, None]  # column joins the row's group
        if whole:
            weights = model.base
            if model.rounds > 1:
                weights = weights - model.repeat * state.meet
        else:
            block = np.ix_(rows, pool)
            weights = model.base[block]
            if model.rounds > 1:
                weights = weights - model.repeat[block] * state.meet[block]
        swap = into + back.T - 2.0 * weights
        invalid = rows_group[:, None] == cols_group[None, :]
        if self.blocks:
            invalid |= model.unit_size[rows][:, None] != model.unit_size[pool][None, :]
        swap[invalid] = -np.inf
        if not self.varied_sizes:
            return swap, None
        size = model.unit_size[rows]
        sizes = state.sizes[r]
        move = rows_table - here_rows[:, None]
        fits_out = sizes[rows_group] - size >= model.low[rows_group]
        fits_in = sizes[None, :] + size[:, None] <= model.high[None, :]
        allowed = fits_out[:, None] & fits_in & ~model.closed[r][None, :]
        allowed[np.arange(rows.size), rows_group] = False
        move[~allowed] = -np.inf
        return swap, move

    def rows_for(self, r: int) -> IntArray:
        """The units whose swaps and moves a sweep scores."""
        pool = self.movable[r]
        if pool.size <= self.ROW_CAP:
            return pool
        rows = self.rng.choice(pool, self.ROW_CAP, replace=False)
        # Units sitting with someone they must not meet are always scored: on big problems a
        # random sample would reach them too rarely to clear every broken rule in time.
        here = self.state.gain_to[r][pool, self.state.assign[r, pool]]
        broken = pool[here < -0.5 * self.model.hard_penalty]
        if broken.size:
            rows = np.union1d(rows, broken[: self.ROW_CAP])
        return np.sort(rows)

    def thresholds(self, size: int, temperature: float) -> FloatArray:
        """Metropolis thresholds T*log(U) for `size` candidates."""
        if size >= self.NOISE:
            return temperature * np.log(self.rng.random(size) + 1e-300)
        offset = int(self.rng.integers(0, self.NOISE - size + 1))
        return temperature * self.noise[offset : offset + size]

    def sweep(self, temperature: float) -> int:
        """Score one candidate matrix, apply accepted candidates in distinct groups; return accepted."""
        rng, state = self.rng, self.state
        r = int(self.active_rounds[rng.integers(0, self.active_rounds.size)])
        pool = self.movable[r]
        rows = self.rows_for(r)
        swap, move = self.gains(r, rows)
        flat = swap.ravel()
        accepted = np.flatnonzero(flat > self.thresholds(flat.size, temperature))
        total = flat.size
        assign = state.assign[r]
        first = assign[rows[accepted // pool.size]]
        second = assign[pool[accepted % pool.size]]
        if move is not None:
            moves = move.ravel()
            taken = np.flatnonzero(moves > self.thresholds(moves.size, temperature))
            groups = self.model.group_count
            first = np.concatenate([first, assign[rows[taken // groups]]])
            second = np.concatenate([second, taken % groups])
            accepted = np.concatenate([accepted, taken + total])
            total += moves.size
        self.stats.iterations += total
        gain = flat if move is None else np.concatenate([flat, move.ravel()])
        applied = 0
        dirty = np.zeros(self.model.group_count, dtype=np.bool_)
        while accepted.size:
            pick = self.pick(accepted, flat.size)
            index = int(accepted[pick])
            if index < flat.size:
                u, v = int(rows[index // pool.size]), int(pool[index % pool.size])
                source, target = int(assign[u]), int(assign[v])
                state.move(r, u, target)
                state.move(r, v, source)
            else:
                offset = index - flat.size
                u, target = int(rows[offset // self.model.group_count]), offset % self.model.group_count
                source = int(assign[u])
                state.move(r, u, target)
            self.value += float(gain[index])
            applied += 1
            dirty[source] = dirty[target] = True
            keep = ~(dirty[first] | dirty[second])
            accepted, first, second = accepted[keep], first[keep], second[keep]
        if self.value > self.best_value + EPSILON:
            self.best_value = self.value
            self.best_assign = state.assign.copy()
        return applied

    def pick(self, accepted: IntArray, swaps: int) -> int:
        """Position in `accepted` of the candidate to apply: uniform, moves weighted MOVE_WEIGHT times."""
        count = accepted.size
        moves = int(np.count_nonzero(accepted >= swaps)) if self.varied_sizes else 0
        if moves == 0 or moves == count:
            return int(self.rng.integers(0, count))
        weight = self.MOVE_WEIGHT * moves
        draw = self.rng.random() * (count - moves + weight)
        if draw < count - moves:
            return int(draw)  # swaps come first in `accepted`
        return count - moves + min(moves - 1, int((draw - (count - moves)) / self.MOVE_WEIGHT))

    def calibrate(self) -> float:
        """Typical size of a worsening step from the current (locally optimal) state."""
        r = int(self.active_rounds[0])
        swap, move = self.gains(r, self.rows_for(r))
        gains = swap.ravel() if move is None else np.concatenate([swap.ravel(), move.ravel()])
        worse = -gains[np.isfinite(gains) & (gains < 0)]
        worse = worse[worse < self.model.hard_penalty * 1e-3]
        if worse.size == 0:
            return 1.0
        return float(np.median(worse))

    def run(self, start: float, end: float, progress: Progress) -> None:
        """Anneal from temperature `start` to `end` as `progress` goes from 0 to 1."""
        ratio = end / start
        while not self.out_of_time():
            done = progress.fraction(self.stats.iterations)
            if done >= 1.0:
                return
            self.sweep(start * ratio**done)
            self.stats.epochs += 1
            if self.target is not None and self.best_value >= self.target - EPSILON:
                self.stats.stopped_by = "optimal"
                return


def polish(state: State, movable: list[IntArray], deadline: float) -> int:
    """Steepest descent over all moves and swaps of each round until no step improves."""
    model = state.model
    steps = 0
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for r in range(model.rounds):
            pool = movable[r]
            if pool.size < 2:
                continue
            while time.perf_counter() < deadline:
                step = _best_step(state, r, pool)
                if step is None:
                    break
                u, v, target = step
                source = int(state.assign[r, u])
                state.move(r, u, target)
                if v >= 0:
                    state.move(r, v, source)
                steps += 1
                improved = True
    return steps


def _best_step(state: State, r: int, pool: IntArray) -> tuple[int, int, int] | None:
    """The best improving move or swap of round r among movable units, or None."""
    model = state.model
    everyone = pool.size == model.unit_count
    assign = state.assign[r] if everyone else state.assign[r, pool]
    table = state.gain_to[r] if everyone else state.gain_to[r][pool]
    if (model.preference[r] != 0).any():
        table = table + (model.preference[r] if everyone else model.preference[r][pool])
    rows = np.arange(pool.size)
    here = table[rows, assign]
    size = model.unit_size if everyone else model.unit_size[pool]
    into_partner = table[:, assign] - here[:, None]  # [i, j]: gain of i joining j's group
    if everyone:
        weights = model.base
        if model.rounds > 1:
            weights = weights - model.repeat * state.meet
    else:
        block = np.ix_(pool, pool)
        weights = model.base[block] - model.repeat[block] * state.meet[block]
    swap_gain = into_partner + into_partner.T - 2.0 * weights
    invalid = assign[:, None] == assign[None, :]
    if (size > 1).any():
        invalid |= size[:, None] != size[None, :]
    swap_gain[invalid] = -np.inf
    best_swap = int(np.argmax(swap_gain))
    swap_value = float(swap_gain.flat[best_swap])
    move_value, best_move = -np.inf, -1
    if (model.low != model.high).any() or (size > 1).any():
        move_gain = table - here[:, None]
        fits_out = state.sizes[r, assign] - size >= model.low[assign]
        fits_in = state.sizes[r][None, :] + size[:, None] <= model.high[None, :]
        allowed = fits_out[:, None] & fits_in & ~model.closed[r][None, :]
        allowed[rows, assign] = False
        move_gain = np.where(allowed, move_gain, -np.inf)
        best_move = int(np.argmax(move_gain))
        move_value = float(move_gain.flat[best_move])
    if max(swap_value, move_value) <= EPSILON:
        return None
    if swap_value >= move_value:
        i, j = divmod(best_swap, pool.size)
        return int(pool[i]), int(pool[j]), int(assign[j])
    i, g = divmod(best_move, model.group_count)
    return int(pool[i]), -1, int(g)
