"""Audit trail: records who did what to which object, never content."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models import AuditLog


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    object_type: str = "",
    object_id: object = "",
    **details: Any,
) -> AuditLog:
    """Add an audit entry in the current transaction."""
    entry = AuditLog(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=details,
    )
    session.add(entry)
    return entry
