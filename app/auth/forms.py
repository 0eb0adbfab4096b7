"""Forms of the auth blueprint: French messages, server-side lengths and allowlists (IV-01)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from app import domain
from app.i18n import _l
from app.services.passwords import MAX_LENGTH

REQUIRED = _l("Ce champ est obligatoire.")
EMAIL_INVALID = _l("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr.")


def strip(value: object) -> object:
    """Input filter: surrounding spaces are never meaningful (pasted addresses often carry some)."""
    return value.strip() if isinstance(value, str) else value


def select_choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def max_length(count: int) -> Length:
    """A length limit with a French message."""
    return Length(max=count, message=_l("%(count)s caractères au maximum.", count=count))


class ConsentFields:
    """The optional consents: separate, unticked by default, never required (GD-01/02)."""

    consent_newsletter = BooleanField(domain.CONSENT_PURPOSES["newsletter"], default=False)
    consent_directory = BooleanField(domain.CONSENT_PURPOSES["directory"], default=False)
    consent_photos = BooleanField(domain.CONSENT_PURPOSES["photos"], default=False)

    def given_consents(self) -> tuple[str, ...]:
        """The purposes whose box was ticked."""
        return tuple(
            purpose for purpose in domain.CONSENT_PURPOSES if getattr(self, f"consent_{purpose}").data
        )


class SignupForm(FlaskForm, ConsentFields):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Create an account."""

    email = EmailField(
        _l("Adresse e-mail"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), max_length(254), Email(EMAIL_INVALID)],
    )
    first_name = StringField(
        _l("Prénom"), filters=[strip], validators=[DataRequired(REQUIRED), max_length(80)]
    )
    last_name = StringField(_l("Nom"), filters=[strip], validators=[DataRequired(REQUIRED), max_length(80)])
    organisation = StringField(_l("Organisation"), filters=[strip], validators=[Optional(), max_length(160)])
    actor_profile = SelectField(_l("Profil d'acteur"), validators=[InputRequired(REQUIRED)])
    territory = StringField(_l("Territoire"), filters=[strip], validators=[Optional(), max_length(120)])
    job_title = StringField(_l("Fonction"), filters=[strip], validators=[Optional(), max_length(120)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(REQUIRED), max_length(MAX_LENGTH)])
    next = HiddenField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.actor_profile.choices = [
            ("", str(_l("Choisissez un profil"))),
            *domain.choices(domain.ACTOR_PROFILES),
        ]


class LoginForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Sign in with an address and a password."""

    email = EmailField(
        _l("Adresse e-mail"), filters=[strip], validators=[DataRequired(REQUIRED), max_length(254)]
    )
    # No length check here: the answer to a wrong password must not depend on the account (EN-01).
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(REQUIRED)])
    remember = BooleanField(_l("Rester connecté ou connectée sur cet appareil (30 jours)"), default=False)
    next = HiddenField()


class ForgotForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Ask for a password reset link."""

    email = EmailField(
        _l("Adresse e-mail"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), max_length(254), Email(EMAIL_INVALID)],
    )


class NewPasswordForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Choose a new password (reset link)."""

    new_password = PasswordField(
        _l("Nouveau mot de passe"), validators=[DataRequired(REQUIRED), max_length(MAX_LENGTH)]
    )
    confirm = PasswordField(_l("Confirmez le nouveau mot de passe"), validators=[DataRequired(REQUIRED)])

    def validate_confirm(self, field: PasswordField) -> None:
        """Both entries must be identical."""
        if field.data != self.new_password.data:
            raise ValidationError(str(_l("Les deux mots de passe ne sont pas identiques.")))


class InvitationForm(NewPasswordForm, ConsentFields):
    """An invited person chooses a password and, optionally, consents."""
