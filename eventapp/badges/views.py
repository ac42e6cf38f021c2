"""Printing badges and name plates for an event.

Organizers and admins print any selection; door staff print the badge of a walk-in at their
event (``?registration_id=N``). A reprint asks first. Large prints run in the background and
the page polls their progress.
"""
from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, SelectField

from eventapp.accounts.security import roles_required
from eventapp.badges import services as badge_service
from eventapp.core.errors import NotFound, ValidationError
from eventapp.core.i18n import current_language
from eventapp.core.input import Form
from eventapp.core.labels import choices
from eventapp.events.view_helpers import actor, event_or_404, form_errors_from
from eventapp.people.categories import list_categories

try:
    from wtforms import SelectChoice
except ImportError:  # pragma: no cover - WTForms < 3.3 takes (value, label) pairs
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)

bp = Blueprint("badges", __name__)

#: From this many badges on, the PDF is made in the background (``BADGES_BACKGROUND_FROM``).
BACKGROUND_FROM = 1500


class PrintForm(Form):
    """Which badges, and how (CSRF is checked for every POST by CSRFProtect)."""

    class Meta:
        csrf = False

    layout = SelectField(_l("Layout"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)
    include_printed = BooleanField(_l("Include badges already printed"))
    discreet = SelectField(_l("Discreet badges"), validate_choice=False, choices=[
        SelectChoice("", _l("As set for the event")),
        SelectChoice("yes", _l("Yes: first name only, no category or organisation")),
        SelectChoice("no", _l("No: full badges"))])


class SettingsForm(Form):
    """The event's default layout and discreet option."""

    class Meta:
        csrf = False

    layout = SelectField(_l("Default layout"), validate_choice=False)
    discreet = BooleanField(_l("Discreet badges: first name only, no category or organisation"))


def _options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _layouts() -> list[SelectChoice]:
    return _options(badge_service.layout_choices(_))


def _print_form(event, data=None) -> PrintForm:
    form = PrintForm(formdata=data)
    form.layout.choices = _layouts()
    form.status.choices = _options([("", _("All but cancelled"))] + [
        (code, word) for code, word in choices("registration_status") if code in badge_service.PRINTABLE_STATUSES])
    form.category.choices = _options([("", _("All categories"))] + [
        (str(c.id), c.label(current_language())) for c in list_categories()])
    if data is None:
        form.layout.data = event.badge_layout
    return form


def _settings_form(event, data=None) -> SettingsForm:
    form = SettingsForm(formdata=data)
    form.layout.choices = _layouts()
    if data is None:
        form.layout.data = event.badge_layout
        form.discreet.data = event.discreet_badges
    return form


def _upload_dir() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _prints_dir() -> Path:
    return Path(current_app.instance_path) / "prints"


def _pdf(result: badge_service.BadgePrint):
    response = send_file(io.BytesIO(result.pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=result.filename)
    response.headers["Cache-Control"] = "no-store"  # badges carry tokens: keep them out of caches
    return response


def _page(event, form=None, settings=None, status=200):
    return render_template(
        "badges/index.html", event=event, form=form or _print_form(event),
        settings=settings or _settings_form(event), summary=badge_service.summary(event),
        prints=badge_service.recent_prints(event),
    ), status


#: What the badges service refuses a print with; each has its answer in :func:`_refused`.
_REFUSALS = (badge_service.ReprintNeedsConfirmation, badge_service.NotAllowed, NotFound, ValidationError)


def _refused(event, req: badge_service.PrintRequest, exc: Exception, form=None):
    """The answer to a refused print: the reprint question, 403, 404, or the error — on the
    print form when ``form`` is given (an organizer's print), else on an error page."""
    if isinstance(exc, badge_service.ReprintNeedsConfirmation):
        return render_template("badges/confirm.html", event=event, req=req, ask=exc), 200
    if isinstance(exc, badge_service.NotAllowed):
        abort(403)
    if isinstance(exc, NotFound):
        abort(404)
    if form is None:
        return render_template("errors/error.html", status=400, message=str(exc)), 400
    form_errors_from(exc, form)  # messages without a field of the form are flashed
    return _page(event, form=form, status=400)


def _print(event, req: badge_service.PrintRequest, form=None, *, door: bool = False):
    """Print now, in the background, or ask to confirm a reprint; errors go back to the form."""
    try:
        outcome = badge_service.print_or_queue(
            current_app._get_current_object(), event, req, actor=actor(), upload_dir=_upload_dir(),
            prints_dir=_prints_dir(), door_only_walk_in=door,
            background_from=current_app.config.get("BADGES_BACKGROUND_FROM", BACKGROUND_FROM))
    except _REFUSALS as exc:
        return _refused(event, req, exc, form=None if door else form or _print_form(event))
    if outcome.job_id:
        return redirect(url_for("badges.job", slug=event.slug, job_id=outcome.job_id))
    return _pdf(outcome.result)


def _offer(event, req: badge_service.PrintRequest, *, door: bool):
    """The page that offers to print one badge: a GET prints nothing, the page's button POSTs."""
    try:
        registrations = badge_service.check_print(event, req, door_only_walk_in=door)
    except _REFUSALS as exc:
        return _refused(event, req, exc)
    return render_template("badges/print_one.html", event=event, req=req, registrations=registrations)


@bp.route("/events/<slug>/badges", methods=["GET", "POST"])
@roles_required("organizer", "door")
def print_badges(slug: str):
    """GET: the print form (or, with ``?registration_id=N``, a page offering that person's badge).
    POST: the PDF of the ticked ``registration_ids`` or of the filters (a print is counted:
    only a POST prints)."""
    event = event_or_404(slug)
    door = current_user.role == "door"
    if request.method == "GET" and "registration_id" not in request.args:
        if door:  # door staff print one walk-in's badge, from the door page
            flash(_("Door staff print the badge of a walk-in from the door page."), "info")
            return redirect(url_for("door.scan", slug=event.slug))
        return _page(event)
    if request.method == "GET":
        values, ids = request.args, request.args.getlist("registration_id")
        if not any(i.strip() for i in ids):
            abort(400)  # an empty ?registration_id= must not print everyone
    else:
        values, ids = request.form, request.form.getlist("registration_ids")
    if door:
        wanted = len([i for i in ids if i.strip()])
        if wanted == 0:
            abort(400)  # which walk-in?
        if wanted > 1:
            abort(403)  # door staff print one walk-in's badge at a time
    form = _print_form(event, request.form) if request.method == "POST" and not door else None
    try:
        req = badge_service.parse_print_request(event, values, ids)
    except ValidationError as exc:
        if door:
            abort(400)
        form = form or _print_form(event)
        form_errors_from(exc, form)
        return _page(event, form=form, status=400)
    if request.method == "GET":
        return _offer(event, req, door=door)
    return _print(event, req, form, door=door)


@bp.route("/events/<slug>/badges/settings", methods=["POST"])
@roles_required("organizer")
def settings(slug: str):
    """Set the event's default layout and discreet option."""
    event = event_or_404(slug)
    form = _settings_form(event, request.form)
    try:
        badge_service.save_settings(event, form.layout.data or "", bool(form.discreet.data), actor=actor())
    except ValidationError as exc:
        form_errors_from(exc, form)
        return _page(event, settings=form, status=400)
    flash(_("Badge settings saved."), "success")
    return redirect(url_for("badges.print_badges", slug=event.slug))


@bp.route("/events/<slug>/badges/jobs/<job_id>")
@roles_required("organizer")
def job(slug: str, job_id: str):
    """The progress of a large print, with its download link when ready."""
    event = event_or_404(slug)
    status = badge_service.job_status(_prints_dir(), job_id, event)
    return render_template("badges/job.html", event=event, job_id=job_id, status=status)


@bp.route("/events/<slug>/badges/jobs/<job_id>/status")
@roles_required("organizer")
def job_status(slug: str, job_id: str):
    """The progress of a large print as JSON (polled by static/js/badges.js)."""
    event = event_or_404(slug)
    try:
        status = badge_service.job_status(_prints_dir(), job_id, event)
    except NotFound as exc:
        return jsonify(error=str(exc)), 404
    body = {k: status.get(k) for k in ("state", "done", "total", "error")}
    if status.get("state") == "done":
        body["download"] = url_for("badges.job_download", slug=event.slug, job_id=job_id)
    return jsonify(body)


@bp.route("/events/<slug>/badges/jobs/<job_id>/download")
@roles_required("organizer")
def job_download(slug: str, job_id: str):
    """The finished PDF of a large print."""
    event = event_or_404(slug)
    path, filename = badge_service.job_pdf(_prints_dir(), job_id, event)
    response = send_file(path, mimetype="application/pdf", as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/events/<slug>/nameplates")
@roles_required("organizer")
def nameplates(slug: str):
    """The name plates of the event's officials, in protocol order."""
    event = event_or_404(slug)
    try:
        pdf = badge_service.nameplates_pdf(event, actor=actor())
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("badges.print_badges", slug=event.slug))
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"nameplates-{event.slug}.pdf")
