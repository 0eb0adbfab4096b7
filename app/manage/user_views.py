"""Back office, administrators only: accounts, roles, deactivation."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.db import get_session
from app.i18n import _
from app.manage.access import actor
from app.manage.blueprint import bp
from app.manage.forms import ConfirmForm, RoleForm, UserSearchForm
from app.policies import admin
from app.services import user_admin
from app.services.errors import DomainError, NotFound


def _back() -> ResponseReturnValue:
    # Return to the list as it was (search and page), never to an address taken from the request.
    return redirect(
        url_for(
            "manage.users",
            q=request.form.get("q", "")[:100] or None,
            role=request.form.get("role_filter", "")[:20] or None,
            page=request.form.get("page", "")[:6] or None,
        )
    )


@bp.get("/utilisateurs")
@admin
def users() -> ResponseReturnValue:
    """Search accounts; each row offers a role change and deactivation."""
    search = UserSearchForm(formdata=request.args)
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    role = search.role.data if search.validate() else ""
    result = user_admin.search_users(get_session(), search.q.data or "", role or "", page)
    return render_template(
        "manage/users.html",
        search=search,
        result=result,
        role_form=RoleForm(formdata=None),
        action_form=ConfirmForm(),
        me=actor(),
    )


@bp.post("/utilisateurs/<int:user_id>/role")
@admin
def change_role(user_id: int) -> ResponseReturnValue:
    """Give an account another role; it applies at the account's next request."""
    form = RoleForm()
    if not form.validate():
        flash(_("Choisissez un rôle dans la liste."), "error")
        return _back()
    session = get_session()
    try:
        user = user_admin.change_role(session, actor(), user_id, form.role.data)
        session.commit()
    except NotFound:
        session.rollback()
        abort(404)
    except DomainError as error:
        session.rollback()
        flash(str(error.message), "error")
        return _back()
    flash(_("Rôle modifié : %(name)s.", name=user.full_name), "success")
    return _back()


@bp.post("/utilisateurs/<int:user_id>/desactiver")
@admin
def deactivate(user_id: int) -> ResponseReturnValue:
    """Deactivate an account: its open sessions end at their next request."""
    return _set_active(user_id, False)


@bp.post("/utilisateurs/<int:user_id>/reactiver")
@admin
def reactivate(user_id: int) -> ResponseReturnValue:
    """Reactivate an account."""
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool) -> ResponseReturnValue:
    session = get_session()
    try:
        user = user_admin.set_active(session, actor(), user_id, active)
        session.commit()
    except NotFound:
        session.rollback()
        abort(404)
    except DomainError as error:
        session.rollback()
        flash(str(error.message), "error")
        return _back()
    message = (
        _("Compte réactivé : %(name)s.", name=user.full_name)
        if active
        else _("Compte désactivé : %(name)s ; ses sessions sont fermées.", name=user.full_name)
    )
    flash(message, "success")
    return _back()
