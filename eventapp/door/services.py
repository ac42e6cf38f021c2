"""What the door reads: the roster for offline use, search, live counts, the board and the log;
and walk-ins (someone without a registration, registered and checked in at once).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from eventapp.accounts.models import User
from eventapp.audit.services import Actor, record
from eventapp.core.errors import ValidationError
from eventapp.core.i18n import format_time
from eventapp.core.settings import Settings
from eventapp.core.text import fold
from eventapp.door import checkin as checkin_service
from eventapp.door.models import CheckIn, ScanLog, Station
from eventapp.events.models import AgendaItem, Event
from eventapp.extensions import db
from eventapp.people.models import SEXES, Category, Person
from eventapp.registration.models import ADMITTED_STATUSES, Registration, registered_for_clause

ROSTER_OVERLAP = timedelta(seconds=5)  # rows changed around the cursor's instant are sent again
#: A roster download asking for the changes over a longer span than this is nearly the whole
#: list: it is recorded in the audit log like a full download (phones poll every 20 s).
ROSTER_AUDIT_AFTER = timedelta(minutes=10)


def _tz(event: Event) -> ZoneInfo:
    return ZoneInfo(event.timezone)


def _label(row, language: str) -> str:
    if not row.code:
        return ""
    return row.label_en if language == "en" else row.label_fr


# --- roster ---------------------------------------------------------------------------


def roster(event: Event, since: datetime | None = None, *, language: str = "fr", day: date | None = None,
           actor: Actor | None = None) -> dict:
    """The event's badges for a door to decide offline: all of them, or those changed since
    the cursor ``since`` (a registration or person edited, a check-in made or voided).

    An entry holds only what the door screen shows (name, organisation, category, status and
    today's check-in) and what the offline decision needs (the days a registration is
    restricted to: ``days``, empty for every day), never sex, age band, phone or email. With
    an ``actor``, a download of the whole list (or of the changes since long ago) is recorded
    in the audit log and committed; the door's polls every few seconds are not.

    Returns ``{"cursor": ISO time to send next, "full": bool, "day", "entries": [...]}``.
    """
    now = datetime.now(UTC)
    day = day or checkin_service.event_local_today(event, now)
    query = (select(Registration.id, Registration.checkin_token, Registration.status, Person.first_name,
                    Person.last_name, Person.organisation, Category.code, Category.label_fr,
                    Category.label_en, checkin_service.REGISTRATION_DAYS)
             .join(Person, Person.id == Registration.person_id)
             .outerjoin(Category, Category.id == Person.category_id)
             .where(Registration.event_id == event.id))
    if since is not None:
        since = since - ROSTER_OVERLAP
        changed_checkins = select(CheckIn.registration_id).where(
            CheckIn.event_id == event.id, or_(CheckIn.recorded_at >= since, CheckIn.voided_at >= since))
        query = query.where(or_(Registration.updated_at >= since, Person.updated_at >= since,
                                Registration.id.in_(changed_checkins)))
    rows = db.session.execute(query.order_by(Registration.id)).all()
    ids = [r.id for r in rows]
    first: dict[int, tuple] = {}
    if ids:
        q = (select(CheckIn.registration_id, CheckIn.scanned_at,
                    checkin_service.station_label(Station, User).label("station"))
             .outerjoin(Station, Station.id == CheckIn.station_id).outerjoin(User, User.id == CheckIn.operator_id)
             .where(CheckIn.event_id == event.id, CheckIn.day == day, CheckIn.agenda_item_id.is_(None),
                    CheckIn.voided_at.is_(None)))
        if since is not None:
            q = q.where(CheckIn.registration_id.in_(ids))
        for reg_id, scanned_at, station in db.session.execute(q):
            first[reg_id] = (scanned_at, station)
    entries = []
    for r in rows:
        seen = first.get(r.id)
        entries.append({
            "token": r.checkin_token,
            "name": " ".join(p for p in (r.first_name, r.last_name) if p),
            "organisation": r.organisation or "", "category_label": _label(r, language),
            "status": r.status, "admitted": r.status in ADMITTED_STATUSES,
            "days": sorted(d.isoformat() for d in checkin_service.days_of(r.days)),
            "checked_in_today": seen is not None,
            "checked_in_at": seen[0].astimezone(UTC).isoformat() if seen else None,
            "checked_in_station": seen[1] if seen else None,
            "search": fold(" ".join(filter(None, (r.first_name, r.last_name, r.organisation)))),
        })
    if actor is not None and (since is None or now - since > ROSTER_AUDIT_AFTER):
        record(actor, "door.roster", event, event_id=event.id, entries=len(entries), full=since is None)
        db.session.commit()
    return {"cursor": now.isoformat().replace("+00:00", "Z"), "full": since is None, "day": day.isoformat(),
            "entries": entries}


# --- search ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    """A registration found by name, organisation or phone."""

    registration_id: int
    token: str
    name: str
    organisation: str
    category_label: str
    status: str
    phone: str
    checked_in_today: bool


def search(event: Event, q: str, *, language: str = "fr", limit: int = 20) -> list[SearchHit]:
    """Registrations of the event whose name, organisation or phone matches ``q``.

    Accents and case don't matter (Maiga finds Maïga); every word must match somewhere.
    """
    words = fold(q).split()[:5]
    digits = "".join(c for c in (q or "") if c.isdigit())
    if not words and not digits:
        return []
    today = checkin_service.event_local_today(event)
    in_today = (select(CheckIn.id).where(CheckIn.registration_id == Registration.id, CheckIn.day == today,
                                         CheckIn.agenda_item_id.is_(None), CheckIn.voided_at.is_(None))
                .exists())
    rows = db.session.execute(
        select(Registration.id, Registration.checkin_token, Registration.status, Person.first_name, Person.last_name,
               Person.organisation, Person.phone, Category.code, Category.label_fr, Category.label_en,
               in_today.label("in_today"))
        .join(Person, Person.id == Registration.person_id).outerjoin(Category, Category.id == Person.category_id)
        .where(Registration.event_id == event.id, _search_condition(words, digits))
        .order_by(Person.last_name, Person.first_name).limit(limit * 3)
    ).all()
    return [SearchHit(r.id, r.checkin_token, _person_name(r), r.organisation or "", _label(r, language), r.status,
                      r.phone or "", bool(r.in_today))
            for r in rows if _search_matches(r, words, digits)][:limit]


def _search_condition(words: list[str], digits: str):
    """Every word in the name key or the organisation, or (4 digits or more) the phone."""
    conditions = [or_(Person.name_key.like(f"%{word}%"), func.lower(Person.organisation).like(f"%{word}%"))
                  for word in words]
    match = and_(*conditions) if conditions else None
    if len(digits) >= 4:
        by_phone = Person.phone.like(f"%{digits}%")
        match = or_(match, by_phone) if match is not None else by_phone
    return match


def _search_matches(row, words: list[str], digits: str) -> bool:
    # Organisation matched with SQL lower() only; fold here so accents never hide a match.
    text = fold(" ".join(filter(None, (row.first_name, row.last_name, row.organisation))))
    return not words or all(w in text for w in words) or (len(digits) >= 4 and digits in (row.phone or ""))


# --- walk-ins -------------------------------------------------------------------------


def walk_in(event: Event, data: dict, *, settings: Settings, actor: Actor | None, station: Station | None = None,
            client_id: str | None = None, scanned_at: datetime | None = None) -> checkin_service.CheckInResult:
    """Register someone who came without a registration and check them in.

    ``data``: first_name, last_name (required), sex, category (a code or a label), organisation,
    phone. The door proves nobody's identity (:attr:`registrations.Channel.WALK_IN`): what it
    types always makes a new person, a possible duplicate for organizers, and the answer shows
    only that. ``client_id`` (unique within the event) makes one person however often, and
    however concurrently, the walk-in is sent: a repeat gets the first answer (``replayed``).
    """
    from eventapp.people.services import clean_person_data
    from eventapp.registration.services import Channel, enrol

    if client_id:
        checkin_service.check_client_id(client_id)
        existing = db.session.scalar(select(CheckIn.registration_id).where(CheckIn.event_id == event.id,
                                                                           CheckIn.client_id == client_id))
        if existing is not None:  # a retried walk-in: the same answer, no second person
            token = db.session.scalar(select(Registration.checkin_token).where(Registration.id == existing))
            return checkin_service.check_in(event, token, client_id=client_id, station=station,
                                            operator=actor, source="walk_in", scanned_at=scanned_at)
    when = scanned_at or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when.astimezone(_tz(event)).date() not in event.days:
        raise ValidationError(_("%(day)s is not a day of this event.",
                                day=when.astimezone(_tz(event)).date().isoformat()))
    fields = ("first_name", "last_name", "sex", "category", "organisation", "phone")
    clean, errors = clean_person_data({k: data.get(k) for k in fields}, settings)
    if errors:
        raise ValidationError(errors)
    # Two copies of one walk-in sent at once: the database's unique (event, client_id) on the
    # registration lets one through; the other gets that registration back, and the check-in's
    # own key then answers it as a replay.
    registration = enrol(event, clean, channel=Channel.WALK_IN, actor=actor, client_id=client_id,
                         commit=False).registration
    token = registration.checkin_token
    db.session.commit()
    return checkin_service.check_in(event, token, client_id=client_id, station=station, operator=actor,
                                    source="walk_in", scanned_at=scanned_at)


# --- where a door user starts -------------------------------------------------------------


def door_pages(event_ids: list[int] | None) -> list[Event]:
    """The events (not archived) whose door page a user may open, ``event_ids`` only when given
    (a door user's events): those held today where they take place first, then the coming ones
    (soonest first), then the past ones (latest first)."""
    query = select(Event).where(Event.status != "archived")
    if event_ids is not None:
        query = query.where(Event.id.in_(event_ids))

    def order(event: Event) -> tuple[int, int]:
        today = event.local_today()
        if event.start_date <= today <= event.end_date:
            return 0, event.start_date.toordinal()
        if event.start_date > today:
            return 1, event.start_date.toordinal()
        return 2, -event.end_date.toordinal()

    return sorted(db.session.scalars(query), key=order)


def station_event(station: Station) -> Event:
    """The one event a paired station works at."""
    return db.session.get(Event, station.event_id)


# --- counts and the board -------------------------------------------------------------


def expected_count(event: Event, day: date | None = None) -> int:
    """Registrations expected at the door (not cancelled); on ``day``, only those registered
    for it (a registration restricted to other days is not expected)."""
    query = select(func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.status.in_(ADMITTED_STATUSES))
    if day is not None:
        query = query.where(registered_for_clause(day))
    return db.session.scalar(query) or 0


def stats(event: Event, day: date | None = None) -> dict:
    """Live counts for the door: checked in on ``day`` (today where the event is) and expected."""
    day = day or checkin_service.event_local_today(event)
    checked = db.session.scalar(select(func.count(CheckIn.id)).where(
        CheckIn.event_id == event.id, CheckIn.day == day, CheckIn.agenda_item_id.is_(None),
        CheckIn.voided_at.is_(None))) or 0
    is_event_day = day in event.days
    return {"day": day.isoformat(), "checked_in": checked,
            "expected": expected_count(event, day if is_event_day else None), "is_event_day": is_event_day}


def board(event: Event, day: date | None = None, *, language: str = "fr", bucket_minutes: int = 15,
          latest: int = 15) -> dict:
    """The live board: arrivals over time, by station, by category and sex, the latest scans."""
    tz = _tz(event)
    day = day or checkin_service.event_local_today(event)
    if day not in event.days:
        day = min(event.days, key=lambda d: abs((d - day).days))
    rows = db.session.execute(
        select(CheckIn.id, CheckIn.scanned_at, CheckIn.source,
               checkin_service.station_label(Station, User).label("station"),
               Person.first_name, Person.last_name, Person.organisation, Person.sex, Category.code,
               Category.label_fr, Category.label_en)
        .join(Registration, Registration.id == CheckIn.registration_id)
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(Category, Category.id == Person.category_id)
        .outerjoin(Station, Station.id == CheckIn.station_id).outerjoin(User, User.id == CheckIn.operator_id)
        .where(CheckIn.event_id == event.id, CheckIn.day == day, CheckIn.agenda_item_id.is_(None),
               CheckIn.voided_at.is_(None))
        .order_by(CheckIn.scanned_at)
    ).all()
    buckets: dict[str, int] = {}
    by_station: dict[str, int] = {}
    by_category: dict[str, dict] = {}
    by_sex = {s: 0 for s in SEXES}
    from eventapp.core.labels import label

    for r in rows:
        local = r.scanned_at.astimezone(tz)
        minute = local.minute - local.minute % bucket_minutes
        key = f"{local.hour:02d}:{minute:02d}"
        buckets[key] = buckets.get(key, 0) + 1
        by_station[r.station or "—"] = by_station.get(r.station or "—", 0) + 1
        cat = r.code or ""
        entry = by_category.setdefault(cat, {"code": cat, "label": _label(r, language) or _("No category"),
                                             "F": 0, "M": 0, "X": 0, "total": 0})
        entry[r.sex if r.sex in SEXES else "X"] += 1
        entry["total"] += 1
        by_sex[r.sex if r.sex in SEXES else "X"] += 1
    return {
        "day": day.isoformat(), "checked_in": len(rows), "expected": expected_count(event, day),
        "arrivals": [{"time": k, "count": v} for k, v in sorted(buckets.items())],
        "by_station": [{"station": k, "count": v} for k, v in sorted(by_station.items(), key=lambda kv: -kv[1])],
        "by_category": sorted(by_category.values(), key=lambda e: -e["total"]),
        "by_sex": [{"sex": s, "label": label("sex", s), "count": n} for s, n in by_sex.items()],
        "latest": [{"time": format_time(r.scanned_at, tz=tz),
                    "name": " ".join(p for p in (r.first_name, r.last_name) if p),
                    "organisation": r.organisation or "", "category": _label(r, language), "station": r.station or "",
                    "source": label("checkin_source", r.source)} for r in reversed(rows[-latest:])],
    }


# --- the log --------------------------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    """One line of the check-in log: an admission (maybe voided) or a refused scan."""

    kind: str  # checkin or scan
    id: int
    result: str
    reason: str
    scanned_at: datetime | None
    recorded_at: datetime
    day: date | None
    station: str
    operator: str
    source: str
    name: str
    organisation: str
    category: str
    agenda_item: str
    clock_skew_seconds: int | None
    voided_at: datetime | None
    voided_by: str
    void_reason: str


def checkin_log(event: Event, *, day: date | None = None, station_id: int | None = None, source: str | None = None,
                result: str | None = None, language: str = "fr", limit: int | None = None) -> list[LogEntry]:
    """Every check-in and refused scan of the event, newest first, filtered."""
    entries: list[LogEntry] = []
    if result in (None, "", "checked_in", "voided"):
        entries += _checkin_entries(event, day, station_id, source, result == "voided", language, limit)
    if result in (None, "", "already_checked_in", "unknown_token", "not_admitted"):
        entries += _scan_entries(event, day, station_id, source, result, language, limit)
    entries.sort(key=lambda e: e.recorded_at, reverse=True)
    return entries[:limit] if limit else entries


def _by_station_and_source(query, model, station_id: int | None, source: str | None):
    """The filters check-ins and refused scans share (both tables have these columns)."""
    if station_id:
        query = query.where(model.station_id == station_id)
    if source:
        query = query.where(model.source == source)
    return query


def _person_name(row) -> str:
    return " ".join(p for p in (row.first_name, row.last_name) if p)


def _checkin_entries(event: Event, day: date | None, station_id: int | None, source: str | None,
                     voided_only: bool, language: str, limit: int | None) -> list[LogEntry]:
    voider = db.aliased(User)
    q = (select(CheckIn, Person.first_name, Person.last_name, Person.organisation, Category.code, Category.label_fr,
                Category.label_en, Station.name.label("station"), User.email.label("operator"),
                voider.email.label("voided_by"), AgendaItem.title.label("item"))
         .join(Registration, Registration.id == CheckIn.registration_id)
         .join(Person, Person.id == Registration.person_id)
         .outerjoin(Category, Category.id == Person.category_id).outerjoin(Station, Station.id == CheckIn.station_id)
         .outerjoin(User, User.id == CheckIn.operator_id).outerjoin(voider, voider.id == CheckIn.voided_by_id)
         .outerjoin(AgendaItem, AgendaItem.id == CheckIn.agenda_item_id)
         .where(CheckIn.event_id == event.id))
    q = _by_station_and_source(q, CheckIn, station_id, source)
    if day:
        q = q.where(CheckIn.day == day)
    if voided_only:
        q = q.where(CheckIn.voided_at.is_not(None))
    entries = []
    for row in db.session.execute(q.order_by(CheckIn.recorded_at.desc()).limit(limit)):
        c = row.CheckIn
        entries.append(LogEntry("checkin", c.id, "checked_in", "", c.scanned_at, c.recorded_at, c.day,
                                row.station or "", row.operator or "", c.source, _person_name(row),
                                row.organisation or "", _label(row, language), row.item or "", c.clock_skew_seconds,
                                c.voided_at, row.voided_by or "", c.void_reason or ""))
    return entries


def _scan_entries(event: Event, day: date | None, station_id: int | None, source: str | None,
                  result: str | None, language: str, limit: int | None) -> list[LogEntry]:
    tz = _tz(event)
    q = (select(ScanLog, Person.first_name, Person.last_name, Person.organisation, Category.code,
                Category.label_fr, Category.label_en, Station.name.label("station"), User.email.label("operator"))
         .outerjoin(Registration, Registration.id == ScanLog.registration_id)
         .outerjoin(Person, Person.id == Registration.person_id)
         .outerjoin(Category, Category.id == Person.category_id).outerjoin(Station, Station.id == ScanLog.station_id)
         .outerjoin(User, User.id == ScanLog.operator_id).where(ScanLog.event_id == event.id))
    q = _by_station_and_source(q, ScanLog, station_id, source)
    if result:
        q = q.where(ScanLog.result == result)
    entries = []
    for row in db.session.execute(q.order_by(ScanLog.recorded_at.desc()).limit(limit)):
        s = row.ScanLog
        # A refused scan has no day column: its day is the event's local day of the scan.
        local_day = (s.scanned_at or s.recorded_at).astimezone(tz).date()
        if day and local_day != day:
            continue
        entries.append(LogEntry("scan", s.id, s.result, s.reason, s.scanned_at, s.recorded_at, local_day,
                                row.station or "", row.operator or "", s.source, _person_name(row),
                                row.organisation or "", _label(row, language), "", None, None, "", ""))
    return entries


def log_table(event: Event, entries: list[LogEntry]) -> tuple[list[str], list[list]]:
    """Headers and rows of the log for a CSV or XLSX export (times in the event's zone)."""
    from eventapp.core.labels import label

    tz = _tz(event)

    def t(value):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else ""

    headers = [_("Result"), _("Reason"), _("Day"), _("Scanned at"), _("Recorded at"), _("Name"), _("Organisation"),
               _("Category"), _("Session"), _("Station"), _("Operator"), _("Source"), _("Clock skew (s)"),
               _("Voided at"), _("Voided by"), _("Void reason")]
    rows = [[_("Voided") if e.voided_at else label("scan_result", e.result), e.reason,
             e.day.isoformat() if e.day else "", t(e.scanned_at), t(e.recorded_at), e.name, e.organisation,
             e.category, e.agenda_item, e.station, e.operator, label("checkin_source", e.source),
             e.clock_skew_seconds if e.clock_skew_seconds is not None else "", t(e.voided_at), e.voided_by,
             e.void_reason] for e in entries]
    return headers, rows
