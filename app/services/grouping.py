"""Peer groups of a workshop: criteria in plain words, the engine's problem, saving, edits, publication.

The engine (`app.grouping`) is pure; this module translates a workshop into its input and its
answer back into rounds, groups and members. Running the engine is split in three steps so that a
view can release the database between them (SQLite's single writer is never held for seconds):

    job = prepare_generation(...) / prepare_resolve(...) / prepare_repair(...)   # reads only
    outcome = compute(job)                                                       # pure, bounded
    apply_outcome(session, workshop, job, outcome, actor)                        # writes

Every edit carries the versions of the rounds it was made from (`plan_token`); a stale edit raises
`StaleEdit` and writes nothing (REL-01). People are identified in the engine by their user id, so
that the history of who met whom follows them from one workshop of a programme to the next.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app import domain
from app.db import utcnow
from app.grouping import LockedGroup, Meeting, Notice, Person, Problem, ProblemError, Weights, solve
from app.i18n import _, _l
from app.models import GroupMember, PeerGroup, Registration, Round, User, Workshop
from app.services import audit
from app.services import registration as registration_service
from app.services.errors import DomainError, NotFound
from app.services.programmes import InvalidInput, StaleEdit

WHO = ("present", "confirmed")
SIZING = ("size", "count")
# « Mélanger les profils d'acteurs » and « Territoires », in the words the form uses.
PROFILE_WEIGHTS = {"important": 20.0, "normal": 10.0, "none": 0.0}
TERRITORY_WEIGHTS = {"mix": ("differ", 3.0), "gather": ("match", 3.0), "ignore": ("differ", 0.0)}
# Meeting again costs more than any gain in mix: the engine avoids it whenever it can.
REPEAT_WEIGHT = 100.0
# « Personne seul de son profil » weighs like two well-mixed pairs: a wish, never above a rule.
CLUSTER_WEIGHT = 40.0
# Re-solving the rest only breaks ties in favour of the current places; a repair (late arrivals,
# absences) values every person staying put far above any gain in mix: few groups change.
RESOLVE_STABILITY = 1.0
REPAIR_STABILITY = 1000.0
ROUNDS_MAX = 8
SIZE_MAX = 40
GROUP_COUNT_MAX = 200
TIME_LIMIT_DEFAULT = 2
TIME_LIMIT_MAX = 10
TABLE_NAME_MAX = 80
EMPTY_PLAN = "0"
ASSIGNABLE_ROLES = ("rapporteur", "timekeeper", "table_host")


# --- Criteria ----------------------------------------------------------------------------------


@dataclass
class GroupingSettings:
    """What the facilitator chose: who is grouped, sizes, rounds and criteria in plain words."""

    who: str = "present"
    sizing: str = "size"
    min_size: int = 4
    max_size: int = 6
    group_count: int | None = None
    rounds: int = 1
    profiles: str = "important"
    territories: str = "mix"
    organisations_apart: bool = True
    keep_profiles_company: bool = False
    time_limit_s: int = TIME_LIMIT_DEFAULT

    def to_json(self) -> dict[str, Any]:
        """Plain data stored with each round (`Round.settings["criteria"]`)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> GroupingSettings:
        """Criteria read back from a round; unknown or missing keys take their defaults."""
        if not isinstance(data, dict):
            return cls()
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        try:
            return cls(**known)
        except TypeError:
            return cls()

    def weights(self, stability: float = 0.0) -> Weights:
        """The engine's weights for these criteria."""
        mode, territory = TERRITORY_WEIGHTS.get(self.territories, ("differ", 0.0))
        return Weights(
            profile=PROFILE_WEIGHTS.get(self.profiles, 10.0),
            territory=territory,
            territory_mode=mode,
            repeat=REPEAT_WEIGHT,
            cluster=CLUSTER_WEIGHT if self.keep_profiles_company else 0.0,
            stability=stability,
        )


def default_settings(workshop: Workshop) -> GroupingSettings:
    """Sensible defaults per format: World Café 3 rounds of 4 to 5, co-development 5 to 8."""
    if workshop.format == "world_cafe":
        return GroupingSettings(rounds=3, min_size=4, max_size=5)
    if workshop.format == "codevelopment":
        return GroupingSettings(min_size=5, max_size=8)
    return GroupingSettings()


