"""Models, one module per aggregate; importing this package registers every table."""

from app.models.audit import AuditLog
from app.models.group import GroupMember, PeerGroup, Round
from app.models.note import (
    GroupFeed,
    GroupSummary,
    GroupSummaryRevision,
    Note,
    NoteBoard,
    NoteRevision,
    NoteVote,
    WorkshopMessage,
)
from app.models.outbox import OutboxMessage
from app.models.programme import Programme, ProgrammeFacilitator, ProgrammeOrganisation
from app.models.registration import Registration
from app.models.synthesis import (
    DismissedSuggestion,
    SynthesisDocument,
    SynthesisPublication,
    SynthesisSection,
    SynthesisSectionRevision,
    Theme,
    ThemeNote,
)
from app.models.user import Consent, User, UserToken
from app.models.workshop import Workshop, WorkshopQuota

__all__ = [
    "AuditLog",
    "Consent",
    "DismissedSuggestion",
    "GroupFeed",
    "GroupMember",
    "GroupSummary",
    "GroupSummaryRevision",
    "Note",
    "NoteBoard",
    "NoteRevision",
    "NoteVote",
    "OutboxMessage",
    "PeerGroup",
    "Programme",
    "ProgrammeFacilitator",
    "ProgrammeOrganisation",
    "Registration",
    "Round",
    "SynthesisDocument",
    "SynthesisPublication",
    "SynthesisSection",
    "SynthesisSectionRevision",
    "Theme",
    "ThemeNote",
    "User",
    "UserToken",
    "Workshop",
    "WorkshopMessage",
    "WorkshopQuota",
]
