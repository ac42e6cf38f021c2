"""Data protection: purge an event's personal data after its retention date; export and erase a person.

What identifies someone is blanked: names, phone, email, organisation, function, notes. What
donors count is kept: sex, age band, category and locality (none identifies a person alone in
the lists we print), and every registration and check-in row, so attendance figures by sex, age
and category are the same before and after. Consents are kept with their dates (a record that
consent was given or withdrawn is itself something to keep).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from eventapp.extensions import db
from eventapp.models import (AuditEntry, CheckIn, Consent, Event, Invitation, Person, PersonMerge,
                             Registration, ScanLog, utcnow)
from eventapp.services.audit import Actor, record
from eventapp.services.errors import NotFound, ValidationError


@dataclass(frozen=True)
class PurgeResult:
    """What a purge did."""

    event_slug: str
    registrations: int  # kept, detached from identity
    persons_erased: int  # registered only at purged events: their data blanked
    persons_detached: int  # also at other events: kept, but no longer linked to this one


def pseudonym(person_id: int) -> str:
    """The name an erased person keeps (no language: it is stored)."""
    return f"ANON-{person_id:06d}"


def _chunks(values: list, size: int = 500):
    """Slices of ``values`` small enough for an IN list on every database."""
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _bulk_update(statement) -> None:
    db.session.execute(statement.execution_options(synchronize_session=False))


def _blank(persons: list[Person], now: datetime) -> None:
    """Remove what identifies each person; keep sex, age band, category and locality."""
    for person in persons:
        person.honorific = ""
        person.first_name = ""
        person.last_name = pseudonym(person.id)
        person.organisation = ""
        person.function = ""
        person.phone = None
        person.email = None
        person.notes = ""
        person.name_key = ""
        person.erased_at = person.erased_at or now
    for chunk in _chunks([p.id for p in persons]):
        # A merge snapshot is a copy of a person's fields: it goes too.
        _bulk_update(update(PersonMerge).where(PersonMerge.kept_id.in_(chunk) | PersonMerge.merged_id.in_(chunk))
                     .values(snapshot="{}"))
        # Audit details about a person may quote their name: keep who did what and when, not the words.
        _bulk_update(update(AuditEntry).where(AuditEntry.object_type == "Person",
                                              AuditEntry.object_id.in_([str(i) for i in chunk]))
                     .values(details=""))
        # Duplicates merged into these people are the same humans, hidden: erase them too.
        duplicates = list(db.session.scalars(select(Person).where(
            Person.merged_into_id.in_(chunk), Person.erased_at.is_(None))))
        if duplicates:
            _blank(duplicates, now)


def _blank_registrations(registration_ids: list[int]) -> None:
    """Notes of registrations, and errors of their invitations (a mail server's refusal quotes the address)."""
    for chunk in _chunks(registration_ids):
        _bulk_update(update(Registration).where(Registration.id.in_(chunk)).values(notes=""))
        _bulk_update(update(Invitation).where(Invitation.registration_id.in_(chunk)).values(error=""))


def _kept_elsewhere(person_ids: list[int], event: Event) -> set[int]:
    """Those of ``person_ids`` registered at another event whose data is still kept."""
    kept: set[int] = set()
    for chunk in _chunks(person_ids):
        kept.update(db.session.scalars(
            select(Registration.person_id).join(Event, Event.id == Registration.event_id).where(
                Registration.person_id.in_(chunk), Registration.event_id != event.id,
                Event.purged_at.is_(None)).distinct()))
    return kept


def _detach(registration: Registration, now: datetime) -> Person:
    """Move a registration to a new anonymous person with the same counted traits.

    The person stays known for their other events, but nothing links them to this one.
    """
    person = registration.person
    stand_in = Person(last_name="", sex=person.sex, age_band=person.age_band, category_id=person.category_id,
                      locality=person.locality, erased_at=now)
    db.session.add(stand_in)
    db.session.flush()
    stand_in.last_name = pseudonym(stand_in.id)
    registration.person = stand_in
    # What else ties the person to this event goes with the stand-in: consents given there,
    # and the audit entries about them recorded for this event (their details emptied).
    for consent in db.session.scalars(select(Consent).where(
            Consent.person_id == person.id, Consent.event_id == registration.event_id)):
        consent.person = stand_in
    for entry in db.session.scalars(select(AuditEntry).where(
            AuditEntry.event_id == registration.event_id, AuditEntry.object_type == "Person",
            AuditEntry.object_id == str(person.id))):
        entry.object_id, entry.details = str(stand_in.id), ""
    return stand_in


def _lock(event: Event) -> None:
    """Hold the event's row until commit, so two processes never purge it at the same time.

    A no-op UPDATE rather than SELECT … FOR UPDATE: it locks the row on PostgreSQL and takes
    SQLite's write lock too (a SELECT would not), so the re-read that follows sees whatever
    another process committed while we waited.
    """
    db.session.execute(
        update(Event).where(Event.id == event.id)
        .values(purged_at=Event.purged_at, updated_at=Event.updated_at)
        .execution_options(synchronize_session=False))
    db.session.refresh(event)


def purge_event(event: Event, actor: Actor | None = None, *, force: bool = False,
                today: date | None = None) -> PurgeResult:
    """Remove the personal data of ``event``'s participants, keeping every count; commits.

    Refused before the event's retention date (or when it has none) unless ``force``.
    Running it again is harmless (it catches late additions).
    """
    today = today or date.today()
    _lock(event)
    if not force and (event.retention_until is None or event.retention_until >= today):
        db.session.rollback()  # let go of the lock
        if event.retention_until is None:
            raise ValidationError(_("This event has no retention date; purge it only on purpose (force)."))
        raise ValidationError(_("The data of this event is kept until %(day)s; purge it only on purpose (force).",
                                day=event.retention_until.isoformat()))
    now = utcnow()
    registrations = list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id).options(selectinload(Registration.person))))
    _blank_registrations([r.id for r in registrations])
    live = [r for r in registrations if r.person.erased_at is None]
    kept = _kept_elsewhere([r.person_id for r in live], event)
    to_detach = [r for r in live if r.person_id in kept]
    to_erase = [r.person for r in live if r.person_id not in kept]
    for registration in to_detach:
        _detach(registration, now)
    _blank(to_erase, now)
    erased, detached = len(to_erase), len(to_detach)
    # Raw scans may hold whatever a keyboard scanner typed (a name searched by mistake).
    _bulk_update(update(ScanLog).where(ScanLog.event_id == event.id).values(payload=""))
    event.purged_at = now
    result = PurgeResult(event_slug=event.slug, registrations=len(registrations), persons_erased=erased,
                         persons_detached=detached)
    record(actor, "event.purge", event, event_id=event.id, registrations=result.registrations,
           persons_erased=erased, persons_detached=detached, forced=force)
    db.session.commit()
    return result


