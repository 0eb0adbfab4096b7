"""A workshop's registrations seen from the back office: list and filters, counts, manual add,
check-in and walk-ins, the rows of the export.

Seats are always counted by `app.services.registration` under the workshop lock; this module only
adds the facilitator's side. Every function that takes a `registration_id` also takes the
`workshop_id` the facilitator was cleared for, and refuses a registration of another workshop
(no forged identifiers, AC-04/AC-06).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from app import domain
from app.db import utcnow
from app.exports.tabular import Cell
from app.i18n import _
from app.models import Programme, Registration, User, Workshop
from app.services import audit, notifications, registration, tokens
from app.services.errors import DomainError, NotFound

PARIS = ZoneInfo("Europe/Paris")
REASON_MAX = 500
# Column limits of the User model: a longer value is refused, never cut silently.
PERSON_LIMITS = {
    "email": 254,
    "first_name": 80,
    "last_name": 80,
    "organisation": 160,
    "territory": 120,
    "job_title": 120,
}


# --- People ------------------------------------------------------------------------------------


@dataclass
class PersonInput:
    """A person typed by a facilitator (manual add, walk-in) or read from an import line."""

    email: str = ""
    first_name: str = ""
    last_name: str = ""
    organisation: str = ""
    actor_profile: str = "other"
    territory: str = ""
    job_title: str = ""


def normalise_email(raw: str) -> str | None:
    """The address in lowercase when it is syntactically valid, None otherwise (no DNS lookup)."""
    raw = raw.strip()
    if not raw or len(raw) > PERSON_LIMITS["email"]:
        return None
    try:
        checked = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        return None
    return str(checked.normalized).lower()


def person_errors(person: PersonInput, *, new_account: bool, email_required: bool) -> dict[str, str]:
    """Problems with a typed person, field by field; names are required for a new account."""
    errors: dict[str, str] = {}
    if person.email:
        if normalise_email(person.email) is None:
            errors["email"] = _("Cette adresse e-mail n'est pas valide.")
    elif email_required:
        errors["email"] = _("Indiquez l'adresse e-mail de la personne.")
    for name, limit in PERSON_LIMITS.items():
        if name != "email" and len(getattr(person, name)) > limit:
            errors[name] = _("Ce champ est limité à %(max)s caractères.", max=limit)
    if person.actor_profile not in domain.ACTOR_PROFILES:
        errors["actor_profile"] = _("Choisissez un profil d'acteur dans la liste.")
    if new_account:
        if not person.first_name and "first_name" not in errors:
            errors["first_name"] = _("Indiquez le prénom de la personne.")
        if not person.last_name and "last_name" not in errors:
            errors["last_name"] = _("Indiquez le nom de la personne.")
    return errors


def find_account(session: Session, email: str) -> User | None:
    """The account with this address (case-insensitive), if any."""
    return session.scalars(sa.select(User).where(sa.func.lower(User.email) == email.lower())).first()


def _invite_new_account(
    session: Session, person: PersonInput, email: str, programme: Programme | None, invitation_ttl_s: int
) -> User:
    """Create (or find) the participant's account; a new one gets an invitation to set a password."""
    from app.services import accounts

    user, created = accounts.find_or_create_participant(
        session,
        email,
        person.first_name,
        person.last_name,
        person.organisation,
        person.actor_profile,
        person.territory,
        person.job_title,
    )
    if created:
        raw = tokens.issue_token(session, user, "invitation", invitation_ttl_s)
        notifications.invitation(session, user, raw, programme)
    return user


def _active_registration(session: Session, workshop_id: int, user_id: int) -> Registration | None:
    return session.scalars(
        sa.select(Registration).where(
            Registration.workshop_id == workshop_id,
            Registration.user_id == user_id,
            Registration.status.in_(registration.ACTIVE_STATUSES),
        )
    ).one_or_none()


def is_registered(session: Session, workshop_id: int, user_id: int) -> bool:
    """True when the person holds a seat or a waitlist place in the workshop."""
    return _active_registration(session, workshop_id, user_id) is not None


@dataclass(frozen=True)
class Enrolment:
    """What adding one person did."""

    registration: Registration
    account_created: bool


