"""Check-in at the door: the rules of the README's "What a scan decides".

The admission rule, in plain words. A scan lets its badge's holder in when

1. what was read is an eventapp badge code (else ``unknown_token``, reason ``garbage``);
2. a registration has that code (else ``unknown_token``, ``unknown``);
3. the registration is for this event (else ``not_admitted``, ``other_event``, and nothing is
   said about the person);
4. it was not cancelled (``cancelled``);
5. the scan's day is a day of the event (``not_event_day``): the event-local date of the
   device's ``scanned_at``, or of the time the scan arrives;
6. the registration is for that day (``not_registered_for_day``): a registration restricted to
   some days of the event (``registration.models.registered_for``) is refused on the others;
7. for a session of the agenda, the session is one of this event (``unknown_agenda_item``)
   held on that day (``agenda_item_other_day``).

Let in, the holder is ``checked_in`` on their first scan of the day (or of the session) and
``already_checked_in``, with that first check-in, on the others; a voided check-in does not
count. :func:`decide` is this rule, without a database.

The database decides races: a check-in is inserted with ``INSERT … ON CONFLICT DO NOTHING``
against the partial unique indexes (one admitted check-in per registration per day, or per
agenda item) and the ``client_id`` unique within the event, so two doors scanning one badge
at the same instant give one check-in and one "already checked in", and a retried request
(same ``client_id``) gets the same answer (``replayed``) and writes nothing.

A live scan reads the badge, its person and its check-ins (and, for a station, the station
and its event) in one statement, then writes once: the check-in with its audit row, or the
scan's line in the scan log. On SQLite the write transaction begins with ``BEGIN IMMEDIATE``
(``database._sqlite_pragmas``): it waits its turn for the write lock instead of failing. On
PostgreSQL a station's scan runs in autocommit and its write is one statement (the check-in and
its audit row together). The door is where a hundred people wait: see tests/bench.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, String, bindparam, cast, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from eventapp.accounts.models import User
from eventapp.audit import services as audit
from eventapp.audit.services import Actor, record
from eventapp.core.database import door_transaction, take_write_turn, write_transaction
from eventapp.core.errors import Forbidden, NotFound, Unauthorized, ValidationError
from eventapp.core.i18n import format_time
from eventapp.core.i18n import gettext as _
from eventapp.core.tokens import parse_payload
from eventapp.door import stations as station_service
from eventapp.door.models import CHECKIN_SOURCES, CheckIn, ScanLog, Station
from eventapp.events.models import AgendaItem, Event
from eventapp.extensions import db
from eventapp.people.models import Category, Person
from eventapp.registration.models import ADMITTED_STATUSES, Registration, RegistrationDay, registered_for

#: A device clock further than this from the server's is flagged (and, live, not trusted for the day).
CLOCK_SKEW_TOLERANCE = timedelta(minutes=5)
#: Offline scans are processed in transactions of this many, so a 10,000-scan batch never
#: holds the write lock for long and other doors keep scanning meanwhile.
BATCH_CHUNK = 250
BATCH_MAX = 20_000
#: The times a device clock may sensibly show; a scan outside is refused (a clock at year 1 or
#: 9999 is broken, and such dates overflow on the way to the event's day).
DEVICE_TIME_RANGE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))

#: Reasons of ``not_admitted`` and ``unknown_token`` results (stable codes for the API).
REASONS = ("cancelled", "other_event", "not_event_day", "not_registered_for_day", "unknown_agenda_item",
           "agenda_item_other_day", "garbage", "unknown")


def _reason_text(reason: str, **kw) -> str:
    texts = {
        "cancelled": _("This registration was cancelled."),
        "other_event": _("This badge is for another event."),
        "not_event_day": _("%(day)s is not a day of this event.", day=kw.get("day", "")),
        "not_registered_for_day": _("This participant is not registered for %(day)s.", day=kw.get("day", "")),
        "unknown_agenda_item": _("This session is not in the event's agenda."),
        "agenda_item_other_day": _("This session is not held on %(day)s.", day=kw.get("day", "")),
        "garbage": _("This is not an eventapp badge code."),
        "unknown": _("No registration has this code."),
    }
    return texts.get(reason, reason)


@dataclass(frozen=True)
class PersonInfo:
    """What the door shows about the person of a scanned badge."""

    registration_id: int
    token: str
    first_name: str
    last_name: str
    organisation: str
    sex: str
    category: str | None
    category_label: str
    status: str

    @property
    def name(self) -> str:
        """First name then last name."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(frozen=True)
class CheckInInfo:
    """A check-in as the door shows it (the new one, or the first one of the day)."""

    id: int
    scanned_at: datetime
    recorded_at: datetime
    day: date
    station: str
    source: str
    agenda_item_id: int | None = None
    voided: bool = False
    #: The idempotency key it was made with (never shown: it tells a retry from another scan).
    client_id: str | None = field(default=None, repr=False, compare=False)


@dataclass
class CheckInResult:
    """The answer to one scan."""

    result: str  # checked_in, already_checked_in, unknown_token, not_admitted
    message: str
    reason: str = ""  # a code of REASONS for unknown_token and not_admitted
    registration: PersonInfo | None = None
    checkin: CheckInInfo | None = None
    client_id: str | None = None
    clock_skew_seconds: int | None = None
    replayed: bool = False  # a retry of a client_id already answered

    @property
    def ok(self) -> bool:
        """True when the person may go in (now or earlier)."""
        return self.result in ("checked_in", "already_checked_in")


