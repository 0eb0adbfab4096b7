"""Repeat-free schedules by construction (resolvable designs), used as the tabu search's start.

When the number of groups q is a prime power and every group holds exactly s <= q people, the lines
of the affine plane over GF(q) give q rounds in which no two people meet twice: person (x, y), with
x in 0..s-1 and y in GF(q), sits in round m in group y - m x. Two people of different x meet in the
one round m = (y2 - y1) / (x2 - x1); two people of the same x never meet. When s divides q, one more
round splits each x-column into groups of s: q + 1 rounds (8 groups of 4: 9 rounds, social golfers
8-4-9). This is the classical construction of mutually orthogonal Latin squares (Bose 1938); it gives
at once what local search finds slowly, and the search then deals with everything the design ignores
(cannot-link rules, history, rounds beyond the design). For 8 groups of 4 a different construction
(`doubling`) reaches 10 rounds (8-4-10), which the plane cannot be extended to.
"""

from __future__ import annotations

import itertools

import numpy as np

from app.grouping import doubling
from app.grouping.build import IntArray, Model

MAX_ORDER = 256  # largest field built (the tables are q x q)


def prime_power(q: int) -> tuple[int, int] | None:
    """(p, k) with q = p**k and p prime, or None."""
    if q < 2:
        return None
    p = next(d for d in range(2, q + 1) if q % d == 0)
    k, rest = 0, q
    while rest % p == 0:
        rest //= p
        k += 1
    return (p, k) if rest == 1 else None


def _digits(value: int, p: int, k: int) -> list[int]:
    return [(value // p**i) % p for i in range(k)]


def _number(digits: list[int], p: int) -> int:
    return sum(d * p**i for i, d in enumerate(digits))


def _irreducible(p: int, k: int) -> list[int]:
    """Coefficients (low to high, monic) of a degree-k polynomial with no root factor over GF(p)."""
    for low in itertools.product(range(p), repeat=k):
        poly = [*low, 1]
        if all(_poly_mod(factor, poly, p) != [0] * k for factor in _monic_polys(p, k)):
            return poly
    raise ValueError(f"no irreducible polynomial of degree {k} over GF({p})")


def _monic_polys(p: int, k: int) -> list[list[int]]:
    """Every monic polynomial of degree 1..k//2 (a reducible degree-k polynomial has such a factor)."""
    found = []
    for degree in range(1, k // 2 + 1):
        found += [[*low, 1] for low in itertools.product(range(p), repeat=degree)]
    return found


def _poly_mod(divisor: list[int], poly: list[int], p: int) -> list[int]:
    """poly mod divisor over GF(p), as k coefficients where k = deg(poly); zero means divisible."""
    rest = list(poly)
    degree = len(divisor) - 1
    for top in range(len(rest) - 1, degree - 1, -1):
        factor = rest[top] % p
        if factor:
            for i, c in enumerate(divisor):
                rest[top - degree + i] = (rest[top - degree + i] - factor * c) % p
    return [c % p for c in rest[: len(poly) - 1]]


def field_tables(q: int) -> tuple[IntArray, IntArray]:
    """Addition and multiplication tables of GF(q) (elements numbered 0..q-1, 0 and 1 as usual)."""
    power = prime_power(q)
    if power is None:
        raise ValueError(f"{q} is not a prime power")
    p, k = power
    elements = range(q)
    add = np.array(
        [
            [
                _number([(a + b) % p for a, b in zip(_digits(x, p, k), _digits(y, p, k), strict=True)], p)
                for y in elements
            ]
            for x in elements
        ],
        dtype=np.int64,
    )
    if k == 1:
        return add, np.array([[(x * y) % p for y in elements] for x in elements], dtype=np.int64)
    modulus = _irreducible(p, k)
    mul = np.zeros((q, q), dtype=np.int64)
    for x in elements:
        for y in elements:
            product = [0] * (2 * k - 1)
            for i, a in enumerate(_digits(x, p, k)):
                for j, b in enumerate(_digits(y, p, k)):
                    product[i + j] = (product[i + j] + a * b) % p
            mul[x, y] = _number(_poly_mod(modulus, [*product, 0], p)[:k], p)
    return add, mul


def design_rounds(groups: int, size: int) -> int:
    """How many repeat-free rounds the construction gives for `groups` groups of `size` (0: none)."""
    if size < 2 or size > groups or groups > MAX_ORDER or prime_power(groups) is None:
        return 0
    return groups + 1 if groups % size == 0 else groups


def affine_schedule(groups: int, size: int, rounds: int) -> IntArray | None:
    """rounds x (groups * size) group numbers with no pair meeting twice, or None when not built.

    Person index x * groups + y stands for (x, y). Only the first `design_rounds` rounds are
    repeat-free; None when `rounds` asks for more.
    """
    if rounds > design_rounds(groups, size):
        return None
    add, mul = field_tables(groups)
    negative = np.argmax(add == 0, axis=1)  # negative[a] = -a
    x = np.repeat(np.arange(size), groups)
    y = np.tile(np.arange(groups), size)
    schedule = np.empty((rounds, groups * size), dtype=np.int64)
    for m in range(min(rounds, groups)):
        schedule[m] = add[y, negative[mul[m, x]]]
    if rounds > groups:
        # Last round: each x-column (never met) split into groups of `size`.
        per_column = groups // size
        schedule[groups] = x * per_column + y // size
    return schedule


def design_schedule(groups: int, size: int, rounds: int) -> IntArray | None:
    """The longest repeat-free schedule (at most `rounds` rounds) a construction gives, or None.

    The affine plane, or for 8 groups of 4 beyond its 9 rounds the doubled design of `doubling`
    (10 rounds, the most possible: each person meets 30 of the 31 others).
    """
    built: list[IntArray] = []
    available = design_rounds(groups, size)
    if available:
        if rounds > available:
            # The extra column round leaves no room for another repeat-free round: the plane only.
            available = groups
        plane = affine_schedule(groups, size, min(rounds, available))
        assert plane is not None
        built.append(plane)
    doubled = doubling.doubled_rounds(groups, size)
    if doubled and rounds > available:
        extra = doubling.doubled_schedule(groups, size, min(rounds, doubled))
        assert extra is not None
        built.append(extra)
    return max(built, key=len) if built else None


def designed_start(model: Model, fallback: IntArray) -> IntArray | None:
    """A start whose first rounds are repeat-free by design, the others taken from `fallback`.

    Only for single-person units in equal, exact groups with nothing pinned or locked.
    """
    sizes = set(model.low.tolist()) | set(model.high.tolist())
    if len(sizes) != 1 or not (model.unit_size == 1).all() or (model.fixed_group >= 0).any():
        return None
    if model.closed.any():
        return None
    size = sizes.pop()
    if size * model.group_count != model.unit_count:
        return None
    designed = design_schedule(model.group_count, size, model.rounds)
    if designed is None:
        return None
    start = fallback.copy()
    start[: designed.shape[0]] = designed
    return start
