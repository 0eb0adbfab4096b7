"""The participant's registration journey: workshop page, register, my workshops, cancel (page or link)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from app.db import get_session, utcnow
from app.i18n import _
from app.models import Registration, User, Workshop
from app.policies import log_denied, public, signed_in, token
from app.registrations.forms import ConfirmForm, RegistrationForm
from app.services import catalogue, consents
from app.services import registration as registration_service
from app.services.errors import DomainError, NotFound

bp = Blueprint("registrations", __name__)


def _viewer() -> User | None:
    """The signed-in person as a model object, or None for anonymous visitors."""
    if current_user.is_authenticated:
        user: User = current_user._get_current_object()
        return user
    return None


def _key() -> str | None:
    """The secret key of a link-only programme, carried in `?cle=`."""
    return request.args.get("cle") or None


def _kept_key(workshop: Workshop) -> str | None:
    """The key to carry on in links, only when it is the right one (never echo a guess)."""
    key = _key()
    return key if catalogue.key_matches(workshop.programme, key) else None


def waitlist_message(position: int | None) -> str:
    """« vous êtes 3e sur la liste d'attente », in words a screen reader says well."""
    if position is None:
        return _("Vous êtes sur la liste d'attente.")
    if position == 1:
        return _("Vous êtes en tête de la liste d'attente.")
    return _("Vous êtes %(position)se sur la liste d'attente.", position=position)


def _consents_already_given(user: User | None) -> set[str]:
    """Purposes the person already agreed to (their box is replaced by a short note)."""
    if user is None:
        return set()
    return set(consents.active_consents(get_session(), user))


def _render_workshop(
    workshop: Workshop, form: RegistrationForm, status: int = 200, error: str | None = None
) -> tuple[str, int]:
    """The workshop page with its registration form (fresh, or with errors and the typed text)."""
    session = get_session()
    user = _viewer()
    info = catalogue.listing(session, workshop)
    mine = catalogue.registration_of(session, workshop.id, user) if user else None
    active = mine if mine is not None and mine.status in registration_service.ACTIVE_STATUSES else None
    position = registration_service.waitlist_position(session, active) if active else None
    seat_for_me = (
        registration_service.has_seat_for(session, workshop, user.actor_profile) if user else not info.is_full
    )
    # Seats are left but none for this person's profile: only then does the page speak of the profile.
    quota_blocks = user is not None and not seat_for_me and not info.is_full
    given = _consents_already_given(user)
    consent_fields = [
        field
        for field in form.consent_fields()
        if field.name.removeprefix("consent_") not in given  # already given: nothing to tick again
    ]
    return (
        render_template(
            "registrations/workshop.html",
            workshop=workshop,
            programme=workshop.programme,
            info=info,
            form=form,
            consent_fields=consent_fields,
            given_consents=sorted(given),
            registration=active,
            waitlist_text=waitlist_message(position) if active and active.status == "waitlisted" else "",
            seat_for_me=seat_for_me,
            quota_blocks=quota_blocks,
            started=workshop.starts_at <= utcnow(),
            key=_kept_key(workshop),
            domain_error=error,
        ),
        status,
    )


def _visible_workshop_or_404(workshop_id: int) -> Workshop:
    try:
        return catalogue.visible_workshop(get_session(), workshop_id, _key(), _viewer())
    except NotFound:
        abort(404)


@bp.get("/ateliers/<int:workshop_id>")
@public
def workshop(workshop_id: int) -> tuple[str, int]:
    """A workshop's details, seats left and, for a signed-in person, the registration form."""
    return _render_workshop(_visible_workshop_or_404(workshop_id), RegistrationForm())


@bp.get("/ateliers/<int:workshop_id>/inscription")
@public
def register_page(workshop_id: int) -> Response:
    """Back to the workshop page (after signing in, `next` may point at the form's address)."""
    return redirect(url_for("registrations.workshop", workshop_id=workshop_id, cle=_key()))


@bp.post("/ateliers/<int:workshop_id>/inscription")
@signed_in
def register(workshop_id: int) -> Response | tuple[str, int]:
    """Register the signed-in person: a seat if one is free, otherwise the waitlist."""
    workshop = _visible_workshop_or_404(workshop_id)
    form = RegistrationForm()
    if not form.validate_on_submit():
        return _render_workshop(workshop, form, status=400)
    session = get_session()
    user: User = current_user._get_current_object()
    try:
        registration = registration_service.register(
            session, workshop.id, user, accessibility_needs=form.accessibility_needs.data or ""
        )
        purposes = form.chosen_purposes()
        if purposes:
            consents.give_consents(session, user, purposes, current_app.config["NOTICE_VERSION"])
    except NotFound:
        session.rollback()
        abort(404)
    except DomainError as error:
        session.rollback()
        return _render_workshop(workshop, form, status=409, error=str(error.message))
    session.commit()
    if registration.status == "confirmed":
        flash(
            _(
                "Votre inscription à l'atelier « %(title)s » est confirmée. "
                "Un e-mail de confirmation vous est envoyé.",
                title=workshop.title,
            ),
            "success",
        )
    else:
        position = registration_service.waitlist_position(session, registration)
        flash(
            _(
                "L'atelier « %(title)s » est complet : vous êtes inscrit ou inscrite sur la liste d'attente.",
                title=workshop.title,
            )
            + " "
            + waitlist_message(position)
            + " "
            + _("Nous vous préviendrons par e-mail si une place se libère."),
            "warning",
        )
    return redirect(url_for("registrations.mine"))


