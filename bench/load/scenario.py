"""The event's request schedule, the figures it records, and the two targets (our app, the ceiling).

Every simulated person repeats each of its actions at a fixed period from a random phase
(seeded), on its own keep-alive connection. Latency is measured from sending the request to the
last byte of the answer; how late a request left compared with its schedule (the client's own
lag: a busy client, or the person's previous request still running) is recorded apart, so a
saturated client shows instead of hiding inside the latencies.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from bench.load.arrange import PASSWORD, Event, Person
from bench.load.wire import Connection, Reply

POLL_PERIOD_S = 3.0
POST_PERIOD_S = 30.0
DASHBOARD_PERIOD_S = 3.0
SIGN_IN_CONCURRENCY = 16


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by the nearest-rank method; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class Figures:
    """Latencies (ms) per endpoint, errors per endpoint and reason, the client's schedule lag."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    lag_ms: list[float] = field(default_factory=list)
    start: float = 0.0  # perf_counter() at the start of the window
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (seconds into the window, ms)

    def record(self, label: str, reply: Reply | None, expected: tuple[int, ...], error: str = "") -> bool:
        """Count one request; True when it answered as expected."""
        if reply is None:
            self.errors[label][error or "exception"] += 1
            return False
        self.latencies[label].append(reply.seconds * 1000)
        self.timeline.append((time.perf_counter() - self.start, reply.seconds * 1000))
        if reply.status not in expected:
            self.errors[label][f"HTTP {reply.status}"] += 1
            return False
        return True

    def slices(self, width: float, end: float) -> list[tuple[int, float]]:
        """(requests, p95 ms) of every request answered in each `width`-second slice of the window."""
        buckets: dict[int, list[float]] = defaultdict(list)
        for at, ms in self.timeline:
            if 0 <= at < end:
                buckets[int(at // width)].append(ms)
        return [(len(buckets[i]), percentile(buckets[i], 0.95)) for i in range(math.ceil(end / width))]

    def summary(self) -> dict[str, dict[str, float]]:
        """Per endpoint: count, p50, p95, p99, max (ms), errors."""
        labels = sorted(set(self.latencies) | set(self.errors))
        return {
            label: {
                "count": len(self.latencies[label]),
                "p50": percentile(self.latencies[label], 0.50),
                "p95": percentile(self.latencies[label], 0.95),
                "p99": percentile(self.latencies[label], 0.99),
                "max": max(self.latencies[label], default=math.nan),
                "errors": sum(self.errors[label].values()),
            }
            for label in labels
        }


Action = Callable[[], Awaitable[None]]


async def repeat(
    period: float, phase: float, start: float, end: float, lags: list[float], action: Action
) -> None:
    """Run `action` at start + phase + k·period until `end`, recording how late each one left."""
    k = 0
    while True:
        due = start + phase + k * period
        if due >= end:
            return
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lags.append(max(0.0, time.perf_counter() - due) * 1000)
        await action()
        k += 1


async def timed(
    conn: Connection, figures: Figures, label: str, expected: tuple[int, ...], *args: Any, **kw: Any
) -> Reply | None:
    """One request through `conn`, recorded under `label`; None when it failed to complete."""
    try:
        reply = await conn.request(*args, **kw)
    except Exception as error:  # noqa: BLE001 - any failure is an error of the run, counted by kind
        figures.record(label, None, expected, type(error).__name__)
        return None
    return reply if figures.record(label, reply, expected) else None


# --- Our app ------------------------------------------------------------------------------------


@dataclass
class Participant:
    """A signed-in participant: the group's feed as far as read, and the notes it got acknowledged."""

    person: Person
    conn: Connection
    token: str = ""
    cursor: str = "0.0"
    etag: str = ""
    seen: set[int] = field(default_factory=set)
    acknowledged: dict[str, int] = field(default_factory=dict)  # submission id -> note id
    sent: int = 0


class AppTarget:
    """The notes API: feed polls with If-None-Match, note posts, the facilitators' dashboard."""

    def __init__(self, event: Event, host: str, port: int, seed: int) -> None:
        self.event = event
        self.participants = [Participant(p, Connection(host, port)) for p in event.participants]
        self.facilitators = [Participant(p, Connection(host, port)) for p in event.facilitators]
        self.random = random.Random(seed)

    async def sign_in(self) -> None:
        """Sign everyone in (before the timed window), a few at a time."""
        gate = asyncio.Semaphore(SIGN_IN_CONCURRENCY)

        async def one(who: Participant) -> None:
            async with gate:
                who.token = await who.conn.sign_in(who.person.email, PASSWORD)

        await asyncio.gather(*(one(who) for who in [*self.participants, *self.facilitators]))

    async def poll(self, who: Participant, figures: Figures, label: str = "feed GET") -> None:
        """One feed poll; a 200 moves the cursor on and adds the notes read."""
        assert who.person.group_id is not None
        headers = {"Accept": "application/json"}
        if who.etag:
            headers["If-None-Match"] = who.etag
        reply = await timed(
            who.conn,
            figures,
            label,
            (200, 304),
            "GET",
            f"/api/notes/sous-groupes/{who.person.group_id}/flux?depuis={who.cursor}",
            headers=headers,
        )
        if reply is None:
            return
        figures.latencies[f"{label} {reply.status}"].append(reply.seconds * 1000)
        if reply.status == 200:
            data = reply.json()
            who.cursor, who.etag = data["cursor"], reply.headers.get("etag", "")
            who.seen.update(note["id"] for note in data["notes"])
            who.seen.difference_update(data["removed"])

    async def post(self, who: Participant, figures: Figures) -> None:
        """One new note; its id is kept when the server acknowledges it (201)."""
        assert who.person.group_id is not None
        who.sent += 1
        submission = uuid.uuid4().hex
        body = {
            "category": self.random.choice(["inspiring_practice", "difficulty", "lever"]),
            "text": f"Note {who.sent} de {who.person.email} : une pratique qui marche chez nous.",
            "tags": [],
            "submission_id": submission,
        }
        reply = await timed(
            who.conn,
            figures,
            "note POST",
            (201,),
            "POST",
            f"/api/notes/sous-groupes/{who.person.group_id}/notes",
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": who.token,
                "Accept": "application/json",
            },
            body=json.dumps(body).encode(),
        )
        if reply is not None:
            who.acknowledged[submission] = int(reply.json()["note"]["id"])

    async def dashboard(self, who: Participant, figures: Figures) -> None:
        """One refresh of the facilitators' dashboard."""
        await timed(
            who.conn,
            figures,
            "dashboard GET",
            (200,),
            "GET",
            f"/api/gestion/ateliers/{self.event.workshop_id}/notes/tableau",
            headers={"Accept": "application/json"},
        )

    def actions(self, figures: Figures) -> list[tuple[float, Action]]:
        """(period, action) of every simulated person."""
        plan: list[tuple[float, Action]] = []
        for who in self.participants:
            plan.append((POLL_PERIOD_S, partial(self.poll, who, figures)))
            plan.append((POST_PERIOD_S, partial(self.post, who, figures)))
        for who in self.facilitators:
            plan.append((DASHBOARD_PERIOD_S, partial(self.dashboard, who, figures)))
        return plan

    async def catch_up(self, figures: Figures) -> None:
        """After the window: one last poll each, so every feed can be compared with the database."""
        await asyncio.gather(*(self.poll(who, figures, "final feed GET") for who in self.participants))

    async def close(self) -> None:
        """Close every connection."""
        await asyncio.gather(*(who.conn.close() for who in [*self.participants, *self.facilitators]))


# --- The ceiling --------------------------------------------------------------------------------


class CeilingTarget:
    """The same schedule against the minimal app: reads instead of feed and dashboard, inserts for notes."""

    def __init__(self, event: Event, host: str, port: int) -> None:
        self.event = event
        self.people = [(p, Connection(host, port)) for p in [*event.participants, *event.facilitators]]
        self.inserted = 0

    async def sign_in(self) -> None:
        """Nothing to sign in to."""

    def actions(self, figures: Figures) -> list[tuple[float, Action]]:
        """(period, action) of every simulated person, with the app's periods."""
        plan: list[tuple[float, Action]] = []
        for person, conn in self.people:
            group = person.group_id or 0
            plan.append((POLL_PERIOD_S, partial(self.read, conn, group, figures)))
            if person.group_id is not None:
                plan.append((POST_PERIOD_S, partial(self.insert, conn, group, figures)))
        return plan

    async def read(self, conn: Connection, group: int, figures: Figures) -> None:
        """One minimal read."""
        await timed(conn, figures, "ceiling read GET", (200,), "GET", f"/read/{group}")

    async def insert(self, conn: Connection, group: int, figures: Figures) -> None:
        """One minimal insert."""
        body = json.dumps({"group": group, "text": "Une pratique qui marche chez nous, en charge."}).encode()
        reply = await timed(
            conn,
            figures,
            "ceiling insert POST",
            (201,),
            "POST",
            "/insert",
            headers={"Content-Type": "application/json"},
            body=body,
        )
        self.inserted += reply is not None

    async def catch_up(self, figures: Figures) -> None:
        """Nothing to compare afterwards."""

    async def close(self) -> None:
        """Close every connection."""
        await asyncio.gather(*(conn.close() for _person, conn in self.people))


async def run_event(target: AppTarget | CeilingTarget, duration: float, seed: int) -> tuple[Figures, float]:
    """Run every person's actions for `duration` seconds; the figures and the window's real length."""
    figures = Figures()
    phases = random.Random(seed)
    start = time.perf_counter() + 0.5
    end = start + duration
    figures.start = start
    tasks = [
        repeat(period, phases.uniform(0, period), start, end, figures.lag_ms, action)
        for period, action in target.actions(figures)
    ]
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    await target.catch_up(figures)
    return figures, elapsed
