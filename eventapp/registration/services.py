"""Registrations: a person's place at an event, with its check-in and answer tokens."""
from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from eventapp.audit.services import Actor, record
from eventapp.core.errors import ValidationError
from eventapp.core.models import utcnow
from eventapp.core.settings import Settings
from eventapp.core.text import name_key
from eventapp.core.tokens import new_answer_token, new_checkin_token
from eventapp.events.models import Event
from eventapp.events.services import hold_event
from eventapp.extensions import db
from eventapp.people.models import Person
from eventapp.people.services import apply_person_data, clean_person_data
from eventapp.registration.models import REGISTRATION_SOURCES, REGISTRATION_STATUSES, Registration, RegistrationDay


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


# --- who may say "this is the same person" (README: who may say it) ----------------


class Channel(enum.Enum):
    """Where a registration comes from; its value is the registration's ``source`` and the new
    person's ``origin``."""

    ORGANIZER = "organizer"  # an organizer's form
    IMPORT = "import"  # an organizer's file
    PUBLIC_FORM = "public_form"  # anyone with the event's public link
    WALK_IN = "walk_in"  # the door: a station or a door user

    @property
    def may_match(self) -> bool:
        """Whether what this channel types may be matched to a directory person by phone or email.

        Only organizers may say "this is the same person". What the public form and the door type
        makes a new person, a possible duplicate for organizers to merge: matching there would
        hand a stranger someone's registration and details for the price of their phone number.
        """
        return self in MATCHING_CHANNELS


#: The channels that may match a directory person (the one rule, read by :func:`directory_matches`).
MATCHING_CHANNELS = frozenset({Channel.ORGANIZER, Channel.IMPORT})


@dataclass(frozen=True)
class DirectoryCandidate:
    """A directory person who has a phone or email given on a form or in a file."""

    id: int
    name_key: str


def directory_matches(channel: Channel, phones: Iterable[str], emails: Iterable[str]
                      ) -> tuple[dict[str, list[DirectoryCandidate]], dict[str, list[DirectoryCandidate]]]:
    """The directory persons (not merged away, not erased) a channel may reuse: ``({phone:
    [candidates]}, {email: [candidates]})``, oldest first; both empty for a channel that never
    matches. Several persons may share one phone or email (a couple, an association's phone):
    :func:`pick_directory_person` chooses among them by name. In chunks, for imports of
    thousands of rows (databases limit bound parameters).
    """
    by_phone: dict[str, list[DirectoryCandidate]] = {}
    by_email: dict[str, list[DirectoryCandidate]] = {}
    if not channel.may_match:
        return by_phone, by_email
    active = (Person.merged_into_id.is_(None), Person.erased_at.is_(None))
    for column, values, found in ((Person.phone, sorted(set(filter(None, phones))), by_phone),
                                  (Person.email, sorted(set(filter(None, emails))), by_email)):
        for start in range(0, len(values), 500):
            for pid, key, value in db.session.execute(
                    select(Person.id, Person.name_key, column).where(column.in_(values[start:start + 500]), *active)
                    .order_by(Person.id)):
                found.setdefault(value, []).append(DirectoryCandidate(pid, key or ""))
    return by_phone, by_email


def _word_agrees(word: str, others: set[str]) -> bool:
    """``word`` is one of ``others``, or an initial of one of them, or one of them is its initial."""
    if word in others:
        return True
    return any((len(word) == 1 and other.startswith(word)) or (len(other) == 1 and word.startswith(other))
               for other in others)


def names_agree(a: str, b: str) -> bool:
    """Whether two name keys may be one person: every word of the shorter is in the longer
    (initials count), e.g. "diarra" and "diarra oumou", or "a maiga" and "aissata maiga";
    "awa traore" and "moussa traore" (a wife and her husband sharing a phone) do not."""
    words_a, words_b = set(a.split()), set(b.split())
    if not words_a or not words_b:
        return True
    shorter, longer = sorted((words_a, words_b), key=len)
    return all(_word_agrees(word, longer) for word in shorter)


def pick_directory_person(clean: dict, by_phone: dict[str, list[DirectoryCandidate]],
                          by_email: dict[str, list[DirectoryCandidate]]) -> int | None:
    """The directory person ``clean`` (cleaned fields) is, by phone then email, or None.

    A phone or an email is not a person: a candidate is taken only when the names agree
    (:func:`names_agree`), so two people sharing a number stay two people.
    """
    key = clean.get("name_key") or name_key(clean.get("first_name"), clean.get("last_name"))
    for candidates in (by_phone.get(clean.get("phone")) or [], by_email.get(clean.get("email")) or []):
        for candidate in candidates:
            if names_agree(key, candidate.name_key):
                return candidate.id
    return None


