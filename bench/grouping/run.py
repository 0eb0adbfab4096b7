"""Grouping benchmark harness: tiers A (MDGPLIB), C (social golfers) and E (generated workshops).

`python -m bench.grouping.run --tier A|C|E|all [--quick] [--budget 2] [--seeds 1..5] [--out f.csv]`

Every solve runs in its own single-threaded worker process (`bench.grouping.worker`) under a wall-clock
watchdog, one at a time; every answer is re-scored by `bench.grouping.evaluate`, which is independent of
the engine. Prints a markdown report and writes one CSV row per run (plus the report next to it, `.md`).
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from bench.grouping.evaluate import (  # noqa: E402
    evaluate_golfer,
    evaluate_mdgp,
    evaluate_workshop,
    expected_random,
    gap_percent,
    golfer_upper_bound,
    normalised,
    read_mdgp,
    repeat_lower_bound,
)
from bench.grouping.generate import generate_workshop, size_for_seed  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("GROUPING_BENCH_DATA", ROOT.parent / "shared" / "bench" / "grouping"))
RESULTS_DIR = Path(__file__).resolve().parent / "results"

# Targets of issue 3.
TARGET_GAP_LITERATURE = 1.0
TARGET_GAP_PRODUCT = 2.0
AIM_GAP = 0.2
GOLFERS = [(5, 3, 7), (6, 3, 7), (7, 3, 9), (10, 5, 7), (8, 4, 8), (8, 4, 9), (8, 4, 10)]
GOLFER_MUST = (8, 4, 9)
GOLFER_AIM = (8, 4, 10)
GOLFER_LIMIT_S = 60.0
IMPOSSIBLE_GOLFER = (6, 6, 4)
IMPOSSIBLE_LIMIT_S = 10.0
TIER_E_SIZES = [30, 60, 120, 300, 1000]
TIER_E_ROUNDS = [1, 3, 8]
TIER_E_VARIANTS = ["standard", "tight", "history"]
# Budget overrun tolerated before a run is flagged "over budget" (tiers A and C): 5 % + 0.1 s.
BUDGET_SLACK = (1.05, 0.1)

Row = dict[str, Any]


# --- plumbing -------------------------------------------------------------------------------------


def parse_seeds(text: str) -> list[int]:
    """Seeds from "1..5", "1,3,7" or "2"."""
    if ".." in text:
        low, high = text.split("..", 1)
        return list(range(int(low), int(high) + 1))
    return [int(x) for x in text.split(",") if x.strip()]


def literature_limit(n: int) -> float:
    """Literature time limit of an MDGP instance: 3 s for n <= 120, 20 s for n <= 240, else 120 s."""
    if n <= 120:
        return 3.0
    return 20.0 if n <= 240 else 120.0


def tier_e_target(n: int) -> float:
    """Answer-time target of a workshop: 2 s up to 300 people, 10 s beyond (N = 1000, 8 rounds)."""
    return 2.0 if n <= 300 else 10.0


def machine_info() -> dict[str, str]:
    """Date, cores, CPU model, Python and numpy versions, git commit and load: the context of a figure."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def git(*args: str) -> str:
        try:
            out = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
            )
            return out.stdout.strip() or "unknown"
        except (OSError, subprocess.SubprocessError):
            return "unknown"

    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "commit": os.environ.get("GROUPING_BENCH_COMMIT") or git("rev-parse", "--short", "HEAD"),
        "engine_commit": os.environ.get("GROUPING_BENCH_ENGINE")
        or git("log", "-1", "--format=%h %s", "--", "app/grouping"),
        "load_avg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def run_worker(job: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """Run one job in a fresh single-threaded process; `error` is set on a crash or a watchdog kill."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.grouping.worker"],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            cwd=ROOT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {
            "error": f"watchdog: no answer within {timeout_s:.0f} s",
            "process_s": time.perf_counter() - start,
        }
    process_s = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"error": f"exit {done.returncode}: {tail[0]}", "process_s": process_s}
    answer: dict[str, Any] = json.loads(lines[-1])
    answer["process_s"] = process_s
    return answer


def watchdog(limit_s: float) -> float:
    """Seconds after which a worker is killed: the budget plus generous slack for start-up."""
    return limit_s * 1.5 + 20.0