@dataclass
class Scan:
    """One scan as a door sends it (live or from an offline queue)."""

    payload: str | None
    client_id: str | None = None
    scanned_at: datetime | None = None
    source: str = "qr"
    agenda_item_id: int | None = None
    index: int = 0  # position in the batch, to answer in the order asked


# --- the rule, without a database ------------------------------------------------------


@dataclass(frozen=True)
class Badge:
    """The facts of a scanned badge's registration that admission depends on."""

    registration_id: int
    event_id: int
    status: str
    #: The days the registration is restricted to; empty: every day of the event.
    days: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Decision:
    """What the admission rule says of one scan: ``checked_in`` means "to be checked in now"."""

    result: str  # checked_in, already_checked_in, unknown_token, not_admitted
    reason: str = ""  # for unknown_token and not_admitted, a code of REASONS
    first: CheckInInfo | None = None  # for already_checked_in, the first check-in of the day or session


@dataclass(frozen=True)
class ScanTime:
    """When a scan happened, as recorded, and the event day it counts for."""

    scanned_at: datetime  # the device's clock, or the server's when the device gave none
    day: date  # event-local
    skew_seconds: int | None  # seconds to add to the device's clock, when it is far off


def scan_time(device_time: datetime | None, now: datetime, tz: ZoneInfo, *, offset: timedelta | None = None,
              live: bool = True) -> ScanTime:
    """The time and day of a scan (the README's check-in rules: the event-local date of scanned_at).

    ``offset`` is a batch's measured device clock offset: every scan's day is corrected by it,
    and flagged when it is over ``CLOCK_SKEW_TOLERANCE``. Without it, a device clock that is
    ahead is flagged, and one that is behind too when ``live`` (a queued offline scan is late
    by nature); the day stays the device's.
    """
    device_time = _aware(device_time)
    if device_time is None:
        return ScanTime(now, now.astimezone(tz).date(), None)
    if offset is not None:
        skew = int(offset.total_seconds()) if abs(offset) > CLOCK_SKEW_TOLERANCE else None
        return ScanTime(device_time, (device_time + offset).astimezone(tz).date(), skew)
    ahead = device_time - now
    far_off = ahead > CLOCK_SKEW_TOLERANCE or (live and -ahead > CLOCK_SKEW_TOLERANCE)
    return ScanTime(device_time, device_time.astimezone(tz).date(), -int(ahead.total_seconds()) if far_off else None)


def first_checkin(checkins: Iterable[CheckInInfo], day: date, agenda_item_id: int | None) -> CheckInInfo | None:
    """The earliest check-in that is not voided, of ``day`` or of the agenda item."""
    counted = [c for c in checkins if not c.voided and c.agenda_item_id == agenda_item_id
               and (agenda_item_id is not None or c.day == day)]
    return min(counted, key=lambda c: (c.scanned_at, c.id), default=None)


def decide(readable: bool, badge: Badge | None, checkins: Iterable[CheckInInfo], *, event_id: int,
           event_days: Iterable[date], day: date, agenda_item_id: int | None = None,
           agenda_item_day: date | None = None) -> Decision:
    """The admission rule of the module docstring, for one scan.

    ``readable``: the code read is an eventapp badge code; ``badge``: its registration (None
    when no registration has it); ``checkins``: that registration's check-ins; ``day``: the
    scan's event day (:func:`scan_time`); ``agenda_item_day``: the day of the session scanned
    for, None when it is not one of this event's.
    """
    if not readable:
        return Decision("unknown_token", "garbage")
    if badge is None:
        return Decision("unknown_token", "unknown")
    if badge.event_id != event_id:
        return Decision("not_admitted", "other_event")
    if badge.status not in ADMITTED_STATUSES:
        return Decision("not_admitted", "cancelled")
    if day not in event_days:
        return Decision("not_admitted", "not_event_day")
    if not registered_for(badge.days, day):
        return Decision("not_admitted", "not_registered_for_day")
    if agenda_item_id is not None and agenda_item_day is None:
        return Decision("not_admitted", "unknown_agenda_item")
    if agenda_item_id is not None and agenda_item_day != day:
        # A session is attended on its own day: a scan for it on another day admits no one.
        return Decision("not_admitted", "agenda_item_other_day")
    first = first_checkin(checkins, day, agenda_item_id)
    return Decision("already_checked_in", first=first) if first is not None else Decision("checked_in")


def device_time_ok(value: datetime) -> bool:
    """True when a device's time is within ``DEVICE_TIME_RANGE`` (naive times are UTC)."""
    value = _aware(value)
    return DEVICE_TIME_RANGE[0] <= value < DEVICE_TIME_RANGE[1]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# --- statements --------------------------------------------------------------------------
# Core constructs on the tables, built once: SQLAlchemy then finds their compiled form in its
# statement cache without working out a cache key per execution, and rows come back plain.

_registrations, _people, _categories = Registration.__table__, Person.__table__, Category.__table__
_checkins, _scan_logs, _agenda = CheckIn.__table__, ScanLog.__table__, AgendaItem.__table__
_stations, _users, _events = Station.__table__, User.__table__, Event.__table__
_registration_days = RegistrationDay.__table__