def enrol(
    session: Session,
    workshop: Workshop,
    person: PersonInput,
    *,
    source: str,
    invitation_ttl_s: int,
) -> Enrolment:
    """Register a person by e-mail (existing account, or a new invited one), ignoring the window."""
    email = normalise_email(person.email)
    if email is None:
        raise DomainError(_("Cette adresse e-mail n'est pas valide."), field="email")
    user = find_account(session, email)
    created = False
    if user is None:
        errors = person_errors(person, new_account=True, email_required=True)
        if errors:
            name, message = next(iter(errors.items()))
            raise DomainError(message, field=name)
        user = _invite_new_account(session, person, email, workshop.programme, invitation_ttl_s)
        created = True
    elif not user.is_active:
        raise DomainError(_("Le compte associé à cette adresse est désactivé."), field="email")
    elif _active_registration(session, workshop.id, user.id) is not None:
        raise DomainError(_("Cette personne est déjà inscrite à cet atelier."), field="email")
    seat = registration.register(session, workshop.id, user, source=source, ignore_window=True)
    return Enrolment(seat, created)


def add_manually(
    session: Session, workshop: Workshop, actor: User, person: PersonInput, *, invitation_ttl_s: int
) -> Enrolment:
    """A facilitator adds one person: a seat if one is free, else the waitlist (logged)."""
    enrolment = enrol(session, workshop, person, source="manual", invitation_ttl_s=invitation_ttl_s)
    audit.record(
        session,
        actor.id,
        "registration.manual_add",
        "registration",
        enrolment.registration.id,
        status=enrolment.registration.status,
        account_created=enrolment.account_created,
    )
    return enrolment


# --- Reading the roster ------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterFilters:
    """Filters of the registrations table (all optional)."""

    actor_profile: str = ""
    organisation: str = ""
    status: str = ""
    search: str = ""


@dataclass(frozen=True)
class RosterLine:
    """One registration with its person and its rank on the waitlist."""

    registration: Registration
    user: User
    waitlist_rank: int | None


_STATUS_ORDER = {"confirmed": 0, "waitlisted": 1, "cancelled": 2}


def roster(session: Session, workshop_id: int, filters: RosterFilters | None = None) -> list[RosterLine]:
    """Registrations of a workshop: confirmed by name, then the waitlist in order, then cancelled."""
    filters = filters or RosterFilters()
    query = (
        sa.select(Registration, User)
        .join(User, Registration.user_id == User.id)
        .where(Registration.workshop_id == workshop_id)
    )
    if filters.actor_profile in domain.ACTOR_PROFILES:
        query = query.where(Registration.actor_profile == filters.actor_profile)
    if filters.status in _STATUS_ORDER:
        query = query.where(Registration.status == filters.status)
    if filters.organisation:
        query = query.where(
            sa.func.lower(Registration.organisation).contains(filters.organisation.lower(), autoescape=True)
        )
    if filters.search:
        needle = filters.search.lower()
        query = query.where(
            sa.or_(
                sa.func.lower(User.first_name).contains(needle, autoescape=True),
                sa.func.lower(User.last_name).contains(needle, autoescape=True),
                sa.func.lower(sa.func.coalesce(User.email, "")).contains(needle, autoescape=True),
                sa.func.lower(
                    sa.func.coalesce(User.first_name, "") + " " + sa.func.coalesce(User.last_name, "")
                ).contains(needle, autoescape=True),
            )
        )
    ranks = _waitlist_ranks(session, workshop_id)
    lines = [RosterLine(reg, user, ranks.get(reg.id)) for reg, user in session.execute(query)]
    lines.sort(
        key=lambda line: (
            _STATUS_ORDER.get(line.registration.status, 3),
            line.waitlist_rank or 0,
            line.user.last_name.casefold(),
            line.user.first_name.casefold(),
            line.registration.id,
        )
    )
    return lines


def _waitlist_ranks(session: Session, workshop_id: int) -> dict[int, int]:
    """1-based rank of every wait-listed registration, in one query."""
    ids = session.scalars(
        sa.select(Registration.id)
        .where(Registration.workshop_id == workshop_id, Registration.status == "waitlisted")
        .order_by(Registration.waitlist_position)
    ).all()
    return {registration_id: rank for rank, registration_id in enumerate(ids, start=1)}


@dataclass(frozen=True)
class Counts:
    """Numbers shown on dashboards: seats, waitlist, attendance."""

    capacity: int = 0
    confirmed: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    present: int = 0
    absent: int = 0
    walk_ins: int = 0

    @property
    def seats_left(self) -> int:
        """Free seats (never negative: walk-ins may go past capacity)."""
        return max(0, self.capacity - self.confirmed)