def over_budget(wall_s: float, limit_s: float) -> bool:
    """True when solve() took noticeably longer than its budget (5 % + 0.1 s of slack)."""
    return wall_s > limit_s * BUDGET_SLACK[0] + BUDGET_SLACK[1]


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


class RowSink(list[Row]):
    """The rows of a run, each also appended at once to a JSON-lines file (kept if the run dies)."""

    def __init__(self, journal: Path) -> None:
        super().__init__()
        journal.parent.mkdir(parents=True, exist_ok=True)
        journal.write_text("", encoding="utf-8")
        self.journal = journal

    def append(self, row: Row) -> None:
        """Keep the row and journal it."""
        super().append(row)
        with self.journal.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row, default=str) + "\n")


def record_row(rows: list[Row], row: Row) -> None:
    """Keep a finished run's row and print a progress line on stderr."""
    rows.append(row)
    _progress(row)


def _progress(row: Row) -> None:
    keys = (
        "tier",
        "case",
        "seed",
        "budget_s",
        "status",
        "objective",
        "repeat_pairs",
        "hard_violations",
        "wall_s",
    )
    parts = [f"{k}={_fmt(row.get(k), 3)}" for k in keys if row.get(k) not in (None, "")]
    print("  " + " ".join(parts), file=sys.stderr, flush=True)


def _base_row(tier: str, case: str, seed: int, budget: float, solver: str, answer: dict[str, Any]) -> Row:
    return {
        "tier": tier,
        "case": case,
        "seed": seed,
        "budget_s": budget,
        "solver": solver,
        "status": "error" if "error" in answer else "ok",
        "error": answer.get("error", ""),
        "engine_objective": answer.get("objective"),
        "engine_repeat_pairs": answer.get("repeat_pairs"),
        "engine_hard_violations": answer.get("hard_violations"),
        "engine_elapsed_s": answer.get("elapsed_s"),
        "iterations": answer.get("iterations"),
        "wall_s": answer.get("wall_s"),
        "process_s": answer.get("process_s"),
        "load_1min": round(os.getloadavg()[0], 2),
    }


# --- tier A: MDGPLIB ------------------------------------------------------------------------------


def read_best_known() -> dict[str, float]:
    """Best-known objectives by instance name (best-known.csv of the data directory)."""
    with (DATA_DIR / "best-known.csv").open(encoding="utf-8") as handle:
        return {row["instance"]: float(row["best"]) for row in csv.DictReader(handle)}


def tier_a(args: argparse.Namespace, rows: list[Row]) -> None:
    """MDGPLIB at the literature limits and at the product budget: gap% and normalised score."""
    files = sorted((DATA_DIR / "mdgplib").glob("*.txt"))
    if args.quick:
        files = [f for f in files if f.stem in ("RanReal_n120_ss_01", "RanInt_n120_ds_01")]
    if args.only:
        files = [f for f in files if args.only in f.stem]
    best_known = read_best_known()
    seeds = args.seeds[:1] if args.quick else args.seeds
    for path in files:
        instance = read_mdgp(path)
        random_mean = expected_random(instance, samples=200, seed=0)
        budgets = [("product", 1.0)] if args.quick else [("literature", literature_limit(instance.n))]
        if not args.quick:
            budgets.append(("product", args.budget))
        for label, limit in budgets:
            for seed in seeds:
                job = {
                    "kind": "mdgp",
                    "path": str(path),
                    "time_limit": limit,
                    "seed": seed,
                    "solver": args.solver,
                }
                answer = run_worker(job, watchdog(limit))
                row = _base_row("A", instance.name, seed, limit, args.solver, answer)
                row.update(
                    n=instance.n, budget=label, best_known=best_known[instance.name], e_random=random_mean
                )
                if "error" not in answer:
                    groups = [[int(p) for p in group] for group in answer["rounds"][0]]
                    score = evaluate_mdgp(instance, groups)
                    row["objective"] = score.objective
                    if not score.feasible:
                        row.update(status="infeasible", error="; ".join(score.problems[:3]))
                    else:
                        row["gap_pct"] = gap_percent(score.objective, best_known[instance.name])
                        row["normalised"] = normalised(
                            score.objective, best_known[instance.name], random_mean
                        )
                        claimed = answer.get("objective")
                        if isinstance(claimed, int | float) and not math.isnan(claimed):
                            row["objective_mismatch"] = abs(claimed - score.objective) > 1e-6 * abs(
                                score.objective
                            )
                    if answer.get("wall_s") is not None and over_budget(answer["wall_s"], limit):
                        row["status"] = "over_budget"
                record_row(rows, row)


