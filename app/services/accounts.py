"""Accounts: sign-up, sign-in, passwords, profile, invitations, personal data download and erasure."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.domain import ACTOR_PROFILES
from app.i18n import _l
from app.models import (
    GroupMember,
    Note,
    OutboxMessage,
    PeerGroup,
    Programme,
    Registration,
    Round,
    User,
    UserToken,
    Workshop,
)
from app.models.user import ROLES
from app.services import audit, consents, notifications, passwords, tokens
from app.services import registration as registration_service
from app.services.errors import DomainError

LANGUAGES = ("fr", "en")
# Column sizes of the User model, checked here so a service caller (import, CLI) gets a clear error.
FIELD_LIMITS = {
    "first_name": 80,
    "last_name": 80,
    "organisation": 160,
    "territory": 120,
    "job_title": 120,
}


# --- E-mail addresses ---------------------------------------------------------------------------


def normalise_email(raw: str, field: str = "email") -> str:
    """Validate an address (syntax only) and return it stripped and lower-cased."""
    candidate = (raw or "").strip()
    if not candidate or len(candidate) > 254:
        raise DomainError(_l("Saisissez une adresse e-mail valide."), field=field)
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as error:
        raise DomainError(_l("Saisissez une adresse e-mail valide."), field=field) from error
    return result.normalized.lower()


def lookup_email(raw: str) -> str:
    """The form of an address used to find an account; lenient, never raises."""
    try:
        return normalise_email(raw)
    except DomainError:
        return (raw or "").strip().lower()


def find_by_email(session: Session, raw_email: str) -> User | None:
    """The account with this address (deleted accounts have none), or None."""
    email = lookup_email(raw_email)
    if not email:
        return None
    return session.scalars(sa.select(User).where(User.email == email)).one_or_none()


# --- Password policy with the person's own words -----------------------------------------------


def personal_words(session: Session, user: User) -> list[str]:
    """Words a password may not be built from: names, e-mail, organisation, programme titles (PW-04)."""
    titles = list(session.scalars(sa.select(Programme.title)))
    return [user.email or "", user.first_name, user.last_name, user.organisation, *titles]


def enforce_password_policy(session: Session, user: User, password: str, field: str = "password") -> None:
    """Raise a DomainError carrying every French reason when the password is refused."""
    reasons = passwords.check_password_policy(
        password, role=user.role, user_inputs=personal_words(session, user)
    )
    if reasons:
        raise DomainError(" ".join(reasons), field=field)


def _set_password(user: User, password: str) -> None:
    user.password_hash = passwords.hash_password(password)


# --- Profile fields -----------------------------------------------------------------------------


def _clean_profile(fields: dict[str, str]) -> dict[str, str]:
    """Strip, check lengths and the actor profile allowlist (IV-01)."""
    cleaned: dict[str, str] = {}
    for name, value in fields.items():
        text = (value or "").strip()
        limit = FIELD_LIMITS.get(name)
        if limit is not None and len(text) > limit:
            raise DomainError(_l("%(count)s caractères au maximum.", count=limit), field=name)
        cleaned[name] = text
    if "actor_profile" in cleaned and cleaned["actor_profile"] not in ACTOR_PROFILES:
        raise DomainError(_l("Choisissez un profil d'acteur dans la liste."), field="actor_profile")
    if "locale" in cleaned and cleaned["locale"] not in LANGUAGES:
        raise DomainError(_l("Langue inconnue."), field="locale")
    return cleaned


def _add_new_user(session: Session, user: User) -> None:
    """Insert an account; a concurrent sign-up with the same address becomes a form error."""
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as error:
        raise DomainError(_duplicate_message(), field="email") from error


def _duplicate_message() -> Any:
    return _l(
        "Un compte existe déjà avec cette adresse e-mail. Connectez-vous, ou utilisez « Mot de passe "
        "oublié » pour en choisir un nouveau."
    )


# --- Sign-up and sign-in ------------------------------------------------------------------------


@dataclass(frozen=True)
class SignupData:
    """What the sign-up form collects."""

    email: str
    first_name: str
    last_name: str
    organisation: str
    actor_profile: str
    territory: str
    job_title: str
    password: str
    consents: tuple[str, ...] = ()
    locale: str = "fr"


def signup(session: Session, data: SignupData, *, notice_version: str) -> User:
    """Create a participant account with its optional consents (GD-01..03)."""
    email = normalise_email(data.email)
    if find_by_email(session, email) is not None:
        raise DomainError(_duplicate_message(), field="email")
    profile = _clean_profile(
        {
            "first_name": data.first_name,
            "last_name": data.last_name,
            "organisation": data.organisation,
            "actor_profile": data.actor_profile,
            "territory": data.territory,
            "job_title": data.job_title,
            "locale": data.locale,
        }
    )
    user = User(email=email, role="participant", **profile)
    enforce_password_policy(session, user, data.password)
    _set_password(user, data.password)
    _add_new_user(session, user)
    consents.give_consents(session, user, data.consents, notice_version)
    return user


def authenticate(session: Session, raw_email: str, password: str) -> User | None:
    """The account when address and password match an active account, else None.

    Unknown, deactivated and password-less accounts cost one Argon2 verification too (EN-01);
    a hash made with older parameters is replaced on success (PW-07).
    """
    user = find_by_email(session, raw_email)
    if len(password) > passwords.MAX_LENGTH:
        passwords.verify_password(None, "")
        return None
    if user is None or not user.is_active or user.password_hash is None:
        passwords.verify_password(None, password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        _set_password(user, password)
        session.flush()
    return user


def sign_out(session: Session, user: User) -> None:
    """End every session of the account, including copied cookies and remember-me (SE-03)."""
    user.rotate_session_token()
    session.flush()


def change_password(session: Session, user: User, current_password: str, new_password: str) -> None:
    """Change a password knowing the current one; every session of the account ends (SE-04)."""
    if not passwords.verify_password(user.password_hash, current_password):
        raise DomainError(_l("Le mot de passe actuel est incorrect."), field="current_password")
    enforce_password_policy(session, user, new_password, field="new_password")
    _set_password(user, new_password)
    user.rotate_session_token()
    session.flush()


# --- One-time tokens: reset and invitation -----------------------------------------------------


def _use_token(session: Session, raw: str, kind: str) -> User | None:
    """Consume a valid token exactly once, even under concurrent requests (PW-11)."""
    token = tokens.find_valid_token(session, raw, kind)
    if token is None:
        return None
    result = session.execute(
        sa.update(UserToken)
        .where(UserToken.id == token.id, UserToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    session.expire(token)
    return session.get(User, token.user_id)


def token_user(session: Session, raw: str, kind: str) -> User | None:
    """The active account a still-valid token belongs to (the token is not consumed)."""
    token = tokens.find_valid_token(session, raw, kind)
    if token is None:
        return None
    user = session.get(User, token.user_id)
    return user if user is not None and user.is_active else None


def request_password_reset(session: Session, raw_email: str, ttl_seconds: int) -> None:
    """Send a reset link when the address has an active account; silent otherwise (EN-02)."""
    user = find_by_email(session, raw_email)
    if user is None or not user.is_active:
        return
    raw = tokens.issue_token(session, user, "password_reset", ttl_seconds)
    notifications.password_reset(session, user, raw)


def _invalid_link() -> DomainError:
    return DomainError(_l("Ce lien n'est plus valide : il a expiré ou a déjà servi."), field="token")


def _retire_tokens(session: Session, user: User, kind: str) -> None:
    """Other outstanding links of the same kind stop working once one has been used."""
    session.execute(
        sa.update(UserToken)
        .where(UserToken.user_id == user.id, UserToken.kind == kind, UserToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def reset_password(session: Session, raw_token: str, new_password: str) -> User:
    """Set a new password from a reset link: single use, every session ends (PW-11, SE-04)."""
    user = token_user(session, raw_token, "password_reset")
    if user is None:
        raise _invalid_link()
    enforce_password_policy(session, user, new_password, field="new_password")
    if _use_token(session, raw_token, "password_reset") is None:
        raise _invalid_link()
    _retire_tokens(session, user, "password_reset")
    _set_password(user, new_password)
    user.rotate_session_token()
    session.flush()
    return user


def accept_invitation(
    session: Session, raw_token: str, new_password: str, given: Iterable[str], *, notice_version: str
) -> User:
    """An invited person chooses a password and optional consents; the link then stops working."""
    user = token_user(session, raw_token, "invitation")
    if user is None:
        raise _invalid_link()
    enforce_password_policy(session, user, new_password, field="new_password")
    if _use_token(session, raw_token, "invitation") is None:
        raise _invalid_link()
    _retire_tokens(session, user, "invitation")
    _set_password(user, new_password)
    user.rotate_session_token()
    consents.give_consents(session, user, given, notice_version)
    session.flush()
    return user


# --- Profile, calendar link ---------------------------------------------------------------------


def update_profile(session: Session, user: User, **fields: str) -> None:
    """Edit names, organisation, actor profile, territory, job title and language."""
    allowed = {*FIELD_LIMITS, "actor_profile", "locale"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    cleaned = _clean_profile(fields)
    for field in ("first_name", "last_name"):
        if field in cleaned and not cleaned[field]:
            raise DomainError(_l("Ce champ est obligatoire."), field=field)
    for name, value in cleaned.items():
        setattr(user, name, value)
    session.flush()


def regenerate_calendar_token(session: Session, user: User) -> None:
    """A new secret calendar address; the old one stops working at once."""
    user.calendar_token = secrets.token_urlsafe(32)
    session.flush()


# --- Accounts created by others: import, manual add, CLI ---------------------------------------


def find_or_create_participant(
    session: Session,
    email: str,
    first_name: str,
    last_name: str,
    organisation: str,
    actor_profile: str,
    territory: str,
    job_title: str = "",
) -> tuple[User, bool]:
    """The account with this address, or a new invited one without a password (import, manual add)."""
    address = normalise_email(email)
    existing = find_by_email(session, address)
    if existing is not None:
        return existing, False
    profile = _clean_profile(
        {
            "first_name": first_name,
            "last_name": last_name,
            "organisation": organisation,
            "actor_profile": actor_profile,
            "territory": territory,
            "job_title": job_title,
        }
    )
    user = User(email=address, role="participant", password_hash=None, **profile)
    _add_new_user(session, user)
    return user, True


def create_staff(
    session: Session,
    email: str,
    password: str,
    *,
    role: str = "admin",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create an administrator or facilitator account (flask create-admin; no default accounts)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    address = normalise_email(email)
    if find_by_email(session, address) is not None:
        raise DomainError(_l("Un compte existe déjà avec cette adresse e-mail."), field="email")
    profile = _clean_profile({"first_name": first_name, "last_name": last_name})
    user = User(email=address, role=role, **profile)
    enforce_password_policy(session, user, password)
    _set_password(user, password)
    _add_new_user(session, user)
    return user


# --- Personal data: download (GD-06) and erasure (GD-07) ---------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_data(session: Session, user: User, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything held about the person, and nothing about anyone else (GD-06)."""
    registrations = session.scalars(
        sa.select(Registration)
        .where(Registration.user_id == user.id)
        .options(selectinload(Registration.workshop).selectinload(Workshop.programme))
        .order_by(Registration.created_at, Registration.id)
    ).all()
    return {
        "exported_at": _iso(now or utcnow()),
        "profile": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "organisation": user.organisation,
            "actor_profile": user.actor_profile,
            "territory": user.territory,
            "job_title": user.job_title,
            "role": user.role,
            "language": user.locale,
            "created_at": _iso(user.created_at),
        },
        "registrations": [
            {
                "programme": reg.workshop.programme.title,
                "workshop": reg.workshop.title,
                "starts_at": _iso(reg.workshop.starts_at),
                "ends_at": _iso(reg.workshop.ends_at),
                "place": reg.workshop.place,
                "status": reg.status,
                "waitlist_position": registration_service.waitlist_position(session, reg),
                "registered_at": _iso(reg.created_at),
                "organisation": reg.organisation,
                "actor_profile": reg.actor_profile,
                "territory": reg.territory,
                "accessibility_needs": reg.accessibility_needs,
                "attendance": reg.attendance,
                "walk_in": reg.walk_in,
                "cancelled_at": _iso(reg.cancelled_at),
                "cancel_reason": reg.cancel_reason,
            }
            for reg in registrations
        ],
        "peer_groups": _group_memberships(session, user),
        "notes": _own_notes(session, user),
        "consents": [
            {
                "purpose": consent.purpose,
                "notice_version": consent.notice_version,
                "given_at": _iso(consent.given_at),
                "withdrawn_at": _iso(consent.withdrawn_at),
            }
            for consent in consents.history(session, user)
        ],
    }


