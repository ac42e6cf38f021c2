"""Organizers' pages for people: participants, directory, duplicates, import, export, invitations."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from eventapp.accounts.security import roles_required
from eventapp.core.errors import NotFound, ValidationError
from eventapp.core.i18n import current_language, format_day
from eventapp.core.input import Form, db_int
from eventapp.core.labels import choices
from eventapp.core.web import links, settings
from eventapp.events import services as event_service
from eventapp.events.view_helpers import (
    actor,
    age_band_choices,
    event_or_404,
    form_errors_from,
    public_address_warning,
    public_base_url,
    sex_choices,
)
from eventapp.people import exports, imports
from eventapp.people import services as people
from eventapp.people.categories import list_categories
from eventapp.registration import invitations
from eventapp.registration import services as registrations

bp = Blueprint("people", __name__)

PER_PAGE = 50
EDIT_ROLES = ("organizer",)
READ_ROLES = ("organizer", "coordinator")


def _uploads() -> Path:
    return Path(current_app.instance_path) / "imports"


def person_widget(field: people.PersonField):
    """The form field for a person field of the table (a select for coded values)."""
    label = _l(field.label)
    if field.kind in ("sex", "age_band", "category"):
        return SelectField(label, choices=[], validate_choice=False)
    if field.kind == "email":
        return EmailField(label)
    if field.kind == "notes":
        return TextAreaField(label)
    return StringField(label)


#: One form field per person field, in the table's order.
_PersonFields = type("_PersonFields", (Form,), {f.name: person_widget(f) for f in people.PERSON_FIELD_TABLE})


class PersonForm(_PersonFields):
    """A person's details (the fields of ``people.PERSON_FIELD_TABLE``); the service checks them."""

    def fill_choices(self) -> None:
        """Choices that depend on the configuration and the language."""
        self.sex.choices = sex_choices()
        self.age_band.choices = age_band_choices()
        lang = current_language()
        self.category_id.choices = [("", "—")] + [(str(c.id), c.label(lang)) for c in list_categories()]

    def person_data(self) -> dict:
        """The fields as the service takes them."""
        return {name: getattr(self, name).data for name in people.PERSON_FIELDS}


class ParticipantForm(PersonForm):
    """A person's details plus the registration's status and notes."""

    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    registration_notes = TextAreaField(_l("Notes on the registration"))
    consent_photos = BooleanField(_l("Agrees to photos"))
    consent_recordings = BooleanField(_l("Agrees to recordings"))
    consent_share_funder = BooleanField(_l("Agrees to sharing with the funder"))
    #: The event days the registration is for (shown for events of several days only).
    days = SelectMultipleField(_l("Days"), choices=[], validate_choice=False)

    def fill_choices(self, event=None) -> None:
        super().fill_choices()
        self.status.choices = choices("registration_status")
        if event is not None:
            self.days.choices = day_choices(event)

    def chosen_days(self, event) -> list[str] | None:
        """The days ticked, or None when the form has no days to tick (a one-day event)."""
        return list(self.days.data or []) if len(event.days) > 1 else None


def day_choices(event) -> list[tuple[str, str]]:
    """(YYYY-MM-DD, the day in words) of each day of the event, in the reader's language."""
    return [(d.isoformat(), format_day(d, fmt="EEEE d MMMM y")) for d in event.days]


#: The organizer's words for the public form's answers to "ask this question?".
FIELD_STATE_LABELS = {"hidden": _l("Not asked"), "shown": _l("Asked, optional"), "required": _l("Asked, required")}
#: The consent questions as the organizer reads them (the visitor reads "I agree…").
CONSENT_QUESTION_LABELS = {"consent_photos": _l("Consent to photos"),
                           "consent_recordings": _l("Consent to recordings"),
                           "consent_share_funder": _l("Consent to sharing with the funder")}


def _question_widget(key: str):
    """The select of one question the organizer chooses on the public form (invitations.PUBLIC_CHOICES)."""
    field = people.FIELDS_BY_NAME.get("category_id" if key == "category" else key)
    label = _l(field.label) if field is not None else CONSENT_QUESTION_LABELS[key]
    return SelectField(label, choices=[], validate_choice=False)  # the service checks the answer


