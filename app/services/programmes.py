"""Programmes and workshops in the back office: who may manage them (AC-06), create and edit.

Every rule on the data lives here (lengths, allowlists, dates in order, capacity never below the
confirmed seats), so a forged request meets the same checks as the form. Edits carry the version
the person started from: a stale edit raises `StaleEdit` and changes nothing (REL-01).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from app import domain
from app.i18n import _
from app.models import Programme, ProgrammeFacilitator, ProgrammeOrganisation, Registration, User, Workshop
from app.models.programme import VISIBILITIES
from app.models.workshop import WorkshopQuota
from app.services import audit, notifications, registration
from app.services.errors import DomainError, NotFound

TITLE_MAX = 200
SLUG_MAX = 120
DESCRIPTION_MAX = 20_000
ORGANISATION_MAX = 160
ORGANISATIONS_MAX = 20
PLACE_MAX = 300
URL_MAX = 500
CAPACITY_MAX = 10_000
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class AccessDenied(NotFound):
    """The object exists but the person does not manage it: answered as 404 (AC-06), and logged."""


class StaleEdit(DomainError):
    """Someone saved a newer version since the form was opened (REL-01): nothing was written."""


class InvalidInput(DomainError):
    """One or more fields are invalid; `errors` maps each field to its French message."""

    def __init__(self, errors: dict[str, str]) -> None:
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = errors


# --- Access (AC-06) ----------------------------------------------------------------------------


def manages_programme(session: Session, user: User, programme_id: int) -> bool:
    """True for admins and for facilitators attached to this programme."""
    if user.is_admin:
        return True
    if not user.is_facilitator:
        return False
    link = session.scalar(
        sa.select(ProgrammeFacilitator.id).where(
            ProgrammeFacilitator.programme_id == programme_id, ProgrammeFacilitator.user_id == user.id
        )
    )
    return link is not None


def programme_for(session: Session, user: User, programme_id: int) -> Programme:
    """The programme if `user` manages it; NotFound / AccessDenied otherwise."""
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(_("Parcours introuvable."))
    if not manages_programme(session, user, programme_id):
        raise AccessDenied(_("Parcours introuvable."))
    return programme


def workshop_for(session: Session, user: User, workshop_id: int) -> Workshop:
    """The workshop if `user` manages its programme; NotFound / AccessDenied otherwise."""
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(_("Atelier introuvable."))
    if not manages_programme(session, user, workshop.programme_id):
        raise AccessDenied(_("Atelier introuvable."))
    return workshop


def manageable_programmes(session: Session, user: User) -> list[Programme]:
    """Programmes `user` manages (every programme for admins), most recent first."""
    query = sa.select(Programme).options(
        selectinload(Programme.workshops),
        selectinload(Programme.organisations),
        selectinload(Programme.facilitator_links).selectinload(ProgrammeFacilitator.user),
    )
    if not user.is_admin:
        query = query.join(ProgrammeFacilitator).where(ProgrammeFacilitator.user_id == user.id)
    query = query.order_by(Programme.start_date.desc().nulls_last(), Programme.id.desc())
    return list(session.scalars(query).unique())


def facilitator_accounts(session: Session) -> list[User]:
    """Active facilitator and admin accounts, the people who can be attached to a programme."""
    return list(
        session.scalars(
            sa.select(User)
            .where(
                User.role.in_(("facilitator", "admin")),
                User.is_active_account.is_(True),
                User.deleted_at.is_(None),
                User.email.is_not(None),
            )
            .order_by(User.last_name, User.first_name, User.email)
        )
    )


# --- Programmes --------------------------------------------------------------------------------


@dataclass
class ProgrammeInput:
    """What the programme form submits, already stripped."""

    title: str
    description: str = ""
    slug: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    organisations: list[str] = field(default_factory=list)
    facilitator_emails: list[str] = field(default_factory=list)
    visibility: str = "public"


def slugify(text: str) -> str:
    """« Hybrider son modèle ! » -> "hybrider-son-modele" (ASCII, lowercase, dashes)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX].strip("-") or "parcours"


def _slug_taken(session: Session, slug: str, programme_id: int | None) -> bool:
    query = sa.select(Programme.id).where(Programme.slug == slug)
    if programme_id is not None:
        query = query.where(Programme.id != programme_id)
    return session.scalar(query) is not None


def _free_slug(session: Session, base: str) -> str:
    """The first of base, base-2, base-3... that no programme uses."""
    candidate = base
    for number in range(2, 1000):
        if not _slug_taken(session, candidate, None):
            return candidate
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX - len(suffix)] + suffix
    return f"{base[: SLUG_MAX - 9]}-{secrets.token_hex(4)}"


