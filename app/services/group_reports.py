"""Peer groups read back: the facilitator's cards and quality summary, a participant's own group,
the rows of the export.

The quality figures are recomputed from the rows at every read, so the summary follows every
manual move. A participant only ever receives their own group of a published round, shaped by the
workshop's attribution mode (AC-03, EX-05).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app import domain
from app.exports.tabular import Cell
from app.i18n import _, _l
from app.models import GroupMember, PeerGroup, Registration, Round, User, Workshop
from app.services import grouping
from app.services.errors import NotFound
from app.services.grouping import Candidate, GroupingSettings

# Short labels for the badges of a card; the full label stays in the member's line.
SHORT_PROFILES: dict[str, object] = {
    "local_authority": _l("Collectivité"),
    "state_public_body": _l("État, établissement public"),
    "association": _l("Association"),
    "foundation": _l("Fondation"),
    "company": _l("Entreprise"),
    "ess_enterprise": _l("Entreprise de l'ESS"),
    "academic": _l("Recherche"),
    "support_intermediary": _l("Accompagnement"),
    "citizen": _l("Habitant, citoyen"),
    "other": _l("Autre profil"),
}


def short_profile(profile: str) -> str:
    """A short French label of an actor profile, for badges."""
    return str(SHORT_PROFILES.get(profile, domain.ACTOR_PROFILES.get(profile, profile)))


def normalise_organisation(name: str) -> str:
    """Compare organisation names without case, accents or extra spaces (as the engine does)."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


# --- The facilitator's view ---------------------------------------------------------------------


@dataclass
class MemberLine:
    """A person in a group card, with what is worth flagging about them."""

    member: GroupMember
    user: User
    registration: Registration
    absence: str = ""
    met_before: list[str] = field(default_factory=list)
    same_organisation: list[str] = field(default_factory=list)


@dataclass
class GroupCard:
    """One group as the facilitator sees it: members, mix, flags."""

    group: PeerGroup
    lines: list[MemberLine]
    profiles: list[tuple[str, int]]
    organisations: list[tuple[str, int]]
    territories: list[tuple[str, int]]
    repeat_pairs: int
    same_organisation_pairs: int
    size_problem: str = ""
    missing_roles: list[str] = field(default_factory=list)

    @property
    def distinct_profiles(self) -> int:
        """How many different actor profiles sit in the group."""
        return len(self.profiles)


@dataclass
class Quality:
    """The numbers behind « 0 binôme déjà rencontré · 0 binôme de même organisation · ... »."""

    groups: int = 0
    people: int = 0
    repeat_pairs: int = 0
    same_organisation: int = 0
    profiles_low: int = 0
    profiles_high: int = 0
    size_low: int = 0
    size_high: int = 0
    size_problems: int = 0
    isolated: int = 0  # people alone with their profile in a group while others of it take part

    @classmethod
    def of(cls, cards: Sequence[GroupCard]) -> Quality:
        """Totals over some group cards."""
        if not cards:
            return cls()
        profiles = [card.distinct_profiles for card in cards]
        sizes = [len(card.lines) for card in cards]
        return cls(
            groups=len(cards),
            people=sum(sizes),
            repeat_pairs=sum(card.repeat_pairs for card in cards),
            same_organisation=sum(card.same_organisation_pairs for card in cards),
            profiles_low=min(profiles),
            profiles_high=max(profiles),
            size_low=min(sizes),
            size_high=max(sizes),
            size_problems=sum(1 for card in cards if card.size_problem),
            isolated=_isolated(cards),
        )


def _isolated(cards: Sequence[GroupCard]) -> int:
    """People alone with their profile in their group, round by round (the « cluster » criterion)."""
    by_round: dict[int, list[GroupCard]] = {}
    for card in cards:
        by_round.setdefault(card.group.round_id, []).append(card)
    isolated = 0
    for round_cards in by_round.values():
        totals: Counter[str] = Counter()
        for card in round_cards:
            totals.update(dict(card.profiles))
        isolated += sum(
            1 for card in round_cards for name, count in card.profiles if count == 1 and totals[name] >= 2
        )
    return isolated


@dataclass
class RoundView:
    """A round with its cards, its version token, its quality and the engine's messages."""

    round: Round
    cards: list[GroupCard]
    token: str
    quality: Quality
    messages: list[str]


@dataclass
class PlanView:
    """Everything the groups page shows."""

    rounds: list[RoundView]
    token: str
    settings: GroupingSettings
    quality: Quality
    arrivals: list[Candidate]
    departures: list[MemberLine]
    any_published: bool
    all_published: bool
    can_unpublish: bool
    needed_roles: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """True before the first generation."""
        return not self.rounds


