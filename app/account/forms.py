"""Forms of the account area."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app import domain
from app.auth.forms import REQUIRED, max_length, select_choices, strip
from app.i18n import _l
from app.services.passwords import MAX_LENGTH

LANGUAGE_CHOICES = [("fr", "Français"), ("en", "English")]


class ProfileForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Names, organisation, actor profile, territory, job title and language."""

    first_name = StringField(
        _l("Prénom"), filters=[strip], validators=[DataRequired(REQUIRED), max_length(80)]
    )
    last_name = StringField(_l("Nom"), filters=[strip], validators=[DataRequired(REQUIRED), max_length(80)])
    organisation = StringField(_l("Organisation"), filters=[strip], validators=[Optional(), max_length(160)])
    actor_profile = SelectField(_l("Profil d'acteur"), validators=[InputRequired(REQUIRED)])
    territory = StringField(_l("Territoire"), filters=[strip], validators=[Optional(), max_length(120)])
    job_title = StringField(_l("Fonction"), filters=[strip], validators=[Optional(), max_length(120)])
    locale = SelectField(_l("Langue de l'interface et des e-mails"), choices=select_choices(LANGUAGE_CHOICES))
    next = HiddenField()  # where to go back after saving (a same-site path only, SE-07)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.actor_profile.choices = select_choices(domain.choices(domain.ACTOR_PROFILES))


class ChangePasswordForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Change the password knowing the current one."""

    current_password = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(
        _l("Nouveau mot de passe"), validators=[DataRequired(REQUIRED), Length(max=MAX_LENGTH)]
    )
    confirm = PasswordField(_l("Confirmez le nouveau mot de passe"), validators=[DataRequired(REQUIRED)])

    def validate_confirm(self, field: PasswordField) -> None:
        """Both entries must be identical."""
        if field.data != self.new_password.data:
            raise ValidationError(str(_l("Les deux mots de passe ne sont pas identiques.")))


class DeleteAccountForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Confirm the deletion with the password."""

    password = PasswordField(_l("Votre mot de passe, pour confirmer"), validators=[DataRequired(REQUIRED)])


class ActionForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """A one-button POST (withdraw a consent, new calendar link): CSRF only."""
