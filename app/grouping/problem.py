"""The grouping problem and its solution, as plain data; JSON input is validated here."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

HARD_LIMIT_PEOPLE = 5000
MAX_ROUNDS = 20


class ProblemError(ValueError):
    """The input cannot be solved as given; `errors` lists every reason in French."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Person:
    """One person to place; attributes feed the pair scores."""

    id: str
    organisation: str = ""
    profile: str = ""
    territory: str = ""


@dataclass(frozen=True)
class Meeting:
    """Two people who already met `times` times; `ago` = 1 for the most recent workshop."""

    a: str
    b: str
    times: int = 1
    ago: int = 1


@dataclass(frozen=True)
class Weights:
    """How much each criterion counts; `territory_mode` is "differ" (mix) or "match" (gather)."""

    profile: float = 10.0
    territory: float = 3.0
    territory_mode: str = "differ"
    repeat: float = 100.0
    recency_decay: float = 0.7
    cluster: float = 0.0
    stability: float = 0.0


@dataclass(frozen=True)
class LockedGroup:
    """A group whose members are fixed in one round (nobody enters or leaves it)."""

    round: int
    group: int
    members: tuple[str, ...]


@dataclass
class Problem:
    """Everything the engine needs: people, group sizes, rounds, scores, history and constraints."""

    people: list[Person]
    bounds: list[tuple[int, int]]
    rounds: int = 1
    pair_scores: list[list[float]] | None = None
    history: list[Meeting] = field(default_factory=list)
    cannot_link: list[list[str]] = field(default_factory=list)
    must_link: list[list[str]] = field(default_factory=list)
    pinned: dict[str, int] = field(default_factory=dict)
    locked: list[LockedGroup] = field(default_factory=list)
    weights: Weights = field(default_factory=Weights)
    same_organisation_apart: bool = True
    previous: list[list[list[str]]] | None = None
    time_limit_s: float = 2.0
    seed: int = 1
    max_iterations: int | None = None

    @property
    def group_count(self) -> int:
        """Number of groups in each round."""
        return len(self.bounds)


# What the engine may have to say, in French with named fields; the web tool shows the same notices
# in the reader's language (`app.services.grouping.NOTICE_TEXTS`), from the code and the fields.
NOTICE_FRENCH = {
    "large_organisation": (
        "L'organisation « %(organisation)s » compte %(count)s personnes pour %(groups)s groupes : "
        "au moins %(extra)s d'entre elles partageront un groupe avec un ou une collègue."
    ),
    "linked_apart": (
        "Deux personnes liées (« must_link ») ne peuvent pas être séparées alors qu'une règle l'exige."
    ),
    "time_out": (
        "Le temps imparti est écoulé avant qu'une solution respectant toutes les règles soit trouvée."
    ),
}


@dataclass(frozen=True)
class Notice:
    """Something the engine says about a solution: a code and the fields of its sentence."""

    code: str
    params: dict[str, str | int] = field(default_factory=dict)

    def french(self) -> str:
        """The sentence in French (the command line's language)."""
        return NOTICE_FRENCH[self.code] % self.params

    def to_json(self) -> dict[str, Any]:
        """Plain data, stored with a plan and translated when shown."""
        return {"code": self.code, "params": dict(self.params)}


@dataclass
class GroupReport:
    """Why a group looks the way it does: its mix and its flaws."""

    round: int
    index: int
    members: list[str]
    profiles: dict[str, int]
    organisations: dict[str, int]
    territories: dict[str, int]
    repeat_pairs: list[tuple[str, str]]
    hard_violations: list[str]
    score: float


@dataclass
class Solution:
    """Groups per round, objective, counts of flaws, a per-group explanation and plain messages."""

    rounds: list[list[list[str]]]
    objective: float
    repeat_pairs: int
    hard_violations: int
    groups: list[GroupReport]
    feasible: bool
    messages: list[str]
    elapsed_s: float
    iterations: int
    seed: int
    isolated_people: int = 0  # alone with their profile in a group while others share it (cluster)
    notices: list[Notice] = field(default_factory=list)  # the `messages`, as codes and fields

    def to_json(self) -> dict[str, Any]:
        """The documented JSON output of the command line."""
        return {
            "rounds": self.rounds,
            "objective": round(self.objective, 6),
            "repeat_pairs": self.repeat_pairs,
            "hard_violations": self.hard_violations,
            "isolated_people": self.isolated_people,
            "feasible": self.feasible,
            "messages": self.messages,
            "groups": [
                {
                    "round": g.round,
                    "group": g.index,
                    "members": g.members,
                    "size": len(g.members),
                    "profiles": g.profiles,
                    "organisations": g.organisations,
                    "territories": g.territories,
                    "repeat_pairs": [list(pair) for pair in g.repeat_pairs],
                    "hard_violations": g.hard_violations,
                    "score": round(g.score, 6),
                }
                for g in self.groups
            ],
            "elapsed_s": round(self.elapsed_s, 3),
            "iterations": self.iterations,
            "seed": self.seed,
        }


