"""Signing in and out, and choosing the interface language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from eventapp.accounts import services as user_service
from eventapp.accounts import signin as signin_service
from eventapp.accounts.security import fresh_session, start_session
from eventapp.core.i18n import LANGUAGES
from eventapp.core.input import Form
from eventapp.events.view_helpers import actor
from eventapp.extensions import db

bp = Blueprint("auth", __name__)


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


def _safe_next(target: str | None) -> str | None:
    # Only local paths: an open redirect after sign-in is a phishing tool.
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = signin_service.sign_in(
            form.email.data, form.password.data, request.remote_addr or "",
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            max_address_failures=current_app.config["LOGIN_MAX_ADDRESS_FAILURES"],
            slowdown=float(current_app.config["LOGIN_SLOWDOWN"]),
            window=current_app.config["LOGIN_FAILURE_WINDOW"])
        if result.user is not None:
            fresh_session()
            login_user(result.user)
            start_session()
            return redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
        if result.locked_for:
            message = _("Too many failed sign-in attempts. Try again in %(n)d min.", n=result.locked_minutes)
            response = current_app.make_response((render_template("auth/login.html", form=form, locked=message), 429))
            response.headers["Retry-After"] = str(result.locked_for)
            return response
        form.password.errors = [_("Wrong email or password.")]
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST, so a link in an email cannot sign you out).

    The account's session generation goes up, so a copy of this cookie is worthless afterwards.
    """
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        user_service.end_sessions(user, actor=actor(), action="logout")
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account")
@login_required
def account():
    """The signed-in user's own account: who they are, and "sign out everywhere"."""
    return render_template("auth/account.html", user=current_user)


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    """End every session of one's own account, on every browser and phone, this one included."""
    user_service.end_sessions(current_user._get_current_object(), actor=actor())
    logout_user()
    flash(_("You are signed out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<lang>", methods=["POST"])
def set_language(lang: str):
    """Switch the interface language; kept on the account for signed-in users."""
    if lang in LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("main.index"))
