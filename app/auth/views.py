"""Views of the auth blueprint: sign-up, sign-in, sign-out, password reset, invitations."""

from __future__ import annotations

from typing import cast

import flask_babel
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.auth import limits
from app.auth.forms import ForgotForm, InvitationForm, LoginForm, NewPasswordForm, SignupForm
from app.db import get_session
from app.extensions import limiter
from app.i18n import _
from app.models import User
from app.policies import public, token
from app.safety import safe_next
from app.services import accounts
from app.services.errors import DomainError

bp = Blueprint("auth", __name__)

Page = str | tuple[str, int] | Response


def _default_landing() -> str:
    return url_for("registrations.mine")


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Attach a service error to its field (or flash it) so the form comes back with the text."""
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")


def start_session(user: User, remember: bool = False) -> None:
    """Sign a person in on a fresh session: nothing from before sign-in survives (SE-02)."""
    session.clear()
    login_user(user, remember=remember)
    # The language was chosen before sign-in; the account's own choice applies from now on.
    flask_babel.refresh()


# --- Sign-in / sign-out ------------------------------------------------------------------------


@bp.get("/connexion")
@public
def login() -> Page:
    """The sign-in form (already signed in: go on to the requested page)."""
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or _default_landing())
    form = LoginForm(next=target or "")
    return render_template("auth/login.html", form=form)


@bp.post("/connexion")
@public
@limiter.limit(limits.login_per_ip, deduct_when=limits.failed)
@limiter.limit(limits.login_per_account, key_func=limits.submitted_email, deduct_when=limits.failed)
def login_post() -> Page:
    """Check the address and password; the same answer for an unknown account (EN-01, RL-01)."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400
    user = accounts.authenticate(get_session(), form.email.data or "", form.password.data or "")
    if user is None:
        form.password.errors = [_("Adresse e-mail ou mot de passe incorrect.")]
        return render_template("auth/login.html", form=form), 400
    get_session().commit()  # a rehash with current Argon2 parameters (PW-07)
    start_session(user, remember=bool(form.remember.data))
    flash(_("Vous êtes connecté ou connectée."), "success")
    return redirect(safe_next(form.next.data) or _default_landing())


@bp.post("/deconnexion")
@public
def logout() -> Response:
    """Sign out (POST only): the session token rotates so that copied cookies stop working (SE-03)."""
    if current_user.is_authenticated:
        accounts.sign_out(get_session(), cast(User, current_user._get_current_object()))
        get_session().commit()
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for deletion
    flash(_("Vous êtes déconnecté ou déconnectée."), "success")
    response = redirect(url_for("main.index"))
    # HD-08: the browser empties this site's storage (the note drafts among it); cookies stay.
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


# --- Sign-up -----------------------------------------------------------------------------------


@bp.get("/creer-un-compte")
@public
def signup() -> Page:
    """The sign-up form, consents unticked (GD-01/02)."""
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or _default_landing())
    form = SignupForm(next=target or "")
    return render_template("auth/signup.html", form=form)


@bp.post("/creer-un-compte")
@public
@limiter.limit(limits.signup_per_ip)
def signup_post() -> Page:
    """Create the account, record the consents, sign the person in (RL-02: throttled)."""
    form = SignupForm()
    if not form.validate_on_submit():
        return render_template("auth/signup.html", form=form), 400
    data = accounts.SignupData(
        email=form.email.data or "",
        first_name=form.first_name.data or "",
        last_name=form.last_name.data or "",
        organisation=form.organisation.data or "",
        actor_profile=form.actor_profile.data or "",
        territory=form.territory.data or "",
        job_title=form.job_title.data or "",
        password=form.password.data or "",
        consents=form.given_consents(),
        locale=_current_language(),
    )
    try:
        user = accounts.signup(get_session(), data, notice_version=current_app.config["NOTICE_VERSION"])
    except DomainError as error:
        get_session().rollback()
        show_error(form, error)
        status = 409 if error.field == "email" else 400
        return render_template("auth/signup.html", form=form), status
    get_session().commit()
    start_session(user)
    flash(_("Votre compte est créé. Bienvenue !"), "success")
    return redirect(safe_next(form.next.data) or _default_landing())


