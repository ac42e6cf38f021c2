"""Who was expected and who came: the data every report, sheet, payment and certificate reads.

Attendance comes from check-ins only, and voided check-ins never count. A person is present on
a day when they have at least one check-in of that day (for the day or for an agenda item); their
arrival that day is the earliest of those scans. A person is expected on a day when their
registration is for that day (``registration.models.registered_for``: every day unless it was
restricted to some), so nobody is absent on a day they were never meant to attend.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from eventapp.core.text import fold
from eventapp.door.models import CheckIn
from eventapp.events.models import Event
from eventapp.events.services import logo_bytes as event_logo
from eventapp.extensions import db
from eventapp.people.models import Person
from eventapp.registration.models import Invitation, Registration, RegistrationDay, registered_for

#: Registration statuses of people expected at the door (not those who declined or cancelled).
EXPECTED_STATUSES = ("invited", "accepted", "registered")


@dataclass
class Attendee:
    """One registration with its person's reportable fields and their arrivals per day."""

    registration_id: int
    person_id: int
    status: str
    honorific: str
    first_name: str
    last_name: str
    sex: str
    age_band: str | None
    category_code: str | None
    category_label: str
    category_order: int
    organisation: str
    function: str
    locality: str
    phone: str | None
    email: str | None
    invited: bool
    arrivals: dict[date, datetime] = field(default_factory=dict)  # earliest valid scan per day (UTC)
    item_arrivals: dict[int, datetime] = field(default_factory=dict)  # per agenda item
    days: frozenset[date] = frozenset()  # the days the registration is restricted to; empty: every day

    @property
    def expected(self) -> bool:
        """On the list of people expected (not declined, not cancelled)."""
        return self.status in EXPECTED_STATUSES

    def registered_for(self, day: date) -> bool:
        """The registration is for ``day`` (every day unless restricted to some)."""
        return registered_for(self.days, day)

    def expected_on(self, day: date) -> bool:
        """On the list of people expected on ``day``: expected, and registered for that day."""
        return self.expected and self.registered_for(day)

    @property
    def attended(self) -> bool:
        """Came on at least one day."""
        return bool(self.arrivals)

    @property
    def sort_key(self) -> tuple[str, str, int]:
        """Name order without regard to accents or case: Traoré sorts as Traore."""
        return (fold(self.last_name), fold(self.first_name), self.registration_id)

    @property
    def display_name(self) -> str:
        """Last name then first name, as listed on sheets sorted by name."""
        return " ".join(p for p in (self.last_name, self.first_name) if p)

    @property
    def full_name(self) -> str:
        """First name then last name, as written in a letter."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)


def load_attendees(event: Event, language: str | None = None) -> list[Attendee]:
    """Every registration of the event with its attendance, sorted by name."""
    language = language or event.language
    rows = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id)
        .options(joinedload(Registration.person).joinedload(Person.category))
    ).all()
    invited_ids = set(db.session.scalars(
        select(Invitation.registration_id).join(Registration).where(Registration.event_id == event.id)
    ))
    attendees = {reg.id: _attendee(reg, language, reg.id in invited_ids) for reg in rows}
    restricted: dict[int, set[date]] = {}
    for registration_id, day in db.session.execute(
            select(RegistrationDay.registration_id, RegistrationDay.day).join(Registration)
            .where(Registration.event_id == event.id)):
        restricted.setdefault(registration_id, set()).add(day)
    for registration_id, days in restricted.items():
        attendees[registration_id].days = frozenset(days)
    checkins = db.session.execute(
        select(CheckIn.registration_id, CheckIn.day, CheckIn.scanned_at, CheckIn.agenda_item_id)
        .where(CheckIn.event_id == event.id, CheckIn.voided_at.is_(None))
    )
    days = set(event.days)
    for registration_id, day, scanned_at, item_id in checkins:
        attendee = attendees.get(registration_id)
        if attendee is None or day not in days:
            continue
        _keep_earliest(attendee.arrivals, day, scanned_at)
        if item_id is not None:
            _keep_earliest(attendee.item_arrivals, item_id, scanned_at)
    return sorted(attendees.values(), key=lambda a: a.sort_key)


def _attendee(reg: Registration, language: str, has_invitation: bool) -> Attendee:
    p = reg.person
    cat = p.category
    return Attendee(
        registration_id=reg.id, person_id=p.id, status=reg.status, honorific=p.honorific or "",
        first_name=p.first_name or "", last_name=p.last_name or "", sex=p.sex or "X", age_band=p.age_band,
        category_code=cat.code if cat else None, category_label=cat.label(language) if cat else "",
        category_order=cat.sort_order if cat else 10_000, organisation=p.organisation or "",
        function=p.function or "", locality=(p.locality or "").strip(), phone=p.phone, email=p.email,
        invited=has_invitation or reg.status in ("invited", "accepted", "declined"),
    )


def _keep_earliest(arrivals: dict, key, scanned_at: datetime) -> None:
    """The first arrival counts: keep ``scanned_at`` unless an earlier one is already there."""
    if key not in arrivals or scanned_at < arrivals[key]:
        arrivals[key] = scanned_at


def local_time(value: datetime, tz: str) -> datetime:
    """An instant in the event's time zone."""
    return value.astimezone(ZoneInfo(tz))


def period_text(event: Event, language: str | None = None) -> str:
    """The event's dates in words: '21 juin 2023', 'du 15 au 16 janvier 2027' (core.documents.words)."""
    from eventapp.core.documents.words import date_span

    return date_span(event.start_date, event.end_date, language or event.language, weekday=False)


def logo_bytes(event: Event, upload_dir: Path) -> tuple[bytes | None, bytes | None]:
    """The organiser's and partner's logos as bytes (None when missing or unreadable).

    ``upload_dir`` is the instance's uploads folder (``Settings.upload_dir``).
    """
    return (event_logo(event, "organizer_logo", upload_dir), event_logo(event, "partner_logo", upload_dir))