def _counts(values: Iterable[str]) -> list[tuple[str, int]]:
    counted = Counter(value for value in values if value)
    return sorted(counted.items(), key=lambda item: (-item[1], item[0].casefold()))


def _absence(registration: Registration, who: str) -> str:
    if grouping.expected(registration, who):
        return ""
    if registration.status != "confirmed":
        return _("Inscription annulée")
    if registration.attendance == "absent":
        return _("Absence notée")
    return _("Présence non pointée")


def _card(
    group: PeerGroup,
    who: str,
    met: set[frozenset[int]],
    bounds: tuple[int, int] | None,
    roles: tuple[str, ...],
) -> GroupCard:
    lines = [
        MemberLine(m, m.user, m.registration, absence=_absence(m.registration, who)) for m in group.members
    ]
    lines.sort(
        key=lambda line: (line.user.last_name.casefold(), line.user.first_name.casefold(), line.member.id)
    )
    repeats = same_org = 0
    for first, second in combinations(lines, 2):
        if frozenset((first.user.id, second.user.id)) in met:
            repeats += 1
            first.met_before.append(second.user.full_name)
            second.met_before.append(first.user.full_name)
        name = normalise_organisation(first.registration.organisation)
        if name and name == normalise_organisation(second.registration.organisation):
            same_org += 1
            first.same_organisation.append(second.user.full_name)
            second.same_organisation.append(first.user.full_name)
    size_problem = ""
    if bounds is not None and not bounds[0] <= len(lines) <= bounds[1]:
        size_problem = _(
            "%(n)s personnes pour une taille prévue de %(low)s à %(high)s",
            n=len(lines),
            low=bounds[0],
            high=bounds[1],
        )
    labels = grouping.role_choices()
    present_roles = {line.member.role for line in lines}
    return GroupCard(
        group=group,
        lines=lines,
        profiles=_counts(short_profile(line.registration.actor_profile) for line in lines),
        organisations=_counts(line.registration.organisation for line in lines),
        territories=_counts(line.registration.territory for line in lines),
        repeat_pairs=repeats,
        same_organisation_pairs=same_org,
        size_problem=size_problem,
        missing_roles=[labels[role] for role in roles if role not in present_roles and lines],
    )


def _met_pairs(session: Session, workshop: Workshop) -> set[frozenset[int]]:
    return {frozenset((int(m.a), int(m.b))) for m in grouping.programme_history(session, workshop)}


def _bounds(round_: Round) -> tuple[int, int] | None:
    stored = round_.settings.get("bounds")
    if isinstance(stored, list) and len(stored) == 2 and all(isinstance(x, int) for x in stored):
        return stored[0], stored[1]
    return None


def plan_view(session: Session, workshop: Workshop) -> PlanView:
    """The current plan of a workshop, its quality, and who arrived or left since it was made."""
    rounds = grouping.rounds_of(session, workshop.id)
    settings = grouping.settings_of(rounds, workshop)
    roles = grouping.needed_roles(workshop)
    met = _met_pairs(session, workshop) if rounds else set()
    views: list[RoundView] = []
    for round_ in rounds:
        cards = [_card(group, settings.who, met, _bounds(round_), roles) for group in round_.groups]
        messages = [text for m in round_.settings.get("messages", []) if (text := grouping.notice_text(m))]
        views.append(RoundView(round_, cards, grouping.plan_token([round_]), Quality.of(cards), messages))
        # Pairs formed in this round count as met for the rounds after it.
        for group in round_.groups:
            met.update(frozenset(pair) for pair in combinations([m.user_id for m in group.members], 2))
    placed = {line.user.id for view in views for card in view.cards for line in card.lines}
    arrivals = (
        [c for c in grouping.candidates(session, workshop.id, settings.who) if c.user.id not in placed]
        if rounds
        else []
    )
    departures: dict[int, MemberLine] = {}
    for view in views:
        for card in view.cards:
            for line in card.lines:
                if line.absence:
                    departures.setdefault(line.user.id, line)
    all_cards = [card for view in views for card in view.cards]
    quality = Quality.of(all_cards)
    if views:
        # A person counts once, however many rounds they are in.
        quality.people = len(placed)
    return PlanView(
        rounds=views,
        token=grouping.plan_token(rounds),
        settings=settings,
        quality=quality,
        arrivals=arrivals,
        departures=list(departures.values()),
        any_published=any(r.status == "published" for r in rounds),
        all_published=bool(rounds) and all(r.status == "published" for r in rounds),
        can_unpublish=grouping.can_unpublish(workshop),
        needed_roles=roles,
    )


