"""Forms of the registration journey."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, Optional

from app import domain
from app.i18n import _l

ACCESSIBILITY_NEEDS_MAX = 1000
CONSENT_FIELD_PREFIX = "consent_"


class RegistrationForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """Register for a workshop: optional accessibility needs and optional consents (never required)."""

    accessibility_needs = TextAreaField(
        _l("Besoins d'accessibilité ou d'aménagement (facultatif)"),
        validators=[
            Optional(),
            Length(
                max=ACCESSIBILITY_NEEDS_MAX,
                # WTForms fills in %(max)d itself.
                message=_l("Ce texte ne doit pas dépasser %(max)d caractères."),
            ),
        ],
        render_kw={"rows": 4, "maxlength": ACCESSIBILITY_NEEDS_MAX},
    )

    def consent_fields(self) -> list[BooleanField]:
        """The consent checkboxes, in the order of the reference list."""
        return [self[CONSENT_FIELD_PREFIX + purpose] for purpose in domain.CONSENT_PURPOSES]

    def chosen_purposes(self) -> list[str]:
        """The purposes whose box was ticked."""
        return [purpose for purpose in domain.CONSENT_PURPOSES if self[CONSENT_FIELD_PREFIX + purpose].data]


# One separate, unticked box per optional purpose (GD-01/02): never grouped, never required.
for _purpose, _label in domain.CONSENT_PURPOSES.items():
    setattr(RegistrationForm, CONSENT_FIELD_PREFIX + _purpose, BooleanField(_label, default=False))


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    """A button-only form (cancel, leave the waitlist): carries the CSRF token and nothing else."""
