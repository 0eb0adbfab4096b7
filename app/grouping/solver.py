"""solve(problem): build the model, search within the budget, explain the result."""

from __future__ import annotations

import time

import numpy as np

from app.grouping import design, golfer
from app.grouping.build import Model, build_model
from app.grouping.cluster import ClusterPolish
from app.grouping.explain import explain
from app.grouping.problem import Problem, ProblemError, Solution, capacity_errors
from app.grouping.search import Annealer, Progress, State, initial_assignment, polish

POLISH_SHARE = 0.04
CLUSTER_SHARE = 0.05
START_SHARE = 0.2
# Annealing temperatures as fractions of the median worsening step at the first local optimum:
# measured on MDGPLIB (RanReal/RanInt n = 120, 240) with the matrix sweeps of search.Annealer.
HOT = 0.25
COLD = 0.012


def _upper_bound(model: Model) -> float | None:
    """A proven best score when nothing can be gained, only lost (pure no-repeat scheduling)."""
    if (model.base > 0).any() or (model.preference != 0).any():
        return None
    return model.internal * model.rounds


def _search(model: Model, problem: Problem, started: float) -> tuple[State, int, str]:
    rng = np.random.default_rng(problem.seed)
    limit = problem.time_limit_s
    deadline = started + limit
    if problem.weights.cluster > 0:
        deadline -= CLUSTER_SHARE * limit  # room for the cluster rule's descent after the search
    state = State(model, initial_assignment(model, rng))
    # Reading the answer back (explain) costs about as much as building the model did: keep room.
    deadline -= 1.5 * (time.perf_counter() - started)
    annealer = Annealer(state, rng, deadline - POLISH_SHARE * limit, problem.max_iterations)
    # A first descent gives the annealer a local optimum to calibrate on; on big multi-round
    # problems a full descent would eat the budget, so it gets a share only.
    polish(state, annealer.movable, started + START_SHARE * limit)
    bound = _upper_bound(model)
    value = state.objective()
    if annealer.active_rounds.size == 0 or (bound is not None and value >= bound - 1e-9):
        return state, 0, "optimal" if bound is not None else "fixed"
    if bound is not None and golfer.applicable(model):
        return _golfer_search(model, problem, state, rng, deadline)
    annealer.value = annealer.best_value = value
    annealer.best_assign = state.assign.copy()
    annealer.target = bound
    scale = annealer.calibrate()
    # One long cooling: by iterations when they are bounded (reproducible), else by the clock
    # so that the coldest, most productive part always fits in the budget.
    begin, end = time.perf_counter(), deadline - POLISH_SHARE * limit
    progress = Progress(begin, end, problem.max_iterations, annealer.stats.iterations)
    annealer.run(HOT * scale, COLD * scale, progress)
    stopped_by = annealer.stats.stopped_by or "schedule"
    final = State(model, annealer.best_assign)
    if stopped_by != "optimal":
        polish(final, annealer.movable, deadline)
    return final, annealer.stats.iterations, stopped_by


def _golfer_search(
    model: Model, problem: Problem, start: State, rng: np.random.Generator, deadline: float
) -> tuple[State, int, str]:
    """Nothing to gain, only costs to avoid: conflict-directed tabu search from the cheaper start.

    The starts are the engine's (annealer's first descent) and, when the shape allows one, a
    repeat-free design (see `design`).
    """
    assign = start.assign
    designed = design.designed_start(model, assign)
    if designed is not None and golfer.schedule_cost(model, designed) < golfer.schedule_cost(model, assign):
        assign = designed
    search = golfer.TabuSearch(model, assign, rng, deadline, problem.max_iterations)
    best, _ = search.run()
    return State(model, best), search.iterations, search.stopped_by


def solve(problem: Problem) -> Solution:
    """Form the groups of every round; never raises for a feasible size, explains what it could not do."""
    started = time.perf_counter()
    errors = capacity_errors(problem)
    if errors:
        raise ProblemError(errors)
    model = build_model(problem)
    built = time.perf_counter() - started
    state, iterations, stopped_by = _search(model, problem, started)
    if problem.weights.cluster > 0:
        # Rebuilding the state and explaining cost up to three times the model building: keep room.
        deadline = started + problem.time_limit_s - 3.0 * built
        state = State(model, ClusterPolish(state, problem, model.fixed_group < 0, deadline).run())
    return explain(problem, model, state, time.perf_counter() - started, iterations, stopped_by)
