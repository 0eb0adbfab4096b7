"""Forms of the note space: they validate types, lengths and allowlists; the service checks the rules.

Category and tag choices are the workshop's, set by the view before validating. Nothing a person
may not set is read from a form: the author, the group and the times come from the session and
the URL (AC-05, no mass assignment).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange

from app.i18n import _l
from app.manage.forms import MultiCheckboxField
from app.models.note import MESSAGE_TEXT_MAX, NOTE_TEXT_MAX, SUMMARY_TEXT_MAX

REQUIRED = _l("Ce champ est obligatoire.")
VERSION_MAX = 1_000_000_000


def _version() -> IntegerField:
    return IntegerField(validators=[InputRequired(), NumberRange(min=0, max=VERSION_MAX)])


class NoteForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """A new note: category, text, optional tags, and the page's submission id (REL-07)."""

    category = RadioField(_l("Catégorie"), choices=[], validators=[InputRequired(message=REQUIRED)])
    # Longer than the limit on purpose: the service counts after cleaning and says by how much.
    text = TextAreaField(
        _l("Votre note"),
        validators=[InputRequired(message=_l("Écrivez le texte de la note.")), Length(max=NOTE_TEXT_MAX * 2)],
    )
    tags = MultiCheckboxField(_l("Mots-clés (facultatif)"), choices=[], validate_choice=False)
    submission_id = HiddenField(validators=[InputRequired(), Length(max=64)])


class EditNoteForm(FlaskForm):  # type: ignore[misc]
    """A changed note, with the version it was read at (REL-01)."""

    category = RadioField(_l("Catégorie"), choices=[], validators=[InputRequired(message=REQUIRED)])
    text = TextAreaField(
        _l("Texte de la note"),
        validators=[InputRequired(message=_l("Écrivez le texte de la note.")), Length(max=NOTE_TEXT_MAX * 2)],
    )
    tags = MultiCheckboxField(_l("Mots-clés (facultatif)"), choices=[], validate_choice=False)
    version = _version()


class VersionForm(FlaskForm):  # type: ignore[misc]
    """Delete a note read at `version`."""

    version = _version()


class EmptyForm(FlaskForm):  # type: ignore[misc]
    """Only the CSRF token (« +1 »)."""


class SummaryForm(FlaskForm):  # type: ignore[misc]
    """« Ce que notre groupe retient », with the version it was read at."""

    text = TextAreaField(_l("Ce que notre groupe retient"), validators=[Length(max=SUMMARY_TEXT_MAX * 2)])
    version = _version()


class ModerateForm(FlaskForm):  # type: ignore[misc]
    """A facilitator hides, shows, highlights or un-highlights a note."""

    action = StringField(validators=[InputRequired(), AnyOf(("hide", "show", "highlight", "unhighlight"))])


class PhaseForm(FlaskForm):  # type: ignore[misc]
    """Open or close writing."""

    phase = StringField(validators=[InputRequired(), AnyOf(("open", "closed"))])


class HiddenModeForm(FlaskForm):  # type: ignore[misc]
    """Turn « notes cachées jusqu'à la révélation » on or off, or reveal."""

    action = StringField(validators=[InputRequired(), AnyOf(("hide", "reveal", "off"))])


class MessageForm(FlaskForm):  # type: ignore[misc]
    """A message to every group."""

    message = TextAreaField(
        _l("Message à tous les sous-groupes"),
        validators=[InputRequired(message=_l("Écrivez le message.")), Length(max=MESSAGE_TEXT_MAX * 2)],
    )


class RoundForm(FlaskForm):  # type: ignore[misc]
    """Move every space to a published round."""

    round = IntegerField(
        _l("Rotation"), validators=[InputRequired(message=REQUIRED), NumberRange(min=1, max=100)]
    )
