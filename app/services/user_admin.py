"""Administrators manage accounts: search, change a role, deactivate or reactivate.

A role change or a deactivation applies at the very next request (AC-08): nothing about roles is
kept in the session, and deactivation also rotates the session token so every open session ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.i18n import _
from app.models import User
from app.models.user import ROLES
from app.services import audit
from app.services.errors import DomainError, NotFound

PAGE_SIZE = 50
SEARCH_MAX = 100


@dataclass(frozen=True)
class UserPage:
    """One page of the account list."""

    users: list[User]
    total: int
    page: int
    pages: int


def search_users(session: Session, text: str = "", role: str = "", page: int = 1) -> UserPage:
    """Accounts matching a name, e-mail or organisation, by name, PAGE_SIZE at a time."""
    query = sa.select(User).where(User.deleted_at.is_(None))
    text = text.strip()[:SEARCH_MAX].lower()
    if text:
        query = query.where(
            sa.or_(
                sa.func.lower(sa.func.coalesce(User.email, "")).contains(text, autoescape=True),
                sa.func.lower(User.first_name).contains(text, autoescape=True),
                sa.func.lower(User.last_name).contains(text, autoescape=True),
                sa.func.lower(User.organisation).contains(text, autoescape=True),
            )
        )
    if role in ROLES:
        query = query.where(User.role == role)
    total = int(session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    users = session.scalars(
        query.order_by(User.last_name, User.first_name, User.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return UserPage(list(users), total, page, pages)


def _account(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound(_("Compte introuvable."))
    return user


def change_role(session: Session, actor: User, user_id: int, role: str) -> User:
    """Give an account another role; an administrator cannot demote themselves (no lock-out)."""
    if role not in ROLES:
        raise DomainError(_("Choisissez un rôle dans la liste."), field="role")
    user = _account(session, user_id)
    if user.id == actor.id and role != user.role:
        raise DomainError(_("Vous ne pouvez pas modifier votre propre rôle."), field="role")
    previous = user.role
    if previous != role:
        user.role = role
        session.flush()
        audit.record(session, actor.id, "user.change_role", "user", user.id, previous=previous, role=role)
    return user


def set_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """Deactivate (every session ends at once) or reactivate an account."""
    user = _account(session, user_id)
    if user.id == actor.id and not active:
        raise DomainError(_("Vous ne pouvez pas désactiver votre propre compte."))
    if user.is_active_account != active:
        user.is_active_account = active
        # Rotating the token ends the open sessions now, not when they would expire.
        user.rotate_session_token()
        session.flush()
        audit.record(session, actor.id, "user.activate" if active else "user.deactivate", "user", user.id)
    return user