def report_a(rows: list[Row]) -> str:
    """Markdown for tier A: one line per instance and budget, then the means against the targets."""
    table: list[list[Any]] = []
    keys = sorted({(r["budget"], r["n"], r["case"]) for r in rows})
    for budget, _, case in keys:
        runs = [r for r in rows if r["case"] == case and r["budget"] == budget]
        good = [r for r in runs if r.get("gap_pct") is not None]
        objectives = [r["objective"] for r in good]
        gaps = [r["gap_pct"] for r in good]
        table.append(
            [
                case,
                budget,
                runs[0]["budget_s"],
                f"{len(good)}/{len(runs)}",
                max(objectives) if objectives else None,
                statistics.fmean(objectives) if objectives else None,
                min(objectives) if objectives else None,
                runs[0]["best_known"],
                min(gaps) if gaps else None,
                statistics.fmean(gaps) if gaps else None,
                max(gaps) if gaps else None,
                statistics.fmean(r["normalised"] for r in good) if good else None,
                statistics.median(r["wall_s"] for r in runs if r.get("wall_s") is not None)
                if any(r.get("wall_s") is not None for r in runs)
                else None,
            ]
        )
    header = [
        "instance",
        "budget",
        "limit s",
        "valid",
        "best",
        "mean",
        "worst",
        "best known",
        "gap% best",
        "gap% mean",
        "gap% worst",
        "norm. mean",
        "median wall s",
    ]
    out = ["### Tier A — MDGPLIB", "", markdown_table(header, table), ""]
    summary: list[list[Any]] = []
    for budget in sorted({r["budget"] for r in rows}):
        target = TARGET_GAP_LITERATURE if budget == "literature" else TARGET_GAP_PRODUCT
        for subset, name in (
            (lambda r: True, "all"),
            (lambda r: r["n"] <= 120, "n = 120"),
            (lambda r: r["n"] > 120, "n = 240"),
        ):
            runs = [r for r in rows if r["budget"] == budget and subset(r)]
            if not runs:
                continue
            per_instance = {}
            for case in sorted({r["case"] for r in runs}):
                gaps = [r["gap_pct"] for r in runs if r["case"] == case and r.get("gap_pct") is not None]
                if gaps:
                    per_instance[case] = statistics.fmean(gaps)
            failures = sum(1 for r in runs if r["status"] != "ok")
            mean_gap = statistics.fmean(per_instance.values()) if per_instance else math.nan
            norms = [r["normalised"] for r in runs if r.get("normalised") is not None]
            verdict = "–"
            if name == "all" and not math.isnan(mean_gap):
                verdict = "met" if mean_gap <= target and failures == 0 else "MISSED"
                if budget == "literature" and mean_gap <= AIM_GAP and failures == 0:
                    verdict += " (aim met)"
            summary.append(
                [
                    budget,
                    name,
                    len(runs),
                    failures,
                    mean_gap,
                    statistics.fmean(norms) if norms else None,
                    f"≤ {target} %" if name == "all" else "",
                    verdict,
                ]
            )
    header = [
        "budget",
        "instances",
        "runs",
        "failed/over budget",
        "mean gap %",
        "mean norm.",
        "target",
        "verdict",
    ]
    out += [markdown_table(header, summary), ""]
    return "\n".join(out)


# --- tier C: social golfers -----------------------------------------------------------------------