def _current_language() -> str:
    from flask_babel import get_locale

    language = str(get_locale() or "fr")[:2]
    return language if language in current_app.config["LANGUAGES"] else "fr"


# --- Forgotten password, reset link, invitation -------------------------------------------------


@bp.get("/mot-de-passe-oublie")
@public
def forgot() -> str:
    """Ask for a reset link."""
    return render_template("auth/forgot.html", form=ForgotForm())


@bp.post("/mot-de-passe-oublie")
@public
@limiter.limit(limits.reset_per_ip)
@limiter.limit(limits.reset_per_email, key_func=limits.submitted_email)
def forgot_post() -> Page:
    """Send a link if the account exists; the answer is the same either way (EN-02, RL-02)."""
    form = ForgotForm()
    if not form.validate_on_submit():
        return render_template("auth/forgot.html", form=form), 400
    accounts.request_password_reset(
        get_session(), form.email.data or "", current_app.config["PASSWORD_RESET_TTL_S"]
    )
    get_session().commit()
    flash(
        _(
            "Si un compte existe pour cette adresse, un e-mail vient de lui être envoyé avec un lien "
            "valable une heure. Pensez à vérifier vos indésirables."
        ),
        "success",
    )
    return redirect(url_for("auth.forgot"))


def _invalid_link_page() -> tuple[str, int]:
    return render_template("auth/link_invalid.html"), 404


@bp.get("/reinitialisation/<token>")
@token
def reset(token: str) -> Page:
    """The new-password form behind a reset link (valid one hour, single use)."""
    if accounts.token_user(get_session(), token, "password_reset") is None:
        return _invalid_link_page()
    return render_template("auth/reset.html", form=NewPasswordForm(), token=token)


@bp.post("/reinitialisation/<token>")
@token
def reset_post(token: str) -> Page:
    """Set the new password; every other session ends (PW-11, SE-04)."""
    form = NewPasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/reset.html", form=form, token=token), 400
    try:
        user = accounts.reset_password(get_session(), token, form.new_password.data or "")
    except DomainError as error:
        get_session().rollback()
        if error.field == "token":
            return _invalid_link_page()
        show_error(form, error)
        return render_template("auth/reset.html", form=form, token=token), 400
    get_session().commit()
    start_session(user)
    flash(_("Votre mot de passe est modifié. Vos autres sessions ont été fermées."), "success")
    return redirect(_default_landing())


@bp.get("/invitation/<token>")
@token
def accept_invitation(token: str) -> Page:
    """An invited person chooses a password and, optionally, consents."""
    user = accounts.token_user(get_session(), token, "invitation")
    if user is None:
        return _invalid_link_page()
    return render_template("auth/invitation.html", form=InvitationForm(), token=token, invited=user)


@bp.post("/invitation/<token>")
@token
def accept_invitation_post(token: str) -> Page:
    """Activate the invited account (single-use link) and sign the person in."""
    form = InvitationForm()
    invited = accounts.token_user(get_session(), token, "invitation")
    if invited is None:
        return _invalid_link_page()
    if not form.validate_on_submit():
        return render_template("auth/invitation.html", form=form, token=token, invited=invited), 400
    try:
        user = accounts.accept_invitation(
            get_session(),
            token,
            form.new_password.data or "",
            form.given_consents(),
            notice_version=current_app.config["NOTICE_VERSION"],
        )
    except DomainError as error:
        get_session().rollback()
        if error.field == "token":
            return _invalid_link_page()
        show_error(form, error)
        return render_template("auth/invitation.html", form=form, token=token, invited=invited), 400
    get_session().commit()
    start_session(user)
    flash(_("Votre compte est activé. Bienvenue !"), "success")
    return redirect(_default_landing())