def split_lines(text: str) -> list[str]:
    """Non-empty stripped lines, duplicates removed (first kept)."""
    kept: list[str] = []
    folded: set[str] = set()
    for line in text.splitlines():
        item = " ".join(line.split())
        if item and item.casefold() not in folded:
            kept.append(item)
            folded.add(item.casefold())
    return kept


def programme_errors(session: Session, data: ProgrammeInput, programme_id: int | None) -> dict[str, str]:
    """Every problem with the submitted programme, field by field (empty when valid)."""
    errors: dict[str, str] = {}
    if not data.title:
        errors["title"] = _("Indiquez le titre du parcours.")
    elif len(data.title) > TITLE_MAX:
        errors["title"] = _("Le titre ne peut pas dépasser %(max)s caractères.", max=TITLE_MAX)
    if len(data.description) > DESCRIPTION_MAX:
        errors["description"] = _(
            "La description ne peut pas dépasser %(max)s caractères.", max=DESCRIPTION_MAX
        )
    if data.slug:
        if len(data.slug) > SLUG_MAX or not SLUG_PATTERN.match(data.slug):
            errors["slug"] = _(
                "L'adresse courte ne peut contenir que des lettres minuscules sans accent, des chiffres "
                "et des tirets (%(max)s caractères au plus).",
                max=SLUG_MAX,
            )
        elif _slug_taken(session, data.slug, programme_id):
            errors["slug"] = _("Cette adresse courte est déjà utilisée par un autre parcours.")
    if data.start_date and data.end_date and data.end_date < data.start_date:
        errors["end_date"] = _("La date de fin ne peut pas précéder la date de début.")
    if len(data.organisations) > ORGANISATIONS_MAX:
        errors["organisations"] = _(
            "Indiquez au plus %(max)s organisations co-organisatrices.", max=ORGANISATIONS_MAX
        )
    elif any(len(name) > ORGANISATION_MAX for name in data.organisations):
        errors["organisations"] = _(
            "Chaque nom d'organisation est limité à %(max)s caractères.", max=ORGANISATION_MAX
        )
    if data.visibility not in VISIBILITIES:
        errors["visibility"] = _("Choisissez une visibilité dans la liste.")
    allowed = {(user.email or "").lower() for user in facilitator_accounts(session)}
    unknown = [email for email in data.facilitator_emails if email.lower() not in allowed]
    if unknown:
        errors["facilitators"] = _(
            "Ces adresses ne correspondent à aucun compte de facilitation : %(emails)s.",
            emails=", ".join(unknown),
        )
    return errors


def _set_facilitators(
    session: Session, programme: Programme, emails: Iterable[str], keep: User | None
) -> None:
    wanted = {email.lower() for email in emails}
    accounts = [user for user in facilitator_accounts(session) if (user.email or "").lower() in wanted]
    ids = {user.id for user in accounts}
    # A facilitator who edits the programme stays on it: removing oneself would lock one out.
    if keep is not None and not keep.is_admin:
        ids.add(keep.id)
    for link in list(programme.facilitator_links):
        if link.user_id not in ids:
            programme.facilitator_links.remove(link)
    present = {link.user_id for link in programme.facilitator_links}
    for user_id in sorted(ids - present):
        programme.facilitator_links.append(ProgrammeFacilitator(user_id=user_id))


def _set_organisations(programme: Programme, names: list[str]) -> None:
    existing = {organisation.name: organisation for organisation in programme.organisations}
    kept: list[ProgrammeOrganisation] = []
    for position, name in enumerate(names):
        organisation = existing.pop(name, None) or ProgrammeOrganisation(name=name)
        organisation.position = position
        kept.append(organisation)
    programme.organisations[:] = kept


def create_programme(session: Session, actor: User, data: ProgrammeInput) -> Programme:
    """Create a programme; a facilitator who creates it is attached to it."""
    errors = programme_errors(session, data, None)
    if errors:
        raise InvalidInput(errors)
    slug = data.slug or _free_slug(session, slugify(data.title))
    programme = Programme(
        slug=slug,
        title=data.title,
        description=data.description,
        start_date=data.start_date,
        end_date=data.end_date,
        visibility=data.visibility,
    )
    session.add(programme)
    _set_organisations(programme, data.organisations)
    _set_facilitators(session, programme, data.facilitator_emails, keep=actor)
    session.flush()
    audit.record(session, actor.id, "programme.create", "programme", programme.id)
    return programme


