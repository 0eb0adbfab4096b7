"""CSV import of participants: parse and check every line, preview, then apply in one transaction.

The file is read twice: once for the preview (nothing is written), once when the facilitator
confirms (the same bytes come back in the form). Applying re-checks everything and writes nothing
at all when any line is wrong, so a half-imported file cannot exist.

Columns (header row required, `;` or `,` detected, UTF-8 with or without BOM):
`email; prenom; nom; organisation; profil; territoire; fonction`. `email`, `prenom` and `nom` are
required; `profil` takes the identifier (`association`) or the French label (« Association »);
an empty `profil` means `other`. Unknown columns are ignored and reported.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask_babel import force_locale
from sqlalchemy.orm import Session

from app import domain
from app.exports.tabular import to_csv
from app.i18n import _
from app.models import User, Workshop
from app.services import audit, roster
from app.services.errors import DomainError
from app.services.roster import PERSON_LIMITS, PersonInput

if TYPE_CHECKING:
    from _csv import Reader

MAX_BYTES = 512 * 1024
MAX_LINES = 2000
COLUMNS = ("email", "prenom", "nom", "organisation", "profil", "territoire", "fonction")
REQUIRED_COLUMNS = ("email", "prenom", "nom")
COLUMN_FIELDS = {
    "email": "email",
    "prenom": "first_name",
    "nom": "last_name",
    "organisation": "organisation",
    "profil": "actor_profile",
    "territoire": "territory",
    "fonction": "job_title",
}
# Headers people actually type, after lowercasing and removing accents.
HEADER_ALIASES = {
    "e-mail": "email",
    "mail": "email",
    "courriel": "email",
    "adresse e-mail": "email",
    "adresse email": "email",
    "first name": "prenom",
    "last name": "nom",
    "nom de famille": "nom",
    "structure": "organisation",
    "profil d'acteur": "profil",
    "profil acteur": "profil",
    "territory": "territoire",
    "poste": "fonction",
}

OUTCOME_NEW = "new"
OUTCOME_EXISTING = "existing"
OUTCOME_REGISTERED = "registered"


@dataclass(frozen=True)
class Issue:
    """One problem: the line (None for the whole file), the column, the reason in French."""

    line: int | None
    column: str
    message: str


@dataclass
class ImportLine:
    """One data line of the file, its person, its problems and what applying it would do."""

    line: int
    person: PersonInput
    errors: list[Issue] = field(default_factory=list)
    outcome: str = ""


@dataclass
class ImportReport:
    """The whole file checked: lines, problems with the file itself, ignored columns."""

    lines: list[ImportLine] = field(default_factory=list)
    file_errors: list[Issue] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    delimiter: str = ";"

    @property
    def issues(self) -> list[Issue]:
        """Every problem, file first then by line."""
        return self.file_errors + [issue for line in self.lines for issue in line.errors]

    @property
    def has_errors(self) -> bool:
        """True when anything would stop the import."""
        return bool(self.issues)

    def count(self, outcome: str) -> int:
        """How many valid lines have this outcome."""
        return sum(1 for line in self.lines if not line.errors and line.outcome == outcome)

    @property
    def to_register(self) -> int:
        """Lines that would create a registration."""
        return self.count(OUTCOME_NEW) + self.count(OUTCOME_EXISTING)


class ImportRejected(DomainError):
    """The file has errors: nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(_("Le fichier contient des erreurs : aucune donnée n'a été importée."))
        self.report = report


@dataclass(frozen=True)
class ImportResult:
    """What applying a file did."""

    accounts_created: int
    accounts_linked: int
    confirmed: int
    waitlisted: int
    skipped: int


