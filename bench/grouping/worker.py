"""One benchmark solve in its own single-threaded process: a job as JSON on stdin, the answer on stdout.

The harness (`run.py`) starts one worker per solve so that every run gets a fresh interpreter, one
BLAS thread and a wall-clock watchdog. The worker only builds the problem, times `solve()` and returns
the raw groups; all scoring happens in the harness with the independent evaluator.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from bench.grouping.baseline import solve_random  # noqa: E402
from bench.grouping.evaluate import bounds_of, read_mdgp  # noqa: E402
from bench.grouping.generate import generate_workshop, to_problem  # noqa: E402


def _engine_problem(job: dict[str, Any]) -> Any:
    """The engine's Problem for a job (people named "0".."n-1" for MDGP and golfers)."""
    from app.grouping import Person, Problem, Weights

    kind = job["kind"]
    limit, seed = float(job["time_limit"]), int(job["seed"])
    if kind == "mdgp":
        instance = read_mdgp(job["path"])
        ids = [str(i) for i in range(instance.n)]
        problem = Problem(
            people=[Person(i) for i in ids],
            bounds=list(instance.bounds),
            rounds=1,
            pair_scores=instance.d,
            same_organisation_apart=False,
            time_limit_s=limit,
            seed=seed,
        )
        return problem
    if kind == "golfer":
        g, s, w = int(job["g"]), int(job["s"]), int(job["w"])
        ids = [str(i) for i in range(g * s)]
        problem = Problem(
            people=[Person(i) for i in ids],
            bounds=[(s, s)] * g,
            rounds=w,
            weights=Weights(profile=0, territory=0, repeat=1),
            same_organisation_apart=False,
            time_limit_s=limit,
            seed=seed,
        )
        return problem
    if kind == "workshop":
        return to_problem(workshop_data(job), time_limit_s=limit, seed=seed)
    raise ValueError(f"unknown job kind {kind!r}")


def workshop_data(job: dict[str, Any]) -> dict[str, Any]:
    """The generated workshop instance of a tier-E job (the harness regenerates the same one).

    `weights` in the job replaces the generated weights (used by `prove.py` for repeats-only runs).
    """
    data = generate_workshop(
        int(job["n"]),
        int(job["rounds"]),
        int(job["seed"]),
        group_size=job.get("group_size"),
        variant=str(job.get("variant", "standard")),
        time_limit_s=float(job["time_limit"]),
    )
    if job.get("weights"):
        data["weights"] = dict(job["weights"])
    return data


def _baseline_inputs(job: dict[str, Any]) -> tuple[list[str], list[tuple[int, int]], int]:
    kind = job["kind"]
    if kind == "mdgp":
        instance = read_mdgp(job["path"])
        return [str(i) for i in range(instance.n)], list(instance.bounds), 1
    if kind == "golfer":
        g, s, w = int(job["g"]), int(job["s"]), int(job["w"])
        return [str(i) for i in range(g * s)], [(s, s)] * g, w
    data = workshop_data(job)
    return [p["id"] for p in data["people"]], bounds_of(data), int(data["rounds"])


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Build the problem, time one solve, return the raw schedule and the solver's own counts."""
    if job["solver"] == "baseline":
        ids, bounds, rounds = _baseline_inputs(job)
        start = time.perf_counter()
        solution: Any = solve_random(ids, bounds, rounds, int(job["seed"]))
        wall = time.perf_counter() - start
    else:
        from app.grouping import solve

        problem = _engine_problem(job)
        start = time.perf_counter()
        solution = solve(problem)
        wall = time.perf_counter() - start
    return {
        "rounds": solution.rounds,
        "objective": solution.objective,
        "repeat_pairs": solution.repeat_pairs,
        "hard_violations": solution.hard_violations,
        "elapsed_s": solution.elapsed_s,
        "iterations": solution.iterations,
        "wall_s": wall,
    }


def main() -> int:
    """Read one job from stdin, print the answer as one JSON line (errors as {"error": ...})."""
    job = json.loads(sys.stdin.read())
    try:
        answer = run_job(job)
    except Exception as error:  # noqa: BLE001 - reported to the harness as a failed run
        answer = {"error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(answer, allow_nan=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