#: The days a registration is restricted to, as 'YYYY-MM-DD,…' (NULL: every day): one small
#: correlated read by the primary key, so the badge and its days still come in one statement.
REGISTRATION_DAYS = (select(func.aggregate_strings(cast(_registration_days.c.day, String), ","))
         .where(_registration_days.c.registration_id == _registrations.c.id)
         .scalar_subquery().label("days"))

_PERSON_COLUMNS = (
    _registrations.c.id, _registrations.c.event_id, _registrations.c.status, _registrations.c.checkin_token,
    _people.c.first_name, _people.c.last_name, _people.c.organisation, _people.c.sex,
    _categories.c.code, _categories.c.label_fr, _categories.c.label_en, REGISTRATION_DAYS,
)


def _with_person(query):
    return (query.outerjoin(_people, _people.c.id == _registrations.c.person_id)
            .outerjoin(_categories, _categories.c.id == _people.c.category_id))


def station_label(station, user):
    """Who made a check-in, as the door and the board show it: the station's name, else the
    operator's name, else nothing (``station`` and ``user`` joined on the check-in: mapped
    classes, or the ``.c`` of tables). Never an email: the door's screens and roster travel to
    phones that need no one's address."""
    return func.coalesce(station.name, func.nullif(user.name, ""), "")


def _checkin_columns(checkin, station, user, prefix: str = ""):
    return (checkin.c.id.label(prefix + "id"), checkin.c.scanned_at.label(prefix + "scanned_at"),
            checkin.c.recorded_at.label(prefix + "recorded_at"), checkin.c.day.label(prefix + "day"),
            checkin.c.source.label(prefix + "source"), checkin.c.agenda_item_id.label(prefix + "agenda_item_id"),
            checkin.c.voided_at.label(prefix + "voided_at"), checkin.c.client_id.label(prefix + "client_id"),
            station_label(station.c, user.c).label(prefix + "station"))


def _checkins_with_station(query, checkin, station, user):
    return (query.outerjoin(station, station.c.id == checkin.c.station_id)
            .outerjoin(user, user.c.id == checkin.c.operator_id))


def _lookup(by_station: bool):
    """The badge of ``:token`` with its person and its check-ins that are not voided, earliest
    first (one row each, or one row without); by station, also the station of ``:h`` and its
    event (a row even when no badge has the token)."""
    k, ks, ku = _checkins.alias("k"), _stations.alias("ks"), _users.alias("ku")
    token = bindparam("token", type_=_registrations.c.checkin_token.type)
    # The check-ins are joined on the registration found by a subquery of its own, not on the
    # joined row: PostgreSQL then always reads them by index, where a plan made while the
    # table was nearly empty (the first minutes of an event) read every check-in of the day.
    registration_id = select(_registrations.c.id).where(_registrations.c.checkin_token == token).scalar_subquery()
    columns = [*_PERSON_COLUMNS, *_checkin_columns(k, ks, ku, "k_")]
    if by_station:
        query = (select(*station_service.STATION_COLUMNS, *columns)
                 .select_from(_stations.join(_events, _events.c.id == _stations.c.event_id))
                 .outerjoin(_registrations, _registrations.c.checkin_token == token))
    else:
        query = select(*columns).select_from(_registrations)
    query = _with_person(query).outerjoin(k, (k.c.registration_id == registration_id) & k.c.voided_at.is_(None))
    query = _checkins_with_station(query, k, ks, ku)
    where = _stations.c.token_hash == bindparam("h") if by_station else _registrations.c.checkin_token == token
    return query.where(where).order_by(k.c.scanned_at, k.c.id)


_LOOKUP = _lookup(by_station=False)
_LOOKUP_BY_STATION = _lookup(by_station=True)
_LOOKUP_MANY = _with_person(select(*_PERSON_COLUMNS).select_from(_registrations)).where(
    _registrations.c.checkin_token.in_(bindparam("tokens", expanding=True)))
_AGENDA_DAYS = select(_agenda.c.id, _agenda.c.day).where(_agenda.c.event_id == bindparam("event_id"))
_AGENDA_DAY = _AGENDA_DAYS.where(_agenda.c.id == bindparam("item"))
_CHECKIN = _checkins_with_station(select(*_checkin_columns(_checkins, _stations, _users)).select_from(_checkins),
                                  _checkins, _stations, _users)
_CHECKIN_BY_ID = _CHECKIN.where(_checkins.c.id == bindparam("checkin_id"))
_FIRST_OF_REGISTRATION = (_CHECKIN.where(_checkins.c.registration_id == bindparam("registration_id"),
                                         _checkins.c.voided_at.is_(None))
                          .order_by(_checkins.c.scanned_at, _checkins.c.id).limit(1))
_FIRST_OF_DAY = _FIRST_OF_REGISTRATION.where(_checkins.c.day == bindparam("day"), _checkins.c.agenda_item_id.is_(None))
_FIRST_OF_ITEM = _FIRST_OF_REGISTRATION.where(_checkins.c.agenda_item_id == bindparam("agenda_item_id"))
_PERSON_OF_REGISTRATION = _with_person(select(*_PERSON_COLUMNS).select_from(_registrations)).where(
    _registrations.c.id == bindparam("registration_id"))