def tier_c(args: argparse.Namespace, rows: list[Row]) -> None:
    """Social golfer schedules: success rate and median time to zero repeats; 6-6-4 must never succeed."""
    cases = [(g, s, w, GOLFER_LIMIT_S) for g, s, w in GOLFERS]
    cases.append((*IMPOSSIBLE_GOLFER, IMPOSSIBLE_LIMIT_S))
    seeds = args.seeds
    if args.quick:
        cases = [(5, 3, 7, 10.0), (*IMPOSSIBLE_GOLFER, 2.0)]
        seeds = args.seeds[:1]
    if args.only:
        cases = [c for c in cases if args.only in f"{c[0]}-{c[1]}-{c[2]}"]
    for g, s, w, limit in cases:
        name = f"{g}-{s}-{w}"
        for seed in seeds:
            job = {
                "kind": "golfer",
                "g": g,
                "s": s,
                "w": w,
                "time_limit": limit,
                "seed": seed,
                "solver": args.solver,
            }
            answer = run_worker(job, watchdog(limit))
            row = _base_row("C", name, seed, limit, args.solver, answer)
            row["impossible"] = (g, s, w) == IMPOSSIBLE_GOLFER or w > golfer_upper_bound(g, s)
            if "error" not in answer:
                score = evaluate_golfer(answer["rounds"], g, s, w)
                row["repeat_pairs"] = score.repeat_pairs
                row["solved"] = score.solved
                if not score.feasible:
                    row.update(status="infeasible", error="; ".join(score.problems[:3]))
                if score.solved:
                    row["time_to_zero_s"] = answer["wall_s"]
                if answer.get("wall_s") is not None and over_budget(answer["wall_s"], limit):
                    row["status"] = "over_budget"
            record_row(rows, row)


def report_c(rows: list[Row]) -> str:
    """Markdown for tier C: success rate, median time to zero, repeats left, claims versus evaluator."""
    table: list[list[Any]] = []
    verdicts: list[str] = []
    for case in dict.fromkeys(r["case"] for r in rows):
        runs = [r for r in rows if r["case"] == case]
        solved = [r for r in runs if r.get("solved")]
        times = [r["time_to_zero_s"] for r in solved]
        limit = runs[0]["budget_s"]
        repeats = "/".join(_fmt(r.get("repeat_pairs")) for r in runs)
        claims_zero = sum(1 for r in runs if r.get("engine_repeat_pairs") == 0)
        early = sum(1 for t in times if t < 0.9 * limit)
        impossible = runs[0].get("impossible")
        table.append(
            [
                case + (" (impossible)" if impossible else ""),
                limit,
                f"{len(solved)}/{len(runs)}",
                statistics.median(times) if times else None,
                max(times) if times else None,
                f"{early}/{len(solved)}" if solved else "–",
                repeats,
                sum(1 for r in runs if r["status"] != "ok"),
            ]
        )
        if impossible:
            ok = not solved and claims_zero == 0
            verdicts.append(f"- {case} (impossible): never reported solved — {'yes' if ok else 'NO'}")
        elif tuple(int(x) for x in case.split("-")) == GOLFER_MUST:
            ok = len(solved) == len(runs)
            verdicts.append(f"- Must: {case} solved in every seed within 60 s — {'met' if ok else 'MISSED'}")
        elif tuple(int(x) for x in case.split("-")) == GOLFER_AIM:
            ok = len(solved) == len(runs)
            verdicts.append(
                f"- Aim: {case} solved within 60 s — {'met' if ok else 'not met'} ({len(solved)}/{len(runs)})"
            )
    header = [
        "g-s-w",
        "limit s",
        "solved",
        "median s to zero",
        "max s to zero",
        "stopped early",
        "repeats per seed",
        "failed runs",
    ]
    return "\n".join(["### Tier C — social golfers", "", markdown_table(header, table), "", *verdicts, ""])


# --- tier E: generated workshops ------------------------------------------------------------------


