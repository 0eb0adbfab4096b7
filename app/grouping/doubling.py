"""Ten repeat-free rounds for 8 groups of 4 (social golfers 8-4-10): a design on 16 points, doubled.

The affine plane (`design`) gives 8 groups of 4 only 9 rounds, and its structure leaves no room for
a 10th: the people it never pairs form 4 cliques of 8, which no round can split twice without a
repeat. Ten rounds exist (Aguado 2004) but local search in Python does not find them in a minute.
This module builds them instead.

Take the 16 points of GF(2)^4 and give each point two "twins" (person 2p and 2p + 1), who will never
meet: 32 people, each meeting 30 others once. Every 2-dimensional subspace U of GF(2)^4 splits the
points into 4 cosets of 4, one round of 4 blocks. Choose 10 such subspaces so that every non-zero
vector lies in exactly two of them (10 lines of PG(3, 2) covering each point twice): then every two
points share a block in exactly two rounds. A block B becomes two groups of 4 people by a sign
s_B(p) in {0, 1} per point: one group takes twin s_B(p) of every p in B, the other the remaining
twins. People (p, a) and (q, b) sit together in B's round when a + b = s_B(p) + s_B(q) (mod 2), so
each of the 4 twin pairs of p and q meets exactly once over the two blocks of p and q if and only if
s_B(p) + s_B(q) + s_C(p) + s_C(q) = 1 for those two blocks B and C. That is a linear system over
GF(2), 120 equations (one per pair of points) in 160 signs, solved by elimination. Not every cover
gives a solvable system (two spreads, i.e. two affine planes of order 4, never do), so the covers
are tried in a fixed order until one does; the first few are enough, in milliseconds.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator

import numpy as np

from app.grouping.build import IntArray

GROUPS = 8
SIZE = 4
ROUNDS = 10
DIMENSION = 4
POINTS = 2**DIMENSION

Block = tuple[int, ...]


def doubled_rounds(groups: int, size: int) -> int:
    """How many repeat-free rounds the doubling gives for `groups` groups of `size` (0: none)."""
    return ROUNDS if (groups, size) == (GROUPS, SIZE) else 0


def doubled_schedule(groups: int, size: int, rounds: int) -> IntArray | None:
    """rounds x 32 group numbers with no pair meeting twice (8 groups of 4, up to 10 rounds), or None."""
    if rounds > doubled_rounds(groups, size):
        return None
    schedule: IntArray = _full_schedule()[:rounds].copy()
    return schedule


def _lines() -> list[Block]:
    """The 35 lines of PG(3, 2): the non-zero vectors {a, b, a ^ b} of each 2-dimensional subspace."""
    found = {tuple(sorted((a, b, a ^ b))) for a in range(1, POINTS) for b in range(a + 1, POINTS)}
    return sorted(found)


def _covers(lines: list[Block]) -> Iterator[list[Block]]:
    """Every set of 10 lines covering each non-zero vector exactly twice, in a fixed order."""
    count = [0] * POINTS
    chosen: list[int] = []

    def extend() -> Iterator[list[Block]]:
        short = next((p for p in range(1, POINTS) if count[p] < 2), None)
        if short is None:
            yield [lines[i] for i in chosen]
            return
        # Lines in increasing order (a cover is found once per order of its lines through `short`,
        # which costs nothing here: the first solvable cover comes early).
        for index, line in enumerate(lines):
            if short in line and index not in chosen and all(count[p] < 2 for p in line):
                for p in line:
                    count[p] += 1
                chosen.append(index)
                yield from extend()
                chosen.pop()
                for p in line:
                    count[p] -= 1

    yield from extend()


def _parallel_class(line: Block) -> list[Block]:
    """The 4 cosets of the subspace {0} + line, each listed in increasing order."""
    subspace = (0, *line)
    cosets = {tuple(sorted(x ^ u for u in subspace)) for x in range(POINTS)}
    return sorted(cosets)


def _solve_gf2(matrix: np.ndarray, rhs: np.ndarray) -> np.ndarray | None:
    """One solution x of matrix @ x = rhs over GF(2) (free variables 0), or None when inconsistent."""
    rows, columns = matrix.shape
    system = np.concatenate([matrix, rhs[:, None]], axis=1).astype(np.bool_)
    pivots: list[int] = []
    row = 0
    for column in range(columns):
        if row == rows:
            break
        candidates = np.flatnonzero(system[row:, column])
        if candidates.size == 0:
            continue
        pivot = row + int(candidates[0])
        system[[row, pivot]] = system[[pivot, row]]
        others = np.flatnonzero(system[:, column])
        others = others[others != row]
        system[others] ^= system[row]
        pivots.append(column)
        row += 1
    if system[row:, -1].any():
        return None
    solution = np.zeros(columns, dtype=np.int64)
    for index, column in enumerate(pivots):
        solution[column] = int(system[index, -1])
    return solution


def _signs(blocks: list[Block]) -> np.ndarray | None:
    """Signs s_B(p) (indexed 4 * block + position) making every twin pair meet once, or None."""
    holders: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for b, block in enumerate(blocks):
        for (i, p), (j, q) in itertools.combinations(enumerate(block), 2):
            holders.setdefault((p, q), []).append((b, i, j))
    matrix = np.zeros((len(holders), SIZE * len(blocks)), dtype=np.bool_)
    for e, held in enumerate(holders.values()):
        for b, i, j in held:
            matrix[e, SIZE * b + i] ^= True
            matrix[e, SIZE * b + j] ^= True
    return _solve_gf2(matrix, np.ones(len(holders), dtype=np.bool_))


@functools.cache
def _full_schedule() -> IntArray:
    """The 10 rounds, built once: first cover (in `_covers` order) whose sign system is solvable."""
    lines = _lines()
    for cover in _covers(lines):
        classes = [_parallel_class(line) for line in cover]
        blocks = [block for parallel in classes for block in parallel]
        signs = _signs(blocks)
        if signs is None:
            continue
        schedule = np.empty((ROUNDS, 2 * POINTS), dtype=np.int64)
        for r, parallel in enumerate(classes):
            for k, block in enumerate(parallel):
                b = r * SIZE + k
                for i, p in enumerate(block):
                    twin = int(signs[SIZE * b + i])
                    schedule[r, 2 * p + twin] = 2 * k  # the signed twins
                    schedule[r, 2 * p + 1 - twin] = 2 * k + 1  # the others
        return schedule
    raise AssertionError("no line cover of PG(3, 2) gave a solvable sign system")  # pragma: no cover