def counts_by_workshop(session: Session, workshops: Iterable[Workshop]) -> dict[int, Counts]:
    """Counts of several workshops with one grouped query."""
    workshops = list(workshops)
    tallies: dict[int, dict[str, int]] = {workshop.id: {} for workshop in workshops}
    if not workshops:
        return {}
    rows = session.execute(
        sa.select(
            Registration.workshop_id,
            Registration.status,
            Registration.attendance,
            Registration.walk_in,
            sa.func.count(),
        )
        .where(Registration.workshop_id.in_(list(tallies)))
        .group_by(
            Registration.workshop_id, Registration.status, Registration.attendance, Registration.walk_in
        )
    )
    for workshop_id, status, attendance, walk_in, number in rows:
        tally = tallies[workshop_id]
        tally[status] = tally.get(status, 0) + number
        if status == "confirmed":
            tally[attendance] = tally.get(attendance, 0) + number
            if walk_in:
                tally["walk_in"] = tally.get("walk_in", 0) + number
    return {
        workshop.id: Counts(
            capacity=workshop.capacity,
            confirmed=tallies[workshop.id].get("confirmed", 0),
            waitlisted=tallies[workshop.id].get("waitlisted", 0),
            cancelled=tallies[workshop.id].get("cancelled", 0),
            present=tallies[workshop.id].get("present", 0),
            absent=tallies[workshop.id].get("absent", 0),
            walk_ins=tallies[workshop.id].get("walk_in", 0),
        )
        for workshop in workshops
    }


def counts(session: Session, workshop: Workshop) -> Counts:
    """Counts of one workshop."""
    return counts_by_workshop(session, [workshop])[workshop.id]


# --- Facilitator actions on one registration ---------------------------------------------------


def registration_in(session: Session, workshop_id: int, registration_id: int) -> Registration:
    """A registration of this workshop; NotFound for an unknown id or one of another workshop."""
    found = session.get(Registration, registration_id)
    if found is None or found.workshop_id != workshop_id:
        raise NotFound(_("Inscription introuvable."))
    return found


def promote(session: Session, workshop_id: int, registration_id: int, actor: User) -> Registration:
    """Give a seat to one wait-listed person, even past capacity (logged by the registration rules)."""
    registration_in(session, workshop_id, registration_id)
    return registration.promote_one(session, registration_id, actor=actor)