def settings_errors(settings: GroupingSettings) -> dict[str, str]:
    """Field-by-field problems with the criteria (the form checks the same, a forged post too)."""
    errors: dict[str, str] = {}
    if settings.who not in WHO:
        errors["who"] = _("Choix inconnu.")
    if settings.sizing not in SIZING:
        errors["sizing"] = _("Choix inconnu.")
    if settings.profiles not in PROFILE_WEIGHTS:
        errors["profiles"] = _("Choix inconnu.")
    if settings.territories not in TERRITORY_WEIGHTS:
        errors["territories"] = _("Choix inconnu.")
    if not 1 <= settings.rounds <= ROUNDS_MAX:
        errors["rounds"] = _("Entre 1 et %(max)s rotations.", max=ROUNDS_MAX)
    if not 1 <= settings.time_limit_s <= TIME_LIMIT_MAX:
        errors["time_limit_s"] = _("Entre 1 et %(max)s secondes.", max=TIME_LIMIT_MAX)
    if settings.sizing == "size":
        if not 1 <= settings.min_size <= SIZE_MAX:
            errors["min_size"] = _("Entre 1 et %(max)s personnes.", max=SIZE_MAX)
        if not 1 <= settings.max_size <= SIZE_MAX:
            errors["max_size"] = _("Entre 1 et %(max)s personnes.", max=SIZE_MAX)
        elif settings.min_size > settings.max_size:
            errors["max_size"] = _("La taille maximale ne peut pas être inférieure à la taille minimale.")
    elif settings.group_count is None or not 1 <= settings.group_count <= GROUP_COUNT_MAX:
        errors["group_count"] = _(
            "Indiquez un nombre de sous-groupes entre 1 et %(max)s.", max=GROUP_COUNT_MAX
        )
    return errors


# Every notice a plan may carry, engine's (`app.grouping.problem.NOTICE_FRENCH`) and ours: plans
# store codes and fields, so each reader gets them in their own language.
NOTICE_TEXTS = {
    "large_organisation": _l(
        "L'organisation « %(organisation)s » compte %(count)s personnes pour %(groups)s groupes : "
        "au moins %(extra)s d'entre elles partageront un groupe avec un ou une collègue."
    ),
    "linked_apart": _l(
        "Deux personnes liées (« must_link ») ne peuvent pas être séparées alors qu'une règle l'exige."
    ),
    "time_out": _l(
        "Le temps imparti est écoulé avant qu'une solution respectant toutes les règles soit trouvée."
    ),
    "fewer_groups": _l("%(people)s personnes seulement : %(count)s sous-groupes au lieu de %(asked)s."),
    "uneven_sizes": _l(
        "Avec %(people)s personnes, des sous-groupes de %(min)s à %(max)s ne tombent pas juste : "
        "certains auront %(low)s personnes."
    ),
}


def notice_text(stored: Any) -> str:
    """A stored notice in the reader's language (plans saved before codes kept their sentence)."""
    if isinstance(stored, str):
        return stored
    if not isinstance(stored, dict) or stored.get("code") not in NOTICE_TEXTS:
        return ""
    params = stored.get("params")
    try:
        return str(NOTICE_TEXTS[stored["code"]]) % (params if isinstance(params, dict) else {})
    except (KeyError, TypeError, ValueError):
        return ""


def group_bounds(people: int, settings: GroupingSettings) -> tuple[int, int, int, list[Notice]]:
    """Number of groups and size bounds for `people` people, and notices of what had to be relaxed."""
    notes: list[Notice] = []
    if settings.sizing == "count" and settings.group_count:
        count = max(1, min(settings.group_count, people))
        if count < settings.group_count:
            notes.append(
                Notice("fewer_groups", {"people": people, "count": count, "asked": settings.group_count})
            )
        return count, people // count, math.ceil(people / count), notes
    low, high = settings.min_size, settings.max_size
    count = max(1, math.ceil(people / high))
    if count * low > people:
        low = people // count
        fields: dict[str, str | int] = {
            "people": people,
            "min": settings.min_size,
            "max": settings.max_size,
            "low": low,
        }
        notes.append(Notice("uneven_sizes", fields))
    return count, low, high, notes


# --- Reading a workshop ------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A person who may be grouped: their registration (profile snapshot) and account."""

    registration: Registration
    user: User

    @property
    def pid(self) -> str:
        """The person's id in the engine: their user id, stable across workshops."""
        return str(self.user.id)

    def person(self) -> Person:
        """The engine's view of this person."""
        return Person(
            self.pid,
            organisation=self.registration.organisation,
            profile=self.registration.actor_profile,
            territory=self.registration.territory,
        )


