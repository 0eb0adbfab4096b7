"""solve(problem): build the model, search within the budget, explain the result."""

from __future__ import annotations

import time

import numpy as np

from app.grouping.build import Model, build_model
from app.grouping.explain import explain
from app.grouping.problem import Problem, ProblemError, Solution, capacity_errors
from app.grouping.search import Annealer, State, initial_assignment, polish

POLISH_SHARE = 0.05
GROWTH = 1.3
REHEAT = 0.3
COOLED = 1e-2
PATIENCE = 10


def _upper_bound(model: Model) -> float | None:
    """A proven best score when nothing can be gained, only lost (pure no-repeat scheduling)."""
    if (model.base > 0).any() or (model.preference != 0).any():
        return None
    return model.internal * model.rounds


def _search(model: Model, problem: Problem, started: float) -> tuple[State, int, str]:
    rng = np.random.default_rng(problem.seed)
    deadline = started + problem.time_limit_s
    state = State(model, initial_assignment(model, rng))
    annealer = Annealer(state, rng, deadline - POLISH_SHARE * problem.time_limit_s, problem.max_iterations)
    best_assign, best_value = state.assign.copy(), state.objective()
    bound = _upper_bound(model)
    if annealer.active_rounds.size == 0 or (bound is not None and best_value >= bound - 1e-9):
        return state, 0, "optimal" if bound is not None else "fixed"
    start_temperature = annealer.calibrate()
    length = 2000 * model.unit_count * max(1, model.rounds)
    stale = 0
    epoch = 0
    while not annealer.out_of_time() and stale < PATIENCE:
        heat = start_temperature * (1.0 if epoch == 0 else REHEAT)
        annealer.run_epoch(heat, start_temperature * COOLED, int(length * GROWTH**epoch))
        polish(state, annealer.movable, deadline)
        value = state.objective()
        epoch += 1
        if value > best_value + 1e-9:
            best_assign, best_value, stale = state.assign.copy(), value, 0
            if bound is not None and value >= bound - 1e-9:
                annealer.stats.stopped_by = "optimal"
                break
        else:
            stale += 1
            state = State(model, best_assign)
            annealer.state = state
    if stale >= PATIENCE:
        annealer.stats.stopped_by = "stagnation"
    final = State(model, best_assign)
    polish(final, annealer.movable, deadline + 0.05 * problem.time_limit_s)
    return final, annealer.stats.iterations, annealer.stats.stopped_by


def solve(problem: Problem) -> Solution:
    """Form the groups of every round; never raises for a feasible size, explains what it could not do."""
    started = time.perf_counter()
    errors = capacity_errors(problem)
    if errors:
        raise ProblemError(errors)
    model = build_model(problem)
    state, iterations, stopped_by = _search(model, problem, started)
    return explain(problem, model, state, time.perf_counter() - started, iterations, stopped_by)
