"""Group-assignment engine: pure Python and numpy, no Flask nor database imports.

from app.grouping import Problem, Person, solve
solution = solve(Problem(people=[...], bounds=[(4, 5)] * 10, rounds=3))
"""

from app.grouping.problem import (
    GroupReport,
    LockedGroup,
    Meeting,
    Notice,
    Person,
    Problem,
    ProblemError,
    Solution,
    Weights,
    problem_from_json,
)
from app.grouping.solver import solve

__all__ = [
    "GroupReport",
    "LockedGroup",
    "Meeting",
    "Notice",
    "Person",
    "Problem",
    "ProblemError",
    "Solution",
    "Weights",
    "problem_from_json",
    "solve",
]