def _own_notes(session: Session, user: User) -> list[dict[str, Any]]:
    """The notes the person wrote (their text and history stay theirs; others' notes are left out)."""
    rows = session.execute(
        sa.select(Note, Workshop)
        .join(Workshop, Note.workshop_id == Workshop.id)
        .where(Note.author_id == user.id)
        .order_by(Note.created_at, Note.id)
    ).all()
    return [
        {
            "workshop": workshop.title,
            "round": note.round_number,
            "category": note.category,
            "text": note.text,
            "tags": list(note.tags),
            "created_at": _iso(note.created_at),
            "updated_at": _iso(note.updated_at),
            "deleted_at": _iso(note.deleted_at),
        }
        for note, workshop in rows
    ]


def _group_memberships(session: Session, user: User) -> list[dict[str, Any]]:
    """The person's own places in peer groups (never the other members)."""
    rows = session.execute(
        sa.select(GroupMember, PeerGroup, Round, Workshop)
        .join(PeerGroup, GroupMember.group_id == PeerGroup.id)
        .join(Round, PeerGroup.round_id == Round.id)
        .join(Workshop, Round.workshop_id == Workshop.id)
        .where(GroupMember.user_id == user.id)
        .order_by(Workshop.starts_at, Round.number)
    ).all()
    return [
        {
            "workshop": workshop.title,
            "round": round_.number,
            "round_status": round_.status,
            "group": group.position,
            "table": group.table_name,
            "role": member.role,
        }
        for member, group, round_, workshop in rows
    ]