def cancel(
    session: Session, workshop_id: int, registration_id: int, actor: User, reason: str
) -> Registration:
    """Cancel a registration for a stated reason (logged; the person is told by e-mail)."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Indiquez le motif de l'annulation."), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_("Le motif est limité à %(max)s caractères.", max=REASON_MAX), field="reason")
    registration_in(session, workshop_id, registration_id)
    return registration.cancel(session, registration_id, actor=actor, reason=reason, by_facilitator=True)


def set_attendance(
    session: Session, workshop_id: int, registration_id: int, attendance: str, actor: User
) -> Registration:
    """Mark a person present, absent or not yet checked; a wait-listed person who came gets a seat."""
    if attendance not in domain.ATTENDANCES:
        raise DomainError(_("Choix de présence inconnu."), field="attendance")
    registration.lock_workshop(session, workshop_id)
    seat = registration_in(session, workshop_id, registration_id)
    session.refresh(seat)
    if seat.status == "cancelled":
        raise DomainError(_("Cette inscription est annulée : rétablissez-la par l'accueil sur place."))
    if seat.status == "waitlisted" and attendance == "present":
        # They are in the room: the seat is theirs, whatever the capacity says.
        seat.status = "confirmed"
        seat.waitlist_position = None
        audit.record(session, actor.id, "registration.checkin_from_waitlist", "registration", seat.id)
    seat.attendance = attendance
    seat.checked_in_at = utcnow() if attendance == "present" else None
    session.flush()
    return seat


def walk_in(
    session: Session,
    workshop: Workshop,
    actor: User,
    person: PersonInput,
    *,
    invitation_ttl_s: int,
) -> Registration:
    """Someone came without a seat: confirmed and present at once, even past capacity.

    With an e-mail the existing account is used (or a new one is invited); without one, a minimal
    record of the person is kept so that group assignment can count them.
    """
    email = normalise_email(person.email) if person.email else None
    user = find_account(session, email) if email else None
    errors = person_errors(person, new_account=user is None, email_required=False)
    if errors:
        name, message = next(iter(errors.items()))
        raise DomainError(message, field=name)
    if user is not None and not user.is_active:
        raise DomainError(_("Le compte associé à cette adresse est désactivé."), field="email")
    if user is None and email:
        user = _invite_new_account(session, person, email, workshop.programme, invitation_ttl_s)
    elif user is None:
        user = User(
            email=None,
            first_name=person.first_name,
            last_name=person.last_name,
            organisation=person.organisation,
            actor_profile=person.actor_profile,
            territory=person.territory,
            job_title=person.job_title,
            role="participant",
        )
        session.add(user)
        session.flush()
    registration.lock_workshop(session, workshop.id)
    seat = session.scalars(
        sa.select(Registration).where(
            Registration.workshop_id == workshop.id, Registration.user_id == user.id
        )
    ).one_or_none()
    if seat is None:
        seat = Registration(workshop_id=workshop.id, user_id=user.id, source="walk_in", walk_in=True)
        session.add(seat)
    elif seat.status != "confirmed":
        seat.walk_in = True
    if seat.status != "confirmed":
        seat.organisation = user.organisation
        seat.actor_profile = user.actor_profile
        seat.territory = user.territory
        seat.cancelled_at = None
        seat.cancel_reason = ""
    seat.status = "confirmed"
    seat.waitlist_position = None
    seat.attendance = "present"
    seat.checked_in_at = utcnow()
    session.flush()
    audit.record(session, actor.id, "registration.walk_in", "registration", seat.id)
    return seat


# --- Export rows -------------------------------------------------------------------------------

# The columns of the registrations export, in order (documented on the page and in the README).
# Names, e-mails, job titles and accessibility needs appear only in a named export (EX-05).
NAMED_COLUMNS = ("last_name", "first_name", "email", "job_title")
COMMON_COLUMNS = (
    "organisation",
    "actor_profile",
    "territory",
    "status",
    "waitlist_rank",
    "attendance",
    "walk_in",
    "source",
    "registered_at",
)
PRIVATE_COLUMNS = ("accessibility_needs",)


def export_column_labels() -> dict[str, str]:
    """French header of each export column."""
    return {
        "last_name": _("Nom"),
        "first_name": _("Prénom"),
        "email": _("E-mail"),
        "job_title": _("Fonction"),
        "organisation": _("Organisation"),
        "actor_profile": _("Profil d'acteur"),
        "territory": _("Territoire"),
        "status": _("Statut"),
        "waitlist_rank": _("Rang en liste d'attente"),
        "attendance": _("Présence"),
        "walk_in": _("Arrivée sans inscription"),
        "source": _("Origine de l'inscription"),
        "registered_at": _("Date d'inscription"),
        "accessibility_needs": _("Besoins d'accessibilité"),
    }


def export_columns(named: bool) -> tuple[str, ...]:
    """Column identifiers of an export, named or not."""
    if named:
        return NAMED_COLUMNS + COMMON_COLUMNS + PRIVATE_COLUMNS
    return COMMON_COLUMNS


def source_labels() -> dict[str, str]:
    """French label of each way a registration was made."""
    return {
        "self": _("Inscription en ligne"),
        "manual": _("Ajout par l'équipe"),
        "import": _("Import CSV"),
        "walk_in": _("Accueil sur place"),
    }


def export_table(session: Session, workshop: Workshop, *, named: bool) -> tuple[list[str], list[list[Cell]]]:
    """Header and rows of the registrations export (labels in French, times in Paris)."""
    columns = export_columns(named)
    labels = export_column_labels()
    sources = source_labels()
    rows: list[list[Cell]] = []
    for line in roster(session, workshop.id):
        reg, user = line.registration, line.user
        values: dict[str, Cell] = {
            "last_name": user.last_name,
            "first_name": user.first_name,
            "email": user.email or "",
            "job_title": user.job_title,
            "organisation": reg.organisation,
            "actor_profile": str(domain.ACTOR_PROFILES.get(reg.actor_profile, reg.actor_profile)),
            "territory": reg.territory,
            "status": str(domain.REGISTRATION_STATUSES.get(reg.status, reg.status)),
            "waitlist_rank": line.waitlist_rank,
            "attendance": str(domain.ATTENDANCES.get(reg.attendance, reg.attendance)),
            "walk_in": _("Oui") if reg.walk_in else _("Non"),
            "source": sources.get(reg.source, reg.source),
            "registered_at": reg.created_at.astimezone(PARIS).replace(tzinfo=None),
            "accessibility_needs": reg.accessibility_needs,
        }
        rows.append([values[column] for column in columns])
    return [labels[column] for column in columns], rows
