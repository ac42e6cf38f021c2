"""Administration: staff accounts (admins only)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length

from eventapp.accounts import services as user_service
from eventapp.accounts.security import roles_required
from eventapp.core.errors import ValidationError
from eventapp.core.input import Form, db_int
from eventapp.core.labels import choices
from eventapp.events import services as event_service
from eventapp.events.forms import select_choices
from eventapp.events.view_helpers import actor, form_errors_from

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserForm(Form):
    """Create an account, or change its role, activity, password and events."""

    email = EmailField(_l("Email"), validators=[Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), validate_choice=False)
    active = BooleanField(_l("Active (may sign in)"), default=True)
    password = PasswordField(_l("Password"))
    event_ids = SelectMultipleField(_l("Events (door staff only)"), coerce=db_int, validate_choice=False)

    def __init__(self, *args, events=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = select_choices(choices("role"))
        self.event_ids.choices = select_choices((e.id, f"{e.title} ({e.start_date:%d/%m/%Y})") for e in events)


@bp.route("/users")
@roles_required("admin")
def users():
    """Every staff account."""
    return render_template("admin/users.html", users=user_service.list_users())


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def user_new():
    """Create a staff account."""
    form = UserForm(events=event_service.list_events(include_archived=False))
    if form.validate_on_submit():
        try:
            user_service.create_user(form.email.data or "", form.role.data, form.password.data or "",
                                     form.name.data or "", actor=actor(),
                                     min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                                     event_ids=form.event_ids.data or [], active=form.active.data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The account is created."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(user_id: int):
    """Change an account's role, activity, password, or the events given to door staff."""
    user = user_service.get_user(user_id)
    if user is None:
        abort(404)
    # Filled from the account only when shown: a post is read from what it sends, nothing else.
    form = UserForm(obj=user if request.method == "GET" else None,
                    events=event_service.list_events(include_archived=True))
    if not form.is_submitted():
        form.event_ids.data = [e.id for e in user.events]
    if form.validate_on_submit():
        try:
            # A post without a role (not from this form) is refused rather than read as "no change".
            user_service.update_user(user, role=form.role.data or "", name=form.name.data or "",
                                     active=form.active.data, password=form.password.data or None,
                                     event_ids=form.event_ids.data or [], actor=actor(),
                                     min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                                     acting_user_id=actor().user_id)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            if user.id == current_user.id:
                # Admins changing their own password end their other sessions, not this one:
                # the cookie is signed again with the new generation.
                login_user(user)
            flash(_("The account is saved."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/sign-out-everywhere", methods=["POST"])
@roles_required("admin")
def user_sign_out(user_id: int):
    """End every open session of an account (a lost phone, a shared computer)."""
    user = user_service.get_user(user_id)
    if user is None:
        abort(404)
    user_service.end_sessions(user, actor=actor())
    flash(_("%(email)s is signed out on every device.", email=user.email), "success")
    if user.id == current_user.id:
        logout_user()
        return redirect(url_for("auth.login"))
    return redirect(url_for("admin.user_edit", user_id=user.id))
