"""Seeded generator of workshop instances (tier E), in the JSON input format of `python -m app.grouping`.

No public data set has our shape (profiles, organisations, territories, history), so tier E draws its
own, reproducibly from a seed:
- 6 actor profiles with skewed shares 30/25/15/12/10/8 %, 8 territories (both drawn per organisation:
  an organisation has one profile and one territory);
- organisations of 1 to 6 people (never more than the number of groups, so that keeping colleagues
  apart stays possible); the "tight" variant has one organisation with exactly as many people as there
  are groups, which forces one of them into every group;
- balanced groups of about `group_size` people (4 to 8): `count = ceil(n / group_size)` groups with
  sizes `floor(n / count)` to `ceil(n / count)`;
- a few cannot-link pairs, must-link pairs and pins, all drawn from one explicit feasible round (a
  "witness") so that a schedule without hard violations always exists;
- optionally the history of earlier workshops (random groups among ~70 % of the people each).

Command line: `python -m bench.grouping.generate --n 120 --rounds 3 --variant tight --seed 1 > p.json`.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from itertools import combinations
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.grouping import Problem

PROFILES = (
    ("local_authority", 30),
    ("association", 25),
    ("company", 15),
    ("state_service", 12),
    ("research", 10),
    ("citizen", 8),
)
TERRITORIES = (
    ("Moselle", 22),
    ("Meurthe-et-Moselle", 18),
    ("Bas-Rhin", 15),
    ("Haut-Rhin", 12),
    ("Vosges", 10),
    ("Marne", 9),
    ("Meuse", 8),
    ("Ardennes", 6),
)
ORGANISATION_SIZES = ((1, 35), (2, 25), (3, 15), (4, 10), (5, 8), (6, 7))
VARIANTS = ("standard", "tight", "history")


def _draw(rng: random.Random, table: tuple[tuple[Any, int], ...]) -> Any:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights=weights)[0]


def group_count(n: int, group_size: int) -> int:
    """Number of groups for n people in groups of about `group_size`: ceil(n / group_size)."""
    return max(1, math.ceil(n / group_size))


def size_for_seed(seed: int) -> int:
    """The group size tier E uses for a seed: 4, 5, 6, 7, 8 for seeds 1..5, then again."""
    return 4 + (seed - 1) % 5


def _organisation_sizes(n: int, groups: int, tight: bool, rng: random.Random) -> list[int]:
    cap = min(6, groups)
    sizes: list[int] = [min(groups, n)] if tight else []
    while sum(sizes) < n:
        size = min(_draw(rng, ORGANISATION_SIZES), cap, n - sum(sizes))
        sizes.append(size)
    return sizes


def witness(people: list[dict[str, str]], groups: int) -> list[list[str]]:
    """One feasible round: people sorted by organisation dealt to the groups in turn.

    Balanced sizes, and colleagues land in distinct groups as no organisation outnumbers the groups;
    the generator draws its cannot-link pairs, must-link pairs and pins from this round, so repeating
    it every round gives a schedule without hard violations (with repeats).
    """
    ordered = sorted(people, key=lambda p: (p["organisation"], p["id"]))
    dealt: list[list[str]] = [[] for _ in range(groups)]
    for index, person in enumerate(ordered):
        dealt[index % groups].append(person["id"])
    return dealt


def _history(ids: list[str], group_size: int, workshops: int, rng: random.Random) -> list[dict[str, Any]]:
    met: Counter[tuple[str, str]] = Counter()
    latest: dict[tuple[str, str], int] = {}
    for ago in range(workshops, 0, -1):
        present = [p for p in ids if rng.random() < 0.7]
        rng.shuffle(present)
        for start in range(0, len(present), group_size):
            for a, b in combinations(sorted(present[start : start + group_size]), 2):
                met[(a, b)] += 1
                latest[(a, b)] = ago
    return [{"a": a, "b": b, "times": times, "ago": latest[(a, b)]} for (a, b), times in sorted(met.items())]


def generate_workshop(
    n: int,
    rounds: int,
    seed: int,
    group_size: int | None = None,
    variant: str = "standard",
    history_workshops: int | None = None,
    constraints: bool = True,
    time_limit_s: float = 2.0,
) -> dict[str, Any]:
    """A workshop instance as the JSON input of the engine's command line (deterministic per arguments).

    `variant`: "standard", "tight" (largest organisation = number of groups) or "history" (standard
    plus two earlier workshops). `history_workshops` overrides the number of earlier workshops.
    `group_size` defaults to `size_for_seed(seed)`. `constraints` adds cannot-link pairs (n // 30),
    must-link pairs (n // 60) and pins (n // 60), all satisfiable together.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}, expected one of {VARIANTS}")
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    size = group_size or size_for_seed(seed)
    if not 2 <= size <= n:
        raise ValueError("group size must lie in [2, n]")
    rng = random.Random(f"workshop-{n}-{rounds}-{seed}-{size}-{variant}")
    groups = group_count(n, size)
    people: list[dict[str, str]] = []
    for org_index, org_size in enumerate(_organisation_sizes(n, groups, variant == "tight", rng)):
        profile = _draw(rng, PROFILES)
        territory = _draw(rng, TERRITORIES)
        for _ in range(org_size):
            people.append(
                {
                    "id": f"p{len(people) + 1:04d}",
                    "organisation": f"org{org_index + 1:03d}",
                    "profile": profile,
                    "territory": territory,
                }
            )
    rng.shuffle(people)
    data: dict[str, Any] = {
        "people": people,
        "groups": {"count": groups, "min_size": n // groups, "max_size": math.ceil(n / groups)},
        "rounds": rounds,
        "weights": {"profile": 10, "territory": 3, "repeat": 100},
        "time_limit_s": time_limit_s,
        "seed": seed,
    }
    if constraints:
        round_ = witness(people, groups)
        group_of = {p: g for g, members in enumerate(round_) for p in members}
        organisation = {p["id"]: p["organisation"] for p in people}
        used: set[str] = set()
        pins: dict[str, int] = {}
        for g in rng.sample(range(groups), min(groups, n // 60)):
            person = rng.choice(round_[g])
            pins[person] = g
            used.add(person)
        must: list[list[str]] = []
        for g in rng.sample(range(groups), min(groups, n // 60)):
            free = [p for p in round_[g] if p not in used]
            if len(free) >= 2:
                a, b = rng.sample(free, 2)
                must.append(sorted([a, b]))
                used.update((a, b))
        cannot: list[list[str]] = []
        ids = [p["id"] for p in people]
        while len(cannot) < n // 30:
            a, b = rng.sample(ids, 2)
            if group_of[a] != group_of[b] and organisation[a] != organisation[b]:
                cannot.append(sorted([a, b]))
        data.update(cannot_link=cannot, must_link=must, pinned=pins)
    workshops = history_workshops if history_workshops is not None else (2 if variant == "history" else 0)
    if workshops:
        data["history"] = _history(sorted(p["id"] for p in people), size, workshops, rng)
    return data


def to_problem(data: dict[str, Any], time_limit_s: float | None = None, seed: int | None = None) -> Problem:
    """The engine's `Problem` for a generated JSON instance (imports `app.grouping` lazily)."""
    from app.grouping import Meeting, Person, Problem

    people = [Person(p["id"], p["organisation"], p["profile"], p["territory"]) for p in data["people"]]
    groups = data["groups"]
    bounds = [(int(groups["min_size"]), int(groups["max_size"]))] * int(groups["count"])
    history = [Meeting(m["a"], m["b"], int(m["times"]), int(m["ago"])) for m in data.get("history", [])]
    weights = _weights(data.get("weights") or {})
    return Problem(
        people=people,
        bounds=bounds,
        rounds=int(data["rounds"]),
        history=history,
        cannot_link=[list(x) for x in data.get("cannot_link", [])],
        must_link=[list(x) for x in data.get("must_link", [])],
        pinned=dict(data.get("pinned", {})),
        weights=weights,
        same_organisation_apart=bool(data.get("same_organisation_apart", True)),
        time_limit_s=float(time_limit_s if time_limit_s is not None else data.get("time_limit_s", 2.0)),
        seed=int(seed if seed is not None else data.get("seed", 1)),
    )


def _weights(raw: dict[str, Any]) -> Any:
    from app.grouping import Weights

    return Weights(**raw)


def main(argv: list[str] | None = None) -> int:
    """Command line: print one generated instance as JSON on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True, help="number of people")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--group-size", type=int, default=None, help="about this many per group (4..8)")
    parser.add_argument("--variant", choices=VARIANTS, default="standard")
    parser.add_argument("--history", type=int, default=None, help="number of earlier workshops")
    parser.add_argument("--no-constraints", action="store_true", help="no cannot-link, must-link, pins")
    parser.add_argument("--time-limit", type=float, default=2.0)
    args = parser.parse_args(argv)
    data = generate_workshop(
        args.n,
        args.rounds,
        args.seed,
        group_size=args.group_size,
        variant=args.variant,
        history_workshops=args.history,
        constraints=not args.no_constraints,
        time_limit_s=args.time_limit,
    )
    json.dump(data, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