def candidates(session: Session, workshop_id: int, who: str) -> list[Candidate]:
    """Confirmed people of the workshop: checked in present, or (`who` = "confirmed") not marked absent."""
    query = (
        sa.select(Registration, User)
        .join(User, Registration.user_id == User.id)
        .where(Registration.workshop_id == workshop_id, Registration.status == "confirmed")
        .order_by(Registration.id)
    )
    if who == "present":
        query = query.where(Registration.attendance == "present")
    else:
        # Everyone expected: a person already marked absent is never placed.
        query = query.where(Registration.attendance != "absent")
    return [Candidate(reg, user) for reg, user in session.execute(query)]


def expected(registration: Registration, who: str) -> bool:
    """True when this registration should be in the groups under the chosen `who`."""
    if registration.status != "confirmed":
        return False
    return registration.attendance == "present" if who == "present" else registration.attendance != "absent"


def rounds_of(session: Session, workshop_id: int, *, fresh: bool = False) -> list[Round]:
    """The rounds of a workshop with their groups, members and people, in order."""
    query = (
        sa.select(Round)
        .where(Round.workshop_id == workshop_id)
        .order_by(Round.number)
        .options(
            selectinload(Round.groups)
            .selectinload(PeerGroup.members)
            .options(selectinload(GroupMember.user), selectinload(GroupMember.registration))
        )
    )
    if fresh:
        query = query.execution_options(populate_existing=True)
    return list(session.scalars(query))


def plan_token(rounds: Sequence[Round]) -> str:
    """The versions an edit was made from: "round.version" pairs, or "0" for no plan yet."""
    if not rounds:
        return EMPTY_PLAN
    return "-".join(f"{r.id}.{r.version}" for r in sorted(rounds, key=lambda r: r.id))


def _check_token(rounds: Sequence[Round], token: str) -> None:
    if plan_token(rounds) != token:
        raise StaleEdit(
            _(
                "Les sous-groupes ont été modifiés entre-temps (par vous dans un autre onglet, ou par "
                "une autre personne) : rien n'a été enregistré. Voici la version actuelle."
            )
        )


def settings_of(rounds: Sequence[Round], workshop: Workshop) -> GroupingSettings:
    """The criteria of the current plan, or the defaults of the workshop's format."""
    if rounds:
        return GroupingSettings.from_json(rounds[0].settings.get("criteria"))
    return default_settings(workshop)


def programme_history(session: Session, workshop: Workshop) -> list[Meeting]:
    """Who already met whom: every published round of the programme's earlier workshops.

    `ago` counts workshops back (1 = the previous workshop of the programme) and `times` how many
    rounds of that workshop the two people shared.
    """
    earlier = session.scalars(
        sa.select(Workshop.id)
        .where(
            Workshop.programme_id == workshop.programme_id,
            Workshop.id != workshop.id,
            Workshop.starts_at < workshop.starts_at,
        )
        .order_by(Workshop.starts_at.desc(), Workshop.id.desc())
    ).all()
    if not earlier:
        return []
    ago = {workshop_id: rank for rank, workshop_id in enumerate(earlier, start=1)}
    rows = session.execute(
        sa.select(Round.workshop_id, GroupMember.group_id, GroupMember.user_id)
        .join(Round, GroupMember.round_id == Round.id)
        .where(Round.workshop_id.in_(earlier), Round.status == "published")
    )
    groups: dict[tuple[int, int], list[int]] = {}
    for workshop_id, group_id, user_id in rows:
        groups.setdefault((workshop_id, group_id), []).append(user_id)
    times: Counter[tuple[int, int, int]] = Counter()
    for (workshop_id, _group_id), members in groups.items():
        for a, b in combinations(sorted(members), 2):
            times[(workshop_id, a, b)] += 1
    return [
        Meeting(str(a), str(b), count, ago[workshop_id])
        for (workshop_id, a, b), count in sorted(times.items())
    ]


# --- Engine jobs -------------------------------------------------------------------------------