# --- JSON input -------------------------------------------------------------------------------


def _number(value: Any, name: str, errors: list[str], minimum: float | None = None) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors.append(f"« {name} » doit être un nombre.")
        return None
    if minimum is not None and value < minimum:
        errors.append(f"« {name} » doit être supérieur ou égal à {minimum:g}.")
        return None
    return float(value)


def _integer(value: Any, name: str, errors: list[str], minimum: int = 0) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(f"« {name} » doit être un nombre entier.")
        return None
    if value < minimum:
        errors.append(f"« {name} » doit être supérieur ou égal à {minimum}.")
        return None
    return value


def _people(raw: Any, errors: list[str]) -> list[Person]:
    if not isinstance(raw, list) or not raw:
        errors.append("« people » doit être une liste non vide de personnes.")
        return []
    if len(raw) > HARD_LIMIT_PEOPLE:
        errors.append(f"Au plus {HARD_LIMIT_PEOPLE} personnes par problème.")
        return []
    people: list[Person] = []
    seen: set[str] = set()
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str | int) or item.get("id") == "":
            errors.append(f"Personne n° {position} : un identifiant « id » est obligatoire.")
            continue
        person_id = str(item["id"])
        if person_id in seen:
            errors.append(f"Personne « {person_id} » : identifiant en double.")
            continue
        seen.add(person_id)
        texts = {key: item.get(key, "") for key in ("organisation", "profile", "territory")}
        if any(not isinstance(value, str) for value in texts.values()):
            errors.append(f"Personne « {person_id} » : organisation, profil et territoire sont du texte.")
            continue
        people.append(Person(person_id, texts["organisation"], texts["profile"], texts["territory"]))
    return people


def _bounds(raw: Any, n: int, errors: list[str]) -> list[tuple[int, int]]:
    if not isinstance(raw, dict):
        errors.append(
            "« groups » doit donner « count » avec « min_size »/« max_size », ou « sizes », ou « bounds »."
        )
        return []
    if "sizes" in raw:
        sizes = raw["sizes"]
        if (
            not isinstance(sizes, list)
            or not sizes
            or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in sizes)
        ):
            errors.append("« groups.sizes » doit être une liste d'entiers positifs.")
            return []
        return [(s, s) for s in sizes]
    if "bounds" in raw:
        bounds = raw["bounds"]
        valid = (
            isinstance(bounds, list)
            and bounds
            and all(
                isinstance(b, list)
                and len(b) == 2
                and all(isinstance(x, int) and not isinstance(x, bool) for x in b)
                and 1 <= b[0] <= b[1]
                for b in bounds
            )
        )
        if not valid:
            errors.append(
                "« groups.bounds » doit être une liste de paires [minimum, maximum] avec 1 ≤ min ≤ max."
            )
            return []
        return [(b[0], b[1]) for b in bounds]
    count = _integer(raw.get("count"), "groups.count", errors, minimum=1)
    if count is None:
        return []
    low = _integer(raw.get("min_size", 1), "groups.min_size", errors, minimum=1)
    high = _integer(raw.get("max_size", max(1, math.ceil(n / count))), "groups.max_size", errors, minimum=1)
    if low is None or high is None:
        return []
    if low > high:
        errors.append("« groups.min_size » dépasse « groups.max_size ».")
        return []
    return [(low, high)] * count


def _id_lists(
    raw: Any, name: str, known: set[str], errors: list[str], exact_two: bool = False
) -> list[list[str]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, list) for item in raw):
        errors.append(f"« {name} » doit être une liste de listes d'identifiants.")
        return []
    result: list[list[str]] = []
    for item in raw:
        ids = [str(x) for x in item]
        if len(ids) < 2 or (exact_two and len(ids) != 2):
            errors.append(f"« {name} » : chaque entrée relie au moins deux personnes.")
            continue
        unknown = [x for x in ids if x not in known]
        if unknown:
            errors.append(f"« {name} » : personne inconnue « {unknown[0]} ».")
            continue
        result.append(ids)
    return result


def _history(raw: Any, known: set[str], errors: list[str]) -> list[Meeting]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append("« history » doit être une liste de rencontres {a, b, times}.")
        return []
    meetings: list[Meeting] = []
    for item in raw:
        if not isinstance(item, dict) or "a" not in item or "b" not in item:
            errors.append("« history » : chaque rencontre a les champs « a » et « b ».")
            continue
        a, b = str(item["a"]), str(item["b"])
        if a not in known or b not in known:
            errors.append(f"« history » : personne inconnue « {a if a not in known else b} ».")
            continue
        times = _integer(item.get("times", 1), "history.times", errors, minimum=1)
        ago = _integer(item.get("ago", 1), "history.ago", errors, minimum=1)
        if times is not None and ago is not None and a != b:
            meetings.append(Meeting(a, b, times, ago))
    return meetings


