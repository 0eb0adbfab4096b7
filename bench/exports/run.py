"""Exports benchmark (issue 5): every synthesis format for 5,000 notes across 100 groups.

    .venv/bin/python -m bench.exports.run [--notes 5000] [--groups 100] [--runs 3]
        [--formats md,docx,odt,pdf,csv,xlsx,json] [--repeat 1] [--json FILE]

Each render runs in a fresh process (`python -m bench.exports.run --child FMT`): the child builds
the data with tests/support/synthesis_sample.py and imports the renderers (not timed), then times
`app.exports.synthesis.render()` alone (`render_s`, wall clock; `cpu_s` beside it). The parent reaps
the child with `os.wait4`, whose `ru_maxrss` is that child's own peak resident memory: the figure
compared with the memory target (it includes the interpreter, the libraries and the input data).
`--repeat K` makes every note K times longer (the sample's notes average 90 characters; a note may
hold up to 2,000) to see how the formats scale with text. One child at a time; medians of `--runs`
runs per format. Targets: ≤ 3 s and ≤ 300 MB per format.
Prints a markdown report; exits 1 when a median misses a target.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TARGET_SECONDS = 3.0
TARGET_MB = 300.0
ALL_FORMATS = ("md", "docx", "odt", "pdf", "csv", "xlsx", "json")


def build(notes: int, groups: int, repeat: int) -> Any:
    """The benchmark's data: the test sample, each note's text repeated `repeat` times."""
    from tests.support import synthesis_sample

    data = synthesis_sample.build(notes, groups)
    if repeat == 1:
        return data
    longer = {note: dataclasses.replace(note, text=" ".join([note.text] * repeat)) for note in data.notes}
    themes = tuple(dataclasses.replace(t, notes=tuple(longer[n] for n in t.notes)) for t in data.themes)
    return dataclasses.replace(data, notes=tuple(longer[n] for n in data.notes), themes=themes)


def child(fmt: str, notes: int, groups: int, repeat: int) -> None:
    """Build the data, render one format once, print the figures as one JSON line."""
    from app.exports import synthesis

    data = build(notes, groups, repeat)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    body, _, _ = synthesis.render(data, fmt)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    figures = {
        "fmt": fmt,
        "render_s": elapsed,
        "cpu_s": cpu,
        "bytes": len(body),
        "rss_before_render_mb": before.ru_maxrss / 1024,
        "notes": len(data.notes),
        "characters": sum(len(note.text) for note in data.notes),
    }
    print(json.dumps(figures))


def run_once(fmt: str, notes: int, groups: int, repeat: int) -> dict[str, Any]:
    """One render in a fresh process; its own peak memory read from `wait4`."""
    command = [sys.executable, "-m", "bench.exports.run", "--child", fmt, "--notes", str(notes)]
    command += ["--groups", str(groups), "--repeat", str(repeat)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)
    assert process.stdout is not None
    output = process.stdout.read()
    process.stdout.close()
    # wait4 rather than communicate(): it reaps the child and returns that child's resource usage.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{fmt}: child exited with {process.returncode}")
    figures: dict[str, Any] = json.loads(output.decode("utf-8").strip().splitlines()[-1])
    figures["peak_mb"] = usage.ru_maxrss / 1024  # Linux: kilobytes
    figures["process_s"] = time.perf_counter() - started
    return figures


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "app/exports"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted app/exports changes" if dirty else "")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def summary(fmt: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median, min and max of one format's runs, and whether it meets the targets."""
    seconds = [run["render_s"] for run in runs]
    peaks = [run["peak_mb"] for run in runs]
    result = {
        "fmt": fmt,
        "render_s_median": statistics.median(seconds),
        "render_s_min": min(seconds),
        "render_s_max": max(seconds),
        "cpu_s_median": statistics.median(run["cpu_s"] for run in runs),
        "peak_mb_median": statistics.median(peaks),
        "peak_mb_max": max(peaks),
        "before_render_mb_median": statistics.median(run["rss_before_render_mb"] for run in runs),
        "bytes": runs[-1]["bytes"],
        "runs": runs,
    }
    result["ok"] = result["render_s_median"] <= TARGET_SECONDS and result["peak_mb_median"] <= TARGET_MB
    return result


def report(results: list[dict[str, Any]], context: dict[str, Any]) -> str:
    """The markdown report."""
    lines = [
        f"Exports benchmark — {context['notes']} notes ({context['characters']} characters of note text), "
        f"{context['groups']} groups, median of {context['runs']} runs per format",
        "",
        f"- date: {context['date']}; commit: {context['commit']}",
        f"- machine: {context['cpu']}, {context['cores']} cores, Python {context['python']}; "
        f"load average at start {context['load_start']}, at end {context['load_end']}",
        "",
        "| format | render s (median) | min – max | CPU s | peak MB (median) | before render MB | size "
        "| ≤ 3 s, ≤ 300 MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for item in results:
        lines.append(
            f"| {item['fmt']} | {item['render_s_median']:.2f} | {item['render_s_min']:.2f} – "
            f"{item['render_s_max']:.2f} | {item['cpu_s_median']:.2f} | {item['peak_mb_median']:.0f} | "
            f"{item['before_render_mb_median']:.0f} | {item['bytes'] / 1024:.0f} KiB | "
            f"{'yes' if item['ok'] else '**NO**'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --child, one render)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default=",".join(ALL_FORMATS))
    parser.add_argument("--repeat", type=int, default=1, help="repeat each note's text this many times")
    parser.add_argument("--json", type=Path, help="also write the figures (every run) to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.notes, args.groups, args.repeat)
        return 0
    formats = [fmt.strip() for fmt in args.formats.split(",") if fmt.strip()]
    context = {
        "notes": args.notes,
        "groups": args.groups,
        "runs": args.runs,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_start": " ".join(f"{load:.2f}" for load in os.getloadavg()),
    }
    results = []
    for fmt in formats:
        runs = []
        for number in range(1, args.runs + 1):
            figures = run_once(fmt, args.notes, args.groups, args.repeat)
            context["characters"] = figures["characters"]
            print(
                f"{fmt} run {number}: {figures['render_s']:.2f} s, {figures['peak_mb']:.0f} MB",
                file=sys.stderr,
            )
            runs.append(figures)
        results.append(summary(fmt, runs))
    context["load_end"] = " ".join(f"{load:.2f}" for load in os.getloadavg())
    print(report(results, context))
    if args.json:
        args.json.write_text(json.dumps({"context": context, "results": results}, indent=2) + "\n")
    return 0 if all(item["ok"] for item in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
