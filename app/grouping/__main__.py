"""Command line: `python -m app.grouping problem.json` prints the solution JSON on stdout.

Errors (unreadable file, malformed JSON, invalid problem) go to stderr in French with exit code 2.
`-` reads the problem from standard input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.grouping.problem import ProblemError, problem_from_json
from app.grouping.solver import solve


def _read(source: str) -> Any:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    return json.loads(text)


def main(argv: list[str] | None = None) -> int:
    """Solve one problem file; return the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m app.grouping", description="Forme des sous-groupes variés (format : voir README)."
    )
    parser.add_argument("problem", help="fichier JSON du problème, ou - pour l'entrée standard")
    parser.add_argument("--time-limit", type=float, help="remplace time_limit_s (secondes)")
    parser.add_argument("--seed", type=int, help="remplace seed")
    parser.add_argument(
        "--iterations", type=int, help="borne le nombre d'itérations : résultat reproductible à graine égale"
    )
    parser.add_argument("--indent", type=int, default=None, help="indentation du JSON produit")
    args = parser.parse_args(argv)
    try:
        data = _read(args.problem)
    except OSError as error:
        print(f"Erreur : impossible de lire « {args.problem} » ({error.strerror}).", file=sys.stderr)
        return 2
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        print(f"Erreur : JSON mal formé ({error}).", file=sys.stderr)
        return 2
    if isinstance(data, dict):
        if args.time_limit is not None:
            data["time_limit_s"] = args.time_limit
        if args.seed is not None:
            data["seed"] = args.seed
        if args.iterations is not None:
            data["max_iterations"] = args.iterations
    try:
        problem = problem_from_json(data)
        solution = solve(problem)
    except ProblemError as error:
        for message in error.errors:
            print(f"Erreur : {message}", file=sys.stderr)
        return 2
    json.dump(solution.to_json(), sys.stdout, ensure_ascii=False, indent=args.indent)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
