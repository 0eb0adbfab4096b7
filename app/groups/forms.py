"""Forms of the peer-groups tool: criteria in plain words, moves, locks, roles, publication.

The small action forms (one per person or group on the page) are rendered by hand in the template
with unique ids; these classes validate what comes back (types, lengths, allowlists) and the CSRF
token. The services check every rule again.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from app.i18n import _l
from app.manage.forms import ExportForm
from app.services import grouping
from app.services.grouping import GroupingSettings, RolesInput

REQUIRED = _l("Ce champ est obligatoire.")
TOKEN_MAX = 2000


def _choices(pairs: list[tuple[str, Any]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _version_field() -> HiddenField:
    # The versions of the rounds the page showed (REL-01): a stale edit answers 409.
    return HiddenField(validators=[InputRequired(), Length(max=TOKEN_MAX)])


class GenerateForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Who is grouped, group sizes or count, rounds, criteria in plain words, time budget."""

    who = RadioField(
        _l("Personnes à répartir"),
        choices=_choices(
            [
                ("present", _l("Les personnes pointées présentes")),
                (
                    "confirmed",
                    _l("Toutes les inscriptions confirmées, sauf les absences notées (avant le pointage)"),
                ),
            ]
        ),
        default="present",
        validators=[InputRequired(message=REQUIRED), AnyOf(grouping.WHO)],
    )
    sizing = RadioField(
        _l("Former les sous-groupes"),
        choices=_choices(
            [
                ("size", _l("Selon une taille de sous-groupe (minimum et maximum)")),
                ("count", _l("Selon un nombre de sous-groupes")),
            ]
        ),
        default="size",
        validators=[InputRequired(message=REQUIRED), AnyOf(grouping.SIZING)],
    )
    min_size = IntegerField(
        _l("Taille minimale"),
        validators=[
            Optional(),
            NumberRange(
                min=1, max=grouping.SIZE_MAX, message=_l("Indiquez un nombre entre %(min)s et %(max)s.")
            ),
        ],
        default=4,
    )
    max_size = IntegerField(
        _l("Taille maximale"),
        validators=[
            Optional(),
            NumberRange(
                min=1, max=grouping.SIZE_MAX, message=_l("Indiquez un nombre entre %(min)s et %(max)s.")
            ),
        ],
        default=6,
    )
    group_count = IntegerField(
        _l("Nombre de sous-groupes"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=grouping.GROUP_COUNT_MAX,
                message=_l("Indiquez un nombre entre %(min)s et %(max)s."),
            ),
        ],
    )
    rounds = IntegerField(
        _l("Nombre de rotations"),
        validators=[
            InputRequired(message=REQUIRED),
            NumberRange(
                min=1, max=grouping.ROUNDS_MAX, message=_l("Indiquez un nombre entre %(min)s et %(max)s.")
            ),
        ],
        default=1,
    )
    profiles = RadioField(
        _l("Mélanger les profils d'acteurs"),
        choices=_choices(
            [
                ("important", _l("Important")),
                ("normal", _l("Normal")),
                ("none", _l("Sans importance")),
            ]
        ),
        default="important",
        validators=[InputRequired(message=REQUIRED), AnyOf(tuple(grouping.PROFILE_WEIGHTS))],
    )
    territories = RadioField(
        _l("Territoires"),
        choices=_choices(
            [
                ("mix", _l("Mélanger les territoires")),
                ("gather", _l("Regrouper les personnes d'un même territoire")),
                ("ignore", _l("Indifférent")),
            ]
        ),
        default="mix",
        validators=[InputRequired(message=REQUIRED), AnyOf(tuple(grouping.TERRITORY_WEIGHTS))],
    )
    organisations_apart = BooleanField(_l("Jamais deux personnes de la même organisation"), default=True)
    keep_profiles_company = BooleanField(
        _l("Ne laisser personne seul ou seule de son profil dans un sous-groupe")
    )
    time_limit_s = IntegerField(
        _l("Temps de calcul maximal, en secondes"),
        validators=[
            InputRequired(message=REQUIRED),
            NumberRange(
                min=1, max=grouping.TIME_LIMIT_MAX, message=_l("Indiquez un nombre entre %(min)s et %(max)s.")
            ),
        ],
        default=grouping.TIME_LIMIT_DEFAULT,
    )
    version = _version_field()

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then the sizes or the count depending on the choice."""
        valid: bool = super().validate(extra_validators)
        if self.sizing.data == "count":
            if self.group_count.data is None and not self.group_count.errors:
                self.group_count.errors = [
                    *self.group_count.errors,
                    _l("Indiquez le nombre de sous-groupes."),
                ]
                valid = False
        else:
            for size in (self.min_size, self.max_size):
                if size.data is None and not size.errors:
                    size.errors = [*size.errors, _l("Indiquez une taille.")]
                    valid = False
        return valid

    def fill(self, settings: GroupingSettings) -> None:
        """Pre-fill the form with the criteria of the current plan (or the format's defaults)."""
        for name, value in settings.to_json().items():
            if name in self:
                self[name].data = value

    def to_settings(self) -> GroupingSettings:
        """The criteria chosen, for the service."""
        return GroupingSettings(
            who=self.who.data,
            sizing=self.sizing.data,
            min_size=self.min_size.data or 1,
            max_size=self.max_size.data or 1,
            group_count=self.group_count.data,
            rounds=self.rounds.data,
            profiles=self.profiles.data,
            territories=self.territories.data,
            organisations_apart=bool(self.organisations_apart.data),
            keep_profiles_company=bool(self.keep_profiles_company.data),
            time_limit_s=self.time_limit_s.data,
        )


class PlanForm(FlaskForm):  # type: ignore[misc]
    """An action on the whole plan (re-solve, update, publish, ...), or on one round."""

    round_id = IntegerField(validators=[Optional()])
    version = _version_field()


class MoveForm(FlaskForm):  # type: ignore[misc]
    """« Déplacer vers »: a person and the group they go to."""

    member_id = IntegerField(validators=[InputRequired()])
    group_id = IntegerField(
        _l("Déplacer vers"), validators=[InputRequired(message=_l("Choisissez un sous-groupe."))]
    )
    version = _version_field()


class SwapForm(FlaskForm):  # type: ignore[misc]
    """Two people of the same round exchange their groups."""

    first = IntegerField(_l("Personne"), validators=[InputRequired(message=_l("Choisissez une personne."))])
    second = IntegerField(
        _l("Échanger avec"), validators=[InputRequired(message=_l("Choisissez une personne."))]
    )
    version = _version_field()


class LockForm(FlaskForm):  # type: ignore[misc]
    """Lock or unlock a person (member_id) or a group (group_id)."""

    member_id = IntegerField(validators=[Optional()])
    group_id = IntegerField(validators=[Optional()])
    locked = StringField(validators=[InputRequired(), AnyOf(("1", "0"))])
    version = _version_field()

    @property
    def lock(self) -> bool:
        """True to lock, False to unlock."""
        return bool(self.locked.data == "1")


def _member_or_none(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # an id no group has: the service refuses it clearly


class RolesForm(FlaskForm):  # type: ignore[misc]
    """The roles of one group and its table name."""

    group_id = IntegerField(validators=[InputRequired()])
    table_name = StringField(
        _l("Nom de la table"),
        validators=[
            Length(max=grouping.TABLE_NAME_MAX, message=_l("Ce champ est limité à %(max)d caractères."))
        ],
        filters=[_strip],
    )
    rapporteur = StringField(_l("Rapporteur ou rapporteuse"), validators=[Length(max=20)])
    timekeeper = StringField(_l("Gardien ou gardienne du temps"), validators=[Length(max=20)])
    table_host = StringField(_l("Hôte ou hôtesse de table"), validators=[Length(max=20)])
    version = _version_field()

    def to_input(self) -> RolesInput:
        """The roles chosen, for the service."""
        return RolesInput(
            table_name=self.table_name.data or "",
            rapporteur=_member_or_none(self.rapporteur.data),
            timekeeper=_member_or_none(self.timekeeper.data),
            table_host=_member_or_none(self.table_host.data),
        )


class GroupExportForm(ExportForm):
    """Export options of the groups: the same choices as the registrations export, other contents."""

    nominatif = RadioField(
        _l("Contenu"),
        choices=_choices(
            [
                ("non", _l("Sans noms (profils, organisations, territoires, rôles)")),
                ("oui", _l("Avec les noms et prénoms")),
            ]
        ),
        default="non",
    )
