"""Forms of the back office: lengths and allowlists checked server-side, French messages.

The services check the same rules again (a forged request meets them too); the forms give every
error at once next to its field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app import domain
from app.i18n import _l
from app.services import imports, programmes, roster
from app.services.programmes import ProgrammeInput, WorkshopInput
from app.services.roster import PERSON_LIMITS, PersonInput

PARIS = ZoneInfo("Europe/Paris")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
TOO_LONG = _l("Ce champ est limité à %(max)d caractères.")
REQUIRED = _l("Ce champ est obligatoire.")


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]  # wtforms is untyped here
    """A list of checkboxes (rendered as a fieldset by the `field` macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def choices_of(pairs: list[tuple[str, Any]]) -> list[SelectChoice]:
    """WTForms 3.3 wants SelectChoice objects rather than (value, label) tuples."""
    return [SelectChoice(value, label) for value, label in pairs]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _datetime_field(label: Any, required: bool) -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        validators=[InputRequired(message=REQUIRED)] if required else [Optional()],
        format=DATETIME_FORMATS,
        tz=PARIS,
        invalid_value_message=_l("Saisissez une date et une heure valides."),
    )


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC) if value is not None else None


# --- Programmes --------------------------------------------------------------------------------


class ProgrammeForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Create or edit a programme."""

    title = StringField(
        _l("Titre du parcours"),
        validators=[InputRequired(message=REQUIRED), Length(max=programmes.TITLE_MAX, message=TOO_LONG)],
        filters=[_strip],
    )
    slug = StringField(
        _l("Adresse courte (facultative)"),
        validators=[Optional(), Length(max=programmes.SLUG_MAX, message=TOO_LONG)],
        filters=[_strip],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=programmes.DESCRIPTION_MAX, message=TOO_LONG)],
        filters=[_strip],
    )
    start_date = DateField(_l("Date de début"), validators=[Optional()], format="%Y-%m-%d")
    end_date = DateField(_l("Date de fin"), validators=[Optional()], format="%Y-%m-%d")
    organisations = TextAreaField(
        _l("Organisations co-organisatrices"),
        validators=[Length(max=5000, message=TOO_LONG)],
    )
    facilitators = MultiCheckboxField(_l("Facilitatrices et facilitateurs du parcours"), choices=[])
    visibility = RadioField(
        _l("Visibilité"),
        choices=choices_of(
            [
                ("public", _l("Public : le parcours figure dans la liste des parcours")),
                ("link_only", _l("Sur lien : seules les personnes qui ont le lien le voient")),
            ]
        ),
        default="public",
        validators=[InputRequired(message=_l("Choisissez une visibilité."))],
    )
    version = HiddenField()

    def to_input(self) -> ProgrammeInput:
        """The submitted values for the service."""
        return ProgrammeInput(
            title=self.title.data or "",
            slug=(self.slug.data or "").lower(),
            description=self.description.data or "",
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            organisations=programmes.split_lines(self.organisations.data or ""),
            facilitator_emails=list(self.facilitators.data or []),
            visibility=self.visibility.data or "public",
        )


# --- Workshops ---------------------------------------------------------------------------------


class WorkshopForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Create or edit a workshop (times typed in Paris time)."""

    title = StringField(
        _l("Titre de l'atelier"),
        validators=[InputRequired(message=REQUIRED), Length(max=programmes.TITLE_MAX, message=TOO_LONG)],
        filters=[_strip],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=programmes.DESCRIPTION_MAX, message=TOO_LONG)],
        filters=[_strip],
    )
    format = SelectField(_l("Format"), choices=[], default="peer_workshop")
    starts_at = _datetime_field(_l("Début"), required=True)
    ends_at = _datetime_field(_l("Fin"), required=True)
    place = StringField(
        _l("Lieu"), validators=[Length(max=programmes.PLACE_MAX, message=TOO_LONG)], filters=[_strip]
    )
    online_url = URLField(
        _l("Lien pour participer en ligne"),
        validators=[Length(max=programmes.URL_MAX, message=TOO_LONG)],
        filters=[_strip],
    )
    capacity = IntegerField(
        _l("Capacité (nombre de places)"),
        validators=[
            InputRequired(message=REQUIRED),
            NumberRange(
                min=0,
                max=programmes.CAPACITY_MAX,
                message=_l("Indiquez un nombre entre %(min)s et %(max)s."),
            ),
        ],
        default=30,
    )
    registration_opens_at = _datetime_field(_l("Ouverture des inscriptions (facultative)"), required=False)
    registration_closes_at = _datetime_field(_l("Clôture des inscriptions (facultative)"), required=False)
    note_categories = MultiCheckboxField(_l("Catégories de notes proposées"), choices=[])
    attribution_mode = RadioField(_l("Attribution des notes"), choices=[], default="by_profile")
    version = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.format.choices = choices_of(domain.choices(domain.WORKSHOP_FORMATS))
        self.note_categories.choices = choices_of(domain.choices(domain.NOTE_CATEGORIES))
        self.attribution_mode.choices = choices_of(domain.choices(domain.ATTRIBUTION_MODES))
        if self.note_categories.data is None:
            self.note_categories.data = list(domain.NOTE_CATEGORIES)

    def quota_fields(self) -> list[tuple[str, Any]]:
        """(profile, field) for each actor profile's quota."""
        return [(profile, self[f"quota_{profile}"]) for profile in domain.ACTOR_PROFILES]

    def to_input(self) -> WorkshopInput:
        """The submitted values for the service (times converted to UTC)."""
        starts_at = _utc(self.starts_at.data)
        ends_at = _utc(self.ends_at.data)
        assert starts_at is not None and ends_at is not None  # required fields, validated first
        return WorkshopInput(
            title=self.title.data or "",
            description=self.description.data or "",
            format=self.format.data or "",
            starts_at=starts_at,
            ends_at=ends_at,
            place=self.place.data or "",
            online_url=self.online_url.data or "",
            capacity=self.capacity.data if self.capacity.data is not None else 0,
            registration_opens_at=_utc(self.registration_opens_at.data),
            registration_closes_at=_utc(self.registration_closes_at.data),
            quotas={profile: f.data for profile, f in self.quota_fields() if f.data is not None},
            note_categories=list(self.note_categories.data or []),
            attribution_mode=self.attribution_mode.data or "",
        )