def _by_client_id(table, *columns):
    return select(*columns).where(table.c.event_id == bindparam("event_id"),
                                  table.c.client_id == bindparam("client_id"))


_CHECKIN_OF_CLIENT_ID = _by_client_id(_checkins, _checkins.c.id, _checkins.c.registration_id,
                                      _checkins.c.clock_skew_seconds)
_SCANLOG_OF_CLIENT_ID = _by_client_id(_scan_logs, _scan_logs.c.result, _scan_logs.c.reason,
                                      _scan_logs.c.registration_id, _scan_logs.c.checkin_id, _scan_logs.c.scanned_at)
_KNOWN_CLIENT_IDS = [select(t.c.client_id).where(t.c.event_id == bindparam("event_id"),
                                                 t.c.client_id.in_(bindparam("ids", expanding=True)))
                     for t in (_checkins, _scan_logs)]


@cache
def _insert_checkin_statement(dialect: str):
    # ON CONFLICT DO NOTHING: a unique index refusing the row is the answer "already in" (or a
    # client_id already used), not an error. RETURNING its id: the audit row names it.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(_checkins).on_conflict_do_nothing().returning(_checkins.c.id)


_CHECKIN_KEYS = ("event_id", "registration_id", "day", "agenda_item_id", "scanned_at", "recorded_at",
                 "clock_skew_seconds", "station_id", "operator_id", "source", "client_id", "void_reason",
                 "voided_at", "voided_by_id")
_AUDIT_KEYS = ("user_id", "station_id", "actor", "ip", "action", "object_type", "event_id", "details")


@cache
def _insert_checkin_audited_statement():
    """PostgreSQL: the check-in and its audit row in one statement (atomic by itself, one round
    trip); the audit row's values are ``audit.entry_values``' prefixed ``audit_``, its object the
    new check-in. Returns the check-in's id, or nothing when refused."""
    new = (postgresql.insert(_checkins).values({k: bindparam(k, type_=_checkins.c[k].type) for k in _CHECKIN_KEYS})
           .on_conflict_do_nothing().returning(_checkins.c.id).cte("new_checkin"))
    audit_table = audit.AuditEntry.__table__
    audited = audit_table.insert().from_select(
        [*_AUDIT_KEYS, "object_id", "at"],
        select(*[bindparam("audit_" + k, type_=audit_table.c[k].type) for k in _AUDIT_KEYS], cast(new.c.id, String),
               bindparam("audit_at", type_=audit_table.c.at.type)),
    ).cte("audited")
    return select(new.c.id).add_cte(audited)


@cache
def _insert_scanlog_statement(dialect: str):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(_scan_logs).on_conflict_do_nothing().returning(_scan_logs.c.id)


# --- reading -------------------------------------------------------------------------------


def _person_info(row, language: str) -> PersonInfo:
    label = (row.label_en if language == "en" else row.label_fr) if row.code else ""
    return PersonInfo(registration_id=row.id, token=row.checkin_token, first_name=row.first_name or "",
                      last_name=row.last_name or "", organisation=row.organisation or "", sex=row.sex or "X",
                      category=row.code, category_label=label or "", status=row.status)


def _info(row, prefix: str = "") -> CheckInInfo:
    def get(name):
        return getattr(row, prefix + name)

    return CheckInInfo(id=get("id"), scanned_at=_aware(get("scanned_at")), recorded_at=_aware(get("recorded_at")),
                       day=get("day"), station=get("station") or "", source=get("source"),
                       agenda_item_id=get("agenda_item_id"), voided=get("voided_at") is not None,
                       client_id=get("client_id"))


def days_of(text: str | None) -> frozenset[date]:
    """The days of a lookup's ``days`` column ('YYYY-MM-DD,…', or None for every day)."""
    return frozenset(date.fromisoformat(d) for d in text.split(",")) if text else frozenset()


def _badge_rows(rows) -> tuple[object | None, list[CheckInInfo]]:
    """The badge's row and its check-ins, from the rows of a lookup."""
    if not rows or rows[0].id is None:
        return None, []
    return rows[0], [_info(r, "k_") for r in rows if r.k_id is not None]


def _agenda_item_day(conn: Connection, event_id: int, item_id: int | None) -> date | None:
    if item_id is None:
        return None
    row = conn.execute(_AGENDA_DAY, {"event_id": event_id, "item": item_id}).first()
    return row.day if row is not None else None


def _first_checkin(conn: Connection, registration_id: int, day: date,
                   agenda_item_id: int | None) -> CheckInInfo | None:
    """The first admitted check-in of that day (or agenda item), as the database has it."""
    if agenda_item_id is not None:
        row = conn.execute(_FIRST_OF_ITEM, {"registration_id": registration_id,
                                            "agenda_item_id": agenda_item_id}).first()
    else:
        row = conn.execute(_FIRST_OF_DAY, {"registration_id": registration_id, "day": day}).first()
    return _info(row) if row is not None else None


def _checkin_info(conn: Connection, checkin_id: int) -> CheckInInfo | None:
    row = conn.execute(_CHECKIN_BY_ID, {"checkin_id": checkin_id}).first()
    return _info(row) if row is not None else None


