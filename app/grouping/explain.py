"""Explain a solution in terms people read: per-group mix, repeat pairs, broken rules."""

from __future__ import annotations

from collections import Counter

import numpy as np

from app.grouping.build import Model, normalise_name
from app.grouping.cluster import isolated_people
from app.grouping.problem import GroupReport, Notice, Problem, Solution
from app.grouping.search import State


def _person_rounds(model: Model, state: State) -> list[list[list[int]]]:
    rounds: list[list[list[int]]] = []
    for r in range(model.rounds):
        groups: list[list[int]] = [[] for _ in range(model.group_count)]
        for u, g in enumerate(state.assign[r]):
            groups[int(g)].extend(model.units[u])
        rounds.append([sorted(members) for members in groups])
    return rounds


def _plain_warnings(problem: Problem, model: Model) -> list[Notice]:
    """Say plainly why some hard rule cannot hold, before anyone wonders."""
    messages: list[Notice] = []
    groups = model.group_count
    if problem.same_organisation_apart:
        sizes = Counter(normalise_name(p.organisation) for p in problem.people if p.organisation)
        names = {normalise_name(p.organisation): p.organisation for p in problem.people}
        for name, count in sizes.most_common():
            if count <= groups:
                break
            messages.append(
                Notice(
                    "large_organisation",
                    {"organisation": names[name], "count": count, "groups": groups, "extra": count - groups},
                )
            )
    for unit in model.units:
        if len(unit) > 1 and model.conflict[np.ix_(unit, unit)].any():
            messages.append(Notice("linked_apart"))
            break
    return messages


def explain(
    problem: Problem, model: Model, state: State, elapsed: float, iterations: int, stopped_by: str
) -> Solution:
    """Build the Solution: groups by person id, objective without hard penalties, per-group reports."""
    people = problem.people
    rounds = _person_rounds(model, state)
    meetings = np.zeros((len(people), len(people)), dtype=np.int64)
    linked = model.unit_of[:, None] == model.unit_of[None, :]
    reports: list[GroupReport] = []
    objective = 0.0
    hard = 0
    for r, groups in enumerate(rounds):
        for g, members in enumerate(groups):
            idx = np.array(members, dtype=np.int64)
            block = np.ix_(idx, idx)
            score = float(
                np.triu(model.person_scores[block], 1).sum() - np.triu(model.history_penalty[block], 1).sum()
            )
            objective += score
            broken: list[str] = []
            conflicts = np.argwhere(np.triu(model.conflict[block], 1))
            for i, j in conflicts:
                broken.append(
                    f"{people[members[i]].id} et {people[members[j]].id} ne devraient pas être ensemble"
                )
            low, high = model.low[g], model.high[g]
            if not low <= len(members) <= high:
                broken.append(f"taille {len(members)} hors des bornes [{low}, {high}]")
            hard += len(broken)
            met = (model.history_penalty[block] > 0) | (meetings[block] > 0)
            met &= ~linked[block]  # people linked on purpose (must-link) are meant to meet again
            repeats = [
                (people[members[i]].id, people[members[j]].id) for i, j in np.argwhere(np.triu(met, 1))
            ]
            meetings[block] += 1
            reports.append(
                GroupReport(
                    round=r,
                    index=g,
                    members=[people[i].id for i in members],
                    profiles=dict(Counter(people[i].profile for i in members if people[i].profile)),
                    organisations=dict(
                        Counter(people[i].organisation for i in members if people[i].organisation)
                    ),
                    territories=dict(Counter(people[i].territory for i in members if people[i].territory)),
                    repeat_pairs=repeats,
                    hard_violations=broken,
                    score=score,
                )
            )
    np.fill_diagonal(meetings, 0)
    planned_repeats = np.triu(np.maximum(meetings - 1, 0), 1) * ~np.triu(linked, 1)
    objective -= float((problem.weights.repeat * planned_repeats * (planned_repeats + 1) / 2).sum())
    repeat_pairs = sum(len(report.repeat_pairs) for report in reports)
    messages = _plain_warnings(problem, model)
    if stopped_by == "time" and hard:
        messages.append(Notice("time_out"))
    return Solution(
        rounds=[[[people[i].id for i in members] for members in groups] for groups in rounds],
        objective=objective,
        repeat_pairs=repeat_pairs,
        hard_violations=hard,
        groups=reports,
        feasible=hard == 0,
        messages=[notice.french() for notice in messages],
        notices=messages,
        elapsed_s=elapsed,
        iterations=iterations,
        seed=problem.seed,
        isolated_people=isolated_people(problem, model, state.assign),
    )
