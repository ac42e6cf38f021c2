"""Registrations: a person's place at an event, with its check-in and answer tokens."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eventapp.extensions import db
from eventapp.models import Event, Person, Registration
from eventapp.models.registration import REGISTRATION_SOURCES, REGISTRATION_STATUSES
from eventapp.services.audit import Actor, record
from eventapp.services.errors import ValidationError
from eventapp.services.tokens import new_answer_token, new_checkin_token


def find_registration(event: Event, person: Person) -> Registration | None:
    """The person's registration at the event, if any."""
    return db.session.scalar(
        select(Registration).where(Registration.event_id == event.id, Registration.person_id == person.id)
    )


def new_registration(event: Event, person: Person, *, status: str = "registered",
                     source: str = "organizer") -> Registration:
    """A registration with fresh tokens, added to the session but not committed.

    Bulk callers (imports) use this and commit once; others use :func:`register`.
    """
    if status not in REGISTRATION_STATUSES:
        raise ValidationError({"status": [_("Unknown status.")]})
    if source not in REGISTRATION_SOURCES:
        raise ValidationError({"source": [_("Unknown source.")]})
    registration = Registration(event=event, person=person, status=status, source=source,
                                checkin_token=new_checkin_token(), answer_token=new_answer_token())
    db.session.add(registration)
    return registration


def register(event: Event, person: Person, *, status: str = "registered", source: str = "organizer",
             actor: Actor | None = None, commit: bool = True) -> Registration:
    """Register a person at an event; refuses a second registration of the same person."""
    if find_registration(event, person) is not None:
        raise ValidationError(_("%(name)s is already registered for this event.", name=person.full_name))
    registration = new_registration(event, person, status=status, source=source)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ValidationError(_("%(name)s is already registered for this event.", name=person.full_name)) from None
    record(actor, "registration.create", registration, event_id=event.id, source=source)
    if commit:
        db.session.commit()
    return registration
