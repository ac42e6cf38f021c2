"""Data protection pages for admins: a person's export and erasure, an event's purge."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import DataRequired

from eventapp.accounts.security import roles_required
from eventapp.core.errors import NotFound, ValidationError
from eventapp.core.input import Form
from eventapp.events.view_helpers import actor, event_or_404, form_errors_from
from eventapp.people import services as people
from eventapp.privacy import services as privacy

bp = Blueprint("privacy", __name__, url_prefix="/admin")


class EraseForm(Form):
    confirm = BooleanField(_l("I understand that this person's names and contact details will be erased for good."),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class PurgeForm(Form):
    confirm = BooleanField(
        _l("I understand that the personal data of this event's participants will be erased for good."),
        validators=[DataRequired(_l("Tick the box to confirm."))])
    force = BooleanField(_l("Purge now, before the retention date"))


def _files() -> privacy.StoredFiles:
    return privacy.StoredFiles.of_instance(current_app.instance_path)


def _person_or_404(person_id: int):
    try:
        return people.get_person(person_id)
    except NotFound:
        abort(404)


@bp.route("/people/<int:person_id>/privacy", methods=["GET", "POST"])
@roles_required("admin")
def person(person_id: int):
    """What is stored about a person, with the export and the erasure (POST erases)."""
    person = _person_or_404(person_id)
    form = EraseForm()
    if form.validate_on_submit():
        try:
            privacy.erase_person(person, actor(), files=_files())
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The personal data of this person has been erased."), "success")
            return redirect(url_for("privacy.person", person_id=person.id))
    if request.method == "GET":
        people.record_view(person, actor=actor())  # who looked: this page shows everything stored
    return render_template("privacy/person.html", person=person, form=form)


@bp.route("/people/<int:person_id>/privacy/export")
@roles_required("admin")
def export_person(person_id: int):
    """Everything stored about a person, as a JSON download (logged)."""
    person = _person_or_404(person_id)
    data = privacy.export_person_json(person, actor())
    return Response(data, mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=person-{person.id}.json"})


@bp.route("/events/<slug>/purge", methods=["GET", "POST"])
@roles_required("admin")
def purge_event(slug: str):
    """Purge an event's personal data (after its retention date, or forced)."""
    event = event_or_404(slug)
    form = PurgeForm()
    if form.validate_on_submit():
        try:
            result = privacy.purge_event(event, actor(), force=form.force.data, today=date.today(), files=_files())
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("Purged: %(erased)d persons erased, %(detached)d detached from this event.",
                    erased=result.persons_erased, detached=result.persons_detached), "success")
            return redirect(url_for("privacy.purge_event", slug=event.slug))
    return render_template("privacy/purge.html", event=event, form=form, today=date.today())
