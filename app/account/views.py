"""Views of the account area: profile, password, consents, calendar link, data download, deletion."""

from __future__ import annotations

import json
from typing import cast

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import NotFound as HTTPNotFound
from werkzeug.wrappers import Response

from app.account.forms import ActionForm, ChangePasswordForm, DeleteAccountForm, ProfileForm
from app.auth.views import Page, show_error
from app.db import get_session
from app.domain import CONSENT_PURPOSES
from app.i18n import _
from app.models import User
from app.policies import log_denied, signed_in
from app.safety import safe_next
from app.services import accounts, consents
from app.services.errors import DomainError

bp = Blueprint("account", __name__, url_prefix="/compte")


def _me() -> User:
    """The signed-in account as a model instance (not the proxy)."""
    return cast(User, current_user._get_current_object())


# --- Profile -----------------------------------------------------------------------------------


@bp.get("/")
@signed_in
def profile() -> str:
    """The profile form; `next` (a same-site path) is where saving leads back to."""
    form = ProfileForm(obj=_me(), next=safe_next(request.args.get("next")) or "")
    return render_template("account/profile.html", form=form)


@bp.post("/")
@signed_in
def profile_post() -> Page:
    """Save the profile, then go back to `next` when it is a same-site path (SE-07)."""
    form = ProfileForm()
    form.next.data = safe_next(form.next.data) or ""
    if not form.validate_on_submit():
        return render_template("account/profile.html", form=form), 400
    try:
        accounts.update_profile(
            get_session(),
            _me(),
            first_name=form.first_name.data or "",
            last_name=form.last_name.data or "",
            organisation=form.organisation.data or "",
            actor_profile=form.actor_profile.data or "",
            territory=form.territory.data or "",
            job_title=form.job_title.data or "",
            locale=form.locale.data or "fr",
        )
    except DomainError as error:
        get_session().rollback()
        show_error(form, error)
        return render_template("account/profile.html", form=form), 400
    get_session().commit()
    flash(_("Votre profil est enregistré."), "success")
    return redirect(form.next.data or url_for("account.profile"))


# --- Password ----------------------------------------------------------------------------------


@bp.get("/mot-de-passe")
@signed_in
def password() -> str:
    """The change-password form."""
    return render_template("account/password.html", form=ChangePasswordForm())


@bp.post("/mot-de-passe")
@signed_in
def password_post() -> Page:
    """Change the password: other sessions end, this one stays signed in (SE-04)."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return render_template("account/password.html", form=form), 400
    user = _me()
    try:
        accounts.change_password(
            get_session(), user, form.current_password.data or "", form.new_password.data or ""
        )
    except DomainError as error:
        get_session().rollback()
        show_error(form, error)
        return render_template("account/password.html", form=form), 400
    get_session().commit()
    # The rotated token is written into this session (and its remember-me cookie, if any).
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=remember_cookie in request.cookies)
    flash(_("Votre mot de passe est modifié. Vos autres sessions ont été fermées."), "success")
    return redirect(url_for("account.profile"))


# --- Consents ----------------------------------------------------------------------------------


@bp.get("/consentements")
@signed_in
def consents_page() -> str:
    """Each optional consent with its state and a one-click button (GD-03)."""
    active = consents.active_consents(get_session(), _me())
    return render_template("account/consents.html", active=active, form=ActionForm())


def _purpose_or_404(purpose: str) -> str:
    if purpose not in CONSENT_PURPOSES:
        log_denied("unknown consent purpose", purpose)
        raise HTTPNotFound()
    return purpose


@bp.post("/consentements/<purpose>/retirer")
@signed_in
def withdraw_consent(purpose: str) -> Page:
    """Withdraw one consent in one click."""
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.consents_page"))
    consents.withdraw_consent(get_session(), _me(), _purpose_or_404(purpose))
    get_session().commit()
    flash(_("Votre consentement est retiré."), "success")
    return redirect(url_for("account.consents_page"))


@bp.post("/consentements/<purpose>/donner")
@signed_in
def give_consent(purpose: str) -> Page:
    """Give one consent under the current notice version."""
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.consents_page"))
    consents.give_consents(
        get_session(), _me(), [_purpose_or_404(purpose)], current_app.config["NOTICE_VERSION"]
    )
    get_session().commit()
    flash(_("Votre consentement est enregistré."), "success")
    return redirect(url_for("account.consents_page"))


# --- Calendar feed link ------------------------------------------------------------------------


def feed_url(user: User) -> str:
    """The secret address of the person's calendar feed, built from the public URL (IV-05)."""
    base = str(current_app.config["SERVER_NAME_URL"]).rstrip("/")
    return base + url_for("calendar.feed", token=user.calendar_token)


@bp.get("/calendrier")
@signed_in
def calendar() -> str:
    """The personal calendar feed address, with a button to replace it."""
    return render_template("account/calendar.html", feed=feed_url(_me()), form=ActionForm())


@bp.post("/calendrier/nouveau-lien")
@signed_in
def regenerate_calendar() -> Response:
    """Replace the feed address; the old one stops working at once."""
    form = ActionForm()
    if form.validate_on_submit():
        accounts.regenerate_calendar_token(get_session(), _me())
        get_session().commit()
        flash(_("Nouvelle adresse créée : l'ancienne ne fonctionne plus."), "success")
    return redirect(url_for("account.calendar"))


# --- Personal data -----------------------------------------------------------------------------


@bp.get("/donnees")
@signed_in
def data() -> str:
    """What we hold, the download button and the deletion link."""
    return render_template("account/data.html")


@bp.get("/donnees/mes-donnees.json")
@signed_in
def export_data() -> Response:
    """« Télécharger mes données »: a JSON attachment with the person's own data only (GD-06)."""
    payload = accounts.export_data(get_session(), _me())
    body = json.dumps(payload, ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="mes-donnees-ateliers.json"'
    return response


@bp.get("/supprimer")
@signed_in
def delete() -> str:
    """Explain what deletion does and ask for the password."""
    return render_template("account/delete.html", form=DeleteAccountForm())


@bp.post("/supprimer")
@signed_in
def delete_post() -> Page:
    """Delete the account: seats cancelled, identity erased, signed out (GD-07)."""
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return render_template("account/delete.html", form=form), 400
    try:
        accounts.delete_account(get_session(), _me(), form.password.data or "")
    except DomainError as error:
        get_session().rollback()
        show_error(form, error)
        return render_template("account/delete.html", form=form), 400
    get_session().commit()
    session.clear()
    logout_user()
    flash(_("Votre compte est supprimé, ainsi que les données qui vous identifiaient."), "success")
    return redirect(url_for("main.index"))