@dataclass
class Job:
    """Everything the engine needs, as plain data read from the database (no ORM objects)."""

    kind: str  # generate | resolve | repair
    workshop_id: int
    token: str
    settings: GroupingSettings
    people: list[Person]
    registrations: dict[str, int]
    bounds: list[tuple[int, int]]
    rounds: int
    history: list[Meeting]
    current: list[list[list[str]]] | None = None
    locked_people: list[dict[str, int]] = field(default_factory=list)
    locked_groups: list[set[int]] = field(default_factory=list)
    stability: float = 0.0
    seed: int = 1
    notes: list[Notice] = field(default_factory=list)
    arrivals: list[str] = field(default_factory=list)
    departures: list[str] = field(default_factory=list)

    @property
    def time_limit_s(self) -> float:
        """The engine's budget for the whole job, in seconds (never above the maximum)."""
        return float(min(max(self.settings.time_limit_s, 1), TIME_LIMIT_MAX))


@dataclass
class Outcome:
    """The engine's answer: groups per round (person ids by group index) and its messages."""

    rounds: list[list[list[str]]]
    messages: list[Notice]
    elapsed_s: float
    changed: bool = True


def _history_of_people(history: Iterable[Meeting], people: Iterable[Person]) -> list[Meeting]:
    # The engine indexes every id of a meeting: keep only pairs of people being placed.
    ids = {person.id for person in people}
    return [m for m in history if m.a in ids and m.b in ids]


def prepare_generation(session: Session, workshop: Workshop, settings: GroupingSettings, token: str) -> Job:
    """Read who is grouped and the history; refuse a plan that participants already see."""
    errors = settings_errors(settings)
    if errors:
        raise InvalidInput(errors)
    rounds = rounds_of(session, workshop.id)
    _check_token(rounds, token)
    if any(r.status == "published" for r in rounds):
        raise DomainError(
            _(
                "Des sous-groupes sont publiés : retirez d'abord la publication pour en générer de "
                "nouveaux, ou utilisez « Mettre à jour » pour les arrivées et les absences."
            )
        )
    people = candidates(session, workshop.id, settings.who)
    if not people:
        if settings.who == "present":
            raise DomainError(
                _(
                    "Aucune personne n'est pointée présente : faites le pointage, ou choisissez de "
                    "répartir toutes les inscriptions confirmées."
                ),
                field="who",
            )
        raise DomainError(_("Aucune inscription confirmée à répartir."), field="who")
    count, low, high, notes = group_bounds(len(people), settings)
    persons = [c.person() for c in people]
    return Job(
        kind="generate",
        workshop_id=workshop.id,
        token=plan_token(rounds),
        settings=settings,
        people=persons,
        registrations={c.pid: c.registration.id for c in people},
        bounds=[(low, high)] * count,
        rounds=settings.rounds,
        history=_history_of_people(programme_history(session, workshop), persons),
        seed=secrets.randbelow(2**31 - 1) + 1,
        notes=notes,
    )


def _current_plan(rounds: Sequence[Round]) -> list[list[list[str]]]:
    return [[[str(m.user_id) for m in group.members] for group in r.groups] for r in rounds]


def _locks(rounds: Sequence[Round]) -> tuple[list[dict[str, int]], list[set[int]]]:
    people: list[dict[str, int]] = []
    groups: list[set[int]] = []
    for r in rounds:
        people.append(
            {str(m.user_id): g for g, group in enumerate(r.groups) for m in group.members if m.locked}
        )
        groups.append({g for g, group in enumerate(r.groups) if group.locked})
    return people, groups


