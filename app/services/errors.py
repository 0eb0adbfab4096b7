"""Domain errors: raised by services, shown to people as clear French messages."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the action; `message` is shown to the person."""

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist or the person may not see it (answered as 404)."""
