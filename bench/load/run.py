"""Load run of the shared notes: a scripted event against gunicorn on loopback, then the ceiling.

    .venv/bin/python -m bench.load.run --db postgresql|sqlite [--duration 180] [--quick]

1. A fresh database (PostgreSQL: a new database on 127.0.0.1:5432; SQLite: a temporary file),
   `alembic upgrade head`, then the event arranged through the app's models: `--groups` × `--size`
   participants in a published round, `--facilitators` facilitators.
2. gunicorn (`-k gthread -w W --threads T`, production settings) serves `wsgi:app`; everyone signs
   in through the form (not timed).
3. The event, for `--duration` s: each participant polls its group's feed every 3 s (If-None-Match)
   and posts a note every 30 s, each facilitator refreshes the dashboard every 3 s, random phases.
4. Checks: the notes in the database equal the acknowledged posts (no loss, no duplicate, nothing
   extra), each group's counter runs 1..n, and every participant's feed (plus one final poll)
   holds exactly its group's notes.
5. The ceiling: `bench.load.ceiling_app` (one insert / one select, same stack) under the same
   gunicorn settings, database and request schedule, for `--ceiling-duration` s.
Prints a markdown report and writes it, with the raw figures as JSON, to bench/load/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.load import ceiling_app
from bench.load.arrange import ARGON2, Event, arrange, drop_database, fresh_database, migrate
from bench.load.scenario import AppTarget, CeilingTarget, Figures, percentile, run_event

ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
# Targets of issue 4 (PostgreSQL, this 2-core machine).
TARGET_FEED_P95_MS = 150.0
TARGET_POST_P95_MS = 250.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- gunicorn -------------------------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A running gunicorn: its master process and port."""

    process: subprocess.Popen[bytes]
    port: int


@contextmanager
def gunicorn(
    app_spec: str, url: str, workers: int, threads: int, log: Path, ready_path: str
) -> Iterator[Served]:
    """gunicorn serving `app_spec` on loopback with production settings; stopped with SIGTERM."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("ATELIERS_ENV", "DATABASE_URL", "SECRET_KEY")}
    env |= {
        "ATELIERS_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": url,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TRUSTED_HOSTS": "127.0.0.1",
        "SESSION_COOKIE_SECURE": "false",
        "MAIL_BACKEND": "console",
        **ARGON2,
    }
    command = [
        sys.executable, "-m", "gunicorn", app_spec,
        "--bind", f"127.0.0.1:{port}",
        "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
        # Longer than the 3 s poll period: idle keep-alive connections stay open between polls.
        "--keep-alive", "30",
    ]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer within 60 s; see {log}") from None
                time.sleep(0.2)  # start-up poll
        yield Served(process, port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- CPU accounting -------------------------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds) of a process, from /proc."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _label(pid: int, name: str) -> str:
    """A process's command name, with the module of `python -m module` (nothing else of its command line)."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return name
    if b"-m" in args[:-1]:
        return f"{name} -m {args[args.index(b'-m') + 1].decode(errors='replace')}"
    return name


class CpuWatch:
    """CPU used during a window by gunicorn, PostgreSQL, this client, the machine, and everything else.

    A thread samples /proc every 2 s so that processes which start during the window (another
    job's test run) are counted too; they are named by command only.
    """

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample_until_stopped, daemon=True)

    def _scan(self) -> dict[int, tuple[str, int, float]]:
        found = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))) is not None:
                found[int(entry.name)] = stat
        return found

    def _sample(self, initial: bool = False) -> None:
        for pid, (name, parent, seconds) in self._scan().items():
            if initial:
                self.first[pid] = seconds
            elif pid not in self.first:
                self.first[pid] = 0.0  # started during the window: all its CPU is in it
            if pid not in self.last:
                kind = (
                    "server" if self.server_pid in (pid, parent) else "postgres" if name == "postgres" else ""
                )
                if pid == os.getpid():
                    kind = "client"
                self.last[pid] = (kind or _label(pid, name), seconds)
            else:
                self.last[pid] = (self.last[pid][0], seconds)

    def _sample_until_stopped(self) -> None:
        while not self.stop.wait(2.0):
            self._sample()

    def start(self) -> None:
        """Take the first sample and start sampling."""
        self._machine = self._machine_busy()
        self._started = time.perf_counter()
        self._sample(initial=True)
        self.thread.start()

    @staticmethod
    def _machine_busy() -> float:
        total = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return (sum(total) - total[3] - total[4]) / CLOCK_TICKS  # everything but idle and iowait

    def finish(self) -> dict[str, Any]:
        """Average cores used by each part over the window, and the three busiest other commands."""
        self.stop.set()
        self.thread.join()
        self._sample()
        seconds = time.perf_counter() - self._started
        used: dict[str, float] = {}
        for pid, (label, total) in self.last.items():
            used[label] = used.get(label, 0.0) + (total - self.first.get(pid, 0.0)) / seconds
        ours = {key: used.pop(key, 0.0) for key in ("server", "postgres", "client")}
        others = sorted(((value, key) for key, value in used.items() if value >= 0.01), reverse=True)
        return {
            **ours,
            "machine": (self._machine_busy() - self._machine) / seconds,
            "others": sum(value for value, _key in others),
            "top_others": [f"{key} {value:.2f}" for value, key in others[:3]],
        }


