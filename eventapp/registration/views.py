"""Pages for participants, without signing in: the personal answer page and the public form."""
from __future__ import annotations

import base64
import re
import secrets

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField

from eventapp.core.documents.qr import qr_png
from eventapp.core.errors import NotFound, ValidationError
from eventapp.core.i18n import current_language
from eventapp.core.input import Form
from eventapp.core.tokens import qr_payload
from eventapp.core.web import links, settings
from eventapp.events.services import get_event, venue_text
from eventapp.events.view_helpers import actor, age_band_choices, form_errors_from, public_base_url, sex_choices
from eventapp.extensions import limiter
from eventapp.people.categories import list_categories
from eventapp.people.models import CONSENT_KINDS
from eventapp.people.services import PERSON_FIELD_TABLE
from eventapp.registration import invitations
from eventapp.registration import services as registrations
from eventapp.registration.models import CONFIRMED_STATUSES

bp = Blueprint("public", __name__)


def qr_data_uri(registration) -> str:
    """The registration's QR code as an inline PNG (``data:`` URI; the CSP allows it for images)."""
    png = qr_png(qr_payload(registration.checkin_token))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _text_widget(field):
    """The public pages' form field for a person field (a select for coded values)."""
    label = _l(field.label)
    if field.kind in ("sex", "age_band", "category"):
        return SelectField(label, choices=[], validate_choice=False)  # the service checks the value
    return EmailField(label) if field.kind == "email" else StringField(label)


#: What a person may correct on their answer page, and what the public form asks besides.
_CORRECTABLE = [f for f in PERSON_FIELD_TABLE if f.correctable]
PUBLIC_FIELDS = tuple(f.key for f in PERSON_FIELD_TABLE if f.public)  # a category is sent by its code
DetailsForm = type("DetailsForm", (Form,), {
    "__doc__": "The details a person may correct on their answer page.",
    **{f.name: _text_widget(f) for f in _CORRECTABLE}})


_PublicFields = type("_PublicFields", (DetailsForm,), {
    f.key: _text_widget(f) for f in PERSON_FIELD_TABLE if f.public and not f.correctable})


class PublicRegistrationForm(_PublicFields):
    """The public form: the fields of the person-field table marked ``public``, less those the
    event hides (``invitations.public_form_fields``), and the consent questions it asks."""
    consent_photos = BooleanField(_l("I agree to appear in photos of the event"))
    consent_recordings = BooleanField(_l("I agree to be recorded"))
    consent_share_funder = BooleanField(_l("I agree that my name is shared with the funder"))
    # A random key given with each form: sent twice (a double click, a reload), one registration.
    submission = HiddenField()


_SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _submission_key(value) -> str | None:
    """The form's submission key when it is one we could have made, else None (no de-duplication)."""
    return value if isinstance(value, str) and _SUBMISSION_KEY.match(value) else None


def _not_found(response) -> bool:
    return response.status_code == 404


@bp.route("/r/<token>", methods=["GET", "POST"])
@limiter.limit("30/minute", methods=["POST"])
# Only unknown codes count: someone trying codes is stopped after a few, a real person never is.
@limiter.limit("20/minute", deduct_when=_not_found)
def answer(token: str):
    """A person's answer page: accept or decline, correct one's details, see the practical details."""
    try:
        registration = invitations.get_by_answer_token(token)
    except NotFound:
        abort(404)
    event = registration.event
    person = registration.person
    form = DetailsForm(obj=person)
    closed = invitations.answers_closed_reason(event)
    if request.method == "POST" and not closed and form.validate_on_submit():
        choice = request.form.get("answer")
        accept = True if choice == "accept" else False if choice == "decline" else None
        corrections = {name: getattr(form, name).data or "" for name in invitations.CORRECTABLE}
        try:
            invitations.answer(registration, settings=settings(), accept=accept, corrections=corrections, actor=actor())
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            message = {True: _("Thank you: your attendance is confirmed."),
                       False: _("Thank you: your answer has been recorded. We are sorry you cannot come."),
                       None: _("Thank you: your details have been updated.")}[accept]
            return render_template("public/answer.html", event=event, registration=registration, form=form,
                                   closed=None, done=message, **_details(event, registration))
    elif request.method == "POST" and closed:
        return render_template("public/answer.html", event=event, registration=registration, form=form,
                               closed=closed, done=None, **_details(event, registration)), 409
    return render_template("public/answer.html", event=event, registration=registration, form=form, closed=closed,
                           done=None, **_details(event, registration))


def _details(event, registration) -> dict:
    return dict(dates=invitations.event_dates(event, current_language()), venue=venue_text(event, with_address=True),
                programme=invitations.programme_summary(event), presiding=invitations.presiding_official(event),
                qr=qr_data_uri(registration) if registration.status in CONFIRMED_STATUSES else None)


@bp.route("/e/<slug>/register", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def register(slug: str):
    """The public registration form of an event, when organisers have opened it."""
    try:
        event = get_event(slug)
    except NotFound:
        abort(404)
    if event.status == "draft":
        abort(404)
    key = _submission_key(request.form.get("submission")) if request.method == "POST" else None
    closed = invitations.public_form_closed_reason(event)
    if closed and registrations.find_by_client_id(event, key) is None:  # a repeat still gets its answer
        # Nothing about the event (title, dates, venue) once its form is closed: the link may
        # have travelled further than the organisers meant.
        return render_template("public/register_closed.html", closed=closed), 409 if request.method == "POST" else 200
    form, questions, consents = _public_form(event)
    if key is None:
        form.submission.data = secrets.token_urlsafe(16)
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        data = {name: form[name].data or "" for name in PUBLIC_FIELDS if name in form}
        data["consents"] = {kind: form[f"consent_{kind}"].data for kind in CONSENT_KINDS if f"consent_{kind}" in form}
        try:
            registration = invitations.public_register(event, data, links=links(public_base_url()),
                                                       settings=settings(), render=render_template,
                                                       actor=actor(), client_id=key)
        except ValidationError as exc:
            form_errors_from(exc, form)
            status = 422
        else:
            return render_template("public/confirmation.html", event=event, registration=registration,
                                   qr=qr_data_uri(registration),
                                   dates=invitations.event_dates(event, current_language()),
                                   venue=venue_text(event, with_address=True),
                                   link=invitations.answer_url(links(public_base_url()), registration))
    return render_template("public/register.html", event=event, form=form, questions=questions, consents=consents,
                           dates=invitations.event_dates(event, current_language()),
                           venue=venue_text(event, with_address=True)), status


def _public_form(event) -> tuple[PublicRegistrationForm, dict[str, str], list]:
    """The public form as ``event`` asks it (hidden questions taken out, choices in the visitor's
    language: active categories only), the state of each person question it asks and its
    consent questions."""
    form = PublicRegistrationForm()
    chosen = invitations.public_form_fields(event)
    for name, state in chosen.items():
        if state == "hidden":
            del form[name]
    lang = current_language()
    choices = {"sex": sex_choices(), "age_band": age_band_choices(),
               "category": [("", "—")] + [(c.code, c.label(lang)) for c in list_categories()]}
    for name, values in choices.items():
        if name in form:
            form[name].choices = values
    questions = {name: "required" if name == "last_name" else chosen.get(name, "shown")
                 for name in PUBLIC_FIELDS if name in form}
    return form, questions, [form[f"consent_{kind}"] for kind in CONSENT_KINDS if f"consent_{kind}" in form]