@dataclass
class Enrolment:
    """What :func:`enrol` did."""

    registration: Registration
    reused: bool = False  # an existing directory person was registered (matching channels only)
    replayed: bool = False  # the submission key was seen before: its registration, nothing new


def find_by_client_id(event: Event, client_id: str | None) -> Registration | None:
    """The registration of ``event`` made by this submission key, if any."""
    if not client_id:
        return None
    return db.session.scalar(select(Registration).where(Registration.event_id == event.id,
                                                        Registration.client_id == client_id))


def enrol(event: Event, clean: dict, *, channel: Channel, status: str = "registered", actor: Actor | None = None,
          client_id: str | None = None, check: Callable[[], None] | None = None, commit: bool = True) -> Enrolment:
    """Find or make the person of ``clean`` (fields from ``people.clean_person_data``), then
    register them at ``event``: the one place where a channel's matching rule is applied.

    - A channel that :attr:`~Channel.may_match` reuses the directory person with the same phone
      or email whose names agree (:func:`pick_directory_person`; its details are left as they
      are) and refuses one already registered. Someone else sharing that phone is a new person.
    - Any other channel always makes a new person (``origin`` = the channel), which the
      duplicates page shows beside any person with the same phone, email or names.
    - ``client_id`` (a submission key) makes one registration however often it is sent, also
      concurrently: the database's unique (event, client_id) decides, and a repeat returns the
      first registration (``replayed``) without writing.
    - ``check`` runs after the event's row is held (:func:`hold_event`) and may raise
      ValidationError: a rule that counts (a capacity) then holds under concurrent requests.

    On a refusal or a replay the session is rolled back.
    """
    if check is not None:
        hold_event(event)
    first = find_by_client_id(event, client_id)  # read after the hold: a key committed meanwhile is seen
    if first is not None:
        db.session.rollback()  # nothing to write; lets go of the event's row
        return Enrolment(first, replayed=True)
    if check is not None:
        try:
            check()
        except ValidationError:
            db.session.rollback()
            raise
    person = None
    if channel.may_match:
        by_phone, by_email = directory_matches(channel, [clean.get("phone")], [clean.get("email")])
        match = pick_directory_person(clean, by_phone, by_email)
        person = db.session.get(Person, match) if match else None
    reused = person is not None
    if reused and find_registration(event, person) is not None:
        db.session.rollback()
        raise ValidationError(_("%(name)s is already registered for this event.", name=person.full_name))
    if person is None:
        person = apply_person_data(Person(last_name=clean["last_name"], origin=channel.value), clean)
        db.session.add(person)
        db.session.flush()
        record(actor, "person.create", person, event_id=event.id, source=channel.value)
    name = person.full_name  # read now: a rollback below expires the person
    registration = new_registration(event, person, status=status, source=channel.value)
    registration.client_id = client_id or None
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        first = find_by_client_id(event, client_id)
        if first is not None:  # the same key sent concurrently: the other request made it
            return Enrolment(first, replayed=True)
        raise ValidationError(_("%(name)s is already registered for this event.", name=name)) from None
    record(actor, "registration.create", registration, event_id=event.id, source=channel.value)
    if commit:
        db.session.commit()
    return Enrolment(registration, reused=reused)


# --- the participants of an event ----------------------------------------------------------


@dataclass
class ParticipantPage:
    """One page of an event's participants, with the total for the filters."""

    items: list[Registration]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """The number of pages (at least 1)."""
        return max(1, math.ceil(self.total / self.per_page))


def participants_query(event: Event, *, q: str = "", status: str = "", category_id: int | None = None,
                       sex: str = ""):
    """The SELECT of an event's registrations matching the filters (search ignores accents and case)."""
    from eventapp.people.services import search_condition

    stmt = select(Registration).join(Registration.person).where(Registration.event_id == event.id)
    if status:
        stmt = stmt.where(Registration.status == status)
    if category_id:
        stmt = stmt.where(Person.category_id == category_id)
    if sex:
        stmt = stmt.where(Person.sex == sex)
    condition = search_condition(q or "")
    if condition is not None:
        stmt = stmt.where(condition)
    return stmt


