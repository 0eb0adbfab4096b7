"""Settle tier-E "zero possible: unknown" cases by searching for a zero-repeat witness.

For every tier-E run that left repeat pairs while the lower bound did not exclude zero, solve the same
instance again with repeats-only weights (profile 0, territory 0, repeat 1) and a long budget. If the
independent evaluator finds that answer free of hard violations and of repeat pairs, zero was possible
and the original run is a proven miss; otherwise the best count found is an upper bound on the minimum.
Any solver may supply the witness: only the evaluator's verdict counts.

`python -m bench.grouping.prove --from results/tier-E-engine.jsonl [--limit 30] [--out prove.csv]`
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from bench.grouping.evaluate import evaluate_workshop  # noqa: E402
from bench.grouping.generate import generate_workshop  # noqa: E402
from bench.grouping.run import RowSink, markdown_table, record_row, run_worker, watchdog, write_csv  # noqa: E402

REPEATS_ONLY = {"profile": 0, "territory": 0, "repeat": 1}


def open_cases(journal: Path) -> list[dict[str, Any]]:
    """Tier-E rows of a journal whose repeats were not proven unavoidable (zero possible = unknown)."""
    rows = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("tier") == "E" and r.get("zero_possible") == "unknown"]


def prove(cases: list[dict[str, Any]], limit_s: float, rows: list[dict[str, Any]]) -> None:
    """Search a zero-repeat witness for each case; append one row per case to `rows`."""
    for case in cases:
        job = {
            "kind": "workshop",
            "n": case["n"],
            "rounds": case["rounds"],
            "variant": case["variant"],
            "seed": case["seed"],
            "time_limit": limit_s,
            "weights": REPEATS_ONLY,
            "solver": "engine",
        }
        data = generate_workshop(case["n"], case["rounds"], case["seed"], variant=case["variant"])
        answer = run_worker(job, watchdog(limit_s))
        row: dict[str, Any] = {
            "tier": "E-prove",
            "case": case["case"],
            "seed": case["seed"],
            "group_size": case.get("group_size"),
            "budget_s": limit_s,
            "run_repeats": case.get("repeat_pairs"),
            "lower_bound": case.get("lower_bound"),
            "status": "error" if "error" in answer else "ok",
            "error": answer.get("error", ""),
            "wall_s": answer.get("wall_s"),
        }
        if "error" not in answer:
            score = evaluate_workshop(data, answer["rounds"])
            row.update(witness_repeats=score.repeat_pairs, witness_violations=score.hard_violations)
            if score.hard_violations == 0 and score.repeat_pairs == 0:
                row["verdict"] = "zero possible: run is a proven miss"
            elif score.hard_violations == 0:
                row["verdict"] = f"unknown (minimum ≤ {score.repeat_pairs})"
            else:
                row["verdict"] = "unknown (witness search violated a rule)"
        record_row(rows, row)


def report(rows: list[dict[str, Any]]) -> str:
    """Markdown table of the witness searches and the count of proven misses."""
    header = ["case", "seed", "size", "run repeats", "lower bound", "witness repeats", "wall s", "verdict"]
    table = [
        [
            r["case"],
            r["seed"],
            r.get("group_size"),
            r["run_repeats"],
            r["lower_bound"],
            r.get("witness_repeats"),
            r.get("wall_s"),
            r.get("verdict", r.get("error")),
        ]
        for r in rows
    ]
    proven = sum(1 for r in rows if r.get("witness_repeats") == 0 and r.get("witness_violations") == 0)
    limit = rows[0]["budget_s"] if rows else 0
    return "\n".join(
        [
            f"### Tier E — zero-repeat witnesses (repeats-only weights, {limit:g} s)",
            "",
            markdown_table(header, table),
            "",
            f"- {proven} of {len(rows)} open cases had a zero-repeat schedule: proven misses of the run.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: read a tier-E journal, search witnesses, print markdown, write CSV."""
    parser = argparse.ArgumentParser(description="Settle tier-E unknown zero-repeat cases.")
    parser.add_argument("--from", dest="journal", type=Path, required=True, help="tier-E .jsonl journal")
    parser.add_argument("--limit", type=float, default=30.0, help="seconds per witness search")
    parser.add_argument("--out", type=Path, default=None, help="CSV (default: next to the journal)")
    args = parser.parse_args(argv)
    cases = open_cases(args.journal)
    out: Path = args.out or args.journal.with_name(args.journal.stem + "-prove.csv")
    rows = RowSink(out.with_suffix(".jsonl"))
    print(f"{len(cases)} open cases", file=sys.stderr)
    try:
        prove(cases, args.limit, rows)
    except KeyboardInterrupt:
        print("interrupted: partial figures", file=sys.stderr)
    text = report(rows)
    print(text)
    write_csv(rows, out)
    out.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