def update_programme(
    session: Session, actor: User, programme_id: int, data: ProgrammeInput, version: int
) -> Programme:
    """Save an edit made from `version`; StaleEdit when someone saved in between."""
    programme = programme_for(session, actor, programme_id)
    if programme.version != version:
        raise StaleEdit(_("Ce parcours a été modifié par quelqu'un d'autre pendant votre saisie."))
    errors = programme_errors(session, data, programme.id)
    if errors:
        raise InvalidInput(errors)
    programme.title = data.title
    programme.slug = data.slug or programme.slug
    programme.description = data.description
    programme.start_date = data.start_date
    programme.end_date = data.end_date
    programme.visibility = data.visibility
    _set_organisations(programme, data.organisations)
    _set_facilitators(session, programme, data.facilitator_emails, keep=actor)
    # The version column only moves when the programme row itself changes: force an UPDATE, so
    # that a concurrent editor of the organisations or facilitators also sees a conflict.
    flag_modified(programme, "title")
    session.flush()
    audit.record(session, actor.id, "programme.update", "programme", programme.id)
    return programme


def rotate_link(session: Session, actor: User, programme_id: int) -> Programme:
    """Give a link-only programme a new secret link (the old one stops working)."""
    programme = programme_for(session, actor, programme_id)
    programme.link_token = secrets.token_urlsafe(24)
    session.flush()
    audit.record(session, actor.id, "programme.rotate_link", "programme", programme.id)
    return programme


# --- Workshops ---------------------------------------------------------------------------------


@dataclass
class WorkshopInput:
    """What the workshop form submits; times are timezone-aware."""

    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    description: str = ""
    format: str = "peer_workshop"
    place: str = ""
    online_url: str = ""
    registration_opens_at: dt.datetime | None = None
    registration_closes_at: dt.datetime | None = None
    quotas: dict[str, int] = field(default_factory=dict)
    note_categories: list[str] = field(default_factory=lambda: list(domain.NOTE_CATEGORIES))
    attribution_mode: str = "by_profile"


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def workshop_errors(data: WorkshopInput) -> dict[str, str]:
    """Every problem with the submitted workshop, field by field (empty when valid)."""
    errors: dict[str, str] = {}
    if not data.title:
        errors["title"] = _("Indiquez le titre de l'atelier.")
    elif len(data.title) > TITLE_MAX:
        errors["title"] = _("Le titre ne peut pas dépasser %(max)s caractères.", max=TITLE_MAX)
    if len(data.description) > DESCRIPTION_MAX:
        errors["description"] = _(
            "La description ne peut pas dépasser %(max)s caractères.", max=DESCRIPTION_MAX
        )
    if data.format not in domain.WORKSHOP_FORMATS:
        errors["format"] = _("Choisissez un format dans la liste.")
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = _("La fin de l'atelier doit être postérieure à son début.")
    if len(data.place) > PLACE_MAX:
        errors["place"] = _("Le lieu ne peut pas dépasser %(max)s caractères.", max=PLACE_MAX)
    if data.online_url and (len(data.online_url) > URL_MAX or not _is_web_url(data.online_url)):
        errors["online_url"] = _(
            "Le lien en ligne doit être une adresse web complète commençant par https:// ou http://."
        )
    if not data.place and not data.online_url:
        errors["place"] = _("Indiquez un lieu ou un lien pour participer en ligne.")
    if data.capacity < 0:
        errors["capacity"] = _("La capacité ne peut pas être négative.")
    elif data.capacity > CAPACITY_MAX:
        errors["capacity"] = _("La capacité ne peut pas dépasser %(max)s places.", max=CAPACITY_MAX)
    opens, closes = data.registration_opens_at, data.registration_closes_at
    if closes is not None and closes > data.ends_at:
        errors["registration_closes_at"] = _(
            "La clôture des inscriptions ne peut pas être postérieure à la fin de l'atelier."
        )
    if opens is not None and closes is not None and closes <= opens:
        errors["registration_closes_at"] = _(
            "La clôture des inscriptions doit être postérieure à leur ouverture."
        )
    if opens is not None and opens >= data.ends_at:
        errors["registration_opens_at"] = _("L'ouverture des inscriptions doit précéder la fin de l'atelier.")
    for profile, seats in data.quotas.items():
        if profile not in domain.ACTOR_PROFILES:
            errors[f"quota_{profile}"] = _("Profil d'acteur inconnu.")
        elif seats < 0:
            errors[f"quota_{profile}"] = _("Un quota ne peut pas être négatif.")
        elif seats > data.capacity >= 0:
            errors[f"quota_{profile}"] = _(
                "Un quota ne peut pas dépasser la capacité de l'atelier (%(capacity)s).",
                capacity=data.capacity,
            )
    if not data.note_categories:
        errors["note_categories"] = _("Choisissez au moins une catégorie de notes.")
    elif any(category not in domain.NOTE_CATEGORIES for category in data.note_categories):
        errors["note_categories"] = _("Choisissez les catégories dans la liste.")
    if data.attribution_mode not in domain.ATTRIBUTION_MODES:
        errors["attribution_mode"] = _("Choisissez un mode d'attribution dans la liste.")
    return errors