# --- A participant's own group ------------------------------------------------------------------


@dataclass
class Peer:
    """Someone of the participant's group, shown as the attribution mode allows."""

    is_me: bool
    profile: str
    name: str = ""
    organisation: str = ""
    role: str = "member"


@dataclass
class MyGroup:
    """The participant's group in one published round."""

    round: Round
    group: PeerGroup
    role: str
    size: int
    peers: list[Peer]
    profile_counts: list[tuple[str, int]]


@dataclass
class MyGroups:
    """What « Mon sous-groupe » shows: nothing before publication, then one group per round."""

    workshop: Workshop
    mode: str
    published: bool
    groups: list[MyGroup]
    rounds: int


def _peer(member: GroupMember, me: int, mode: str) -> Peer:
    profile = member.registration.actor_profile
    if mode == "named":
        return Peer(
            is_me=member.user_id == me,
            profile=profile,
            name=member.user.full_name,
            organisation=member.registration.organisation,
            role=member.role,
        )
    # by_profile: the profile (the kind of organisation) only, never a name nor an organisation.
    return Peer(is_me=member.user_id == me, profile=profile, role=member.role)


def my_groups(session: Session, workshop: Workshop, user: User) -> MyGroups:
    """The person's own group in each published round; NotFound if they have no part in the workshop."""
    registration = session.scalar(
        sa.select(Registration.id).where(
            Registration.workshop_id == workshop.id, Registration.user_id == user.id
        )
    )
    memberships = list(
        session.scalars(
            sa.select(GroupMember)
            .join(Round, GroupMember.round_id == Round.id)
            .where(Round.workshop_id == workshop.id, GroupMember.user_id == user.id)
            .order_by(Round.number)
        )
    )
    if registration is None and not memberships:
        raise NotFound(_("Atelier introuvable."))
    published = [m for m in memberships if m.group.round.status == "published"]
    group_ids = [m.group_id for m in published]
    groups = {
        group.id: group
        for group in session.scalars(
            sa.select(PeerGroup)
            .where(PeerGroup.id.in_(group_ids))
            .options(
                selectinload(PeerGroup.members).options(
                    selectinload(GroupMember.user), selectinload(GroupMember.registration)
                )
            )
        )
    }
    mode = workshop.attribution_mode
    result: list[MyGroup] = []
    for mine in published:
        group = groups[mine.group_id]
        members = sorted(
            group.members,
            key=lambda m: (m.user_id != user.id, m.user.last_name.casefold(), m.user.first_name.casefold()),
        )
        peers = [] if mode == "anonymous" else [_peer(m, user.id, mode) for m in members]
        counts = _counts(short_profile(m.registration.actor_profile) for m in members)
        result.append(MyGroup(group.round, group, mine.role, len(members), peers, counts))
    statuses = list(session.scalars(sa.select(Round.status).where(Round.workshop_id == workshop.id)))
    # The number of rounds is shown (« Rotation 1 ») even while later ones are still drafts.
    return MyGroups(workshop, mode, "published" in statuses, result, len(statuses))


# --- Export ------------------------------------------------------------------------------------


def export_table(session: Session, workshop: Workshop, *, named: bool) -> tuple[list[str], list[list[Cell]]]:
    """Header and rows of the groups export: one row per person and round; names only when named."""
    roles = grouping.role_choices()
    header = [_("Rotation"), _("Sous-groupe"), _("Table")]
    if named:
        header += [_("Nom"), _("Prénom")]
    header += [_("Organisation"), _("Profil d'acteur"), _("Territoire"), _("Rôle"), _("Publication")]
    rows: list[list[Cell]] = []
    for round_ in grouping.rounds_of(session, workshop.id):
        status = _("Publié") if round_.status == "published" else _("Brouillon")
        for group in round_.groups:
            members = sorted(
                group.members, key=lambda m: (m.user.last_name.casefold(), m.user.first_name.casefold(), m.id)
            )
            for member in members:
                row: list[Cell] = [round_.number, group.position, group.table_name]
                if named:
                    row += [member.user.last_name, member.user.first_name]
                row += [
                    member.registration.organisation,
                    str(
                        domain.ACTOR_PROFILES.get(
                            member.registration.actor_profile, member.registration.actor_profile
                        )
                    ),
                    member.registration.territory,
                    roles.get(member.role, member.role),
                    status,
                ]
                rows.append(row)
    return header, rows