def list_participants(event: Event, *, q: str = "", status: str = "", category_id: int | None = None,
                      sex: str = "", page: int = 1, per_page: int = 50) -> ParticipantPage:
    """A page of the event's participants, by last then first name."""
    stmt = participants_query(event, q=q, status=status, category_id=category_id, sex=sex)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    page = max(1, page)
    items = list(db.session.scalars(
        stmt.options(joinedload(Registration.person).joinedload(Person.category), selectinload(Registration.day_rows))
        .order_by(Person.last_name, Person.first_name, Registration.id)
        .offset((page - 1) * per_page).limit(per_page)
    ).unique())
    return ParticipantPage(items, total, page, per_page)


def status_counts(event: Event) -> dict[str, int]:
    """How many registrations of each status the event has."""
    rows = db.session.execute(select(Registration.status, func.count()).where(Registration.event_id == event.id)
                              .group_by(Registration.status))
    return {status: n for status, n in rows}


def get_registration(event: Event, registration_id: int) -> Registration:
    """The event's registration with this id; raises NotFound (also for another event's)."""
    from eventapp.core.errors import NotFound

    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise NotFound(_("This registration does not exist."))
    return registration


def registrations_by_ids(event: Event, ids) -> list[Registration]:
    """The event's registrations among ``ids`` (others ignored), by name."""
    ids = [int(i) for i in ids if str(i).isdigit()]
    if not ids:
        return []
    return list(db.session.scalars(
        select(Registration).join(Registration.person)
        .where(Registration.event_id == event.id, Registration.id.in_(ids))
        .order_by(Person.last_name, Person.first_name)))


def add_participant(event: Event, data: dict, *, settings: Settings, status: str = "registered",
                    actor: Actor | None = None, days: Iterable | None = None) -> tuple[Registration, bool]:
    """Add a participant from an organizer's form (:attr:`Channel.ORGANIZER`: a directory person
    with the same phone or email is reused); ``days`` restricts the registration to some days
    of the event (None: every day, see :func:`set_registration_days`).

    Returns (registration, reused). Refuses a person already registered.
    """
    clean, errors = clean_person_data(data, settings)
    chosen = None
    if days is not None:
        try:
            chosen = event_days(event, days)
        except ValidationError as exc:
            errors = {**errors, **exc.errors}
    if errors:
        raise ValidationError(errors)
    enrolment = enrol(event, clean, channel=Channel.ORGANIZER, status=status, actor=actor, commit=chosen is None)
    if chosen is not None and not enrolment.replayed:
        set_registration_days(enrolment.registration, chosen, actor=actor, commit=False)
        db.session.commit()
    return enrolment.registration, enrolment.reused


# --- the days of a registration (events of several days) ------------------------------------


def event_days(event: Event, values: Iterable) -> list[date]:
    """The days of ``event`` among ``values`` (dates, or 'YYYY-MM-DD' as a form posts them), in
    order; ValidationError (under ``days``) for none, or for one that is not a day of the event."""
    chosen: set[date] = set()
    for value in values:
        day = value
        if isinstance(value, str):
            try:
                day = date.fromisoformat(value.strip())
            except ValueError:
                day = None
        if not isinstance(day, date) or day not in event.days:
            raise ValidationError({"days": [_("%(day)s is not a day of this event.", day=str(value)[:20])]})
        chosen.add(day)
    if not chosen:
        raise ValidationError({"days": [_("Tick at least one day.")]})
    return sorted(chosen)


def set_registration_days(registration: Registration, days: Iterable, *, actor: Actor | None = None,
                          commit: bool = True) -> bool:
    """Restrict ``registration`` to ``days`` of its event; every day of the event lifts the
    restriction (the registration is then for every day, also if the event grows longer).

    Returns whether anything changed (the same days again, a double click, write nothing).
    ValidationError, changing nothing, for no day or a day that is not the event's.
    """
    event = registration.event
    chosen = event_days(event, days)
    if chosen == event.days:
        chosen = []
    if chosen == registration.days:
        return False
    # Rows kept for the days that stay: a row deleted and inserted again with the same key in
    # one flush is not what the database should be asked to do.
    kept = {row.day: row for row in registration.day_rows}
    registration.day_rows = [kept.get(day) or RegistrationDay(day=day) for day in chosen]
    # The door's roster sends what changed since its cursor, by the registration's updated_at.
    registration.updated_at = utcnow()
    record(actor, "registration.days", registration, event_id=registration.event_id,
           days=[d.isoformat() for d in chosen])
    if commit:
        db.session.commit()
    return True