def tier_e(args: argparse.Namespace, rows: list[Row]) -> None:
    """Generated workshops: hard violations, repeat pairs against a lower bound, runtime against targets."""
    sizes, rounds_grid, variants, seeds = TIER_E_SIZES, TIER_E_ROUNDS, TIER_E_VARIANTS, args.seeds
    if args.quick:
        sizes, rounds_grid, variants, seeds = [30, 120], [3], ["standard", "tight"], args.seeds[:1]
    for n in sizes:
        for rounds in rounds_grid:
            for variant in variants:
                case = f"N{n}-r{rounds}-{variant}"
                if args.only and args.only not in case:
                    continue
                target = 1.0 if args.quick else tier_e_target(n)
                for seed in seeds:
                    job = {
                        "kind": "workshop",
                        "n": n,
                        "rounds": rounds,
                        "variant": variant,
                        "seed": seed,
                        "time_limit": target,
                        "solver": args.solver,
                    }
                    data = generate_workshop(n, rounds, seed, variant=variant, time_limit_s=target)
                    answer = run_worker(job, watchdog(target))
                    row = _base_row("E", case, seed, target, args.solver, answer)
                    bound = repeat_lower_bound(data)
                    row.update(
                        n=n,
                        rounds=rounds,
                        variant=variant,
                        group_size=size_for_seed(seed),
                        groups=data["groups"]["count"],
                        target_s=target,
                        lower_bound=bound,
                    )
                    if "error" not in answer:
                        score = evaluate_workshop(data, answer["rounds"])
                        row.update(
                            hard_violations=score.hard_violations,
                            violations=" ".join(f"{k}:{v}" for k, v in score.violations.items() if v),
                            repeat_pairs=score.repeat_pairs,
                            repeat_history=score.repeat_history,
                            repeat_planned=score.repeat_planned,
                            mean_profiles=score.mean_profiles,
                            mean_territories=score.mean_territories,
                            time_ok=answer["wall_s"] <= target,
                        )
                        if score.hard_violations:
                            row["status"] = "violations"
                        row["zero_possible"] = zero_possible(
                            bound, rounds, bool(data.get("history")), score.repeat_pairs
                        )
                    record_row(rows, row)


def zero_possible(bound: int, rounds: int, history: bool, repeats: int) -> str:
    """ "no" when the lower bound excludes zero repeats, "yes" when reached or trivial, else "unknown"."""
    if bound > 0:
        return "no"
    if repeats == 0 or (rounds == 1 and not history):
        return "yes"
    return "unknown"


def rescore_journal(journal: Path) -> list[Row]:
    """Rows of a journal, tier-E lower bounds and "zero possible" recomputed with the current evaluator."""
    rows: list[Row] = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines() if line]
    for row in rows:
        if row.get("tier") == "E" and row.get("repeat_pairs") is not None:
            data = generate_workshop(row["n"], row["rounds"], row["seed"], variant=row["variant"])
            row["lower_bound"] = repeat_lower_bound(data)
            row["zero_possible"] = zero_possible(
                row["lower_bound"], row["rounds"], bool(data.get("history")), row["repeat_pairs"]
            )
    return rows


def report_e(rows: list[Row]) -> str:
    """Markdown for tier E: one line per (N, rounds, variant) over the seeds, then the target verdicts."""
    table: list[list[Any]] = []
    for case in dict.fromkeys(r["case"] for r in rows):
        runs = [r for r in rows if r["case"] == case]
        walls = [r["wall_s"] for r in runs if r.get("wall_s") is not None]
        table.append(
            [
                runs[0]["n"],
                runs[0]["rounds"],
                runs[0]["variant"],
                "/".join(str(r["group_size"]) for r in runs),
                sum(r.get("hard_violations") or 0 for r in runs),
                "/".join(_fmt(r.get("repeat_pairs")) for r in runs),
                "/".join(str(r["lower_bound"]) for r in runs),
                "/".join(
                    {"yes": "y", "no": "n", "unknown": "?"}.get(r.get("zero_possible", ""), "–") for r in runs
                ),
                statistics.fmean(r["mean_profiles"] for r in runs if r.get("mean_profiles") is not None)
                if any(r.get("mean_profiles") is not None for r in runs)
                else None,
                statistics.median(walls) if walls else None,
                max(walls) if walls else None,
                runs[0]["target_s"],
                sum(1 for r in runs if r["status"] not in ("ok", "violations")),
            ]
        )
    header = [
        "N",
        "rounds",
        "variant",
        "group size per seed",
        "hard viol.",
        "repeats per seed",
        "lower bound",
        "zero possible",
        "profiles/group",
        "median wall s",
        "max wall s",
        "target s",
        "failed runs",
    ]
    done = [r for r in rows if r["status"] in ("ok", "violations")]
    violating = [r for r in done if r.get("hard_violations")]
    misses = [r for r in done if r.get("zero_possible") == "yes" and r.get("repeat_pairs")]
    unknown = [r for r in done if r.get("zero_possible") == "unknown"]
    slow = [r for r in done if not r.get("time_ok")]
    slow_big = [r for r in slow if r["n"] > 300]
    verdicts = [
        f"- Must: 0 hard violations (every instance is feasible by construction): "
        f"{len(violating)} of {len(done)} runs violate — {'met' if not violating else 'MISSED'}",
        f"- Must: 0 repeat pairs wherever zero is possible: {len(misses)} proven misses; "
        f"{len(unknown)} runs with repeats where zero is not excluded by the lower bound (unknown)",
        f"- Must: answer time ≤ target: {len(done) - len(slow)} of {len(done)} runs on time"
        f" (N ≤ 300: {len(slow) - len(slow_big)} late; N = 1000: {len(slow_big)} late)",
        f"- Failed runs (crash, watchdog): {len(rows) - len(done)}",
    ]
    legend = (
        "zero possible: n = excluded by the lower bound, "
        "y = reached (or one round without history), ? = unknown"
    )
    return "\n".join(
        ["### Tier E — generated workshops", "", markdown_table(header, table), "", legend, "", *verdicts, ""]
    )


