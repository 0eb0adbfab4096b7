"""Independent evaluator of the grouping benchmark: MDGP scores, golfer repeats, workshop checks.

Plain Python and numpy only. Nothing here imports `app.grouping`: the engine's own bookkeeping
(objective, repeat count, violation count) is re-computed from its raw output, so a bug in the engine
cannot hide in its benchmark figures.

Conventions
- A *partition* (one round) is a list of groups, each a list of people; group `g` must have a size in
  `bounds[g]` (groups are matched to bounds by position, as pins refer to group indices).
- A *schedule* is a list of rounds, each a partition of the same people.
- A *repeat pair* is one extra meeting of a pair: a pair that meets k >= 2 times among the planned
  rounds counts k - 1; a pair that already met (history) counts once for every planned round in which
  it meets again. Pairs tied by a must-link constraint are together by request and never count.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

Pair = tuple[Any, Any]


# --- MDGP instances (MDGPLIB format) -------------------------------------------------------------


@dataclass(frozen=True)
class MdgpInstance:
    """One MDGPLIB instance: `n` people, per-group size bounds and the symmetric diversity matrix."""

    name: str
    n: int
    kind: str
    bounds: list[tuple[int, int]]
    d: np.ndarray = field(repr=False)


def read_mdgp(path: str | Path) -> MdgpInstance:
    """Read an MDGPLIB file: header `n G type a1 b1 ... aG bG`, then one `i j d_ij` line per pair.

    Raises ValueError when the header is malformed or a pair is missing, repeated or out of range.
    """
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().split()
        if len(header) < 3:
            raise ValueError(f"{path.name}: header too short")
        n, groups, kind = int(header[0]), int(header[1]), header[2]
        sizes = [int(x) for x in header[3:]]
        if len(sizes) != 2 * groups:
            raise ValueError(f"{path.name}: expected {2 * groups} size bounds, found {len(sizes)}")
        bounds = [(sizes[2 * g], sizes[2 * g + 1]) for g in range(groups)]
        rows = np.loadtxt(handle, dtype=float, ndmin=2)
    if rows.shape != (n * (n - 1) // 2, 3):
        raise ValueError(f"{path.name}: expected {n * (n - 1) // 2} pair lines, found {rows.shape[0]}")
    i = rows[:, 0].astype(np.int64)
    j = rows[:, 1].astype(np.int64)
    if i.min() < 0 or j.max() >= n or np.any(i >= j):
        raise ValueError(f"{path.name}: pair indices must satisfy 0 <= i < j < n")
    d = np.zeros((n, n), dtype=float)
    d[i, j] = rows[:, 2]
    d[j, i] = rows[:, 2]
    covered = np.zeros((n, n), dtype=bool)
    covered[i, j] = True
    if int(covered.sum()) != n * (n - 1) // 2:
        raise ValueError(f"{path.name}: some pair appears twice")
    return MdgpInstance(path.stem, n, kind, bounds, d)


def check_partition(n: int, bounds: Sequence[tuple[int, int]], groups: Sequence[Sequence[int]]) -> list[str]:
    """Every way `groups` fails to be a feasible partition of people 0..n-1 (empty list = feasible)."""
    problems: list[str] = []
    if len(groups) != len(bounds):
        problems.append(f"{len(groups)} groups for {len(bounds)} size bounds")
    for index, (group, (low, high)) in enumerate(zip(groups, bounds, strict=False)):
        if not low <= len(group) <= high:
            problems.append(f"group {index} has {len(group)} people, bounds [{low}, {high}]")
    seen: Counter[int] = Counter()
    for group in groups:
        for person in group:
            if isinstance(person, bool) or not isinstance(person, int | np.integer) or not 0 <= person < n:
                problems.append(f"unknown person {person!r}")
            else:
                seen[int(person)] += 1
    problems.extend(f"person {p} placed {c} times" for p, c in sorted(seen.items()) if c > 1)
    missing = n - len(seen)
    if missing:
        problems.append(f"{missing} people not placed")
    return problems


def score_partition(d: np.ndarray, groups: Sequence[Sequence[int]]) -> float:
    """Sum over groups of the sum of d_ij over the unordered pairs inside the group."""
    total = 0.0
    for group in groups:
        index = np.asarray(group, dtype=np.int64)
        if index.size > 1:
            block = d[np.ix_(index, index)]
            total += float(np.triu(block, k=1).sum())
    return total


@dataclass(frozen=True)
class MdgpScore:
    """Objective of one assignment and whether it is feasible (an infeasible answer is a failure)."""

    objective: float
    feasible: bool
    problems: list[str]


def evaluate_mdgp(instance: MdgpInstance, groups: Sequence[Sequence[int]]) -> MdgpScore:
    """Score `groups` on `instance`; the objective is NaN when the partition is infeasible."""
    problems = check_partition(instance.n, instance.bounds, groups)
    if problems:
        return MdgpScore(math.nan, False, problems)
    return MdgpScore(score_partition(instance.d, groups), True, [])


def random_sizes(n: int, bounds: Sequence[tuple[int, int]], rng: random.Random) -> list[int]:
    """Group sizes within bounds summing to n: every group at its minimum, the rest dealt at random."""
    sizes = [low for low, _ in bounds]
    spare = n - sum(sizes)
    if spare < 0 or spare > sum(high - low for low, high in bounds):
        raise ValueError("the bounds cannot hold exactly n people")
    open_groups = [g for g, (low, high) in enumerate(bounds) if high > low]
    for _ in range(spare):
        g = rng.choice(open_groups)
        sizes[g] += 1
        if sizes[g] == bounds[g][1]:
            open_groups.remove(g)
    return sizes


def random_partition(n: int, bounds: Sequence[tuple[int, int]], rng: random.Random) -> list[list[int]]:
    """A uniformly shuffled feasible partition of 0..n-1 (sizes from `random_sizes`)."""
    people = list(range(n))
    rng.shuffle(people)
    groups: list[list[int]] = []
    start = 0
    for size in random_sizes(n, bounds, rng):
        groups.append(sorted(people[start : start + size]))
        start += size
    return groups


def expected_random(instance: MdgpInstance, samples: int = 200, seed: int = 0) -> float:
    """E[random]: mean objective of `samples` random feasible partitions (seeded, reproducible)."""
    rng = random.Random(seed)
    values = [
        score_partition(instance.d, random_partition(instance.n, instance.bounds, rng))
        for _ in range(samples)
    ]
    return float(np.mean(values))


def gap_percent(objective: float, best_known: float) -> float:
    """100 * (best_known - f) / best_known: 0 = best known, negative = a new best."""
    return 100.0 * (best_known - objective) / best_known


def normalised(objective: float, best_known: float, random_mean: float) -> float:
    """(f - E[random]) / (best_known - E[random]): 0 = random assignment, 1 = best known."""
    return (objective - random_mean) / (best_known - random_mean)


# --- Pairs and repeats -----------------------------------------------------------------------------


def _pair(a: Hashable, b: Hashable) -> Pair:
    return (a, b) if str(a) <= str(b) else (b, a)


def group_pairs(group: Iterable[Hashable]) -> list[Pair]:
    """Every unordered pair of a group, in a canonical order."""
    return [_pair(a, b) for a, b in combinations(group, 2)]


def pair_meetings(rounds: Sequence[Sequence[Sequence[Hashable]]]) -> Counter[Pair]:
    """How many times each pair shares a group over all rounds."""
    meetings: Counter[Pair] = Counter()
    for partition in rounds:
        for group in partition:
            meetings.update(group_pairs(group))
    return meetings


def count_repeat_pairs(rounds: Sequence[Sequence[Sequence[Hashable]]], exempt: Iterable[Pair] = ()) -> int:
    """Extra meetings among the rounds: sum over pairs of max(0, times met - 1), exempt pairs excluded."""
    skip = {_pair(a, b) for a, b in exempt}
    return sum(times - 1 for pair, times in pair_meetings(rounds).items() if times > 1 and pair not in skip)


@dataclass(frozen=True)
class GolferScore:
    """A social golfer schedule: extra meetings (0 = solved) and whether its shape is valid."""

    repeat_pairs: int
    feasible: bool
    problems: list[str]

    @property
    def solved(self) -> bool:
        """Valid shape and no pair meets twice."""
        return self.feasible and self.repeat_pairs == 0


def evaluate_golfer(rounds: Sequence[Sequence[Sequence[Hashable]]], g: int, s: int, w: int) -> GolferScore:
    """Check `rounds` is w rounds of g groups of s people (0..g*s-1, as ints or strings) and count repeats."""
    people = {str(p) for p in range(g * s)}
    problems: list[str] = []
    if len(rounds) != w:
        problems.append(f"{len(rounds)} rounds, expected {w}")
    normalised_rounds = [[[str(p) for p in group] for group in partition] for partition in rounds]
    for r, partition in enumerate(normalised_rounds):
        if len(partition) != g:
            problems.append(f"round {r}: {len(partition)} groups, expected {g}")
        bad_sizes = [len(group) for group in partition if len(group) != s]
        if bad_sizes:
            problems.append(f"round {r}: group sizes {bad_sizes}, expected {s}")
        placed = Counter(p for group in partition for p in group)
        if set(placed) != people or any(c != 1 for c in placed.values()):
            problems.append(f"round {r}: not everyone placed exactly once")
    return GolferScore(count_repeat_pairs(normalised_rounds), not problems, problems)


def golfer_upper_bound(g: int, s: int) -> int:
    """Counting bound on the rounds without repeats: floor((g*s - 1) / (s - 1))."""
    return (g * s - 1) // (s - 1)


# --- Workshop instances (JSON input of `python -m app.grouping`) -----------------------------------


def bounds_of(data: Mapping[str, Any]) -> list[tuple[int, int]]:
    """The per-group size bounds of a JSON problem (`groups`: count/min/max, `sizes` or `bounds`)."""
    groups = data["groups"]
    if "sizes" in groups:
        return [(int(s), int(s)) for s in groups["sizes"]]
    if "bounds" in groups:
        return [(int(lo), int(hi)) for lo, hi in groups["bounds"]]
    n = len(data["people"])
    count = int(groups["count"])
    low = int(groups.get("min_size", 1))
    high = int(groups.get("max_size", max(1, math.ceil(n / count))))
    return [(low, high)] * count


VIOLATION_KINDS = ("size", "placement", "organisation", "cannot_link", "must_link", "pinned")


@dataclass(frozen=True)
class WorkshopScore:
    """Hard violations by kind, repeat pairs (history and planned rounds) and mix indicators."""

    violations: dict[str, int]
    repeat_history: int
    repeat_planned: int
    mean_profiles: float
    mean_territories: float
    problems: list[str]

    @property
    def hard_violations(self) -> int:
        """Total count of hard violations (sizes, placement, organisation, links, pins)."""
        return sum(self.violations.values())

    @property
    def repeat_pairs(self) -> int:
        """Repeat pairs with history plus repeats among the planned rounds."""
        return self.repeat_history + self.repeat_planned


def _link_sets(data: Mapping[str, Any], key: str) -> list[list[str]]:
    return [[str(x) for x in item] for item in data.get(key) or []]


def evaluate_workshop(data: Mapping[str, Any], rounds: Sequence[Sequence[Sequence[str]]]) -> WorkshopScore:
    """Check a schedule against a JSON problem and count every hard violation and repeat pair.

    Violations (each counted once per round): a group outside its bounds; a person missing, placed
    twice or unknown; a pair of one organisation in a group (unless `same_organisation_apart` is
    false; an empty organisation is no organisation); a cannot-link pair together; a must-link pair
    apart; a pinned person outside their group; a wrong number of groups or rounds (`size`).
    """
    people = [str(p["id"]) for p in data["people"]]
    known = set(people)
    info = {str(p["id"]): p for p in data["people"]}
    bounds = bounds_of(data)
    expected_rounds = int(data.get("rounds", 1))
    apart = bool(data.get("same_organisation_apart", True))
    cannot = {pair for ids in _link_sets(data, "cannot_link") for pair in group_pairs(ids)}
    must = {pair for ids in _link_sets(data, "must_link") for pair in group_pairs(ids)}
    pinned = {str(k): int(v) for k, v in (data.get("pinned") or {}).items()}
    history = {_pair(str(m["a"]), str(m["b"])) for m in data.get("history") or []} - must

    violations = dict.fromkeys(VIOLATION_KINDS, 0)
    problems: list[str] = []
    if len(rounds) != expected_rounds:
        violations["size"] += 1
        problems.append(f"{len(rounds)} rounds, expected {expected_rounds}")
    profile_counts: list[int] = []
    territory_counts: list[int] = []
    repeat_history = 0
    for r, partition in enumerate(rounds):
        if len(partition) != len(bounds):
            violations["size"] += 1
            problems.append(f"round {r}: {len(partition)} groups, expected {len(bounds)}")
        where: dict[str, int] = {}
        for g, group in enumerate(partition):
            low, high = bounds[g] if g < len(bounds) else (0, -1)
            if not low <= len(group) <= high:
                violations["size"] += 1
                problems.append(f"round {r} group {g}: {len(group)} people, bounds [{low}, {high}]")
            for person in group:
                person = str(person)
                if person not in known:
                    violations["placement"] += 1
                    problems.append(f"round {r}: unknown person {person}")
                elif person in where:
                    violations["placement"] += 1
                    problems.append(f"round {r}: {person} placed twice")
                else:
                    where[person] = g
            members = [str(p) for p in group if str(p) in known]
            profile_counts.append(len({info[p].get("profile", "") for p in members}))
            territory_counts.append(len({info[p].get("territory", "") for p in members}))
            for pair in group_pairs(members):
                a, b = pair
                organisation = info[a].get("organisation", "")
                if apart and organisation and organisation == info[b].get("organisation", ""):
                    violations["organisation"] += 1
                if pair in cannot:
                    violations["cannot_link"] += 1
                if pair in history:
                    repeat_history += 1
        missing = known - set(where)
        if missing:
            violations["placement"] += len(missing)
            problems.append(f"round {r}: {len(missing)} people not placed")
        for a, b in must:
            if a in where and b in where and where[a] != where[b]:
                violations["must_link"] += 1
        for person, group_index in pinned.items():
            if person in where and where[person] != group_index:
                violations["pinned"] += 1
    planned = [[[str(p) for p in group] for group in partition] for partition in rounds]
    return WorkshopScore(
        violations=violations,
        repeat_history=repeat_history,
        repeat_planned=count_repeat_pairs(planned, exempt=must),
        mean_profiles=float(np.mean(profile_counts)) if profile_counts else 0.0,
        mean_territories=float(np.mean(territory_counts)) if territory_counts else 0.0,
        problems=problems,
    )


def grid_collisions(n: int, groups: int) -> int:
    """Fewest pairs that share a group in two given rounds of `groups` groups: n people in groups²
    cells (group in one round, group in the other), spread as evenly as possible."""
    cells = groups * groups
    per_cell, extra = divmod(n, cells)
    return extra * (per_cell + 1) * per_cell // 2 + (cells - extra) * per_cell * (per_cell - 1) // 2


def repeat_lower_bound(data: Mapping[str, Any]) -> int:
    """A lower bound on the repeat pairs of any schedule without hard violations (0 = zero not excluded).

    The larger of two counting bounds:
    - per person: person i sits in groups of at least `min_low` people in each of the r rounds, so
      meets at least r * (min_low - 1) partners counted with multiplicity; its must-link partners fill
      m_i of those seats every round (exempt), and the others must be distinct people it may meet
      without a repeat: not itself, not a colleague (when organisations are kept apart), not a
      cannot-link partner, not an earlier acquaintance. Every seat beyond that supply is a repeat seen
      by two people;
    - per round against the first: each later round re-pairs at least `grid_collisions(n, g)` pairs
      of the first round (bites when groups hold more people than there are groups: n > g²), less the
      must-link pairs, which are exempt; each such pair is a repeat of that later round.
    """
    person_bound = _person_bound(data)
    rounds = int(data.get("rounds", 1))
    must_pairs = {pair for ids in _link_sets(data, "must_link") for pair in group_pairs(ids)}
    per_round = grid_collisions(len(data["people"]), len(bounds_of(data))) - len(must_pairs)
    return max(person_bound, (rounds - 1) * max(0, per_round))


def _person_bound(data: Mapping[str, Any]) -> int:
    people = [str(p["id"]) for p in data["people"]]
    rounds = int(data.get("rounds", 1))
    low = min(b[0] for b in bounds_of(data))
    apart = bool(data.get("same_organisation_apart", True))
    organisation = {str(p["id"]): p.get("organisation", "") for p in data["people"]}
    members: dict[str, set[str]] = {}
    for person, org in organisation.items():
        if org:
            members.setdefault(org, set()).add(person)
    barred: dict[str, set[str]] = {p: {p} for p in people}
    for ids in _link_sets(data, "cannot_link"):
        for a, b in combinations(ids, 2):
            barred[a].add(b)
            barred[b].add(a)
    for m in data.get("history") or []:
        barred[str(m["a"])].add(str(m["b"]))
        barred[str(m["b"])].add(str(m["a"]))
    partners: dict[str, set[str]] = {p: set() for p in people}
    for ids in _link_sets(data, "must_link"):
        for a, b in combinations(ids, 2):
            partners[a].add(b)
            partners[b].add(a)
    excess = 0
    for person in people:
        blocked = set(barred[person])
        if apart and organisation[person]:
            blocked |= members[organisation[person]]
        blocked -= partners[person]
        supply = len(people) - len(blocked | partners[person])
        need = rounds * max(0, low - 1 - len(partners[person]))
        excess += max(0, need - supply)
    return math.ceil(excess / 2)