# One optional number per actor profile: empty means no quota for that profile.
for _profile, _label in domain.ACTOR_PROFILES.items():
    setattr(
        WorkshopForm,
        f"quota_{_profile}",
        IntegerField(
            _label,
            validators=[
                Optional(),
                NumberRange(
                    min=0, max=programmes.CAPACITY_MAX, message=_l("Indiquez un nombre positif ou nul.")
                ),
            ],
        ),
    )


# --- Registrations -----------------------------------------------------------------------------


class FilterForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Filters of the registrations table (a GET form: no CSRF token in the address)."""

    class Meta:
        csrf = False

    profil = SelectField(_l("Profil d'acteur"), choices=[], default="")
    organisation = StringField(_l("Organisation contient"), validators=[Length(max=160)], filters=[_strip])
    statut = SelectField(_l("Statut"), choices=[], default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profil.choices = choices_of(
            [("", _l("Tous les profils")), *domain.choices(domain.ACTOR_PROFILES)]
        )
        self.statut.choices = choices_of(
            [("", _l("Tous les statuts")), *domain.choices(domain.REGISTRATION_STATUSES)]
        )

    def to_filters(self) -> roster.RosterFilters:
        """Only values from the allowlists are used; anything else means « all »."""
        profile = self.profil.data if self.profil.data in domain.ACTOR_PROFILES else ""
        status = self.statut.data if self.statut.data in domain.REGISTRATION_STATUSES else ""
        organisation = (self.organisation.data or "")[:160]
        return roster.RosterFilters(actor_profile=profile, organisation=organisation, status=status)


class _PersonFields(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    first_name = StringField(
        _l("Prénom"),
        validators=[Length(max=PERSON_LIMITS["first_name"], message=TOO_LONG)],
        filters=[_strip],
    )
    last_name = StringField(
        _l("Nom"),
        validators=[Length(max=PERSON_LIMITS["last_name"], message=TOO_LONG)],
        filters=[_strip],
    )
    organisation = StringField(
        _l("Organisation"),
        validators=[Length(max=PERSON_LIMITS["organisation"], message=TOO_LONG)],
        filters=[_strip],
    )
    actor_profile = SelectField(_l("Profil d'acteur"), choices=[], default="other")
    territory = StringField(
        _l("Territoire"),
        validators=[Length(max=PERSON_LIMITS["territory"], message=TOO_LONG)],
        filters=[_strip],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor_profile.choices = choices_of(domain.choices(domain.ACTOR_PROFILES))

    def to_person(self) -> PersonInput:
        """The typed person for the service."""
        email = getattr(self, "email", None)
        return PersonInput(
            email=(email.data or "") if email is not None else "",
            first_name=self.first_name.data or "",
            last_name=self.last_name.data or "",
            organisation=self.organisation.data or "",
            actor_profile=self.actor_profile.data or "other",
            territory=self.territory.data or "",
        )


class ManualAddForm(_PersonFields):
    """Add a person by e-mail; names are needed only when no account has this address."""

    email = EmailField(
        _l("Adresse e-mail"),
        validators=[
            InputRequired(message=REQUIRED),
            Length(max=PERSON_LIMITS["email"], message=TOO_LONG),
            Email(message=_l("Cette adresse e-mail n'est pas valide."), check_deliverability=False),
        ],
        filters=[_strip],
    )


class WalkInForm(_PersonFields):
    """Someone arrives without a seat: an e-mail finds their account, or a name is enough."""

    email = EmailField(
        _l("Adresse e-mail (facultative)"),
        validators=[
            Optional(),
            Length(max=PERSON_LIMITS["email"], message=TOO_LONG),
            Email(message=_l("Cette adresse e-mail n'est pas valide."), check_deliverability=False),
        ],
        filters=[_strip],
    )


class CancelForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Cancel one registration: the reason is required and logged."""

    reason = TextAreaField(
        _l("Motif de l'annulation"),
        validators=[InputRequired(message=REQUIRED), Length(max=roster.REASON_MAX, message=TOO_LONG)],
        filters=[_strip],
    )


class AttendanceForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """One tap on the check-in list."""

    attendance = HiddenField(validators=[AnyOf(list(domain.ATTENDANCES))])
    q = HiddenField(validators=[Optional(), Length(max=100)])


class ExportForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Export options (GET: the download changes nothing but the audit log)."""

    class Meta:
        csrf = False

    separateur = RadioField(
        _l("Séparateur des colonnes (CSV)"),
        choices=choices_of(
            [("point-virgule", _l("Point-virgule (tableurs en français)")), ("virgule", _l("Virgule"))]
        ),
        default="point-virgule",
    )
    nominatif = RadioField(
        _l("Contenu"),
        choices=choices_of(
            [
                ("non", _l("Sans noms ni adresses e-mail (profils, organisations, statuts)")),
                ("oui", _l("Liste nominative (noms, e-mails, fonctions et besoins d'accessibilité)")),
            ]
        ),
        default="non",
    )

    @property
    def delimiter(self) -> str:
        """The CSV separator chosen (semicolon unless a comma was asked for)."""
        return "," if self.separateur.data == "virgule" else ";"

    @property
    def named(self) -> bool:
        """True only when the facilitator explicitly chose a named export (EX-05)."""
        return bool(self.nominatif.data == "oui")


# --- Import ------------------------------------------------------------------------------------


class ImportUploadForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Choose the CSV file to check."""

    file = FileField(
        _l("Fichier CSV"),
        validators=[
            FileRequired(message=_l("Choisissez un fichier.")),
            FileAllowed(["csv", "txt"], message=_l("Le fichier doit être au format CSV (.csv).")),
        ],
    )


class ImportConfirmForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Apply the previewed file (its content comes back in a hidden field)."""

    content = HiddenField(
        validators=[InputRequired(message=REQUIRED), Length(max=imports.MAX_BYTES * 4 // 3 + 8)]
    )


# --- Accounts (admin) --------------------------------------------------------------------------


class UserSearchForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Search accounts (GET)."""

    class Meta:
        csrf = False

    q = StringField(_l("Nom, e-mail ou organisation"), validators=[Length(max=100)], filters=[_strip])
    role = SelectField(_l("Rôle"), choices=[], default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = choices_of([("", _l("Tous les rôles")), *domain.choices(domain.ROLE_LABELS)])


class RoleForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Change an account's role."""

    role = SelectField(_l("Rôle"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = choices_of(domain.choices(domain.ROLE_LABELS))


class ConfirmForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """A button that only needs the CSRF token."""