# --- Checks ---------------------------------------------------------------------------------------


def check_notes(event: Event, target: AppTarget) -> dict[str, Any]:
    """Compare the database with what the server acknowledged and with what every feed delivered."""
    from app.db import make_engine

    engine = make_engine(event.url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, submission_id, group_id, revision FROM note WHERE workshop_id = :w"),
            {"w": event.workshop_id},
        ).all()
        counters: dict[int, int] = {
            int(g): int(r) for g, r in conn.execute(sa.text("SELECT group_id, revision FROM group_feed"))
        }
    engine.dispose()
    stored = {row.submission_id: row.id for row in rows}
    acknowledged: dict[str, int] = {}
    for who in target.participants:
        acknowledged |= who.acknowledged
    lost = [sid for sid, note_id in acknowledged.items() if stored.get(sid) != note_id]
    unacknowledged = [sid for sid in stored if sid not in acknowledged]
    by_group: dict[int, list[int]] = {}
    for row in rows:
        by_group.setdefault(row.group_id, []).append(row.revision)
    gaps = [
        g
        for g, revs in by_group.items()
        if sorted(revs) != list(range(1, len(revs) + 1)) or counters[g] != len(revs)
    ]
    ids_by_group: dict[int, set[int]] = {}
    for row in rows:
        ids_by_group.setdefault(row.group_id, set()).add(row.id)
    feed_mismatch = [
        who.person.email
        for who in target.participants
        if who.person.group_id is not None and who.seen != ids_by_group.get(who.person.group_id, set())
    ]
    return {
        "posts_sent": sum(who.sent for who in target.participants),
        "acknowledged": len(acknowledged),
        "stored": len(rows),
        "distinct_submission_ids": len(stored),
        "lost": len(lost),
        "duplicates": len(rows) - len(stored),
        "stored_without_ack": len(unacknowledged),
        "groups_with_counter_gap": len(gaps),
        "feeds_not_matching_db": len(feed_mismatch),
    }


# --- Report ---------------------------------------------------------------------------------------


def other_benchmarks() -> list[str]:
    """Other benchmark processes (`python -m bench.…`) running now: they would share the two cores."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in (os.getpid(), os.getppid()):
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if "-m bench." in command:
            found.append(command)
    return found


def machine() -> dict[str, str]:
    """Where and when the figures were taken."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    # A snapshot (git archive) has no .git: LOAD_BENCH_COMMIT names the commit it was taken from.
    commit = os.environ.get("LOAD_BENCH_COMMIT", "")
    if not commit:
        git = ["git", "-C", str(ROOT)]
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        changed = ["status", "--porcelain", "--", "app", "templates", "wsgi.py", "config.py", "migrations"]
        if subprocess.run([*git, *changed], capture_output=True, text=True).stdout.strip():
            commit += " + uncommitted changes to the app"
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "commit": commit,
        "python": platform.python_version(),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "other_benchmarks": "; ".join(other_benchmarks()) or "none",
    }


def database_version(url: str) -> str:
    """The server's version string."""
    if url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version}"
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        version = str(conn.scalar(sa.text("SHOW server_version")))
    engine.dispose()
    return f"PostgreSQL {version}"


def _ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1f}"


