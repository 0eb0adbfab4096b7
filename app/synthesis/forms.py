"""Forms of the synthesis workspace: they check types, lengths and allowlists; services check rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from app.i18n import _l
from app.manage.forms import MultiCheckboxField
from app.models.synthesis import SECTION_TEXT_MAX, THEME_NAME_MAX

FORMATS = ("md", "docx", "odt", "pdf", "csv", "xlsx", "json")


class GroupForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """« Regrouper »: checked notes into a theme (a new name or an existing one)."""

    name = StringField(
        _l("Nom du thème"),
        validators=[InputRequired(message=_l("Donnez un nom au thème.")), Length(max=THEME_NAME_MAX)],
    )
    notes = MultiCheckboxField(_l("Notes"), choices=[], coerce=int, validate_choice=False)


class ThemeForm(FlaskForm):  # type: ignore[misc]
    """Rename or delete a theme, or take a note out of it."""

    action = StringField(validators=[InputRequired(), AnyOf(("rename", "delete", "remove_note"))])
    name = StringField(_l("Nouveau nom"), validators=[Length(max=THEME_NAME_MAX)])
    note_id = IntegerField(validators=[Optional(), NumberRange(min=1)], default=None)  # remove_note only


class SuggestionForm(FlaskForm):  # type: ignore[misc]
    """Accept (gather into a theme) or ignore a suggestion."""

    action = StringField(validators=[InputRequired(), AnyOf(("accept", "ignore"))])
    name = StringField(_l("Nom du thème"), validators=[Length(max=THEME_NAME_MAX)])
    notes = MultiCheckboxField(_l("Notes"), choices=[], coerce=int, validate_choice=False)


class SectionForm(FlaskForm):  # type: ignore[misc]
    """A section's Markdown body, with the version it was read at."""

    body = TextAreaField(_l("Texte de la section (Markdown)"), validators=[Length(max=SECTION_TEXT_MAX * 2)])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=0)])
    action = StringField(validators=[InputRequired(), AnyOf(("save", "prefill"))])


class ExportForm(FlaskForm):  # type: ignore[misc]
    """Which format, and whether a named export is wanted (off by default); a POST: it is logged."""

    format = SelectField(
        _l("Format"),
        choices=[SelectChoice(f, f) for f in FORMATS],
        validators=[InputRequired(), AnyOf(FORMATS)],
    )
    nominatif = BooleanField(_l("Export nominatif (noms des autrices et auteurs)"))