def delete_account(session: Session, user: User, password: str) -> None:
    """Erase the person's identity everywhere, keeping only anonymous counts (GD-07).

    Seats in upcoming workshops are cancelled first so that the waitlist is promoted; then the row
    is anonymised, registration snapshots emptied, and mail addressed to the person removed.
    """
    if not passwords.verify_password(user.password_hash, password):
        raise DomainError(_l("Le mot de passe est incorrect."), field="password")
    # Only seats of workshops still to come: past attendance stays as an anonymous count.
    active = session.scalars(
        sa.select(Registration.id)
        .join(Workshop, Workshop.id == Registration.workshop_id)
        .where(
            Registration.user_id == user.id,
            Registration.status.in_(registration_service.ACTIVE_STATUSES),
            Workshop.ends_at > utcnow(),
        )
    ).all()
    for registration_id in active:
        registration_service.cancel(session, registration_id, actor=user, reason="", by_facilitator=False)
    session.execute(
        sa.update(Registration)
        .where(Registration.user_id == user.id)
        .values(organisation="", territory="", accessibility_needs="", cancel_nonce=None)
        .execution_options(synchronize_session="fetch")
    )
    if user.email:
        session.execute(
            sa.delete(OutboxMessage)
            .where(sa.func.lower(OutboxMessage.recipient).contains(user.email, autoescape=True))
            .execution_options(synchronize_session=False)
        )
    session.execute(
        sa.delete(UserToken).where(UserToken.user_id == user.id).execution_options(synchronize_session=False)
    )
    consents.withdraw_all(session, user)
    user.email = None
    user.first_name = ""
    user.last_name = ""
    user.organisation = ""
    user.territory = ""
    user.job_title = ""
    user.password_hash = None
    user.is_active_account = False
    user.deleted_at = utcnow()
    user.rotate_session_token()
    user.calendar_token = secrets.token_urlsafe(32)
    audit.record(session, None, "account.delete", "user", user.id)
    session.flush()