def _person_by_registration(conn: Connection, registration_id: int | None, language: str) -> PersonInfo | None:
    if registration_id is None:
        return None
    row = conn.execute(_PERSON_OF_REGISTRATION, {"registration_id": registration_id}).first()
    return _person_info(row, language) if row is not None else None


# --- answering a scan --------------------------------------------------------------------


@dataclass
class _Door:
    """Where, when and by whom scans are answered, and what a batch learnt so far."""

    event_id: int
    tz: ZoneInfo
    days: frozenset
    language: str
    station_id: int | None
    operator_id: int | None
    actor: Actor  # of the audit rows
    now: datetime
    #: A batch's agenda: item id -> day.
    agenda_days: dict = field(default_factory=dict)
    #: A batch's check-ins, made or read: registration id -> {(day, agenda item): check-in}. A
    #: badge already in is not inserted again, and a batch full of repeats asks the database once.
    made: dict = field(default_factory=dict)
    #: A batch's client_ids already in the database (read per chunk); None live (always look).
    known_client_ids: set | None = None
    #: The connection of the current transaction (the session's), set when it begins: the hot
    #: statements run on it directly, without the Session's work per execution.
    conn: Connection | None = None
    dialect: str = ""


def _door(event, station, operator: Actor | None) -> _Door:
    station_id = station.id if station is not None else (operator.station_id if operator else None)
    actor = operator or Actor(label="system")
    return _Door(event_id=event.id, tz=ZoneInfo(event.timezone or "Africa/Bamako"), days=frozenset(event.days),
                 language=event.language, station_id=station_id, operator_id=operator.user_id if operator else None,
                 actor=replace(actor, station_id=actor.station_id or station_id), now=datetime.now(UTC))


def _message(result: str, info: PersonInfo | None, checkin: CheckInInfo | None, reason: str, tz: ZoneInfo,
             day: date | None) -> str:
    if result == "checked_in":
        return _("Welcome, %(name)s.", name=info.name if info else "")
    if result == "already_checked_in" and checkin is not None:
        return _("Already checked in at %(time)s by %(station)s.",
                 time=format_time(checkin.scanned_at, tz=tz), station=checkin.station or "—")
    if result == "already_checked_in":
        return _("Already checked in.")
    return _reason_text(reason, day=day.isoformat() if day else "")


def _answer_scan(door: _Door, scan: Scan, row, checkins: list[CheckInInfo], item_day: date | None,
                 offset: timedelta | None = None) -> CheckInResult:
    """Answer one scan inside the current write transaction: decide, then record the outcome.

    ``row`` is the badge's lookup row (None when no registration has the code), ``checkins``
    its check-ins, ``item_day`` the day of the scan's agenda item when it is the event's.
    """
    when = scan_time(scan.scanned_at, door.now, door.tz, offset=offset, live=scan.source != "offline_sync")
    badge = Badge(row.id, row.event_id, row.status, days_of(row.days)) if row is not None else None
    decision = decide(parse_payload(scan.payload) is not None, badge, checkins, event_id=door.event_id,
                      event_days=door.days, day=when.day, agenda_item_id=scan.agenda_item_id,
                      agenda_item_day=item_day)
    # Nothing is said about another event's participant: only that the badge is not for here.
    person = _person_info(row, door.language) if row is not None and decision.reason != "other_event" else None
    if decision.result == "checked_in":
        answer = _admit(door, scan, badge, person, when)
        if answer is not None:
            return answer
        decision = Decision("already_checked_in")  # refused by the database: see _already_in
    if decision.result == "already_checked_in":
        return _already_in(door, scan, badge, person, when, decision.first)
    answer = CheckInResult(decision.result, _message(decision.result, person, None, decision.reason, door.tz, when.day),
                           reason=decision.reason, registration=person, client_id=scan.client_id,
                           clock_skew_seconds=when.skew_seconds)
    return _logged(door, scan, answer, when.scanned_at)


def _admit(door: _Door, scan: Scan, badge: Badge, person: PersonInfo, when: ScanTime) -> CheckInResult | None:
    """Check the badge in, with its audit row; None when the database refused the check-in
    (another door was first, or the client_id was used already)."""
    values = dict(
        event_id=door.event_id, registration_id=badge.registration_id, day=when.day,
        agenda_item_id=scan.agenda_item_id, scanned_at=when.scanned_at, recorded_at=door.now,
        clock_skew_seconds=when.skew_seconds, station_id=door.station_id, operator_id=door.operator_id,
        source=scan.source, client_id=scan.client_id, void_reason="", voided_at=None, voided_by_id=None)
    entry = (door.actor, "checkin.create")
    details = dict(event_id=door.event_id, registration_id=badge.registration_id, source=scan.source)
    take_write_turn(door.conn)
    if door.dialect == "postgresql":
        row = audit.entry_values(*entry, audit.Ref("CheckIn", ""), **details)
        checkin_id = door.conn.scalar(_insert_checkin_audited_statement(),
                                       {**values, **{"audit_" + k: row[k] for k in _AUDIT_KEYS}, "audit_at": door.now})
    else:
        checkin_id = door.conn.scalar(_insert_checkin_statement(door.dialect), values)
        if checkin_id is not None:
            audit.record_now(*entry, audit.Ref("CheckIn", checkin_id), connection=door.conn, **details)
    if checkin_id is None:
        return None
    info = CheckInInfo(id=checkin_id, scanned_at=when.scanned_at, recorded_at=door.now, day=when.day, station="",
                       source=scan.source, agenda_item_id=scan.agenda_item_id, client_id=scan.client_id)
    door.made.setdefault(badge.registration_id, {})[when.day, scan.agenda_item_id] = info
    return CheckInResult("checked_in", _message("checked_in", person, info, "", door.tz, when.day),
                         registration=person, checkin=info, client_id=scan.client_id,
                         clock_skew_seconds=when.skew_seconds)