def set_days_of_selection(event: Event, ids, days: Iterable, *, actor: Actor | None = None) -> int:
    """Set the days of the selected registrations of ``event`` (see :func:`set_registration_days`);
    all or nothing. Returns how many changed."""
    chosen = event_days(event, days)
    changed = sum(set_registration_days(r, chosen, actor=actor, commit=False) for r in registrations_by_ids(event, ids))
    db.session.commit()
    return changed


def update_participant(registration: Registration, data: dict, *, settings: Settings,
                       actor: Actor | None = None) -> Registration:
    """Change a participant's details, the registration's status and notes and, when ``data``
    has ``days``, the days it is for (:func:`set_registration_days`); nothing saved on error."""
    from eventapp.people.services import save_person

    status = data.get("status", registration.status)
    if status not in REGISTRATION_STATUSES:
        raise ValidationError({"status": [_("Unknown status.")]})
    person_data = {k: v for k, v in data.items() if k not in ("status", "registration_notes", "days")}
    errors = clean_person_data(person_data, settings)[1]
    if data.get("days") is not None:
        try:
            event_days(registration.event, data["days"])
        except ValidationError as exc:
            errors = {**errors, **exc.errors}
    if errors:
        raise ValidationError(errors)
    save_person(person_data, registration.person, settings=settings, actor=actor, commit=False)
    if data.get("days") is not None:
        set_registration_days(registration, data["days"], actor=actor, commit=False)
    changes = {}
    if status != registration.status:
        changes["status"] = status
        registration.status = status
    if "registration_notes" in data:
        registration.notes = (data.get("registration_notes") or "").strip()
    record(actor, "registration.update", registration, event_id=registration.event_id, **changes)
    db.session.commit()
    return registration


def set_registration_status(registration: Registration, status: str, *, actor: Actor | None = None,
                            commit: bool = True) -> Registration:
    """Set the status (cancel, accept, decline…) and record it."""
    if status not in REGISTRATION_STATUSES:
        raise ValidationError({"status": [_("Unknown status.")]})
    registration.status = status
    record(actor, "registration.status", registration, event_id=registration.event_id, status=status)
    if commit:
        db.session.commit()
    return registration


def cancel_registrations(event: Event, ids, *, actor: Actor | None = None) -> int:
    """Cancel the selected registrations of the event; returns how many."""
    selected = registrations_by_ids(event, ids)
    for registration in selected:
        set_registration_status(registration, "cancelled", actor=actor, commit=False)
    db.session.commit()
    return len(selected)


def add_persons(event: Event, person_ids, *, status: str = "invited", actor: Actor | None = None,
                source_event: Event | None = None) -> tuple[int, int]:
    """Register directory persons in bulk; those already registered are skipped.

    Returns (added, skipped). Merged-away persons are replaced by the person they were merged into.
    """
    from eventapp.people.models import Person as P

    ids = {int(i) for i in person_ids if str(i).isdigit()}
    persons = list(db.session.scalars(select(P).where(P.id.in_(ids)))) if ids else []
    resolved = {}
    for person in persons:
        while person.merged_into_id is not None:
            person = db.session.get(P, person.merged_into_id)
        if person.erased_at is None:
            resolved[person.id] = person
    registered = set(db.session.scalars(select(Registration.person_id).where(Registration.event_id == event.id)))
    added = 0
    for person in resolved.values():
        if person.id in registered:
            continue
        new_registration(event, person, status=status, source="organizer")
        added += 1
    db.session.flush()
    record(actor, "registration.bulk_add", event, event_id=event.id, added=added,
           skipped=len(resolved) - added, from_event=source_event.id if source_event else None)
    db.session.commit()
    return added, len(resolved) - added


def add_from_event(event: Event, source_event: Event, *, statuses=None, status: str = "invited",
                   actor: Actor | None = None) -> tuple[int, int]:
    """Register everyone of an earlier event (optionally only some statuses): 'invite the round table'."""
    if source_event.id == event.id:
        raise ValidationError({"source_event": [_("Choose another event.")]})
    stmt = select(Registration.person_id).where(Registration.event_id == source_event.id)
    if statuses:
        stmt = stmt.where(Registration.status.in_(list(statuses)))
    else:
        stmt = stmt.where(Registration.status != "cancelled")
    return add_persons(event, list(db.session.scalars(stmt)), status=status, actor=actor, source_event=source_event)


def mark_answered(registration: Registration, accepted: bool) -> None:
    """Set the answer of an invitation (accepted or declined) and when it was given."""
    registration.status = "accepted" if accepted else "declined"
    registration.responded_at = utcnow()
