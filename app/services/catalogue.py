"""Reading programmes and workshops for public pages."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.models import Programme


def public_programmes(session: Session) -> list[Programme]:
    """Programmes listed publicly, most recent first."""
    return list(
        session.scalars(
            sa.select(Programme)
            .where(Programme.visibility == "public")
            .options(selectinload(Programme.workshops), selectinload(Programme.organisations))
            .order_by(Programme.start_date.desc().nulls_last(), Programme.id.desc())
        )
    )