def _already_in(door: _Door, scan: Scan, badge: Badge, person: PersonInfo | None, when: ScanTime,
                first: CheckInInfo | None) -> CheckInResult:
    """The answer to a badge already in: its first check-in, or the answer given before to
    this very client_id (a retry)."""
    if first is None or not first.station:
        # Refused by the database (the winner of a race, or a client_id used before), or made
        # earlier in this batch: the first check-in as the database has it, with who made it.
        first = _first_checkin(door.conn, badge.registration_id, when.day, scan.agenda_item_id)
        door.made.setdefault(badge.registration_id, {})[when.day, scan.agenda_item_id] = first
    live = door.known_client_ids is None
    # A retry when no check-in explains the refusal, or, live, when the first check-in is this
    # scan's own; in a batch, when its client_id was in the database before the chunk.
    retry = first is None or (first.client_id == scan.client_id if live else scan.client_id in door.known_client_ids)
    if scan.client_id and retry:
        replay = _replay(door, scan.client_id)
        if replay is not None:
            return replay
    answer = CheckInResult("already_checked_in", _message("already_checked_in", person, first, "", door.tz, when.day),
                           registration=person, checkin=first, client_id=scan.client_id,
                           clock_skew_seconds=when.skew_seconds)
    return _logged(door, scan, answer, when.scanned_at)


def _logged(door: _Door, scan: Scan, answer: CheckInResult, scanned_at: datetime) -> CheckInResult:
    """Keep a scan that let no one in, in the scan log; a client_id logged before is a retry,
    answered as the first time."""
    payload = scan.payload[:200] if isinstance(scan.payload, str) else ""
    if not payload.isprintable():
        payload = "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in payload)
    take_write_turn(door.conn)
    logged = door.conn.scalar(_insert_scanlog_statement(door.dialect), dict(
        event_id=door.event_id, registration_id=answer.registration.registration_id if answer.registration else None,
        checkin_id=answer.checkin.id if answer.checkin else None, result=answer.result, reason=answer.reason,
        payload=payload, scanned_at=scanned_at, recorded_at=door.now, station_id=door.station_id,
        operator_id=door.operator_id, source=scan.source, client_id=scan.client_id))
    if logged is None:
        return _replay(door, scan.client_id) or answer
    return answer


def _replay(door: _Door, client_id: str) -> CheckInResult | None:
    """The answer already given to this client_id at this event, or None (a key is unique per
    event: one used at another event is not a retry here and never tells that event's answer)."""
    keys = {"event_id": door.event_id, "client_id": client_id}
    row = door.conn.execute(_CHECKIN_OF_CLIENT_ID, keys).first()
    if row is not None:
        info = _checkin_info(door.conn, row.id)
        person = _person_by_registration(door.conn, row.registration_id, door.language)
        return CheckInResult("checked_in", _message("checked_in", person, info, "", door.tz, None), registration=person,
                             checkin=info, client_id=client_id, clock_skew_seconds=row.clock_skew_seconds,
                             replayed=True)
    log = door.conn.execute(_SCANLOG_OF_CLIENT_ID, keys).first()
    if log is None:
        return None
    person = _person_by_registration(door.conn, log.registration_id, door.language)
    info = _checkin_info(door.conn, log.checkin_id) if log.checkin_id else None
    message = _message(log.result, person, info, log.reason, door.tz, None)
    if log.result in ("not_admitted", "unknown_token"):
        scanned_at = _aware(log.scanned_at)
        message = _reason_text(log.reason, day=scanned_at.astimezone(door.tz).date().isoformat() if scanned_at else "")
    return CheckInResult(log.result, message, reason=log.reason, registration=person, checkin=info,
                         client_id=client_id, replayed=True)


# --- the door's entry points --------------------------------------------------------------


def _check_source(source: str) -> None:
    if source not in CHECKIN_SOURCES:
        raise ValidationError({"source": [_("Unknown source.")]})


