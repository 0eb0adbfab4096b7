"""Turn a Problem into the arrays the search works on.

People joined by must-link become one *unit* (a block that always moves together). Scores live on
units: `base[u, v]` sums the pair scores between their members, minus the history penalty, minus a
large penalty for every hard conflict (cannot-link, same organisation). `repeat[u, v]` is the cost
of the two units meeting once more among the rounds being planned.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.grouping.problem import Problem

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass
class Model:
    """Arrays of one problem, indexed by unit (u) and group (g)."""

    ids: list[str]
    unit_of: IntArray  # person index -> unit index
    units: list[list[int]]  # unit -> person indices
    unit_size: IntArray
    person_scores: FloatArray  # n x n attribute or explicit scores (no penalties)
    history_penalty: FloatArray  # n x n
    conflict: BoolArray  # n x n hard "must not be together"
    base: FloatArray  # U x U: scores - history - hard penalty
    repeat: FloatArray  # U x U: cost of one more meeting among planned rounds
    internal: float  # constant score inside units (must-link blocks)
    low: IntArray  # per group minimum size
    high: IntArray  # per group maximum size
    rounds: int
    fixed_group: IntArray  # R x U: forced group or -1
    closed: BoolArray  # R x G: locked groups nobody may enter or leave
    preference: FloatArray  # R x U x G linear bonus (stability towards a previous plan)
    hard_penalty: float
    messages: list[str]

    @property
    def unit_count(self) -> int:
        """Number of units."""
        return len(self.units)

    @property
    def group_count(self) -> int:
        """Number of groups per round."""
        return len(self.low)


def normalise_name(name: str) -> str:
    """Compare organisation names without case, accents or extra spaces."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


def _attribute_scores(problem: Problem) -> FloatArray:
    people = problem.people
    n = len(people)
    if problem.pair_scores is not None:
        matrix = np.array(problem.pair_scores, dtype=np.float64)
        matrix = (matrix + matrix.T) / 2.0
        np.fill_diagonal(matrix, 0.0)
        return matrix
    weights = problem.weights
    scores = np.zeros((n, n), dtype=np.float64)
    profiles = np.array([p.profile for p in people], dtype=object)
    if weights.profile:
        known = profiles != ""
        differ = (profiles[:, None] != profiles[None, :]) & known[:, None] & known[None, :]
        scores += weights.profile * differ
    if weights.territory:
        territories = np.array([p.territory for p in people], dtype=object)
        known = territories != ""
        both = known[:, None] & known[None, :]
        same = territories[:, None] == territories[None, :]
        chosen = (~same if weights.territory_mode == "differ" else same) & both
        scores += weights.territory * chosen
    np.fill_diagonal(scores, 0.0)
    return scores


def _history(problem: Problem, index: dict[str, int]) -> FloatArray:
    n = len(problem.people)
    penalty = np.zeros((n, n), dtype=np.float64)
    decay = problem.weights.recency_decay
    for meeting in problem.history:
        i, j = index[meeting.a], index[meeting.b]
        cost = problem.weights.repeat * meeting.times * decay ** (meeting.ago - 1)
        penalty[i, j] += cost
        penalty[j, i] += cost
    return penalty


def _conflicts(problem: Problem, index: dict[str, int]) -> BoolArray:
    n = len(problem.people)
    conflict = np.zeros((n, n), dtype=np.bool_)
    if problem.same_organisation_apart:
        names = [normalise_name(p.organisation) for p in problem.people]
        by_name: dict[str, list[int]] = {}
        for i, name in enumerate(names):
            if name:
                by_name.setdefault(name, []).append(i)
        for members in by_name.values():
            if len(members) > 1:
                conflict[np.ix_(members, members)] = True
    for group in problem.cannot_link:
        members = [index[x] for x in group]
        conflict[np.ix_(members, members)] = True
    np.fill_diagonal(conflict, False)
    return conflict


def _units(problem: Problem, index: dict[str, int]) -> tuple[IntArray, list[list[int]]]:
    n = len(problem.people)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group in problem.must_link:
        first = find(index[group[0]])
        for other in group[1:]:
            parent[find(index[other])] = first
    roots: dict[int, int] = {}
    unit_of = np.zeros(n, dtype=np.int64)
    units: list[list[int]] = []
    for i in range(n):
        root = find(i)
        if root not in roots:
            roots[root] = len(units)
            units.append([])
        unit_of[i] = roots[root]
        units[roots[root]].append(i)
    return unit_of, units


def build_model(problem: Problem) -> Model:
    """Compute every array of the search from the problem."""
    ids = [p.id for p in problem.people]
    index = {person_id: i for i, person_id in enumerate(ids)}
    scores = _attribute_scores(problem)
    history = _history(problem, index)
    conflict = _conflicts(problem, index)
    unit_of, units = _units(problem, index)
    n_units = len(units)
    scale = max(1.0, float(np.abs(scores).max(initial=0.0)), problem.weights.repeat)
    hard_penalty = 1e5 * scale * max(1, len(ids))
    person_matrix = scores - history - hard_penalty * conflict
    membership = np.zeros((n_units, len(ids)), dtype=np.float64)
    membership[unit_of, np.arange(len(ids))] = 1.0
    unit_matrix = membership @ person_matrix @ membership.T
    internal = float(np.trace(unit_matrix)) / 2.0
    np.fill_diagonal(unit_matrix, 0.0)
    unit_size = np.array([len(u) for u in units], dtype=np.int64)
    repeat = problem.weights.repeat * np.outer(unit_size, unit_size).astype(np.float64)
    np.fill_diagonal(repeat, 0.0)
    model = Model(
        ids=ids,
        unit_of=unit_of,
        units=units,
        unit_size=unit_size,
        person_scores=scores,
        history_penalty=history,
        conflict=conflict,
        base=unit_matrix,
        repeat=repeat,
        internal=internal,
        low=np.array([b[0] for b in problem.bounds], dtype=np.int64),
        high=np.array([b[1] for b in problem.bounds], dtype=np.int64),
        rounds=problem.rounds,
        fixed_group=np.full((problem.rounds, n_units), -1, dtype=np.int64),
        closed=np.zeros((problem.rounds, len(problem.bounds)), dtype=np.bool_),
        preference=np.zeros((problem.rounds, n_units, len(problem.bounds)), dtype=np.float64),
        hard_penalty=hard_penalty,
        messages=[],
    )
    _apply_pins_and_locks(problem, model, index)
    _apply_previous(problem, model, index)
    return model


def _apply_pins_and_locks(problem: Problem, model: Model, index: dict[str, int]) -> None:
    for person_id, group in problem.pinned.items():
        unit = int(model.unit_of[index[person_id]])
        model.fixed_group[:, unit] = group
    for lock in problem.locked:
        if lock.round >= model.rounds or lock.group >= model.group_count:
            continue
        model.closed[lock.round, lock.group] = True
        for person_id in lock.members:
            if person_id in index:
                model.fixed_group[lock.round, int(model.unit_of[index[person_id]])] = lock.group


def _apply_previous(problem: Problem, model: Model, index: dict[str, int]) -> None:
    """A bonus for keeping each unit where a previous plan had it: repairs change few groups."""
    if not problem.previous or problem.weights.stability <= 0:
        return
    bonus = problem.weights.stability
    for r, groups in enumerate(problem.previous[: model.rounds]):
        for g, members in enumerate(groups[: model.group_count]):
            for person_id in members:
                if person_id in index:
                    model.preference[r, int(model.unit_of[index[person_id]]), g] += bonus