def table(summary: dict[str, dict[str, float]], labels: list[str]) -> list[str]:
    """Markdown rows of the latency summary."""
    lines = [
        "| endpoint | requests | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label in labels:
        if label in summary:
            s = summary[label]
            cells = [
                str(int(s["count"])),
                *(_ms(s[k]) for k in ("p50", "p95", "p99", "max")),
                str(int(s["errors"])),
            ]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def ratio(a: float, b: float) -> str:
    """a / b, printed."""
    return "–" if not b or math.isnan(a) or math.isnan(b) else f"{a / b:.2f}×"


def _per_request(run: dict[str, Any]) -> str:
    """Milliseconds of gunicorn CPU per request over a window."""
    return f"{run['cpu_cores'].get('server', 0.0) * 1000 / run['rate']:.1f}" if run["rate"] else "–"


def report(result: dict[str, Any]) -> str:
    """The run as markdown."""
    app_s, ceil_s = result["app"]["summary"], result["ceiling"]["summary"]
    info, checks = result["machine"], result["app"]["checks"]
    lines = [
        f"## Load run — {result['db']} — {info['date']}",
        "",
        f"Machine: {info['nproc']} cores, {info['cpu']}; commit {info['commit']}; {result['db_version']}; "
        f"Python {info['python']}; load average before: {info['load_before']}; "
        f"other benchmarks running: {info['other_benchmarks']}.",
        f"gunicorn: gthread, {result['workers']} workers × {result['threads']} threads, keep-alive 30 s. "
        f"Event: {result['participants']} participants in {result['groups']} groups, "
        f"{result['facilitators']} facilitators, {result['duration']:.0f} s "
        f"(ceiling {result['ceiling_duration']:.0f} s). "
        "Client and server share the same cores.",
        "",
        "### Our app",
        *table(
            app_s,
            ["feed GET", "feed GET 200", "feed GET 304", "note POST", "dashboard GET", "final feed GET"],
        ),
        "",
        "### Ceiling (one insert / one select, same stack)",
        *table(ceil_s, ["ceiling read GET", "ceiling insert POST"]),
        "",
        "### Ratios to the ceiling insert (p50 / p95)",
    ]
    insert = ceil_s.get("ceiling insert POST", {"p50": math.nan, "p95": math.nan})
    read = ceil_s.get("ceiling read GET", {"p50": math.nan, "p95": math.nan})
    for label, base, base_name in (
        ("note POST", insert, "insert"),
        ("feed GET", insert, "insert"),
        ("feed GET", read, "read"),
        ("dashboard GET", read, "read"),
    ):
        if label in app_s:
            lines.append(
                f"- {label} / ceiling {base_name}: {ratio(app_s[label]['p50'], base['p50'])} (p50), "
                f"{ratio(app_s[label]['p95'], base['p95'])} (p95)"
            )
    lag = result["app"]["lag_ms"]
    cpu = result["app"]["cpu_cores"]
    failures = [
        f"{label}: " + ", ".join(f"{kind} × {n}" for kind, n in kinds.items())
        for label, kinds in sorted(result["app"]["errors"].items())
        if kinds
    ]
    lines += ["", "Errors: " + ("; ".join(failures) if failures else "none") + "."]
    lines += [
        "",
        "### Integrity",
        f"- posts sent {checks['posts_sent']}, acknowledged (201) {checks['acknowledged']}, "
        f"notes stored {checks['stored']}",
        f"- lost {checks['lost']}, duplicated {checks['duplicates']}, "
        f"stored without acknowledgement {checks['stored_without_ack']}",
        f"- groups whose counter is not 1..n: {checks['groups_with_counter_gap']}; "
        f"participants whose feed differs from the database: {checks['feeds_not_matching_db']}",
        "",
        "### Where the time went",
        f"- cores used during the window: gunicorn {cpu['server']:.2f}, PostgreSQL {cpu['postgres']:.2f}, "
        f"load client {cpu['client']:.2f}, other processes {cpu['others']:.2f} "
        f"({', '.join(cpu['top_others']) or 'none'}), "
        f"whole machine {cpu['machine']:.2f} of {info['nproc']}",
        f"- client schedule lag: p50 {_ms(lag['p50'])} ms, p95 {_ms(lag['p95'])} ms, "
        f"max {_ms(lag['max'])} ms; "
        f"keep-alive reconnects {result['app']['reconnects']}",
        "- gunicorn CPU per request: "
        f"{_per_request(result['app'])} ms (ceiling {_per_request(result['ceiling'])} ms)",
        "- p95 of all requests per 10 s of the window (ms): "
        + ", ".join(_ms(p95) for _count, p95 in result["app"]["p95_by_10s"]),
        f"- request rate: {result['app']['rate']:.0f} req/s "
        f"(ceiling run {result['ceiling']['rate']:.0f} req/s, "
        f"other processes {result['ceiling']['cpu_cores'].get('others', 0.0):.2f} cores)",
    ]
    verdict = []
    if result["db"] == "postgresql":
        feed_ok = app_s.get("feed GET", {}).get("p95", math.inf) <= TARGET_FEED_P95_MS
        post_ok = app_s.get("note POST", {}).get("p95", math.inf) <= TARGET_POST_P95_MS
        verdict.append(f"feed p95 ≤ {TARGET_FEED_P95_MS:.0f} ms: {'met' if feed_ok else 'MISSED'}")
        verdict.append(f"note POST p95 ≤ {TARGET_POST_P95_MS:.0f} ms: {'met' if post_ok else 'MISSED'}")
    errors = sum(int(s["errors"]) for s in app_s.values())
    verdict.append(f"errors: {errors}")
    verdict.append(f"lost/duplicated: {checks['lost']}/{checks['duplicates']}")
    lines += ["", "Verdict: " + "; ".join(verdict) + "."]
    return "\n".join(lines)


# --- The run --------------------------------------------------------------------------------------


def _counted(label: str) -> bool:
    """A request of the timed window (not the 200/304 split of the feed, nor the final poll)."""
    return not label.endswith((" 200", " 304")) and not label.startswith("final")


def figures_json(figures: Figures, seconds: float, cpu: dict[str, Any] | None = None) -> dict[str, Any]:
    """The raw summary of one event."""
    return {
        "summary": figures.summary(),
        "errors": {label: dict(counter) for label, counter in figures.errors.items()},
        "lag_ms": {
            "p50": percentile(figures.lag_ms, 0.5),
            "p95": percentile(figures.lag_ms, 0.95),
            "max": max(figures.lag_ms, default=math.nan),
        },
        "rate": sum(len(v) for k, v in figures.latencies.items() if _counted(k)) / seconds,
        "cpu_cores": cpu or {},
        "p95_by_10s": figures.slices(10.0, seconds),
    }


async def drive(
    target: AppTarget | CeilingTarget, duration: float, seed: int, server_pid: int
) -> tuple[Figures, float, dict[str, Any]]:
    """Sign in, run the event and measure the CPU each part used during it."""
    await target.sign_in()
    watch = CpuWatch(server_pid)
    watch.start()
    figures, elapsed = await run_event(target, duration, seed)
    return figures, elapsed, watch.finish()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgresql", "sqlite"], required=True)
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of the event (default 180)")
    parser.add_argument(
        "--ceiling-duration", type=float, default=60.0, help="seconds of the ceiling run (default 60)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 s event, 10 s ceiling")
    # 2 cores: one process per core runs Python while the other's threads wait on the database.
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--size", type=int, default=5)
    parser.add_argument("--facilitators", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.ceiling_duration = 20.0, 10.0

    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    log = RESULTS_DIR / f"{args.db}-{stamp}-gunicorn.log"
    info = machine()
    if info["other_benchmarks"] != "none":
        print(f"warning: another benchmark is running, figures will be skewed: {info['other_benchmarks']}")
    url = fresh_database(args.db)
    print(f"database: {url}", flush=True)
    try:
        migrate(url)
        event = arrange(url, args.groups, args.size, args.facilitators)
        print(
            f"arranged: {len(event.participants)} participants, {len(event.facilitators)} facilitators",
            flush=True,
        )
        with gunicorn("wsgi:app", url, args.workers, args.threads, log, "/") as served:
            target = AppTarget(event, "127.0.0.1", served.port, args.seed)
            figures, elapsed, cpu = asyncio.run(
                _drive_and_close(target, args.duration, args.seed, served.process.pid)
            )
            reconnects = sum(who.conn.reconnects for who in [*target.participants, *target.facilitators])
        checks = check_notes(event, target)
        print("event done; ceiling next", flush=True)
        ceiling_app.create_table(url)
        with gunicorn(
            "bench.load.ceiling_app:app", url, args.workers, args.threads, log, "/read/0"
        ) as served:
            ceiling = CeilingTarget(event, "127.0.0.1", served.port)
            ceiling_figures, ceiling_elapsed, ceiling_cpu = asyncio.run(
                _drive_and_close(ceiling, args.ceiling_duration, args.seed, served.process.pid)
            )
        result = {
            "db": args.db,
            "db_version": database_version(url),
            "machine": info,
            "workers": args.workers,
            "threads": args.threads,
            "participants": len(event.participants),
            "groups": len(event.group_ids),
            "facilitators": len(event.facilitators),
            "duration": elapsed,
            "ceiling_duration": ceiling_elapsed,
            "app": {**figures_json(figures, elapsed, cpu), "checks": checks, "reconnects": reconnects},
            "ceiling": figures_json(ceiling_figures, ceiling_elapsed, ceiling_cpu),
        }
    finally:
        if not args.keep:
            drop_database(url)
    text = report(result)
    print(text)
    (RESULTS_DIR / f"{args.db}-{stamp}.md").write_text(text + "\n")
    (RESULTS_DIR / f"{args.db}-{stamp}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    failed = result["app"]["checks"]["lost"] or result["app"]["checks"]["duplicates"]
    return 1 if failed else 0


async def _drive_and_close(
    target: AppTarget | CeilingTarget, duration: float, seed: int, pid: int
) -> tuple[Figures, float, dict[str, Any]]:
    try:
        return await drive(target, duration, seed, pid)
    finally:
        await target.close()


if __name__ == "__main__":
    sys.exit(main())