def check_in(event: Event, payload_or_token: str | None, *, scanned_at: datetime | None = None,
             client_id: str | None = None, station: Station | None = None, operator: Actor | None = None,
             source: str = "qr", agenda_item: AgendaItem | int | None = None) -> CheckInResult:
    """Check in the holder of a scanned badge at ``event``; never raises for a bad scan.

    ``payload_or_token`` is what the scanner read (the QR payload, or a bare token).
    ``event`` is an Event or a ``stations.EventFacts``; ``station`` is a Station or a
    ``stations.StationRef`` (anything with ``id`` and ``name``).
    ``scanned_at`` is the device's clock (None: now). ``client_id`` makes retries idempotent.
    Commits the session. Raises ValidationError only for a bad ``source`` or an over-long
    ``client_id``.
    """
    _check_source(source)
    _check_client_id(client_id)
    item_id = agenda_item.id if isinstance(agenda_item, AgendaItem) else agenda_item
    door = _door(event, station, operator)
    name = _station_name(station, operator)
    scan = Scan(payload_or_token, client_id or None, scanned_at, source, item_id)
    token = parse_payload(scan.payload)
    with door_transaction(db.session) as conn:
        door.conn, door.dialect = conn, conn.dialect.name
        row, checkins = _badge_rows(conn.execute(_LOOKUP, {"token": token}).all()) if token else (None, [])
        answer = _answer_scan(door, scan, row, checkins, _agenda_item_day(conn, door.event_id, item_id))
    return _with_station_name(answer, name)


def check_in_at_station(station_token: str | None, event_slug: str, scan: Scan, *,
                        ip: str = "") -> tuple[CheckInResult, station_service.EventFacts]:
    """Check in a scan sent by a station with its bearer token: the door's hot path.

    The station, its event, the badge, its person and its check-ins are read in one
    statement; the rules are those of ``stations.authenticate`` (a revoked station is refused at
    once) and of ``check_in``. Returns the answer and the event's facts (for its time zone).
    Raises Unauthorized (unknown or revoked station), Forbidden (a station of another event than
    ``event_slug``) and ValidationError (bad ``source`` or ``client_id``).
    """
    _check_source(scan.source)
    _check_client_id(scan.client_id)
    token_hash = station_service.token_hash_or_none(station_token)
    if token_hash is None:
        raise Unauthorized(_("This station is unknown or was revoked. Ask the organizer to pair it again."))
    badge = parse_payload(scan.payload)
    # The lookup reads before the write transaction begins (on SQLite the write waits for its
    # turn, take_write_turn, and BEGIN IMMEDIATE takes the lock at the first write, so that it
    # cannot fail on a writer that committed after the read); the unique indexes decide races.
    with door_transaction(db.session) as conn:
        dialect = conn.dialect.name
        rows = conn.execute(_LOOKUP_BY_STATION, {"h": token_hash, "token": badge}).all()
        found = station_service.station_from_row(rows[0] if rows else None)
        if found is None:
            raise Unauthorized(_("This station is unknown or was revoked. Ask the organizer to pair it again."))
        station, event = found
        if event.slug != event_slug:
            raise Forbidden(_("This station belongs to another event."))
        door = _door(event, station, Actor(label=station.name, ip=ip, station_id=station.id))
        door.conn, door.dialect = conn, dialect
        if station_service.needs_touch(rows[0].station_last_seen_at, door.now):
            take_write_turn(conn)
            conn.execute(station_service.TOUCH, {"station_id": station.id, "now": door.now})
        row, checkins = _badge_rows(rows) if badge else (None, [])
        answer = _answer_scan(door, scan, row, checkins, _agenda_item_day(conn, event.id, scan.agenda_item_id))
    return _with_station_name(answer, station.name), event


def _station_name(station: Station | None, operator: Actor | None) -> str:
    # Read before the commit, which expires the station object (a reload is a query). A signed-in
    # operator is named by the lookups of later scans (station_label: their name, never an email).
    return station.name if station is not None else ""


def _with_station_name(answer: CheckInResult, name: str) -> CheckInResult:
    unnamed = answer.checkin is not None and not answer.checkin.station
    if answer.result == "checked_in" and unnamed and not answer.replayed:
        answer.checkin = replace(answer.checkin, station=name)
    return answer


def _check_client_id(client_id) -> None:
    if client_id is not None and (not isinstance(client_id, str) or len(client_id) > 64
                                  or not client_id.isprintable()):
        raise ValidationError({"client_id": [_("The client_id must be text of at most 64 characters.")]})


#: The same rule for the door's walk-in, which must refuse a bad key before registering anyone.
check_client_id = _check_client_id


def check_in_batch(event: Event, scans: list[Scan], *, station: Station | None = None,
                   operator: Actor | None = None, sent_at: datetime | None = None) -> list[CheckInResult]:
    """Answer the scans a door queued offline, in the order given.

    The earliest scan wins: scans are applied by scanned_at, so of two queued scans of one badge
    the first is ``checked_in`` and the other ``already_checked_in``. ``sent_at`` is the device's
    clock when it sent the batch: when it is far from the server's clock, every scan is
    corrected by that offset for its day, and flagged. Processed in chunks, each committed.
    A scan that cannot be processed (an unknown source, a bad client_id, a time outside
    ``DEVICE_TIME_RANGE``) is answered ``error`` with its reason, and the others as usual.
    """
    if len(scans) > BATCH_MAX:
        raise ValidationError({"scans": [_("At most %(n)d scans per batch.", n=BATCH_MAX)]})
    # A scan that cannot be processed gets an error of its own; the others are answered (a
    # batch refused whole for one bad scan would be sent again, and refused, forever).
    errors = {i: error for i, scan in enumerate(scans) if (error := _scan_error(scan))}
    if errors:
        good = [scan for i, scan in enumerate(scans) if i not in errors]
        answered = iter(check_in_batch(event, good, station=station, operator=operator, sent_at=sent_at)
                        if good else [])
        return [errors[i] if i in errors else next(answered) for i in range(len(scans))]
    door = _door(event, station, operator)
    name = _station_name(station, operator)
    offset = _clock_offset(sent_at, door.now)
    ordered = _earliest_first(scans)
    if any(s.agenda_item_id is not None for s in scans):
        door.agenda_days = {r.id: r.day for r in db.session.execute(_AGENDA_DAYS, {"event_id": door.event_id})}
    answers: dict[int, CheckInResult] = {}
    for start in range(0, len(ordered), BATCH_CHUNK):
        answers.update(_answer_chunk(door, ordered[start:start + BATCH_CHUNK], offset, name))
    return [answers[i] for i in range(len(scans))]


