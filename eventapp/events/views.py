"""Events: list (``main.index``), create, edit, status; the event page with its agenda and
officials; logos; the printable programme."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventapp.accounts.security import roles_required
from eventapp.core.errors import ValidationError
from eventapp.core.labels import label
from eventapp.events import agenda as agenda_service
from eventapp.events import officials as official_service
from eventapp.events import services as event_service
from eventapp.events.forms import AgendaItemForm, DuplicateForm, EventForm, OfficialForm
from eventapp.events.programme import make_programme
from eventapp.events.view_helpers import actor, event_or_404, form_errors_from

bp = Blueprint("events", __name__, url_prefix="/events")


def upload_dir() -> Path:
    """Where logos are kept: ``instance/uploads``."""
    return Path(current_app.instance_path) / "uploads"


# --- events --------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@roles_required("organizer")
def create():
    """A form for a new event."""
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = event_service.save_event(form.data_for_service(), actor=actor(), logos=form.logos(),
                                             upload_dir=upload_dir(),
                                             max_logo_bytes=current_app.config["LOGO_MAX_BYTES"])
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The event is created."), "success")
            return redirect(url_for("events.show", slug=event.slug))
    return render_template("events/form.html", form=form, event=None, projects=event_service.project_names())


@bp.route("/<slug>")
@roles_required("organizer", "coordinator", "door")
def show(slug: str):
    """The event page: key facts, programme with who holds each part, officials, actions."""
    event = event_or_404(slug)
    overview = event_service.event_overview(event)
    return render_template(
        "events/show.html", event=event, days=overview.days, overlapping=overview.overlapping_ids,
        overlaps=overview.overlaps, officials=overview.officials, registrations=overview.registrations,
        holders_in_order=agenda_service.holders_in_order, can_edit=current_user.has_role("organizer"),
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@roles_required("organizer")
def edit(slug: str):
    """Change an event's details, dates, settings and logos."""
    event = event_or_404(slug)
    form = EventForm(data=event_service.event_form_data(event) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            event_service.save_event(form.data_for_service(), event, actor=actor(), logos=form.logos(),
                                     upload_dir=upload_dir(), max_logo_bytes=current_app.config["LOGO_MAX_BYTES"])
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The event is saved."), "success")
            return redirect(url_for("events.show", slug=event.slug))
    return render_template("events/form.html", form=form, event=event, projects=event_service.project_names(),
                           restricted_days=event_service.has_restricted_days(event))


@bp.route("/<slug>/duplicate", methods=["GET", "POST"])
@roles_required("organizer")
def duplicate(slug: str):
    """A new event with the same details, agenda and officials, on other dates."""
    event = event_or_404(slug)
    form = DuplicateForm()
    if request.method == "GET":
        form.title.data = event.title
    if form.validate_on_submit():
        try:
            copy = event_service.duplicate_event(event, form.title.data or "", form.start_date.data,
                                                 (form.slug.data or "").strip().lower(), actor=actor())
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The event is copied: check its details and dates."), "success")
            return redirect(url_for("events.edit", slug=copy.slug))
    return render_template("events/duplicate.html", form=form, event=event)


@bp.route("/<slug>/status", methods=["POST"])
@roles_required("organizer")
def change_status(slug: str):
    """Open, close, archive an event (or put it back to draft)."""
    event = event_or_404(slug)
    status = request.form.get("status", "")
    try:
        event_service.set_status(event, status, actor=actor())
    except ValidationError as exc:
        for message in exc.messages():
            flash(message, "error")
    else:
        flash(_("The event is now: %(status)s.", status=label("event_status", status)), "success")
    return redirect(url_for("events.show", slug=event.slug))


@bp.route("/<slug>/logo/<kind>")
@roles_required("organizer", "coordinator", "door")
def logo(slug: str, kind: str):
    """One of the event's logos (for signed-in users only)."""
    event = event_or_404(slug)
    path = event_service.logo_path(event, kind, upload_dir())
    if path is None:
        abort(404)
    mimetype = "image/png" if path.suffix == ".png" else "image/jpeg"
    return send_file(path, mimetype=mimetype, max_age=3600)


@bp.route("/<slug>/logo/<kind>/delete", methods=["POST"])
@roles_required("organizer")
def delete_logo(slug: str, kind: str):
    """Take a logo off the event."""
    event = event_or_404(slug)
    try:
        event_service.remove_logo(event, kind, upload_dir(), actor=actor())
    except ValidationError:
        abort(404)
    flash(_("The logo is removed."), "success")
    return redirect(url_for("events.edit", slug=event.slug))


@bp.route("/<slug>/programme.pdf")
@roles_required("organizer", "coordinator")
def programme_pdf(slug: str):
    """The printable programme (A4 PDF, in the event's language)."""
    event = event_or_404(slug)
    pdf = make_programme(event, upload_dir(), actor=actor())
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="programme-{event.slug}.pdf"'
    return response


# --- agenda ----------------------------------------------------------------------------------


def _item_or_404(event, item_id: int):
    item = agenda_service.get_item(event, item_id)
    if item is None:
        abort(404)
    return item


@bp.route("/<slug>/agenda/new", methods=["GET", "POST"])
@roles_required("organizer")
def agenda_new(slug: str):
    """Add an item to the agenda."""
    event = event_or_404(slug)
    form = AgendaItemForm(officials=official_service.officials_in_order(event))
    if request.method == "GET":
        form.day.data, form.start_time.data, form.end_time.data = agenda_service.next_slot(event)
    if form.validate_on_submit():
        try:
            agenda_service.create_item(event, form.data_for_service(), actor=actor())
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The agenda item is added."), "success")
            return redirect(url_for("events.show", slug=event.slug) + "#programme")
    return render_template("events/agenda_form.html", form=form, event=event, item=None)


@bp.route("/<slug>/agenda/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required("organizer")
def agenda_edit(slug: str, item_id: int):
    """Change an agenda item."""
    event = event_or_404(slug)
    item = _item_or_404(event, item_id)
    form = AgendaItemForm(obj=item if request.method == "GET" else None,
                          officials=official_service.officials_in_order(event),
                          roles={h.official_id: h.role for h in item.holders})
    if form.validate_on_submit():
        try:
            agenda_service.update_item(item, form.data_for_service(), actor=actor())
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The agenda item is saved."), "success")
            return redirect(url_for("events.show", slug=event.slug) + "#programme")
    return render_template("events/agenda_form.html", form=form, event=event, item=item)


@bp.route("/<slug>/agenda/<int:item_id>/delete", methods=["POST"])
@roles_required("organizer")
def agenda_delete(slug: str, item_id: int):
    """Remove an agenda item."""
    event = event_or_404(slug)
    agenda_service.delete_item(_item_or_404(event, item_id), actor=actor())
    flash(_("The agenda item is removed."), "success")
    return redirect(url_for("events.show", slug=event.slug) + "#programme")


# --- officials -------------------------------------------------------------------------------


def _official_or_404(event, official_id: int):
    official = official_service.get_official(event, official_id)
    if official is None:
        abort(404)
    return official


@bp.route("/<slug>/officials/new", methods=["GET", "POST"])
@roles_required("organizer")
def official_new(slug: str):
    """Add a presiding official or speaker."""
    event = event_or_404(slug)
    form = OfficialForm(items=agenda_service.items_in_order(event))
    if form.validate_on_submit():
        try:
            official_service.create_official(event, form.data_for_service(), actor=actor())
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The official is added."), "success")
            return redirect(url_for("events.show", slug=event.slug) + "#officials")
    return render_template("events/official_form.html", form=form, event=event, official=None,
                           honorifics=official_service.HONORIFICS)


@bp.route("/<slug>/officials/<int:official_id>/edit", methods=["GET", "POST"])
@roles_required("organizer")
def official_edit(slug: str, official_id: int):
    """Change an official, their place in the protocol order or the items they hold."""
    event = event_or_404(slug)
    official = _official_or_404(event, official_id)
    form = OfficialForm(obj=official if request.method == "GET" else None,
                        items=agenda_service.items_in_order(event))
    if request.method == "GET":
        form.agenda_item_ids.data = [i.id for i in official.agenda_items]
    if form.validate_on_submit():
        try:
            official_service.update_official(official, form.data_for_service(), actor=actor())
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The official is saved."), "success")
            return redirect(url_for("events.show", slug=event.slug) + "#officials")
    return render_template("events/official_form.html", form=form, event=event, official=official,
                           honorifics=official_service.HONORIFICS)


@bp.route("/<slug>/officials/<int:official_id>/move", methods=["POST"])
@roles_required("organizer")
def official_move(slug: str, official_id: int):
    """Move an official up or down in the protocol order."""
    event = event_or_404(slug)
    official = _official_or_404(event, official_id)
    try:
        official_service.move_official(official, request.form.get("direction", ""), actor=actor())
    except ValidationError as exc:
        for message in exc.messages():
            flash(message, "error")
    return redirect(url_for("events.show", slug=event.slug) + "#officials")


@bp.route("/<slug>/officials/<int:official_id>/delete", methods=["POST"])
@roles_required("organizer")
def official_delete(slug: str, official_id: int):
    """Remove an official."""
    event = event_or_404(slug)
    official_service.delete_official(_official_or_404(event, official_id), actor=actor())
    flash(_("The official is removed."), "success")
    return redirect(url_for("events.show", slug=event.slug) + "#officials")