def _fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive key: « Profil d’acteur » -> "profil d'acteur"."""
    text = text.replace("\u2019", "'").replace("_", " ")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.casefold().split())


def profile_lookup() -> dict[str, str]:
    """Every accepted spelling of each actor profile: identifier, label, label without its example."""
    lookup: dict[str, str] = {}
    labels: list[tuple[str, str]] = []
    with force_locale("fr"):
        labels += [(key, str(label)) for key, label in domain.ACTOR_PROFILES.items()]
    labels += [(key, str(label)) for key, label in domain.ACTOR_PROFILES.items()]
    for key, label in labels:
        lookup[_fold(key)] = key
        lookup[_fold(label)] = key
        lookup[_fold(label.split(" (", 1)[0])] = key
    return lookup


def _header_key(raw: str) -> str:
    key = _fold(raw.strip().lstrip("\ufeff"))
    return HEADER_ALIASES.get(key, key)


def _detect_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return "," if first.count(",") > first.count(";") else ";"


def parse(raw: bytes) -> ImportReport:
    """Decode and check a file line by line, without the database (needs an app context for labels)."""
    report = ImportReport()
    if len(raw) > MAX_BYTES:
        report.file_errors.append(
            Issue(None, "", _("Le fichier dépasse %(size)s Ko.", size=MAX_BYTES // 1024))
        )
        return report
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.file_errors.append(
            Issue(
                None,
                "",
                _(
                    "Le fichier n'est pas encodé en UTF-8. Dans votre tableur, enregistrez-le "
                    "au format « CSV UTF-8 »."
                ),
            )
        )
        return report
    if not text.strip():
        report.file_errors.append(Issue(None, "", _("Le fichier est vide.")))
        return report
    report.delimiter = _detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=report.delimiter, strict=True)
    try:
        _read_rows(reader, report)
    except csv.Error:
        report.lines.clear()
        report.file_errors.append(
            Issue(
                reader.line_num or None,
                "",
                _(
                    "Le fichier CSV est mal formé à partir de cette ligne (guillemet non fermé "
                    "ou caractère invalide)."
                ),
            )
        )
    return report


def _read_rows(reader: Reader, report: ImportReport) -> None:
    header_row = next(reader, None)
    header = [_header_key(cell) for cell in header_row or []]
    while header and header[-1] == "":
        header.pop()
    for column in REQUIRED_COLUMNS:
        if column not in header:
            report.file_errors.append(
                Issue(1, column, _("Colonne obligatoire manquante : « %(column)s ».", column=column))
            )
    duplicated = sorted({column for column in header if column and header.count(column) > 1})
    for column in duplicated:
        report.file_errors.append(
            Issue(1, column, _("La colonne « %(column)s » apparaît plusieurs fois.", column=column))
        )
    report.ignored_columns = [
        cell.strip()
        for cell, key in zip(header_row or [], header, strict=False)
        if key not in COLUMNS and cell.strip()
    ]
    if report.file_errors:
        return
    positions = {column: header.index(column) for column in COLUMNS if column in header}
    profiles = profile_lookup()
    seen: dict[str, int] = {}
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(report.lines) >= MAX_LINES:
            report.file_errors.append(
                Issue(
                    reader.line_num,
                    "",
                    _(
                        "Le fichier dépasse %(max)s lignes : découpez-le en plusieurs fichiers.",
                        max=MAX_LINES,
                    ),
                )
            )
            return
        report.lines.append(_check_row(row, reader.line_num, header, positions, profiles, seen))


def _check_row(
    row: list[str],
    line_number: int,
    header: list[str],
    positions: dict[str, int],
    profiles: dict[str, str],
    seen: dict[str, int],
) -> ImportLine:
    line = ImportLine(line=line_number, person=PersonInput())
    if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
        line.errors.append(
            Issue(
                line_number,
                "",
                _(
                    "La ligne compte %(found)s colonnes alors que l'en-tête en compte %(expected)s.",
                    found=len(row),
                    expected=len(header),
                ),
            )
        )
    values = {
        column: " ".join(row[index].split()) if index < len(row) else ""
        for column, index in positions.items()
    }
    for column in REQUIRED_COLUMNS:
        if not values.get(column):
            missing = (
                _("Valeur manquante.")
                if positions[column] < len(row)
                else _("Colonne manquante sur cette ligne.")
            )
            line.errors.append(Issue(line_number, column, missing))
    for column, attribute in COLUMN_FIELDS.items():
        value = values.get(column, "")
        limit = PERSON_LIMITS.get(attribute)
        if limit is not None and len(value) > limit:
            line.errors.append(
                Issue(line_number, column, _("Valeur trop longue (%(max)s caractères au plus).", max=limit))
            )
            value = ""
        if attribute != "actor_profile":
            setattr(line.person, attribute, value)
    raw_profile = values.get("profil", "")
    profile = profiles.get(_fold(raw_profile)) if raw_profile else "other"
    if profile is None:
        line.errors.append(
            Issue(
                line_number,
                "profil",
                _(
                    "Profil d'acteur inconnu « %(value)s » : indiquez un identifiant ou un libellé "
                    "de la liste des profils.",
                    value=raw_profile[:60],
                ),
            )
        )
    else:
        line.person.actor_profile = profile
    if line.person.email:
        email = roster.normalise_email(line.person.email)
        if email is None:
            line.errors.append(Issue(line_number, "email", _("Adresse e-mail invalide.")))
        elif email in seen:
            line.errors.append(
                Issue(
                    line_number,
                    "email",
                    _("Ligne en double : cette adresse figure déjà ligne %(line)s.", line=seen[email]),
                )
            )
        else:
            seen[email] = line_number
            line.person.email = email
    return line


def preview(session: Session, workshop: Workshop, raw: bytes) -> ImportReport:
    """Check a file and tell, for each valid line, what applying it would do. Writes nothing."""
    report = parse(raw)
    if report.file_errors:
        return report
    for line in report.lines:
        if line.errors:
            continue
        user = roster.find_account(session, line.person.email)
        if user is None:
            line.outcome = OUTCOME_NEW
        elif not user.is_active:
            line.errors.append(
                Issue(line.line, "email", _("Le compte associé à cette adresse est désactivé."))
            )
        elif roster.is_registered(session, workshop.id, user.id):
            line.outcome = OUTCOME_REGISTERED
        else:
            line.outcome = OUTCOME_EXISTING
    return report


def apply(
    session: Session, workshop: Workshop, actor: User, raw: bytes, *, invitation_ttl_s: int
) -> ImportResult:
    """Create or link the accounts and register them; ImportRejected (nothing written) on any error."""
    report = preview(session, workshop, raw)
    if report.has_errors:
        raise ImportRejected(report)
    created = linked = confirmed = waitlisted = 0
    for line in report.lines:
        if line.outcome == OUTCOME_REGISTERED:
            continue
        enrolment = roster.enrol(
            session, workshop, line.person, source="import", invitation_ttl_s=invitation_ttl_s
        )
        created += enrolment.account_created
        linked += not enrolment.account_created
        confirmed += enrolment.registration.status == "confirmed"
        waitlisted += enrolment.registration.status == "waitlisted"
    result = ImportResult(created, linked, confirmed, waitlisted, report.count(OUTCOME_REGISTERED))
    audit.record(
        session,
        actor.id,
        "registration.import",
        "workshop",
        workshop.id,
        accounts_created=created,
        accounts_linked=linked,
        confirmed=confirmed,
        waitlisted=waitlisted,
        skipped=result.skipped,
    )
    return result


def template_csv() -> bytes:
    """The downloadable model file: the header and one example line."""
    return to_csv(
        list(COLUMNS),
        [
            [
                "camille.martin@exemple.fr",
                "Camille",
                "Martin",
                "Communauté de communes du Saulnois",
                "local_authority",
                "Moselle",
                "Chargée de mission",
            ]
        ],
    )