def _earliest_first(scans: list[Scan]) -> list[Scan]:
    """The scans numbered in the order sent, then sorted by scanned_at (undated ones last)."""
    for i, scan in enumerate(scans):
        scan.index = i
        scan.client_id = scan.client_id or None
    far_future = datetime.max.replace(tzinfo=UTC)
    return sorted(scans, key=lambda s: (_aware(s.scanned_at) or far_future, s.index))


def _answer_chunk(door, chunk: list[Scan], offset: timedelta | None, name: str) -> dict[int, CheckInResult]:
    """Answer one chunk of a batch in one write transaction: scan index -> answer."""
    answers = {}
    with write_transaction(db.session()):
        door.conn = db.session.connection()
        door.dialect = door.conn.dialect.name
        people = _lookup_many({t for t in (parse_payload(s.payload) for s in chunk) if t})
        door.known_client_ids = _known_client_ids(door.event_id, {s.client_id for s in chunk if s.client_id})
        for scan in chunk:
            row = people.get(parse_payload(scan.payload))
            checkins = list(door.made.get(row.id, {}).values()) if row is not None else []
            answer = _answer_scan(door, scan, row, [c for c in checkins if c is not None],
                                  door.agenda_days.get(scan.agenda_item_id), offset)
            answers[scan.index] = _with_station_name(answer, name)
    return answers


def _clock_offset(sent_at: datetime | None, now: datetime) -> timedelta | None:
    """What to add to a batch's device clock to get the server's; None when it is near enough,
    or unknown (no ``sent_at``, or one a broken clock gave, which tells nothing)."""
    sent_at = _aware(sent_at)
    if sent_at is None or not device_time_ok(sent_at) or abs(now - sent_at) <= CLOCK_SKEW_TOLERANCE:
        return None
    return now - sent_at


def _lookup_many(tokens: set[str]) -> dict[str, object]:
    """The badges of ``tokens`` with their persons (a batch's lookup): token -> row."""
    if not tokens:
        return {}
    return {r.checkin_token: r for r in db.session.execute(_LOOKUP_MANY, {"tokens": sorted(tokens)})}


def _known_client_ids(event_id: int, client_ids: set[str]) -> set[str]:
    """Which of ``client_ids`` the event's check-ins or scan log already hold."""
    if not client_ids:
        return set()
    params = {"event_id": event_id, "ids": sorted(client_ids)}
    return {cid for statement in _KNOWN_CLIENT_IDS for cid in db.session.scalars(statement, params)}


def _scan_error(scan: Scan) -> CheckInResult | None:
    """Why a batch's scan cannot be processed, as its ``error`` result; None when it can."""
    client_id = scan.client_id if isinstance(scan.client_id, str) else None
    try:
        _check_source(scan.source)
        _check_client_id(scan.client_id)
    except ValidationError as exc:
        field, messages = next(iter(exc.errors.items()))
        return CheckInResult("error", messages[0], reason=f"bad_{field}", client_id=client_id)
    if scan.scanned_at is not None and not device_time_ok(scan.scanned_at):
        earliest, latest = DEVICE_TIME_RANGE
        return CheckInResult("error", _("%(field)s must be between %(start)s and %(end)s: check the device's clock.",
                                        field="scanned_at", start=earliest.year, end=latest.year),
                             reason="bad_time", client_id=client_id)
    return None


def get_checkin(checkin_id: int) -> CheckIn:
    """A check-in by id; raises NotFound."""
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None:
        raise NotFound(_("No such check-in."))
    return checkin


def void_checkin(checkin: CheckIn, *, actor: Actor | None, reason: str = "") -> CheckIn:
    """Undo a check-in (a mistaken scan): the row stays, marked voided by whom, when and why.

    The badge can then be checked in again the same day.
    """
    if checkin.voided_at is not None:
        raise ValidationError(_("This check-in is already voided."))
    reason = (reason or "").strip()[:500]
    now = datetime.now(UTC)
    result = db.session.execute(
        update(CheckIn).where(CheckIn.id == checkin.id, CheckIn.voided_at.is_(None))
        .values(voided_at=now, voided_by_id=actor.user_id if actor else None, void_reason=reason)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise ValidationError(_("This check-in is already voided."))
    record(actor, "checkin.void", checkin, event_id=checkin.event_id, reason=reason,
           registration_id=checkin.registration_id)
    db.session.commit()
    db.session.refresh(checkin)
    return checkin


def event_local_today(event: Event, now: datetime | None = None) -> date:
    """Today's date where the event takes place (see :meth:`Event.local_today`)."""
    return event.local_today(now)