@bp.get("/mes-ateliers")
@signed_in
def mine() -> str:
    """The person's upcoming and past registrations, with cancel buttons and the calendar feed."""
    session = get_session()
    user: User = current_user._get_current_object()
    now = utcnow()
    registrations = catalogue.registrations_of(session, user)
    active = [r for r in registrations if r.status in registration_service.ACTIVE_STATUSES]
    upcoming = [r for r in active if r.workshop.ends_at > now]
    past = [r for r in reversed(active) if r.workshop.ends_at <= now]
    cancelled = [r for r in registrations if r.status == "cancelled" and r.workshop.ends_at > now]
    waitlist_texts = {
        r.id: waitlist_message(registration_service.waitlist_position(session, r))
        for r in upcoming
        if r.status == "waitlisted"
    }
    return render_template(
        "registrations/mine.html",
        upcoming=upcoming,
        past=past,
        cancelled=cancelled,
        waitlist_texts=waitlist_texts,
        now=now,
        calendar_url=_calendar_url(user),
    )


def _calendar_url(user: User) -> str:
    """Absolute address of the person's calendar feed (to paste into a calendar application)."""
    # The configured public address, like the links in e-mails (never the Host header, IV-05).
    base = str(current_app.config["SERVER_NAME_URL"]).rstrip("/")
    return base + url_for("calendar.feed", token=user.calendar_token)


@bp.post("/mes-ateliers/<int:registration_id>/annuler")
@signed_in
def cancel(registration_id: int) -> Response:
    """Cancel one's own seat or leave the waitlist; someone else's registration is answered 404."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    user: User = current_user._get_current_object()
    registration = session.get(Registration, registration_id)
    if registration is None or registration.user_id != user.id:
        log_denied("registration unknown or of another person", registration_id)
        abort(404)
    if registration.workshop.starts_at <= utcnow():
        flash(_("Cet atelier a déjà commencé : l'inscription ne peut plus être annulée."), "error")
        return redirect(url_for("registrations.mine"))
    was_waitlisted = registration.status == "waitlisted"
    title = registration.workshop.title
    try:
        registration_service.cancel(session, registration.id, actor=user)
    except DomainError as error:
        session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("registrations.mine"))
    session.commit()
    flash(_cancelled_message(title, was_waitlisted), "success")
    return redirect(url_for("registrations.mine"))


def _cancelled_message(title: str, was_waitlisted: bool) -> str:
    if was_waitlisted:
        return _("Vous avez quitté la liste d'attente de l'atelier « %(title)s ».", title=title)
    return _("Votre inscription à l'atelier « %(title)s » est annulée.", title=title)


def _token_problem(reason: str, status: int) -> Response:
    """A clear page for a link that cannot cancel anything (used, forged, or too late)."""
    response = current_app.make_response(
        (render_template("registrations/cancel_invalid.html", reason=reason), status)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _registration_for_link(raw_token: str) -> Registration | Response:
    """The registration a cancellation link may still cancel, or the page explaining why not."""
    session = get_session()
    try:
        registration = registration_service.registration_for_token(
            session, raw_token, current_app.config["SECRET_KEY"]
        )
    except NotFound:
        return _token_problem("invalid", 404)
    if registration.status not in registration_service.ACTIVE_STATUSES:
        return _token_problem("invalid", 404)
    if registration.workshop.starts_at <= utcnow():
        return _token_problem("started", 410)
    return registration


@bp.get("/annulation/<token>")
@token
def cancel_by_token(token: str) -> Response:
    """What the e-mailed link would cancel, and a button to confirm (a GET changes nothing, CS-02)."""
    found = _registration_for_link(token)
    if isinstance(found, Response):
        return found
    session = get_session()
    position = registration_service.waitlist_position(session, found)
    response = current_app.make_response(
        render_template(
            "registrations/cancel_confirm.html",
            registration=found,
            workshop=found.workshop,
            waitlist_text=waitlist_message(position) if found.status == "waitlisted" else "",
            form=ConfirmForm(),
            token=token,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/annulation/<token>")
@token
def confirm_cancel_by_token(token: str) -> Response:
    """Cancel through the e-mailed link; the link then stops working (single use, AC-12)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    found = _registration_for_link(token)
    if isinstance(found, Response):
        return found
    session = get_session()
    was_waitlisted = found.status == "waitlisted"
    title = found.workshop.title
    owner_id = found.user_id
    try:
        registration_service.cancel(session, found.id, actor=found.user)
    except DomainError:
        # Another request used the link first: it is spent.
        session.rollback()
        return _token_problem("invalid", 404)
    session.commit()
    flash(_cancelled_message(title, was_waitlisted), "success")
    viewer = _viewer()
    if viewer is not None and viewer.id == owner_id:
        return redirect(url_for("registrations.mine"))
    return redirect(url_for("main.index"))