def _bounds_for(settings: GroupingSettings, stored: Any, people: int, count: int) -> list[tuple[int, int]]:
    """The plan's size bounds, widened just enough for `people` people in `count` groups."""
    if isinstance(stored, list) and len(stored) == 2 and all(isinstance(x, int) for x in stored):
        low, high = stored
    else:
        low, high = settings.min_size, settings.max_size
    low = min(low, people // count)
    high = max(high, math.ceil(people / count))
    return [(low, high)] * count


def _existing_job(session: Session, workshop: Workshop, token: str, kind: str) -> tuple[Job, list[Round]]:
    rounds = rounds_of(session, workshop.id)
    _check_token(rounds, token)
    if not rounds:
        raise DomainError(_("Aucun sous-groupe pour le moment : commencez par « Générer »."))
    settings = settings_of(rounds, workshop)
    locked_people, locked_groups = _locks(rounds)
    job = Job(
        kind=kind,
        workshop_id=workshop.id,
        token=token,
        settings=settings,
        people=[],
        registrations={},
        bounds=[],
        rounds=len(rounds),
        history=[],
        current=_current_plan(rounds),
        locked_people=locked_people,
        locked_groups=locked_groups,
        seed=int(rounds[0].settings.get("seed", 1)) + 1,
    )
    return job, rounds


def _finish_job(
    session: Session, workshop: Workshop, job: Job, rounds: Sequence[Round], people: list[Candidate]
) -> Job:
    count = len(rounds[0].groups)
    job.people = [c.person() for c in people]
    job.registrations = {c.pid: c.registration.id for c in people}
    job.bounds = _bounds_for(job.settings, rounds[0].settings.get("bounds"), len(people), count)
    job.history = _history_of_people(programme_history(session, workshop), job.people)
    return job


def prepare_resolve(session: Session, workshop: Workshop, token: str) -> Job:
    """Compute again everyone who is not locked, keeping locked people and groups where they are."""
    job, rounds = _existing_job(session, workshop, token, "resolve")
    placed = {m.user_id: m for r in rounds for g in r.groups for m in g.members}
    people = [Candidate(m.registration, m.user) for _user_id, m in sorted(placed.items())]
    job.stability = RESOLVE_STABILITY
    return _finish_job(session, workshop, job, rounds, people)


def prepare_repair(session: Session, workshop: Workshop, token: str) -> Job:
    """Late arrivals join, absent or cancelled people leave, with as few moves as possible."""
    job, rounds = _existing_job(session, workshop, token, "repair")
    people = candidates(session, workshop.id, job.settings.who)
    wanted = {c.pid for c in people}
    placed = {str(m.user_id) for r in rounds for g in r.groups for m in g.members}
    job.arrivals = sorted(wanted - placed, key=int)
    job.departures = sorted(placed - wanted, key=int)
    if not people:
        raise DomainError(_("Plus personne n'est attendu : rien à répartir."))
    assert job.current is not None
    job.current = [
        [[pid for pid in members if pid in wanted] for members in groups] for groups in job.current
    ]
    job.locked_people = [{pid: g for pid, g in locks.items() if pid in wanted} for locks in job.locked_people]
    job.stability = REPAIR_STABILITY
    return _finish_job(session, workshop, job, rounds, people)


# --- Running the engine (pure) -----------------------------------------------------------------


def _consistent_pins(job: Job) -> dict[str, int] | None:
    """Pins valid in every round (the engine pins a person across all rounds), else None."""
    if not job.locked_people:
        return {}
    first = job.locked_people[0]
    if all(locks == first for locks in job.locked_people[1:]):
        return dict(first)
    return None


def _locked_groups(job: Job, round_index: int, as_round: int) -> list[LockedGroup]:
    if job.current is None or round_index >= len(job.locked_groups):
        return []
    return [
        LockedGroup(as_round, g, tuple(job.current[round_index][g]))
        for g in sorted(job.locked_groups[round_index])
        if g < len(job.current[round_index])
    ]


def _problem(job: Job, **overrides: Any) -> Problem:
    values: dict[str, Any] = {
        "people": job.people,
        "bounds": job.bounds,
        "rounds": job.rounds,
        "history": job.history,
        "weights": job.settings.weights(job.stability),
        "same_organisation_apart": job.settings.organisations_apart,
        "previous": job.current if job.stability > 0 else None,
        "time_limit_s": job.time_limit_s,
        "seed": job.seed,
    }
    values.update(overrides)
    return Problem(**values)


def _pairs_as_meetings(groups: Sequence[Sequence[str]]) -> list[Meeting]:
    return [Meeting(a, b, 1, 1) for members in groups for a, b in combinations(members, 2)]


def compute(job: Job) -> Outcome:
    """Run the engine within the job's time budget; sizes that cannot hold everyone raise DomainError."""
    if job.kind == "repair" and not job.arrivals and not job.departures and job.current is not None:
        return Outcome(job.current, [], 0.0, changed=False)
    try:
        pins = _consistent_pins(job)
        if pins is not None:
            locked = [lock for r in range(job.rounds) for lock in _locked_groups(job, r, r)]
            solution = solve(_problem(job, pinned=pins, locked=locked))
            return Outcome(solution.rounds, solution.notices, solution.elapsed_s)
        return _compute_round_by_round(job)
    except ProblemError as error:
        raise DomainError(" ".join(error.errors)) from error


def _compute_round_by_round(job: Job) -> Outcome:
    """People locked in some rounds only: plan each round alone, the others counting as met."""
    assert job.current is not None
    planned = [list(map(list, groups)) for groups in job.current]
    messages: list[Notice] = []
    elapsed = 0.0
    budget = job.time_limit_s / job.rounds
    for r in range(job.rounds):
        others = [m for rr in range(job.rounds) if rr != r for m in _pairs_as_meetings(planned[rr])]
        solution = solve(
            _problem(
                job,
                rounds=1,
                history=job.history + others,
                pinned=job.locked_people[r] if r < len(job.locked_people) else {},
                locked=_locked_groups(job, r, 0),
                previous=[job.current[r]] if job.stability > 0 else None,
                time_limit_s=budget,
            )
        )
        planned[r] = solution.rounds[0]
        messages.extend(m for m in solution.notices if m not in messages)
        elapsed += solution.elapsed_s
    return Outcome(planned, messages, elapsed)


# --- Saving the engine's answer ----------------------------------------------------------------


def _touch(round_: Round) -> None:
    # Any change inside a round bumps its version (version_id_col): concurrent edits collide here.
    round_.updated_at = utcnow()


def _round_settings(job: Job, outcome: Outcome, bounds: tuple[int, int]) -> dict[str, Any]:
    return {
        "criteria": job.settings.to_json(),
        "bounds": [bounds[0], bounds[1]],
        "people": len(job.people),
        "seed": job.seed,
        "messages": [notice.to_json() for notice in job.notes + outcome.messages],
        "computed_at": utcnow().isoformat(timespec="seconds"),
        "elapsed_s": round(outcome.elapsed_s, 3),
        "kind": job.kind,
    }


def apply_outcome(
    session: Session, workshop: Workshop, job: Job, outcome: Outcome, actor: User
) -> list[Round]:
    """Write the engine's groups: a new plan for a generation, minimal row changes otherwise."""
    # Two computations of one workshop finishing together: the second waits here, then is stale.
    registration_service.lock_workshop(session, workshop.id)
    rounds = rounds_of(session, workshop.id, fresh=True)
    _check_token(rounds, job.token)
    if job.kind == "generate":
        rounds = _replace_plan(session, workshop, job, outcome)
    elif outcome.changed:
        _update_plan(session, job, outcome, rounds)
    audit.record(
        session,
        actor.id,
        f"groups.{job.kind}",
        "workshop",
        workshop.id,
        people=len(job.people),
        rounds=len(outcome.rounds),
        arrivals=len(job.arrivals),
        departures=len(job.departures),
    )
    session.flush()
    return rounds


def _replace_plan(session: Session, workshop: Workshop, job: Job, outcome: Outcome) -> list[Round]:
    session.execute(sa.delete(Round).where(Round.workshop_id == workshop.id))
    session.expire_all()
    bounds = job.bounds[0]
    created: list[Round] = []
    for number, groups in enumerate(outcome.rounds, start=1):
        round_ = Round(workshop_id=workshop.id, number=number, settings=_round_settings(job, outcome, bounds))
        for position, members in enumerate(groups, start=1):
            group = PeerGroup(position=position)
            for pid in members:
                group.members.append(
                    GroupMember(user_id=int(pid), registration_id=job.registrations[pid], role="member")
                )
            round_.groups.append(group)
        session.add(round_)
        created.append(round_)
    session.flush()
    return created


def _update_plan(session: Session, job: Job, outcome: Outcome, rounds: Sequence[Round]) -> None:
    bounds = job.bounds[0]
    for round_, groups in zip(rounds, outcome.rounds, strict=True):
        existing = {str(m.user_id): m for g in round_.groups for m in g.members}
        kept: set[str] = set()
        for group, members in zip(round_.groups, groups, strict=True):
            for pid in members:
                kept.add(pid)
                member = existing.get(pid)
                if member is None:
                    group.members.append(
                        GroupMember(user_id=int(pid), registration_id=job.registrations[pid], role="member")
                    )
                elif member.group_id != group.id:
                    member.group = group
                    member.role = "member"
        for pid, member in existing.items():
            if pid not in kept:
                session.delete(member)
        settings = dict(round_.settings)
        settings.update(_round_settings(job, outcome, bounds))
        settings["criteria"] = round_.settings.get("criteria", job.settings.to_json())
        round_.settings = settings
        _touch(round_)
    session.flush()


# --- Manual edits ------------------------------------------------------------------------------


def _member_in(session: Session, workshop_id: int, member_id: int) -> tuple[GroupMember, Round]:
    """A member of one of this workshop's groups; NotFound for any other id (no forged ids, AC-04)."""
    found = session.get(GroupMember, member_id)
    if found is None:
        raise NotFound(_("Personne introuvable dans les sous-groupes."))
    round_ = found.group.round
    if round_.workshop_id != workshop_id:
        raise NotFound(_("Personne introuvable dans les sous-groupes."))
    return found, round_


def _group_in(session: Session, workshop_id: int, group_id: int) -> PeerGroup:
    found = session.get(PeerGroup, group_id)
    if found is None or found.round.workshop_id != workshop_id:
        raise NotFound(_("Sous-groupe introuvable."))
    return found


def _round_in(session: Session, workshop_id: int, round_id: int) -> Round:
    found = session.get(Round, round_id)
    if found is None or found.workshop_id != workshop_id:
        raise NotFound(_("Rotation introuvable."))
    return found


def _refuse_locked(group: PeerGroup) -> None:
    if group.locked:
        raise DomainError(
            _("Le sous-groupe %(n)s est verrouillé : déverrouillez-le d'abord.", n=group.position),
            field="group_id",
        )


def move(session: Session, workshop_id: int, member_id: int, group_id: int, token: str) -> GroupMember:
    """« Déplacer vers »: the person joins another group of the same round and stays there (locked)."""
    member, round_ = _member_in(session, workshop_id, member_id)
    _check_token([round_], token)
    target = _group_in(session, workshop_id, group_id)
    if target.round_id != round_.id:
        raise DomainError(_("On ne déplace une personne que vers un sous-groupe de la même rotation."))
    if target.id == member.group_id:
        raise DomainError(_("La personne est déjà dans ce sous-groupe."), field="group_id")
    _refuse_locked(member.group)
    _refuse_locked(target)
    member.group = target
    member.role = "member"
    # A person placed by hand stays there when the rest is computed again.
    member.locked = True
    _touch(round_)
    session.flush()
    return member


def swap(
    session: Session, workshop_id: int, first_id: int, second_id: int, token: str
) -> tuple[GroupMember, GroupMember]:
    """Two people of the same round exchange their groups (both are then locked in place)."""
    first, round_ = _member_in(session, workshop_id, first_id)
    second, other_round = _member_in(session, workshop_id, second_id)
    _check_token([round_], token)
    if other_round.id != round_.id:
        raise DomainError(_("On n'échange que deux personnes de la même rotation."))
    if first.group_id == second.group_id:
        raise DomainError(_("Ces deux personnes sont déjà dans le même sous-groupe."), field="second")
    first_group, second_group = first.group, second.group
    _refuse_locked(first_group)
    _refuse_locked(second_group)
    first.group, second.group = second_group, first_group
    for member in (first, second):
        member.role = "member"
        member.locked = True
    _touch(round_)
    session.flush()
    return first, second


def set_member_lock(
    session: Session, workshop_id: int, member_id: int, locked: bool, token: str
) -> GroupMember:
    """Lock a person in their group (kept when the rest is computed again), or unlock them."""
    member, round_ = _member_in(session, workshop_id, member_id)
    _check_token([round_], token)
    member.locked = locked
    _touch(round_)
    session.flush()
    return member


def set_group_lock(session: Session, workshop_id: int, group_id: int, locked: bool, token: str) -> PeerGroup:
    """Lock a whole group (nobody enters or leaves it when the rest is computed again), or unlock it."""
    group = _group_in(session, workshop_id, group_id)
    _check_token([group.round], token)
    group.locked = locked
    _touch(group.round)
    session.flush()
    return group


@dataclass
class RolesInput:
    """The roles and table name typed for one group (member ids, None for nobody)."""

    table_name: str = ""
    rapporteur: int | None = None
    timekeeper: int | None = None
    table_host: int | None = None


def set_roles(session: Session, workshop_id: int, group_id: int, roles: RolesInput, token: str) -> PeerGroup:
    """One rapporteur, one timekeeper and one table host at most per group, and the table's name."""
    group = _group_in(session, workshop_id, group_id)
    _check_token([group.round], token)
    name = roles.table_name.strip()
    if len(name) > TABLE_NAME_MAX:
        raise DomainError(
            _("Le nom de table est limité à %(max)s caractères.", max=TABLE_NAME_MAX), field="table_name"
        )
    members = {m.id: m for m in group.members}
    chosen = {role: getattr(roles, role) for role in ASSIGNABLE_ROLES}
    for role, member_id in chosen.items():
        if member_id is not None and member_id not in members:
            raise DomainError(_("Choisissez une personne de ce sous-groupe."), field=role)
    picked = [member_id for member_id in chosen.values() if member_id is not None]
    if len(picked) != len(set(picked)):
        raise DomainError(_("Une même personne ne peut pas tenir deux rôles."), field="timekeeper")
    for member in group.members:
        if member.role in ASSIGNABLE_ROLES:
            member.role = "member"
    for role, member_id in chosen.items():
        if member_id is not None:
            members[member_id].role = role
    group.table_name = name
    _touch(group.round)
    session.flush()
    return group


def needed_roles(workshop: Workshop) -> tuple[str, ...]:
    """Roles every group should have: a table host too at a World Café."""
    if workshop.format == "world_cafe":
        return ASSIGNABLE_ROLES
    return ("rapporteur", "timekeeper")


def assign_missing_roles(session: Session, workshop: Workshop, token: str) -> int:
    """Give each group its missing roles (rapporteur, timekeeper, table host) among its members."""
    rounds = rounds_of(session, workshop.id)
    _check_token(rounds, token)
    if not rounds:
        raise DomainError(_("Aucun sous-groupe pour le moment : commencez par « Générer »."))
    assigned = 0
    for round_ in rounds:
        for group in round_.groups:
            taken = {m.role for m in group.members}
            free = sorted(
                (m for m in group.members if m.role == "member"),
                key=lambda m: (m.user.last_name.casefold(), m.user.first_name.casefold(), m.id),
            )
            for role in needed_roles(workshop):
                if role not in taken and free:
                    free.pop(0).role = role
                    assigned += 1
        _touch(round_)
    session.flush()
    return assigned


# --- Publication -------------------------------------------------------------------------------


def _chosen_rounds(session: Session, workshop_id: int, round_id: int | None) -> list[Round]:
    if round_id is None:
        rounds = rounds_of(session, workshop_id)
        if not rounds:
            raise DomainError(_("Aucun sous-groupe pour le moment : commencez par « Générer »."))
        return rounds
    return [_round_in(session, workshop_id, round_id)]


def publish(
    session: Session, workshop: Workshop, round_id: int | None, token: str, actor: User
) -> list[Round]:
    """Participants now see their group (one round, or all): their group, table, role and peers."""
    rounds = _chosen_rounds(session, workshop.id, round_id)
    _check_token(rounds, token)
    now = utcnow()
    for round_ in rounds:
        if round_.status != "published":
            round_.status = "published"
            round_.published_at = now
            _touch(round_)
    audit.record(
        session, actor.id, "groups.publish", "workshop", workshop.id, rounds=[r.number for r in rounds]
    )
    session.flush()
    return rounds


def unpublish(
    session: Session, workshop: Workshop, round_id: int | None, token: str, actor: User
) -> list[Round]:
    """Hide the groups again (back to draft); only before the workshop ends."""
    if workshop.ends_at <= utcnow():
        raise DomainError(
            _("L'atelier est terminé : la publication des sous-groupes ne peut plus être retirée.")
        )
    rounds = _chosen_rounds(session, workshop.id, round_id)
    _check_token(rounds, token)
    for round_ in rounds:
        if round_.status == "published":
            round_.status = "draft"
            round_.published_at = None
            _touch(round_)
    audit.record(
        session, actor.id, "groups.unpublish", "workshop", workshop.id, rounds=[r.number for r in rounds]
    )
    session.flush()
    return rounds


def discard(session: Session, workshop: Workshop, token: str, actor: User) -> None:
    """Delete a draft plan (never one that participants see)."""
    rounds = rounds_of(session, workshop.id)
    _check_token(rounds, token)
    if any(r.status == "published" for r in rounds):
        raise DomainError(_("Des sous-groupes sont publiés : retirez d'abord la publication."))
    for round_ in rounds:
        session.delete(round_)
    audit.record(session, actor.id, "groups.discard", "workshop", workshop.id)
    session.flush()


def is_published(session: Session, workshop_id: int) -> bool:
    """True once at least one round of the workshop is published."""
    found = session.scalar(
        sa.select(Round.id).where(Round.workshop_id == workshop_id, Round.status == "published").limit(1)
    )
    return found is not None


def can_unpublish(workshop: Workshop, now: dt.datetime | None = None) -> bool:
    """Publication can be withdrawn until the workshop ends."""
    return workshop.ends_at > (now or utcnow())


def role_choices() -> dict[str, str]:
    """Label of each group role in the current language."""
    return dict(domain.choices(domain.GROUP_ROLES))
