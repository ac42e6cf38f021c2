"""Invitations, reminders and confirmations (email or printed letters); answers; the public form.

Emails and letters are in the EVENT's language. Links come from ``links`` (``core.settings.Links``:
the ``EXTERNAL_URL`` setting, or the address the organiser uses, and the routes), mail goes by
``settings`` and email bodies are made by ``render`` (the view's ``flask.render_template``), all
passed in by the view or the command, so a service never reads the request or the application.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from eventapp.audit.services import Actor, record
from eventapp.core.documents import words
from eventapp.core.documents.qr import qr_png
from eventapp.core.errors import NotFound, ValidationError
from eventapp.core.i18n import format_day
from eventapp.core.mail import InlineImage, Mail, MailSettings, send_messages
from eventapp.core.models import utcnow
from eventapp.core.settings import Links, Settings
from eventapp.core.tokens import parse_answer_code, qr_payload, spaced_answer_code
from eventapp.events.models import Event, Official
from eventapp.events.services import logo_bytes, venue_text
from eventapp.extensions import db
from eventapp.people.categories import list_categories
from eventapp.people.models import CONSENT_KINDS, Person
from eventapp.people.services import (
    PERSON_FIELD_TABLE,
    CategoryIndex,
    apply_person_data,
    clean_person_data,
    record_consent,
)
from eventapp.registration.documents import LetterEvent, LetterRecipient, Signatory, invitation_letters
from eventapp.registration.models import CONFIRMED_STATUSES, Invitation, Registration
from eventapp.registration.services import Channel, enrol, mark_answered

KINDS = ("invitation", "reminder", "confirmation")
#: Fields a person may correct from their answer page.
CORRECTABLE = tuple(f.name for f in PERSON_FIELD_TABLE if f.correctable)
FIELDS_BY_KEY = {f.key: f for f in PERSON_FIELD_TABLE}
QR_CID = "qr@eventapp"


@dataclass
class SendReport:
    """What a sending did."""

    sent: int = 0  # handed to the SMTP server
    outbox: int = 0  # written to the outbox folder
    failed: int = 0
    no_email: int = 0  # skipped: no address

    @property
    def total(self) -> int:
        return self.sent + self.outbox + self.failed


#: Makes a text from a template name and its context (the view's ``flask.render_template``).
Render = Callable[..., str]


def answer_url(links: Links, registration: Registration) -> str:
    """The personal answer link of a registration, with its short code ('…/r/K7QM-4TXR-9PZC'),
    which can be typed by hand from a letter; empty when no public address is known."""
    if registration.answer_code:
        return links.answer(spaced_answer_code(registration.answer_code))
    return links.answer(registration.answer_token)


# --- practical details -------------------------------------------------------------------


def presiding_official(event: Event):
    """The first official, in protocol order, who presides (or None)."""
    return next((o for o in event.officials if o.role == "presides"), None)


def event_dates(event: Event, language: str | None = None) -> str:
    """The event's dates in words, as a label ('du vendredi 15 au samedi 16 janvier 2027'), in
    ``language`` (the event's by default)."""
    return words.date_span(event.start_date, event.end_date, language or event.language)


def programme_summary(event: Event) -> list[tuple[str, str]]:
    """(time, title) of each agenda item, the day added for events of several days."""
    several = event.end_date != event.start_date
    lines = []
    for item in event.agenda_items:
        when = item.start_time.strftime("%H:%M")
        if several:
            when = f"{format_day(item.day, event.language, 'short')} {when}"
        lines.append((when, item.title))
    return lines


def official_name(official: Official, language: str) -> str:
    """An official's name with their honorific as ``language`` writes it ('M.' is 'Mr' in English)."""
    name = " ".join(p for p in (official.first_name, official.last_name) if p)
    return words.with_honorific(name, official.honorific, None, language)


def _presiding_text(event: Event) -> str:
    official = presiding_official(event)
    if official is None:
        return ""
    name = official_name(official, event.language)
    extra = ", ".join(p for p in (official.function, official.institution) if p)
    return f"{name} ({extra})" if extra else name


# --- emails ------------------------------------------------------------------------------


def _build_mail(event: Event, registration: Registration, kind: str, links: Links, render: Render) -> Mail:
    person = registration.person
    payload = qr_payload(registration.checkin_token)
    with force_locale(event.language):
        subjects = {"invitation": _("Invitation: %(title)s", title=event.title),
                    "reminder": _("Reminder: %(title)s", title=event.title),
                    "confirmation": _("Registration confirmed: %(title)s", title=event.title)}
        context = dict(event=event, person=person, registration=registration, kind=kind,
                       link=answer_url(links, registration), dates=event_dates(event),
                       to_event=words.event_phrase(event.title, event.language, "to"),
                       for_event=words.event_phrase(event.title, event.language, "for"),
                       salutation=words.salutation(person.honorific, person.sex, person.function, event.language,
                                                   person.last_name),
                       venue=venue_text(event, with_address=True),
                       presiding=_presiding_text(event), programme=programme_summary(event), qr_cid=QR_CID,
                       payload=payload)
        text = render("emails/invitation.txt", **context)
        html = render("emails/invitation.html", **context)
        subject = subjects[kind]
    return Mail(to=person.email, subject=subject, text=text, html=html,
                images=[InlineImage(QR_CID, qr_png(payload))], event_id=event.id, registration_id=registration.id)


def send_emails(event: Event, registrations: list[Registration], *, kind: str = "invitation", links: Links,
                settings: MailSettings, render: Render, actor: Actor | None = None) -> SendReport:
    """Email each registration (those without an address are counted and skipped) and record it."""
    if kind not in KINDS:
        raise ValidationError({"kind": [_("Unknown kind of message.")]})
    report = SendReport()
    targets = []
    for registration in registrations:
        if registration.status == "cancelled":
            continue
        if not registration.person.email:
            report.no_email += 1
            continue
        targets.append(registration)
    mails = [_build_mail(event, r, kind, links, render) for r in targets]
    results = send_messages(mails, settings)
    for registration, (status, error) in zip(targets, results, strict=True):
        setattr(report, status, getattr(report, status) + 1)
        db.session.add(Invitation(registration=registration, channel="email", kind=kind, sent_at=utcnow(),
                                  sent_by_id=actor.user_id if actor else None, status=status, error=error[:2000]))
    record(actor, f"invitation.{kind}", event, event_id=event.id, channel="email", sent=report.sent,
           outbox=report.outbox, failed=report.failed, no_email=report.no_email)
    db.session.commit()
    return report


def history(event: Event, limit: int = 100) -> list[Invitation]:
    """The latest invitations, reminders and confirmations sent for the event."""
    return list(db.session.scalars(
        select(Invitation).join(Registration).where(Registration.event_id == event.id)
        .order_by(Invitation.sent_at.desc(), Invitation.id.desc()).limit(limit)))


def not_answered(event: Event) -> list[Registration]:
    """People sent an invitation (email or letter) who have not answered yet."""
    invited = select(Invitation.registration_id).where(Invitation.kind == "invitation")
    return list(db.session.scalars(
        select(Registration).join(Registration.person)
        .where(Registration.event_id == event.id, Registration.status.in_(("invited", "registered")),
               Registration.responded_at.is_(None), Registration.id.in_(invited))
        .order_by(Person.last_name, Person.first_name)))


def send_reminders(event: Event, *, links: Links, settings: MailSettings, render: Render,
                   actor: Actor | None = None) -> SendReport:
    """Remind by email everyone invited who has not answered."""
    return send_emails(event, not_answered(event), kind="reminder", links=links, settings=settings, render=render,
                       actor=actor)


# --- letters -----------------------------------------------------------------------------


def letter_signatory(event: Event, official_id=None) -> Signatory | None:
    """Who signs the letters: the official ``official_id`` of the event (their name, function and
    institution), else the signatory entered on the event, else nobody (the organisation signs).

    An id that is not one of the event's officials is refused with a clear message.
    """
    if official_id not in (None, ""):
        try:
            official = db.session.get(Official, int(official_id))
        except (TypeError, ValueError):
            official = None
        if official is None or official.event_id != event.id:
            raise ValidationError({"signatory": [_("Choose the official who signs, among the event's officials.")]})
        return Signatory(name=official_name(official, event.language),
                         title=", ".join(p for p in (official.function, official.institution) if p))
    if event.letter_signatory_name.strip():
        return Signatory(name=event.letter_signatory_name.strip(), title=event.letter_signatory_title.strip())
    return None


def letter_event(event: Event, upload_dir: Path, *, signatory: Signatory | None = None,
                 written_on: date | None = None) -> LetterEvent:
    """The plain data of an event's letters, dated ``written_on`` (today where the event is held)."""
    return LetterEvent(title=event.title, organizer=event.organizer, start_date=event.start_date,
                       end_date=event.end_date, written_on=written_on or event.local_today(),
                       venue=event.venue_name, address=event.venue_address, city=event.city,
                       venue_phrase=event.venue_phrase, language=event.language,
                       reference_prefix=event.letter_reference_prefix, signatory=signatory,
                       presiding=_presiding_text(event), programme=programme_summary(event), partner=event.partner,
                       organizer_logo=logo_bytes(event, "organizer_logo", upload_dir),
                       partner_logo=logo_bytes(event, "partner_logo", upload_dir))


def letter_recipient(registration: Registration, links: Links) -> LetterRecipient:
    """The plain data of one person's letter."""
    person = registration.person
    return LetterRecipient(name=person.full_name, honorific=person.honorific, sex=person.sex,
                           last_name=person.last_name, function=person.function, organisation=person.organisation,
                           qr_payload=qr_payload(registration.checkin_token), number=registration.id,
                           answer_url=answer_url(links, registration))


def print_letters(event: Event, registrations: list[Registration], *, links: Links, upload_dir: Path,
                  actor: Actor | None = None, kind: str = "invitation", signatory_id=None,
                  written_on: date | None = None) -> bytes:
    """The invitation letters of ``registrations`` as one PDF (one page each), recorded as sent.

    ``upload_dir`` is the instance's uploads folder (``Settings.upload_dir``), where the logos are;
    ``signatory_id`` the official who signs (see :func:`letter_signatory`).
    """
    signatory = letter_signatory(event, signatory_id)
    chosen = [r for r in registrations if r.status != "cancelled"]
    pdf = invitation_letters(letter_event(event, upload_dir, signatory=signatory, written_on=written_on),
                             [letter_recipient(r, links) for r in chosen])
    for registration in chosen:
        db.session.add(Invitation(registration=registration, channel="letter", kind=kind, sent_at=utcnow(),
                                  sent_by_id=actor.user_id if actor else None, status="sent"))
    record(actor, "invitation.letters", event, event_id=event.id, letters=len(chosen))
    db.session.commit()
    return pdf


# --- the answer page ---------------------------------------------------------------------


def get_by_answer_token(token: str) -> Registration:
    """The registration of a personal answer link, by its short code (typed in any case, with or
    without dashes) or its long token (links sent before codes existed); raises NotFound."""
    code = parse_answer_code(token)
    column, value = (Registration.answer_code, code) if code else (Registration.answer_token, (token or "")[:64])
    registration = db.session.scalar(select(Registration).where(column == value))
    if registration is None or registration.person.erased_at is not None:
        raise NotFound(_("This link is not valid."))
    return registration


def answers_closed_reason(event: Event, now: datetime | None = None) -> str | None:
    """Why answers are no longer taken (closed, archived or past event), or None when they are."""
    if event.status in ("closed", "archived") or event.purged_at is not None:
        return _("This event is closed: answers and changes are no longer taken.")
    if event.end_date < event.local_today(now):
        return _("This event is over: answers and changes are no longer taken.")
    return None


def answer(registration: Registration, *, settings: Settings, accept: bool | None, corrections: dict | None = None,
           actor: Actor | None = None, now: datetime | None = None) -> Registration:
    """Record a person's answer and corrections of their details; refused once the event is closed or past."""
    reason = answers_closed_reason(registration.event, now)
    if reason:
        raise ValidationError(reason)
    if registration.status == "cancelled":
        raise ValidationError(_("This registration was cancelled by the organisers."))
    changed = []
    if corrections:
        data = {k: v for k, v in corrections.items() if k in CORRECTABLE}
        clean, errors = clean_person_data(data, settings, partial=True)
        if errors:
            raise ValidationError(errors)
        person = registration.person
        changed = sorted(k for k, v in clean.items() if getattr(person, k) != v)
        apply_person_data(person, clean)
    if accept is not None:
        mark_answered(registration, accept)
    db.session.flush()
    record(actor, "registration.answer", registration, event_id=registration.event_id,
           status=registration.status, corrected=changed)
    db.session.commit()
    return registration


# --- the public registration form -------------------------------------------------------


def public_form_closed_reason(event: Event, now: datetime | None = None) -> str | None:
    """Why the public form refuses registrations (closed, past date, full), or None when open."""
    now = now or utcnow()
    if not event.registration_open or event.status in ("closed", "archived"):
        return _("Registration for this event is closed.")
    if event.registration_closes_at is not None and now >= event.registration_closes_at:
        return _("Registration for this event closed on %(when)s.",
                 when=event.registration_closes_at.astimezone(ZoneInfo(event.timezone)).strftime("%d/%m/%Y %H:%M"))
    if event.end_date < event.local_today(now):
        return _("This event is over.")
    if event.registration_capacity is not None and places_taken(event) >= event.registration_capacity:
        return _("This event is full.")
    return None


def places_taken(event: Event) -> int:
    """The places of the event's capacity that are taken: people accepted or registered.

    Invited people hold no place until they accept; declined and cancelled ones hold none.
    """
    return db.session.scalar(select(db.func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status.in_(CONFIRMED_STATUSES)))


#: Whether the public form asks a question: not at all, leaving it optional, or requiring it.
FIELD_STATES = ("hidden", "shown", "required")
#: The person fields the public form always asks (``public`` "always" in the person-field table).
PUBLIC_ALWAYS = tuple(f.key for f in PERSON_FIELD_TABLE if f.public == "always")
#: The questions the organizer chooses: the optional person fields (by ``PersonField.key``),
#: then one per consent (``consent_<kind>``), which is shown or hidden, never required.
PUBLIC_CHOICES = (tuple(f.key for f in PERSON_FIELD_TABLE if f.public == "optional")
                  + tuple(f"consent_{kind}" for kind in CONSENT_KINDS))


def field_states(key: str) -> tuple[str, ...]:
    """What the organizer may choose for the public form's question ``key`` (a consent is free)."""
    return FIELD_STATES[:2] if key.startswith("consent_") else FIELD_STATES


def public_form_fields(event: Event) -> dict[str, str]:
    """For each question of :data:`PUBLIC_CHOICES`, whether ``event``'s public form hides,
    shows or requires it. A question the event has no word for is shown: what the form asked
    before organizers could choose, and the category, which donors' reports count by."""
    stored = event.public_form_fields or {}
    return {key: stored[key] if stored.get(key) in field_states(key) else "shown" for key in PUBLIC_CHOICES}


def _checked_fields(fields: dict | None) -> dict[str, str]:
    """The organizer's choice of questions, checked; raises ValidationError naming the bad ones."""
    fields = dict(fields or {})
    errors = {key: [_("Choose one of the proposed answers.")] for key, state in fields.items()
              if key not in PUBLIC_CHOICES or state not in field_states(key)}
    if errors:
        raise ValidationError(errors)
    return fields


def set_public_form(event: Event, *, open_: bool, capacity: int | None, closes_at: datetime | None,
                    fields: dict[str, str] | None = None, actor: Actor | None = None) -> Event:
    """Open or close the public form, with its capacity, closing date and, when ``fields`` is
    given, which questions it asks ({question of :data:`PUBLIC_CHOICES`: one of :func:`field_states`};
    those left out keep their state)."""
    if capacity is not None and capacity < 1:
        raise ValidationError({"capacity": [_("The capacity must be at least 1.")]})
    chosen = _checked_fields(fields)
    if closes_at is not None and closes_at.tzinfo is None:
        closes_at = closes_at.replace(tzinfo=ZoneInfo(event.timezone))
    event.registration_open = open_
    event.registration_capacity = capacity
    event.registration_closes_at = closes_at
    event.public_form_fields = {**public_form_fields(event), **chosen}  # a new dict: the JSON column sees it
    record(actor, "event.registration_form", event, event_id=event.id, open=open_, capacity=capacity,
           closes_at=closes_at, fields=event.public_form_fields)
    db.session.commit()
    return event


def _public_person_data(event: Event, data: dict, settings: Settings) -> dict:
    """What the public form sent, cleaned; only the questions ``event`` asks, the required ones filled.

    A hidden question is left out whatever is posted; a category must be an active one.
    """
    fields = public_form_fields(event)
    asked = set(PUBLIC_ALWAYS) | {key for key, state in fields.items() if state != "hidden"}
    clean, errors = clean_person_data({k: v for k, v in data.items() if k in asked}, settings,
                                      categories=CategoryIndex(list_categories()))
    for key, state in fields.items():
        value = clean.get(FIELDS_BY_KEY[key].name) if key in FIELDS_BY_KEY else True
        if state == "required" and value in (None, "") and key not in errors:
            errors[key] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    return clean


def public_register(event: Event, data: dict, *, links: Links, settings: Settings, render: Render,
                    actor: Actor | None = None, now: datetime | None = None,
                    client_id: str | None = None) -> Registration:
    """Register someone from the public form (:attr:`Channel.PUBLIC_FORM`): checks the form is
    open, keeps the questions the event asks (:func:`public_form_fields`), records the answers to
    its consent questions (``data["consents"]``: kind → bool, a kind left out is not given) and
    sends a confirmation email with the QR code when an address is given.

    What is typed always makes a new person, whatever the directory holds: the answer never
    tells whether someone is known, and never hands anyone else's registration or details.
    ``client_id`` is the form's submission key: sent twice (a double click), one registration.
    The capacity is checked with the event's row held, so concurrent registrations never
    overbook it.
    """
    consents = data.pop("consents", None)
    clean = _public_person_data(event, data, settings)

    def still_open():
        reason = public_form_closed_reason(event, now)
        if reason:
            raise ValidationError(reason)

    # Checked by enrol once it holds the event's row, after looking for the key: a double click
    # whose first click took the last place gets that registration, not "full".
    enrolment = enrol(event, clean, channel=Channel.PUBLIC_FORM, status="registered", actor=actor,
                      client_id=client_id, check=still_open, commit=False)
    registration = enrolment.registration
    if enrolment.replayed:
        return registration
    registration.responded_at = utcnow()
    if consents is not None:
        _record_public_consents(event, registration.person, consents, actor)
    db.session.commit()
    if registration.person.email:
        send_emails(event, [registration], kind="confirmation", links=links, settings=settings.mail, render=render,
                    actor=actor)
    return registration


def _record_public_consents(event: Event, person: Person, consents: dict, actor: Actor | None) -> None:
    """The answer to each consent question the form asked: an unticked box is "not given"."""
    fields = public_form_fields(event)
    for kind in CONSENT_KINDS:
        if fields[f"consent_{kind}"] != "hidden":
            record_consent(person, kind, bool(consents.get(kind)), event_id=event.id, source="public_form",
                           actor=actor, commit=False)