#: One select per question the organizer chooses, named ``ask_<question>``.
_QuestionFields = type("_QuestionFields", (Form,), {
    f"ask_{key}": _question_widget(key) for key in invitations.PUBLIC_CHOICES})


class RegistrationFormSettings(_QuestionFields):
    """Opening and closing the public form, and which questions it asks."""

    open = BooleanField(_l("Public registration form open"))
    capacity = IntegerField(_l("Capacity (places)"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes at (event's local time)"), validators=[Optional()],
                                   format="%Y-%m-%dT%H:%M")

    def fill_choices(self) -> None:
        """The answers each question may have (a consent is asked or not, never required)."""
        for key in invitations.PUBLIC_CHOICES:
            self[f"ask_{key}"].choices = [(state, FIELD_STATE_LABELS[state]) for state in invitations.field_states(key)]

    def questions(self) -> list:
        """The question fields, in the order of the person-field table then the consents."""
        return [self[f"ask_{key}"] for key in invitations.PUBLIC_CHOICES]

    def chosen_fields(self) -> dict[str, str]:
        """{question: state} as the service takes them."""
        return {key: self[f"ask_{key}"].data for key in invitations.PUBLIC_CHOICES}


class UploadForm(Form):
    """The file of an import (the file itself is read from request.files)."""


def _int_arg(name: str, default: int | None = None) -> int | None:
    try:
        return db_int(request.args.get(name, ""))
    except ValueError:
        return default


def _selected_ids() -> list[str]:
    return request.form.getlist("registration_ids")


# --- participants ------------------------------------------------------------------------


@bp.route("/events/<slug>/participants")
@roles_required(*READ_ROLES)
def participants(slug: str):
    """The event's participants: search, filters, pages, and a selection for bulk actions."""
    event = event_or_404(slug)
    filters = dict(q=request.args.get("q", "").strip()[:100], status=request.args.get("status", ""),
                   category_id=_int_arg("category"), sex=request.args.get("sex", ""))
    page = registrations.list_participants(event, page=_int_arg("page", 1), per_page=PER_PAGE, **filters)
    return render_template("people/participants.html", event=event, page=page, filters=filters,
                           counts=registrations.status_counts(event), categories=list_categories(),
                           statuses=choices("registration_status"), sexes=choices("sex"),
                           day_choices=day_choices(event))


@bp.route("/events/<slug>/participants/new", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def participant_new(slug: str):
    """Add one participant (an existing directory person with the same phone or email is reused)."""
    event = event_or_404(slug)
    form = ParticipantForm()
    form.fill_choices(event)
    if request.method == "GET":
        form.status.data = "registered"
        form.days.data = [d.isoformat() for d in event.days]
    if form.validate_on_submit():
        try:
            registration, reused = registrations.add_participant(
                event, form.person_data(), settings=settings(), status=form.status.data or "registered",
                actor=actor(), days=form.chosen_days(event))
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            if reused:
                flash(_("%(name)s was already in the directory (same phone or email) and has been registered.",
                        name=registration.person.full_name), "info")
            else:
                flash(_("%(name)s has been registered.", name=registration.person.full_name), "success")
            return redirect(url_for("people.participants", slug=event.slug))
    return render_template("people/participant_form.html", event=event, form=form, registration=None)


@bp.route("/events/<slug>/participants/<int:registration_id>", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def participant_edit(slug: str, registration_id: int):
    """Edit a participant's details, status and consents."""
    event = event_or_404(slug)
    registration = registrations.get_registration(event, registration_id)
    person = registration.person
    current = people.current_consents(person)
    form = ParticipantForm(obj=person)
    form.fill_choices(event)
    if request.method == "GET":
        form.status.data = registration.status
        form.days.data = [d.isoformat() for d in (registration.days or event.days)]
        form.registration_notes.data = registration.notes
        form.category_id.data = str(person.category_id or "")
        form.age_band.data = person.age_band or ""
        for kind in ("photos", "recordings", "share_funder"):
            getattr(form, f"consent_{kind}").data = bool(current.get(kind) and current[kind].given)
        people.record_view(person, actor=actor())  # who looked: the form shows the person's details
    if form.validate_on_submit():
        data = form.person_data()
        data.update(status=form.status.data or registration.status, registration_notes=form.registration_notes.data,
                    days=form.chosen_days(event))
        consents = {kind: getattr(form, f"consent_{kind}").data for kind in ("photos", "recordings", "share_funder")}
        try:
            registrations.update_participant(registration, data, settings=settings(), actor=actor())
            for kind, given in consents.items():
                before = current.get(kind)
                if (before is None and given) or (before is not None and before.given != given):
                    people.record_consent(person, kind, given, event_id=event.id, actor=actor())
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("people.participants", slug=event.slug))
    return render_template("people/participant_form.html", event=event, form=form, registration=registration,
                           duplicates=people.find_duplicates(person), consents=person.consents)


@bp.route("/events/<slug>/participants/cancel", methods=["POST"])
@roles_required(*EDIT_ROLES)
def cancel_selected(slug: str):
    """Cancel the selected registrations."""
    event = event_or_404(slug)
    n = registrations.cancel_registrations(event, _selected_ids(), actor=actor())
    flash(_("%(n)d registrations cancelled.", n=n), "success" if n else "warning")
    return redirect(url_for("people.participants", slug=event.slug))


@bp.route("/events/<slug>/participants/days", methods=["POST"])
@roles_required(*EDIT_ROLES)
def days_selected(slug: str):
    """Set the days of the selected registrations (the days ticked under the list)."""
    event = event_or_404(slug)
    if not _selected_ids():
        flash(_("No participant is ticked."), "warning")
        return redirect(url_for("people.participants", slug=event.slug))
    try:
        n = registrations.set_days_of_selection(event, _selected_ids(), request.form.getlist("days"), actor=actor())
    except ValidationError as exc:
        for message in exc.messages():
            flash(message, "error")
    else:
        flash(ngettext("The days of %(num)d registration were changed.",
                       "The days of %(num)d registrations were changed.", n), "success" if n else "info")
    return redirect(url_for("people.participants", slug=event.slug))


@bp.route("/events/<slug>/participants/add", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def add_bulk(slug: str):
    """Add people in bulk from the directory, or everyone of an earlier event."""
    event = event_or_404(slug)
    form = Form()
    if request.method == "POST" and form.validate_on_submit():
        status = request.form.get("status", "invited")
        try:
            if request.form.get("source_event"):
                source = event_service.get_event(request.form["source_event"])
                statuses = [s for s in request.form.getlist("statuses") if s]
                added, skipped = registrations.add_from_event(event, source, statuses=statuses, status=status,
                                                              actor=actor())
            else:
                added, skipped = registrations.add_persons(event, request.form.getlist("person_ids"), status=status,
                                                           actor=actor())
        except (ValidationError, NotFound) as exc:
            flash(str(exc), "error")
        else:
            flash(_("%(added)d people added; %(skipped)d were already registered.", added=added, skipped=skipped),
                  "success")
            return redirect(url_for("people.participants", slug=event.slug))
    q = request.args.get("q", "").strip()[:100]
    found, total = people.search_persons(q, per_page=100) if q else ([], 0)
    registered = {r.person_id for r in event.registrations}
    others = [e for e in event_service.list_events(include_archived=True) if e.id != event.id]
    return render_template("people/add_bulk.html", event=event, form=form, q=q, found=found, total=total,
                           registered=registered, others=others, statuses=choices("registration_status"))


# --- import and export -------------------------------------------------------------------


@bp.route("/events/<slug>/import", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def import_upload(slug: str):
    """Step 1: upload a CSV or XLSX file (kept in the instance folder under a random name)."""
    event = event_or_404(slug)
    form = UploadForm()
    errors: list[str] = []
    if form.validate_on_submit():
        upload = request.files.get("file")
        content = upload.read(current_app.config["IMPORT_MAX_BYTES"] + 1) if upload else b""
        filename = upload.filename if upload else ""
        try:
            imports.read_table(content, filename, settings=settings())  # refuse a bad file at once
        except ValidationError as exc:
            errors = exc.messages()
        else:
            upload_id = imports.store_upload(content, filename, _uploads())
            return redirect(url_for("people.import_preview", slug=event.slug, upload_id=upload_id))
    return render_template("people/import_upload.html", event=event, form=form, errors=errors,
                           headers=imports.HEADERS, labels=imports.FIELD_LABELS)


@bp.route("/events/<slug>/import/<upload_id>", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def import_preview(slug: str, upload_id: str):
    """Steps 2 and 3: map the columns, preview every row with its errors, then import."""
    event = event_or_404(slug)
    form = UploadForm()
    try:
        content, filename = imports.load_upload(upload_id, _uploads())
        table = imports.read_table(content, filename, settings=settings())
    except (imports.AlreadyConfirmed, NotFound) as exc:
        return _upload_gone(event, exc)
    except ValidationError as exc:
        for message in exc.messages():
            flash(message, "error")
        return redirect(url_for("people.import_upload", slug=event.slug))
    mapping = imports.guess_mapping(table.headers)
    value_map = None
    if request.method == "POST" and form.validate_on_submit():
        mapping = {i: request.form.get(f"col_{i}", "") for i in range(len(table.headers))}
        mapping = {i: f for i, f in mapping.items() if f in imports.FIELDS}
        value_map = _value_map_of_form()
    importing = request.method == "POST" and request.form.get("action") == "import"
    if importing:
        # A double click, or the same page confirmed in several tabs, imports once: only the
        # request that claims the upload imports it; the others are told it was confirmed. It
        # is claimed before the rows are checked, so that a late copy is told so, not shown
        # the rows the first one registered as "already registered".
        try:
            imports.claim_upload(upload_id, _uploads())
        except (imports.AlreadyConfirmed, NotFound) as exc:
            return _upload_gone(event, exc)
    try:
        plan = imports.prepare_import(event, table, mapping, settings=settings(), value_map=value_map)
        summary = _run_import(event, plan, filename) if importing and plan.ok else None
    except BaseException:
        if importing:
            imports.release_upload(upload_id, _uploads())
        raise
    if summary is not None:
        imports.finish_upload(upload_id, _uploads())
        _flash_imported(summary)
        return redirect(url_for("people.participants", slug=event.slug))
    if importing:  # refused (its rows, or another import meanwhile): given back, the preview says why
        imports.release_upload(upload_id, _uploads())
    return render_template("people/import_preview.html", event=event, form=form, table=table, plan=plan,
                           mapping=plan.mapping, upload_id=upload_id, filename=filename, fields=imports.FIELDS,
                           labels=imports.FIELD_LABELS, preview_limit=500, values_limit=VALUES_LIMIT,
                           new_category=imports.NEW_CATEGORY)


def _upload_gone(event, exc: Exception):
    """Back to the participants (the import was confirmed already) or to the upload (expired)."""
    if isinstance(exc, imports.AlreadyConfirmed):
        flash(str(exc), "warning")
        return redirect(url_for("people.participants", slug=event.slug))
    flash(_("This upload has expired. Upload the file again."), "warning")
    return redirect(url_for("people.import_upload", slug=event.slug))


def _run_import(event, plan: imports.ImportPlan, filename: str) -> imports.ImportSummary | None:
    """Write a checked plan; None when another import registered some of its people meanwhile
    (the plan then holds why)."""
    status = request.form.get("status", "registered")
    try:
        return imports.run_import(event, plan, actor=actor(), filename=filename,
                                  status=status if status in imports.IMPORT_STATUSES else "registered")
    except ValidationError:
        return None


def _flash_imported(summary: imports.ImportSummary) -> None:
    """Say what an import did, and which categories it made (to rename and colour)."""
    flash(_("%(rows)d participants imported (%(created)d new in the directory, %(reused)d already known).",
            rows=summary.rows, created=summary.created, reused=summary.reused), "success")
    if summary.new_categories:
        flash(_("Categories made: %(names)s. Rename them and choose their colour on the Categories page.",
                names=", ".join(summary.new_categories)), "info")


#: At most this many distinct values are offered for mapping on the preview (a column given the
#: wrong field may hold a different value on every row: its mapping is fixed first).
VALUES_LIMIT = 200


def _value_map_of_form() -> imports.ValueMap:
    """The codes the organizer chose for the values of coded columns (``vm-N-field/value/code``)."""
    value_map = imports.ValueMap()
    for n in range(VALUES_LIMIT):
        field_name = request.form.get(f"vm-{n}-field")
        if field_name is None:
            break
        value, code = request.form.get(f"vm-{n}-value", ""), request.form.get(f"vm-{n}-code", "").strip()
        if field_name in imports.CODED_FIELDS and value.strip() and code:
            value_map.add(field_name, value[:200], code[:60])
    return value_map


@bp.route("/events/<slug>/export")
@roles_required(*READ_ROLES)
def export(slug: str):
    """Download the participants as CSV or XLSX (tokens only for organizers)."""
    event = event_or_404(slug)
    fmt = request.args.get("format", "csv")
    with_tokens = request.args.get("tokens") == "1" and current_user.has_role(*EDIT_ROLES)
    try:
        data = exports.export_participants(event, fmt, with_tokens=with_tokens, actor=actor())
    except ValidationError as exc:
        abort(400, str(exc))
    mimetype = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{event.slug}-participants.{fmt}"'})


# --- invitations -------------------------------------------------------------------------


@bp.route("/events/<slug>/invitations")
@roles_required(*EDIT_ROLES)
def invitations_page(slug: str):
    """What was sent, who has not answered, and the sending tools."""
    event = event_or_404(slug)
    return render_template("people/invitations.html", event=event, history=invitations.history(event),
                           waiting=invitations.not_answered(event), counts=registrations.status_counts(event),
                           form=Form(), mail_server=current_app.config.get("MAIL_SERVER"),
                           address_warning=public_address_warning())


def _targets(event, scope: str):
    if scope == "all":
        return [r for r in event.registrations if r.status != "cancelled"]
    if scope == "waiting":
        return invitations.not_answered(event)
    return registrations.registrations_by_ids(event, _selected_ids())


@bp.route("/events/<slug>/invitations/send", methods=["POST"])
@roles_required(*EDIT_ROLES)
def invite(slug: str):
    """Email invitations to the selection (or to everyone, or to those who have not answered)."""
    event = event_or_404(slug)
    kind = request.form.get("kind", "invitation")
    targets = _targets(event, request.form.get("scope", "selection"))
    if not targets:
        flash(_("Select at least one participant."), "warning")
        return redirect(request.referrer or url_for("people.invitations_page", slug=event.slug))
    try:
        report = invitations.send_emails(event, targets, kind=kind, links=links(public_base_url(printing=True)),
                                         settings=settings().mail, render=render_template, actor=actor())
    except ValidationError as exc:
        abort(400, str(exc))
    flash(_("Emails: %(sent)d sent, %(outbox)d written to the outbox, %(failed)d failed, %(none)d without an "
            "address (print their letters).", sent=report.sent, outbox=report.outbox, failed=report.failed,
            none=report.no_email), "error" if report.failed else "success")
    return redirect(url_for("people.invitations_page", slug=event.slug))


@bp.route("/events/<slug>/invitations/remind", methods=["POST"])
@roles_required(*EDIT_ROLES)
def remind(slug: str):
    """Remind by email those who have not answered."""
    event = event_or_404(slug)
    report = invitations.send_reminders(event, links=links(public_base_url(printing=True)), settings=settings().mail,
                                        render=render_template, actor=actor())
    flash(_("Reminders: %(sent)d sent, %(outbox)d written to the outbox, %(failed)d failed, %(none)d without an "
            "address.", sent=report.sent, outbox=report.outbox, failed=report.failed, none=report.no_email),
          "error" if report.failed else "success")
    return redirect(url_for("people.invitations_page", slug=event.slug))


@bp.route("/events/<slug>/invitations/letters", methods=["POST"])
@roles_required(*EDIT_ROLES)
def letters(slug: str):
    """Printable invitation letters (PDF, one page per person) for the selection."""
    event = event_or_404(slug)
    scope = request.form.get("scope", "selection")
    targets = _targets(event, scope)
    if scope == "no_email":
        targets = [r for r in _targets(event, "all") if not r.person.email]
    if not targets:
        flash(_("Select at least one participant."), "warning")
        return redirect(request.referrer or url_for("people.invitations_page", slug=event.slug))
    try:
        pdf = invitations.print_letters(event, targets, links=links(public_base_url(printing=True)),
                                        upload_dir=settings().upload_dir, actor=actor(),
                                        signatory_id=request.form.get("signatory"))
    except ValidationError as exc:
        for message in exc.messages():
            flash(message, "error")
        return redirect(url_for("people.invitations_page", slug=event.slug))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{event.slug}-invitations.pdf"'})


@bp.route("/events/<slug>/registration-form", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def registration_settings(slug: str):
    """Open or close the public registration form, with its capacity, closing date and questions."""
    event = event_or_404(slug)
    # A question the request leaves out keeps its state (the form's data, not the default).
    form = RegistrationFormSettings(data={f"ask_{key}": state
                                          for key, state in invitations.public_form_fields(event).items()})
    form.fill_choices()
    if request.method == "GET":
        form.open.data = event.registration_open
        form.capacity.data = event.registration_capacity
        if event.registration_closes_at:
            form.closes_at.data = event.registration_closes_at.astimezone(ZoneInfo(event.timezone)).replace(tzinfo=None)
    if form.validate_on_submit():
        closes_at: datetime | None = form.closes_at.data
        try:
            invitations.set_public_form(event, open_=form.open.data, capacity=form.capacity.data, closes_at=closes_at,
                                        fields=form.chosen_fields(), actor=actor())
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The public form settings have been saved."), "success")
            return redirect(url_for("people.registration_settings", slug=event.slug))
    return render_template("people/registration_settings.html", event=event, form=form,
                           public_url=links(public_base_url(printing=True)).public_form(event.slug),
                           closed_reason=invitations.public_form_closed_reason(event),
                           taken=invitations.places_taken(event),
                           always=", ".join(_(f.label) for f in people.PERSON_FIELD_TABLE if f.public == "always"))


# --- the directory -----------------------------------------------------------------------


@bp.route("/people")
@roles_required(*EDIT_ROLES)
def directory():
    """The directory of persons shared by all events, searchable without regard to accents."""
    q = request.args.get("q", "").strip()[:100]
    page = _int_arg("page", 1)
    found, total = people.search_persons(q, page=page, per_page=PER_PAGE)
    return render_template("people/directory.html", q=q, persons=found, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)))


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def person(person_id: int):
    """A person of the directory: details, registrations, consents, possible duplicates."""
    target = people.get_person(person_id)
    form = PersonForm(obj=target)
    form.fill_choices()
    if request.method == "GET":
        form.category_id.data = str(target.category_id or "")
        form.age_band.data = target.age_band or ""
        people.record_view(target, actor=actor())  # who looked at this person
    if target.merged_into_id is None and form.validate_on_submit():
        try:
            people.save_person(form.person_data(), target, settings=settings(), actor=actor())
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("people.person", person_id=target.id))
    return render_template("people/person.html", person=target, form=form, duplicates=people.find_duplicates(target),
                           consents=target.consents)


@bp.route("/people/duplicates")
@roles_required(*EDIT_ROLES)
def duplicates():
    """Persons that look like duplicates (same phone, email or names), to merge by hand."""
    return render_template("people/duplicates.html", groups=people.duplicate_groups(), form=Form())


@bp.route("/people/<int:kept_id>/merge/<int:merged_id>", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def merge(kept_id: int, merged_id: int):
    """Compare two persons, then merge the second into the first (never silently)."""
    kept, merged = people.get_person(kept_id), people.get_person(merged_id)
    form = Form()
    if form.validate_on_submit():
        try:
            people.merge_persons(kept, merged, actor=actor())
        except ValidationError as exc:
            flash(str(exc), "error")
        else:
            flash(_("%(merged)s has been merged into %(kept)s.", merged=merged.full_name, kept=kept.full_name),
                  "success")
            return redirect(url_for("people.person", person_id=kept.id))
    return render_template("people/merge.html", kept=kept, merged=merged, form=form,
                           fields=[(f.name, _(f.label)) for f in people.PERSON_FIELD_TABLE])