def _moves(workshop: Workshop, data: WorkshopInput) -> bool:
    """True when the edit changes when or where the workshop takes place."""
    return (
        workshop.starts_at != data.starts_at
        or workshop.ends_at != data.ends_at
        or workshop.place != data.place
        or workshop.online_url != data.online_url
    )


def _apply_fields(workshop: Workshop, data: WorkshopInput) -> None:
    moved = _moves(workshop, data)
    workshop.title = data.title
    workshop.description = data.description
    workshop.format = data.format
    workshop.starts_at = data.starts_at.astimezone(dt.UTC)
    workshop.ends_at = data.ends_at.astimezone(dt.UTC)
    workshop.place = data.place
    workshop.online_url = data.online_url
    workshop.registration_opens_at = data.registration_opens_at
    workshop.registration_closes_at = data.registration_closes_at
    workshop.note_categories = [key for key in domain.NOTE_CATEGORIES if key in data.note_categories]
    workshop.attribution_mode = data.attribution_mode
    # Calendar clients replace an event only when its SEQUENCE grows (RFC 5545).
    if moved and workshop.id is not None:
        workshop.ics_sequence += 1
    existing = {quota.actor_profile: quota for quota in workshop.quotas}
    kept: list[WorkshopQuota] = []
    for profile in domain.ACTOR_PROFILES:
        if profile not in data.quotas:
            continue
        quota = existing.get(profile) or WorkshopQuota(actor_profile=profile, seats=0)
        quota.seats = data.quotas[profile]
        kept.append(quota)
    workshop.quotas[:] = kept


def _tell_confirmed_people(session: Session, workshop: Workshop) -> None:
    """Send every confirmed person the new date or place, with an updated calendar invitation."""
    confirmed = session.scalars(
        sa.select(Registration).where(
            Registration.workshop_id == workshop.id, Registration.status == "confirmed"
        )
    )
    for seat in confirmed:
        notifications.workshop_changed(session, seat)


def create_workshop(session: Session, actor: User, programme_id: int, data: WorkshopInput) -> Workshop:
    """Add a workshop to a programme the actor manages."""
    programme = programme_for(session, actor, programme_id)
    errors = workshop_errors(data)
    if errors:
        raise InvalidInput(errors)
    workshop = Workshop(
        programme_id=programme.id,
        title=data.title,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        capacity=data.capacity,
    )
    _apply_fields(workshop, data)
    session.add(workshop)
    session.flush()
    audit.record(session, actor.id, "workshop.create", "workshop", workshop.id)
    return workshop


def update_workshop(
    session: Session, actor: User, workshop_id: int, data: WorkshopInput, version: int
) -> tuple[Workshop, list[Registration]]:
    """Save an edit made from `version`; returns the workshop and the people promoted by it.

    Every check runs before the first write, so a refused edit changes nothing.
    """
    workshop_for(session, actor, workshop_id)
    workshop = registration.lock_workshop(session, workshop_id)
    if workshop.version != version:
        raise StaleEdit(_("Cet atelier a été modifié par quelqu'un d'autre pendant votre saisie."))
    errors = workshop_errors(data)
    confirmed = registration.confirmed_count(session, workshop.id)
    if "capacity" not in errors and data.capacity < confirmed:
        errors["capacity"] = _(
            "La capacité ne peut pas être inférieure au nombre d'inscriptions confirmées (%(count)s).",
            count=confirmed,
        )
    if errors:
        raise InvalidInput(errors)
    promoted: list[Registration] = []
    if data.capacity != workshop.capacity:
        promoted += registration.change_capacity(session, workshop.id, data.capacity)
    moved = _moves(workshop, data)
    starts_later = data.starts_at > workshop.starts_at
    _apply_fields(workshop, data)
    if moved and starts_later:
        workshop.reminder_sent_at = None  # the reminder is due again before the new date
    session.flush()
    if moved:
        _tell_confirmed_people(session, workshop)
    # A raised or removed quota may free seats for people who were waiting on it.
    promoted += registration.promote_waitlist(session, workshop)
    audit.record(session, actor.id, "workshop.update", "workshop", workshop.id, promoted=len(promoted))
    return workshop, promoted