def _weights(raw: Any, errors: list[str]) -> Weights:
    if raw is None:
        return Weights()
    if not isinstance(raw, dict):
        errors.append("« weights » doit être un objet.")
        return Weights()
    allowed = {"profile", "territory", "territory_mode", "repeat", "recency_decay", "cluster", "stability"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        errors.append(f"« weights » : critère inconnu « {unknown[0]} ».")
    values: dict[str, Any] = {}
    for key in ("profile", "territory", "repeat", "cluster", "stability"):
        if key in raw:
            values[key] = _number(raw[key], f"weights.{key}", errors, minimum=0)
    if "recency_decay" in raw:
        decay = _number(raw["recency_decay"], "weights.recency_decay", errors, minimum=0)
        if decay is not None and decay > 1:
            errors.append("« weights.recency_decay » est compris entre 0 et 1.")
        values["recency_decay"] = decay
    if "territory_mode" in raw:
        if raw["territory_mode"] not in ("differ", "match"):
            errors.append("« weights.territory_mode » vaut « differ » ou « match ».")
        values["territory_mode"] = raw["territory_mode"]
    return Weights(**{k: v for k, v in values.items() if v is not None})


def _pair_scores(raw: Any, n: int, errors: list[str]) -> list[list[float]] | None:
    if raw is None:
        return None
    if (
        not isinstance(raw, list)
        or len(raw) != n
        or not all(isinstance(row, list) and len(row) == n for row in raw)
    ):
        errors.append(f"« pair_scores » doit être une matrice {n} × {n} dans l'ordre de « people ».")
        return None
    for row in raw:
        for value in row:
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                errors.append("« pair_scores » ne contient que des nombres.")
                return None
    return [[float(v) for v in row] for row in raw]


def problem_from_json(data: Any) -> Problem:
    """Validate the documented JSON input; raise ProblemError listing every problem found."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise ProblemError(["Le problème doit être un objet JSON."])
    people = _people(data.get("people"), errors)
    known = {p.id for p in people}
    bounds = _bounds(data.get("groups"), len(people), errors)
    rounds = _integer(data.get("rounds", 1), "rounds", errors, minimum=1) or 1
    if rounds > MAX_ROUNDS:
        errors.append(f"Au plus {MAX_ROUNDS} rotations.")
    pinned_raw = data.get("pinned") or {}
    pinned: dict[str, int] = {}
    if not isinstance(pinned_raw, dict):
        errors.append("« pinned » doit associer un identifiant à un numéro de groupe.")
    else:
        for person_id, group in pinned_raw.items():
            index = _integer(group, f"pinned.{person_id}", errors)
            if person_id not in known:
                errors.append(f"« pinned » : personne inconnue « {person_id} ».")
            elif index is not None and index >= max(1, len(bounds)):
                errors.append(
                    f"« pinned » : le groupe {index} n'existe pas (groupes numérotés à partir de 0)."
                )
            elif index is not None:
                pinned[person_id] = index
    time_limit = _number(data.get("time_limit_s", 2.0), "time_limit_s", errors, minimum=0.01)
    seed = _integer(data.get("seed", 1), "seed", errors)
    max_iterations = None
    if data.get("max_iterations") is not None:
        max_iterations = _integer(data["max_iterations"], "max_iterations", errors, minimum=1)
    problem = Problem(
        people=people,
        bounds=bounds,
        rounds=rounds,
        pair_scores=_pair_scores(data.get("pair_scores"), len(people), errors),
        history=_history(data.get("history"), known, errors),
        cannot_link=_id_lists(data.get("cannot_link"), "cannot_link", known, errors),
        must_link=_id_lists(data.get("must_link"), "must_link", known, errors),
        pinned=pinned,
        weights=_weights(data.get("weights"), errors),
        same_organisation_apart=bool(data.get("same_organisation_apart", True)),
        time_limit_s=time_limit or 2.0,
        seed=seed if seed is not None else 1,
        max_iterations=max_iterations,
    )
    if people and bounds:
        errors.extend(capacity_errors(problem))
    if errors:
        raise ProblemError(errors)
    return problem


def capacity_errors(problem: Problem) -> list[str]:
    """Size problems no search can fix: everyone must fit and every group must reach its minimum."""
    n = len(problem.people)
    low = sum(b[0] for b in problem.bounds)
    high = sum(b[1] for b in problem.bounds)
    if n > high:
        return [f"Les groupes ne peuvent accueillir que {high} personnes au plus, pour {n} personnes."]
    if n < low:
        return [f"Il faut au moins {low} personnes pour remplir les groupes, il y en a {n}."]
    return []