# --- main -----------------------------------------------------------------------------------------

TIERS: dict[str, tuple[Callable[[argparse.Namespace, list[Row]], None], Callable[[list[Row]], str]]] = {
    "A": (tier_a, report_a),
    "C": (tier_c, report_c),
    "E": (tier_e, report_e),
}


def write_csv(rows: list[Row], path: Path) -> None:
    """One row per run, the union of all fields as columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def engine_available() -> bool:
    """True when `app.grouping.solve` can be imported (the engine has landed)."""
    try:
        from app.grouping import solve  # noqa: F401
    except ImportError:
        return False
    return True


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Command line of the harness."""
    parser = argparse.ArgumentParser(description="Grouping benchmark (issue 3): tiers A, C and E.")
    parser.add_argument("--tier", choices=["A", "C", "E", "all"], required=True)
    parser.add_argument("--quick", action="store_true", help="smoke run: a few cases, one seed, short limits")
    parser.add_argument("--budget", type=float, default=2.0, help="tier A product budget in seconds")
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("1..5"), help='"1..5" or "1,2"')
    parser.add_argument(
        "--out", type=Path, default=None, help="CSV of every run (markdown written next to it)"
    )
    parser.add_argument("--solver", choices=["engine", "baseline"], default="engine")
    parser.add_argument("--only", default="", help="keep only cases whose name contains this text")
    parser.add_argument(
        "--report-from", type=Path, default=None, help="rebuild the report of a .jsonl journal, no solving"
    )
    args = parser.parse_args(argv)
    if args.report_from:
        rows_read = rescore_journal(args.report_from)
        texts = [
            TIERS[t][1]([r for r in rows_read if r["tier"] == t]) for t in TIERS if args.tier in (t, "all")
        ]
        print("\n".join(text for text in texts))
        if args.out:
            write_csv(rows_read, args.out)
            args.out.with_suffix(".md").write_text("\n".join(texts) + "\n", encoding="utf-8")
        return 0
    if args.solver == "engine" and not engine_available():
        print("app.grouping.solve is not available yet: use --solver baseline", file=sys.stderr)
        return 2
    tiers = ["A", "C", "E"] if args.tier == "all" else [args.tier]
    info = machine_info()
    started = time.perf_counter()
    name = f"tier-{args.tier}{'-quick' if args.quick else ''}-{args.solver}.csv"
    out: Path = args.out or RESULTS_DIR / name
    rows = RowSink(out.with_suffix(".jsonl"))
    quick = " (quick)" if args.quick else ""
    sections = [
        f"## Grouping benchmark — tier {', '.join(tiers)}{quick}, solver {args.solver}",
        "",
        "; ".join(f"{k}: {v}" for k, v in info.items()),
        "",
    ]
    if args.solver == "baseline":
        sections += ["**BASELINE (random assignment) — not the engine's figures.**", ""]
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        for tier in tiers:
            print(f"tier {tier} …", file=sys.stderr, flush=True)
            runner, reporter = TIERS[tier]
            start = len(rows)
            try:
                runner(args, rows)
            finally:
                if len(rows) > start:
                    sections.append(reporter(rows[start:]))
    except KeyboardInterrupt:
        sections.append("**Interrupted: partial figures.**\n")
    sections.append(f"Total wall time of the harness: {time.perf_counter() - started:.0f} s.")
    report = "\n".join(sections)
    print(report)
    write_csv(rows, out)
    out.with_suffix(".md").write_text(report + "\n", encoding="utf-8")
    print(f"\nCSV: {out}\nMarkdown: {out.with_suffix('.md')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