def events_due(today: date | None = None) -> list[Event]:
    """Events past their retention date and not purged yet."""
    today = today or date.today()
    return list(db.session.scalars(select(Event).where(
        Event.retention_until.is_not(None), Event.retention_until < today, Event.purged_at.is_(None))
        .order_by(Event.retention_until, Event.id)))


def purge_due_events(actor: Actor | None = None, today: date | None = None) -> list[PurgeResult]:
    """Purge every event past its retention date (the daily check of ``eventapp serve``)."""
    today = today or date.today()
    results = []
    for event in events_due(today):
        _lock(event)
        if event.purged_at is not None:  # another server process got there first
            db.session.commit()
            continue
        results.append(purge_event(event, actor, today=today))
    return results


def get_person(person_id: int) -> Person:
    """The person with this id; raises NotFound."""
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_("No person has the number %(id)s.", id=person_id))
    return person


def _event_slug(event_id: int | None) -> str | None:
    event = db.session.get(Event, event_id) if event_id else None
    return event.slug if event else None


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_person(person: Person, actor: Actor | None = None) -> dict:
    """Everything stored about ``person``, as JSON-ready data; the export is logged."""
    registrations = list(db.session.scalars(
        select(Registration).where(Registration.person_id == person.id).order_by(Registration.id)))
    checkins = list(db.session.scalars(
        select(CheckIn).where(CheckIn.registration_id.in_([r.id for r in registrations]))
        .order_by(CheckIn.scanned_at))) if registrations else []
    consents = list(db.session.scalars(
        select(Consent).where(Consent.person_id == person.id).order_by(Consent.recorded_at, Consent.id)))
    events = {r.event_id: r.event for r in registrations}
    data = {
        "exported_at": utcnow().isoformat(),
        "person": {
            "id": person.id, "honorific": person.honorific, "first_name": person.first_name,
            "last_name": person.last_name, "sex": person.sex, "age_band": person.age_band,
            "category": person.category.code if person.category else None,
            "organisation": person.organisation, "function": person.function, "locality": person.locality,
            "phone": person.phone, "email": person.email, "notes": person.notes,
            "created_at": _iso(person.created_at), "updated_at": _iso(person.updated_at),
            "erased_at": _iso(person.erased_at),
        },
        "consents": [{"kind": c.kind, "given": c.given, "recorded_at": _iso(c.recorded_at), "source": c.source,
                      "event": _event_slug(c.event_id)} for c in consents],
        "registrations": [{
            "event": events[r.event_id].slug, "event_title": events[r.event_id].title,
            "status": r.status, "source": r.source, "created_at": _iso(r.created_at),
            "responded_at": _iso(r.responded_at), "notes": r.notes,
            "invitations": [{"channel": i.channel, "kind": i.kind, "sent_at": _iso(i.sent_at), "status": i.status}
                            for i in r.invitations],
        } for r in registrations],
        "checkins": [{
            "event": events[c.event_id].slug if c.event_id in events else None, "day": _iso(c.day),
            "scanned_at": _iso(c.scanned_at), "recorded_at": _iso(c.recorded_at), "source": c.source,
            "station": c.station.name if c.station else None, "voided_at": _iso(c.voided_at),
        } for c in checkins],
    }
    record(actor, "person.export", person)
    db.session.commit()
    return data


def export_person_json(person: Person, actor: Actor | None = None) -> bytes:
    """:func:`export_person` as UTF-8 JSON (accents as they are)."""
    return json.dumps(export_person(person, actor), ensure_ascii=False, indent=2).encode("utf-8")


def erase_person(person: Person, actor: Actor | None = None) -> Person:
    """Erase one person's personal data on request; registrations, check-ins and consents stay."""
    if person.erased_at is not None:
        raise ValidationError(_("The data of this person has already been erased."))
    now = utcnow()
    _blank_registrations([r.id for r in person.registrations])
    _blank([person], now)
    # Recorded after the blanking, so this entry is the one that says it happened.
    record(actor, "person.erase", person)
    db.session.commit()
    return person
