"""Check-in at the door: the semantics of DESIGN.md ("Check-in semantics"), exactly.

A scan is answered with one of four results: ``checked_in``, ``already_checked_in``,
``unknown_token`` or ``not_admitted`` (with a reason). The database decides races: a check-in
is inserted with ``INSERT … ON CONFLICT DO NOTHING`` against the partial unique indexes (one
admitted check-in per registration per day, or per agenda item) and the ``client_id`` unique
within the event, so two doors scanning the same badge at the same instant give one check-in
and one "already checked in", and a retried request (same ``client_id``) answers the same and
writes nothing.

On SQLite the write lock is taken when the transaction begins (``BEGIN IMMEDIATE``): a
transaction that read first and wrote later could fail with "database is locked" when another
door wrote in between; one that starts by locking simply waits its turn (busy_timeout).

A scan costs few statements, each run on the driver's cursor (``database.Prepared``): one
lookup that reads the badge, its person and the check-ins it already has (and, for a station,
the station and its event), then one write: the check-in with its audit row (a single
statement on PostgreSQL, committing by itself), or the scan's log line when the badge is
already in. The door is the place where a hundred people wait; see tests/bench.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, bindparam, cast, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from eventapp.core.database import Prepared, run_once
from eventapp.extensions import db
from eventapp.core.i18n import format_time
from eventapp.core.i18n import gettext as _
from eventapp.events.models import AgendaItem, Event
from eventapp.audit.models import AuditEntry
from eventapp.people.models import Category, Person
from eventapp.door.models import CheckIn, ScanLog, Station
from eventapp.registration.models import Registration
from eventapp.accounts.models import User
from eventapp.door.models import CHECKIN_SOURCES
from eventapp.registration.models import ADMITTED_STATUSES
from eventapp.door import stations as station_service
from eventapp.audit.services import Actor, record
from eventapp.core.errors import Forbidden, NotFound, Unauthorized, ValidationError
from eventapp.core.tokens import parse_payload

#: A device clock further than this from the server's is flagged (and, live, not trusted for the day).
CLOCK_SKEW_TOLERANCE = timedelta(minutes=5)
#: Offline scans are processed in transactions of this many, so a 10,000-scan batch never
#: holds the write lock for long and other doors keep scanning meanwhile.
BATCH_CHUNK = 250
BATCH_MAX = 20_000
#: The times a device clock may sensibly show; a scan outside is refused (a clock at year 1 or
#: 9999 is broken, and such dates overflow on the way to the event's day).
DEVICE_TIME_RANGE = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))

#: Reasons of ``not_admitted`` and ``unknown_token`` results (stable codes for the API).
REASONS = ("cancelled", "other_event", "not_event_day", "unknown_agenda_item", "agenda_item_other_day", "garbage",
           "unknown")


def _reason_text(reason: str, **kw) -> str:
    texts = {
        "cancelled": _("This registration was cancelled."),
        "other_event": _("This badge is for another event."),
        "not_event_day": _("%(day)s is not a day of this event.", day=kw.get("day", "")),
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


@dataclass
class _Context:
    event_id: int
    tz: ZoneInfo
    days: frozenset
    language: str
    station_id: int | None
    operator_id: int | None
    now: datetime
    agenda_items: dict = field(default_factory=dict)  # id -> day
    # (registration, day, agenda item) -> the admitted check-in, as the lookup found it or as
    # this batch made it: a badge already in is not inserted again, and a batch full of repeats
    # of one badge asks the database once.
    admitted: dict = field(default_factory=dict)
    # check-in id -> its client_id, for the admitted check-ins the lookup read.
    first_client_ids: dict = field(default_factory=dict)
    # client_ids already in the database (a batch fetches them per chunk); None: always look.
    known_client_ids: set | None = None
    # The connection of the current write transaction.
    conn: "_Connection | None" = None


def _context(event, station, operator: Actor | None) -> _Context:
    return _Context(
        event_id=event.id, tz=ZoneInfo(event.timezone or "Africa/Bamako"), days=frozenset(event.days),
        language=event.language, station_id=station.id if station is not None else (operator.station_id if operator else None),
        operator_id=operator.user_id if operator else None, now=datetime.now(timezone.utc),
    )


def device_time_ok(value: datetime) -> bool:
    """True when a device's time is within ``DEVICE_TIME_RANGE`` (naive times are UTC)."""
    value = _aware(value)
    return DEVICE_TIME_RANGE[0] <= value < DEVICE_TIME_RANGE[1]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _person_columns():
    return (Registration.id.label("id"), Registration.event_id.label("event_id"), Registration.status.label("status"),
            Registration.checkin_token.label("checkin_token"), Person.first_name.label("first_name"),
            Person.last_name.label("last_name"), Person.organisation.label("organisation"), Person.sex.label("sex"),
            Category.code.label("code"), Category.label_fr.label("label_fr"), Category.label_en.label("label_en"))


def _person_info(row, language: str) -> PersonInfo:
    label = (row.label_en if language == "en" else row.label_fr) if row.code else ""
    return PersonInfo(registration_id=row.id, token=row.checkin_token, first_name=row.first_name or "",
                      last_name=row.last_name or "", organisation=row.organisation or "", sex=row.sex or "X",
                      category=row.code, category_label=label or "", status=row.status)


def station_label(station, user):
    """Who made a check-in, as the door and the board show it: the station's name, else the
    operator's name, else their email (``station`` and ``user`` joined on the check-in)."""
    return func.coalesce(station.name, func.nullif(user.name, ""), user.email, "")


def _checkin_columns(checkin, station, user, prefix: str = ""):
    return (checkin.id.label(prefix + "id"), checkin.scanned_at.label(prefix + "scanned_at"),
            checkin.recorded_at.label(prefix + "recorded_at"), checkin.day.label(prefix + "day"),
            checkin.source.label(prefix + "source"), checkin.agenda_item_id.label(prefix + "agenda_item_id"),
            checkin.voided_at.label(prefix + "voided_at"), checkin.client_id.label(prefix + "client_id"),
            station_label(station, user).label(prefix + "station"))


def _lookup_statement(by_station: bool, by_item: bool):
    """The badge of ``:token`` with its person and its admitted check-ins (per day, or of the
    agenda item ``:item``), earliest first; by station, also the station of ``:h`` and its event."""
    k, ks, ku = aliased(CheckIn), aliased(Station), aliased(User)
    event_id = Station.event_id if by_station else bindparam("event_id", type_=CheckIn.event_id.type)
    # The check-ins are joined on the badge's registration found by a subquery of its own, not
    # on the joined row: PostgreSQL then always reads them by index, where a plan made while the
    # table was nearly empty (the first minutes of an event) read every check-in of the day.
    badge = aliased(Registration)
    registration_id = select(badge.id).where(badge.checkin_token == bindparam("token")).scalar_subquery()
    columns = [*_person_columns(), *_checkin_columns(k, ks, ku, "k_")]
    if by_item:
        columns.append(AgendaItem.day.label("item_day"))
    if by_station:
        columns = [*station_service.STATION_COLUMNS, *columns]
        query = (select(*columns).select_from(Station).join(Event, Event.id == Station.event_id)
                 .outerjoin(Registration, Registration.checkin_token == bindparam("token")))
    else:
        query = select(*columns).select_from(Registration)
    query = (query.outerjoin(Person, Person.id == Registration.person_id)
             .outerjoin(Category, Category.id == Person.category_id)
             .outerjoin(k, and_(k.registration_id == registration_id, k.event_id == event_id, k.voided_at.is_(None),
                                k.agenda_item_id == bindparam("item") if by_item else k.agenda_item_id.is_(None)))
             .outerjoin(ks, ks.id == k.station_id).outerjoin(ku, ku.id == k.operator_id))
    if by_item:
        query = query.outerjoin(AgendaItem, and_(AgendaItem.id == bindparam("item"), AgendaItem.event_id == event_id))
    query = query.where(Station.token_hash == bindparam("h") if by_station
                        else Registration.checkin_token == bindparam("token"))
    return query.order_by(k.scanned_at, k.id)


_CHECKIN_KEYS = ("event_id", "registration_id", "day", "agenda_item_id", "scanned_at", "recorded_at",
                 "clock_skew_seconds", "station_id", "operator_id", "source", "client_id", "void_reason",
                 "voided_at", "voided_by_id")
_SCANLOG_KEYS = ("event_id", "registration_id", "checkin_id", "result", "reason", "payload", "scanned_at",
                 "recorded_at", "station_id", "operator_id", "source", "client_id")
_AUDIT_KEYS = ("at", "user_id", "station_id", "actor", "ip", "action", "object_type", "object_id", "event_id",
               "details")


def _values(table, keys, prefix: str = "") -> dict:
    return {k: bindparam(prefix + k, type_=table.c[k].type) for k in keys}


def _build(name: str, dialect: str):
    """The statement ``name`` for ``dialect`` (built once, then kept prepared)."""
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    checkins, scan_logs, audit = CheckIn.__table__, ScanLog.__table__, AuditEntry.__table__
    if name.startswith("lookup"):
        return _lookup_statement(by_station="station" in name, by_item="item" in name)
    if name == "insert_checkin":
        return insert_fn(checkins).values(_values(checkins, _CHECKIN_KEYS)).on_conflict_do_nothing().returning(checkins.c.id)
    if name == "insert_audit":
        return insert(audit).values(_values(audit, _AUDIT_KEYS, "a_"))
    if name == "insert_checkin_audited":
        # PostgreSQL: the check-in and its audit row in one statement, atomic without a
        # transaction around it (one round trip, one commit).
        new = (insert_fn(checkins).values(_values(checkins, _CHECKIN_KEYS)).on_conflict_do_nothing()
               .returning(checkins.c.id).cte("new_checkin"))
        keys = [k for k in _AUDIT_KEYS if k != "object_id"]
        audited = insert(audit).from_select(
            [*keys, "object_id"],
            select(*[bindparam("a_" + k, type_=audit.c[k].type) for k in keys], cast(new.c.id, String)),
            include_defaults=False).cte("audited")
        return select(new.c.id).add_cte(audited)
    if name == "insert_scanlog":
        return insert_fn(scan_logs).values(_values(scan_logs, _SCANLOG_KEYS)).on_conflict_do_nothing().returning(scan_logs.c.id)
    if name in ("first_checkin_day", "first_checkin_item"):
        query = (select(*_checkin_columns(CheckIn, Station, User))
                 .outerjoin(Station, Station.id == CheckIn.station_id)
                 .outerjoin(User, User.id == CheckIn.operator_id)
                 .where(CheckIn.registration_id == bindparam("registration_id"), CheckIn.voided_at.is_(None)))
        if name == "first_checkin_day":
            query = query.where(CheckIn.day == bindparam("day"), CheckIn.agenda_item_id.is_(None))
        else:
            query = query.where(CheckIn.agenda_item_id == bindparam("agenda_item_id"))
        return query.order_by(CheckIn.scanned_at, CheckIn.id).limit(1)
    if name == "checkin_by_id":
        return (select(*_checkin_columns(CheckIn, Station, User)).outerjoin(Station, Station.id == CheckIn.station_id)
                .outerjoin(User, User.id == CheckIn.operator_id).where(CheckIn.id == bindparam("checkin_id")))
    if name == "checkin_by_client_id":
        return (select(CheckIn.id.label("id"), CheckIn.registration_id.label("registration_id"),
                       CheckIn.clock_skew_seconds.label("clock_skew_seconds"))
                .where(CheckIn.event_id == bindparam("event_id"), CheckIn.client_id == bindparam("client_id")))
    if name == "scanlog_by_client_id":
        return (select(ScanLog.result.label("result"), ScanLog.reason.label("reason"),
                       ScanLog.registration_id.label("registration_id"), ScanLog.checkin_id.label("checkin_id"),
                       ScanLog.scanned_at.label("scanned_at"))
                .where(ScanLog.event_id == bindparam("event_id"), ScanLog.client_id == bindparam("client_id")))
    if name == "person_by_registration":
        return (select(*_person_columns()).join(Person, Person.id == Registration.person_id)
                .outerjoin(Category, Category.id == Person.category_id).where(Registration.id == bindparam("registration_id")))
    if name == "agenda_days":
        return select(AgendaItem.id.label("id"), AgendaItem.day.label("day")).where(AgendaItem.event_id == bindparam("event_id"))
    if name == "touch_station":
        return station_service.TOUCH
    raise KeyError(name)


_PREPARED: dict = {}


def _prepared(name: str, dialect: str) -> Prepared:
    key = (name, dialect)
    prepared = _PREPARED.get(key)
    if prepared is None:
        prepared = _PREPARED[key] = Prepared(_build(name, dialect), name)
    return prepared


#: The writers of this process queue here for SQLite's write lock. SQLite's own busy handler
#: makes a waiting connection sleep (up to 100 ms a turn) and retry, which made most of the door's
#: p99; a lock wakes the next writer as soon as the previous one commits. Other processes still
#: wait through busy_timeout. Per process only: nothing is shared across processes.
_SQLITE_WRITERS = threading.Lock()
_WRITER_WAIT = 10.0  # seconds, as busy_timeout; past it SQLite's own waiting takes over


class _Connection:
    """The database connection a scan (or a batch of scans) is answered on.

    Inside a session transaction already begun (a walk-in registered by the same request),
    the session's own connection, committed through the session. Otherwise a connection taken
    from the pool and given back at the end, without the session: on PostgreSQL, when ``live``,
    in autocommit (every write of a live scan is one statement, atomic by itself).
    """

    def __init__(self, live: bool):
        engine = db.engine
        self.dialect = engine.dialect
        self.name = self.dialect.name
        self.sqlite = self.name == "sqlite"
        # No session yet in this request (a station's scan): nothing can be pending in one, and
        # making one just to ask would cost its creation and removal.
        in_session = db.session.registry.has() and db.session().in_transaction()
        self.pooled = None if in_session else engine.raw_connection()
        # Live, each statement commits by itself: a scan's write is then one statement (one
        # round trip on PostgreSQL, no BEGIN and COMMIT around it), or an ``atomic`` block.
        self.autocommit = live and self.pooled is not None
        self.dbapi = self._cursor = None
        if self.pooled is not None:
            self.dbapi = self.pooled.dbapi_connection
            if self.autocommit and self.sqlite:
                self._isolation_level = self.dbapi.isolation_level
                self.dbapi.isolation_level = None  # the sqlite3 module's autocommit
            elif self.autocommit:
                self.dbapi.autocommit = True

    @property
    def cursor(self):
        """The cursor to run on; through the session, its connection of the current transaction
        (a commit gives that connection back to the pool: the next statement asks again)."""
        if self._cursor is None:
            if self.pooled is None:
                self.dbapi = db.session.connection().connection.dbapi_connection
            self._cursor = self.dbapi.cursor()
        return self._cursor

    def _drop_cursor(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None

    def __enter__(self) -> "_Connection":
        return self

    def __exit__(self, *exc) -> None:
        self._drop_cursor()
        if self.pooled is not None:
            if self.autocommit and self.sqlite:
                self.dbapi.isolation_level = self._isolation_level
            elif self.autocommit:
                self.dbapi.autocommit = False
            self.pooled.close()  # back to the pool, which rolls back anything left open

    def execute(self, name: str, params: dict):
        """Run the prepared statement ``name``."""
        return _prepared(name, self.name).execute(self.cursor, self.dialect, params)

    def first(self, name: str, params: dict):
        """The first row of the prepared statement ``name``, or None."""
        return _prepared(name, self.name).first(self.cursor, self.dialect, params)

    def all(self, name: str, params: dict) -> list:
        """The rows of the prepared statement ``name``."""
        return _prepared(name, self.name).all(self.cursor, self.dialect, params)

    def scalar(self, name: str, params: dict):
        """The first value of the prepared statement ``name``, or None."""
        return _prepared(name, self.name).scalar(self.cursor, self.dialect, params)

    def once(self, statement) -> list:
        """The rows of a statement that carries its own values."""
        return run_once(self.cursor, self.dialect, statement)

    @contextmanager
    def transaction(self):
        """Run the body as one transaction (holding the write lock on SQLite), then commit.

        On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (see the module docstring),
        once this process's previous writer is done. Rolled back when the body raises. In
        autocommit, only the turn among this process's writers is taken: statements that must
        commit together go in an ``atomic`` block.
        """
        cursor = self.cursor
        # Not when a transaction is open already (it may hold the write lock: waiting here for
        # a writer that waits for it would stall both).
        turn = self.sqlite and not self.dbapi.in_transaction
        locked = _SQLITE_WRITERS.acquire(timeout=_WRITER_WAIT) if turn else False
        try:
            if turn and not self.autocommit:
                cursor.execute("BEGIN IMMEDIATE")
            yield self
            if self.pooled is None:
                self._drop_cursor()
                db.session.commit()
            elif not self.autocommit:
                self.dbapi.commit()
        except BaseException:
            if self.pooled is None:
                self._drop_cursor()
                db.session.rollback()
            elif not self.autocommit:
                self.dbapi.rollback()
            raise
        finally:
            if locked:
                _SQLITE_WRITERS.release()

    @contextmanager
    def atomic(self):
        """Statements that commit together or not at all, inside ``transaction``: in a
        transaction of their own when each statement would commit by itself (SQLite, live)."""
        if not (self.autocommit and self.sqlite):
            yield self
            return
        self.cursor.execute("BEGIN IMMEDIATE")  # this process's writers' turn is ours already
        try:
            yield self
        except BaseException:
            self.cursor.execute("ROLLBACK")
            raise
        self.cursor.execute("COMMIT")


def _lookup_many(conn: _Connection, tokens: set[str]) -> dict[str, object]:
    """The badges of ``tokens`` with their persons (a batch's lookup)."""
    if not tokens:
        return {}
    query = (select(*_person_columns()).join(Person, Person.id == Registration.person_id)
             .outerjoin(Category, Category.id == Person.category_id)
             .where(Registration.checkin_token.in_(sorted(tokens))))
    return {r.checkin_token: r for r in conn.once(query)}


def _seed(ctx: _Context, rows: list, token: str | None, item_id: int | None) -> dict[str, object]:
    """The badge of a live lookup (token -> row), keeping in ``ctx`` the check-ins it already
    has and the day of the agenda item ``item_id`` when that item is the event's."""
    if not rows or rows[0].id is None:
        return {}
    for r in rows:
        key = (r.id, r.k_day, r.k_agenda_item_id)
        if r.k_id is not None and key not in ctx.admitted:  # rows come earliest first
            ctx.admitted[key] = _info(r, "k_")
            ctx.first_client_ids[r.k_id] = r.k_client_id
    if item_id is not None and rows[0].item_day is not None:
        ctx.agenda_items[item_id] = rows[0].item_day
    return {token: rows[0]}


def _info(row, prefix: str = "") -> CheckInInfo:
    get = (lambda f: getattr(row, prefix + f)) if prefix else (lambda f: getattr(row, f))
    return CheckInInfo(id=get("id"), scanned_at=_aware(get("scanned_at")), recorded_at=_aware(get("recorded_at")),
                       day=get("day"), station=get("station") or "", source=get("source"),
                       agenda_item_id=get("agenda_item_id"), voided=get("voided_at") is not None)


def _checkin_info(ctx: _Context, checkin_id: int) -> CheckInInfo | None:
    row = ctx.conn.first("checkin_by_id", {"checkin_id": checkin_id})
    return _info(row) if row is not None else None


def _first_checkin(ctx: _Context, registration_id: int, day: date,
                   agenda_item_id: int | None) -> tuple[CheckInInfo | None, str | None]:
    """The first admitted check-in of that day (or agenda item) and its client_id, in one statement."""
    row = ctx.conn.first("first_checkin_item" if agenda_item_id is not None else "first_checkin_day",
                         {"registration_id": registration_id, "day": day, "agenda_item_id": agenda_item_id})
    if row is None:
        return None, None
    return _info(row), row.client_id


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


def _replay(client_id: str, ctx: _Context) -> CheckInResult | None:
    """The answer already given to this client_id at this event, or None (a key is unique per
    event: one used at another event is not a retry here and never tells that event's answer)."""
    keys = {"event_id": ctx.event_id, "client_id": client_id}
    row = ctx.conn.first("checkin_by_client_id", keys)
    if row is not None:
        info = _checkin_info(ctx, row.id)
        person = _person_by_registration(ctx, row.registration_id)
        return CheckInResult("checked_in", _message("checked_in", person, info, "", ctx.tz, None), registration=person,
                             checkin=info, client_id=client_id, clock_skew_seconds=row.clock_skew_seconds, replayed=True)
    log = ctx.conn.first("scanlog_by_client_id", keys)
    if log is None:
        return None
    person = _person_by_registration(ctx, log.registration_id) if log.registration_id else None
    info = _checkin_info(ctx, log.checkin_id) if log.checkin_id else None
    message = _message(log.result, person, info, log.reason, ctx.tz, None)
    if log.result in ("not_admitted", "unknown_token"):
        scanned_at = _aware(log.scanned_at)
        message = _reason_text(log.reason, day=scanned_at.astimezone(ctx.tz).date().isoformat() if scanned_at else "")
    return CheckInResult(log.result, message, reason=log.reason, registration=person, checkin=info,
                         client_id=client_id, replayed=True)


def _person_by_registration(ctx: _Context, registration_id: int | None) -> PersonInfo | None:
    if registration_id is None:
        return None
    row = ctx.conn.first("person_by_registration", {"registration_id": registration_id})
    return _person_info(row, ctx.language) if row else None


def _log(ctx: _Context, scan: Scan, result: CheckInResult, scanned_at: datetime) -> bool:
    """Keep a scan that did not admit anyone; False when its client_id was already logged."""
    payload = scan.payload[:200] if isinstance(scan.payload, str) else ""
    if not payload.isprintable():
        payload = "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in payload)
    values = dict(event_id=ctx.event_id, registration_id=result.registration.registration_id if result.registration else None,
                  checkin_id=result.checkin.id if result.checkin else None, result=result.result,
                  reason=result.reason, payload=payload,
                  scanned_at=scanned_at, recorded_at=ctx.now, station_id=ctx.station_id,
                  operator_id=ctx.operator_id, source=scan.source, client_id=scan.client_id)
    return ctx.conn.scalar("insert_scanlog", values) is not None


def _insert_checkin(ctx: _Context, values: dict, actor: Actor | None, registration_id: int, scan: Scan) -> int | None:
    """Insert an admitted check-in and its audit row together; its id, or None when the
    database refused it (already in that day, or a client_id already used)."""
    # The audit row commits with the check-in or not at all.
    actor = actor or Actor(label="system")
    audit = dict(a_at=ctx.now, a_user_id=actor.user_id, a_station_id=actor.station_id or ctx.station_id,
                 a_actor=actor.label, a_ip=actor.ip, a_action="checkin.create", a_object_type="CheckIn",
                 a_event_id=ctx.event_id,
                 a_details=f'{{"registration_id": {registration_id}, "source": "{scan.source}"}}')
    if not ctx.conn.sqlite:
        return ctx.conn.scalar("insert_checkin_audited", {**values, **audit})
    with ctx.conn.atomic():
        new_id = ctx.conn.scalar("insert_checkin", values)
        if new_id is not None:
            ctx.conn.execute("insert_audit", {**audit, "a_object_id": str(new_id)})
    return new_id


def _process(ctx: _Context, scan: Scan, people: dict, actor: Actor | None, skew_offset: timedelta | None) -> CheckInResult:
    """Answer one scan inside the current (write-locked) transaction."""
    # The day is the event-local date of scanned_at (DESIGN.md), corrected by the device's
    # clock offset when a batch tells it. A clock far off is accepted and flagged.
    device_time = _aware(scan.scanned_at)
    skew = None
    if device_time is None:
        scanned_at = ctx.now
        day_time = ctx.now
    elif skew_offset is not None:
        scanned_at = device_time
        day_time = device_time + skew_offset
        if abs(skew_offset) > CLOCK_SKEW_TOLERANCE:
            skew = int(skew_offset.total_seconds())
    else:
        scanned_at = device_time
        ahead = device_time - ctx.now
        live = scan.source != "offline_sync"
        if ahead > CLOCK_SKEW_TOLERANCE or (live and -ahead > CLOCK_SKEW_TOLERANCE):
            skew = -int(ahead.total_seconds())  # seconds to add to the device clock to get the server's
        day_time = device_time
    day = day_time.astimezone(ctx.tz).date()

    token = parse_payload(scan.payload)
    row = people.get(token) if token else None
    person = _person_info(row, ctx.language) if row is not None else None
    reason = ""
    if token is None:
        result, reason = "unknown_token", "garbage"
    elif row is None:
        result, reason = "unknown_token", "unknown"
    elif row.event_id != ctx.event_id:
        # Say nothing about the other event's participant: only that the badge is not for here.
        result, reason, person = "not_admitted", "other_event", None
    elif row.status not in ADMITTED_STATUSES:
        result, reason = "not_admitted", "cancelled"
    elif day not in ctx.days:
        result, reason = "not_admitted", "not_event_day"
    elif scan.agenda_item_id is not None and ctx.agenda_items.get(scan.agenda_item_id) is None:
        result, reason = "not_admitted", "unknown_agenda_item"
    elif scan.agenda_item_id is not None and ctx.agenda_items[scan.agenda_item_id] != day:
        # A session is attended on its own day: a scan for it on another day admits no one.
        result, reason = "not_admitted", "agenda_item_other_day"
    else:
        result = "checked_in"

    if result == "checked_in":
        item_id = scan.agenda_item_id
        checkin_day = day  # an agenda item's own day (checked above)
        key = (row.id, checkin_day, item_id)
        info = ctx.admitted.get(key)
        if info is None:
            new_id = _insert_checkin(ctx, dict(
                event_id=ctx.event_id, registration_id=row.id, day=checkin_day, agenda_item_id=item_id,
                scanned_at=scanned_at, recorded_at=ctx.now, clock_skew_seconds=skew, station_id=ctx.station_id,
                operator_id=ctx.operator_id, source=scan.source, client_id=scan.client_id, void_reason="",
                voided_at=None, voided_by_id=None,
            ), actor, row.id, scan)
            if new_id is not None:
                info = CheckInInfo(id=new_id, scanned_at=scanned_at, recorded_at=ctx.now, day=checkin_day,
                                   station="", source=scan.source, agenda_item_id=item_id)
                ctx.admitted[key] = info
                return CheckInResult("checked_in", _message("checked_in", person, info, "", ctx.tz, day),
                                     registration=person, checkin=info, client_id=scan.client_id,
                                     clock_skew_seconds=skew)
        # Already in: known from the lookup (or earlier in this batch), or the insert was refused.
        first_client_id = None
        if info is None or not info.station:
            info, first_client_id = _first_checkin(ctx, row.id, checkin_day, item_id)
            ctx.admitted[key] = info
        elif ctx.known_client_ids is None:
            # Live, a check-in already in came from the lookup, which read its client_id too.
            first_client_id = ctx.first_client_ids[info.id]
        # The conflict was this very client_id (a retry) when no other check-in explains it, or
        # when the first check-in is this scan's own.
        maybe_retry = info is None or (ctx.known_client_ids is None and first_client_id == scan.client_id)
        if scan.client_id and (maybe_retry or (ctx.known_client_ids is not None and scan.client_id in ctx.known_client_ids)):
            replay = _replay(scan.client_id, ctx)
            if replay is not None:
                return replay
        result = "already_checked_in"
        answer = CheckInResult(result, _message(result, person, info, "", ctx.tz, day), registration=person,
                               checkin=info, client_id=scan.client_id, clock_skew_seconds=skew)
    else:
        answer = CheckInResult(result, _message(result, person, None, reason, ctx.tz, day), reason=reason,
                               registration=person, client_id=scan.client_id, clock_skew_seconds=skew)
    if not _log(ctx, scan, answer, scanned_at):
        replay = _replay(scan.client_id, ctx)
        if replay is not None:
            return replay
    return answer


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
    Raises ValidationError only for a bad ``source`` or an over-long ``client_id``.
    """
    _check_source(source)
    _check_client_id(client_id)
    item_id = agenda_item.id if isinstance(agenda_item, AgendaItem) else agenda_item
    ctx = _context(event, station, operator)
    scan = Scan(payload_or_token, client_id or None, scanned_at, source, item_id)
    token = parse_payload(scan.payload)
    name = _station_name(station, operator)
    with _Connection(live=True) as ctx.conn:
        people = {}
        if token:
            rows = ctx.conn.all("lookup_item" if item_id is not None else "lookup",
                                {"token": token, "event_id": ctx.event_id, "item": item_id})
            people = _seed(ctx, rows, token, item_id)
        with ctx.conn.transaction():
            answer = _process(ctx, scan, people, operator, None)
    return _with_station_name(answer, name)


def check_in_at_station(station_token: str | None, event_slug: str, scan: Scan, *,
                        ip: str = "") -> tuple[CheckInResult, station_service.EventFacts]:
    """Check in a scan sent by a station with its bearer token: the door's hot path.

    The station, its event, the badge, its person and what it already has are read in one
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
    item_id = scan.agenda_item_id
    with _Connection(live=True) as conn:
        rows = conn.all("lookup_station_item" if item_id is not None else "lookup_station",
                        {"h": token_hash, "token": badge, "item": item_id})
        found = station_service.station_from_row(rows[0] if rows else None)
        if found is None:
            raise Unauthorized(_("This station is unknown or was revoked. Ask the organizer to pair it again."))
        station, event = found
        if event.slug != event_slug:
            raise Forbidden(_("This station belongs to another event."))
        actor = Actor(label=station.name, ip=ip, station_id=station.id)
        ctx = _context(event, station, actor)
        ctx.conn = conn
        people = _seed(ctx, rows, badge, item_id) if badge else {}
        with conn.transaction():
            if station_service.needs_touch(rows[0].station_last_seen_at, ctx.now):
                conn.execute("touch_station", {"station_id": station.id, "now": ctx.now})
            answer = _process(ctx, scan, people, actor, None)
    return _with_station_name(answer, station.name), event


def _station_name(station: Station | None, operator: Actor | None) -> str:
    # Read before the commit, which expires the station object (a reload is a query).
    return station.name if station is not None else (operator.label if operator else "")


def _with_station_name(answer: CheckInResult, name: str) -> CheckInResult:
    if answer.result == "checked_in" and answer.checkin is not None and not answer.checkin.station and not answer.replayed:
        answer.checkin = CheckInInfo(**{**answer.checkin.__dict__, "station": name})
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
    errors = {i: error for i, error in ((i, _scan_error(scan)) for i, scan in enumerate(scans)) if error}
    if errors:
        good = [(i, scan) for i, scan in enumerate(scans) if i not in errors]
        answered = iter(check_in_batch(event, [scan for _i, scan in good], station=station, operator=operator,
                                       sent_at=sent_at) if good else [])
        return [errors[i] if i in errors else next(answered) for i in range(len(scans))]
    sent_at = _aware(sent_at)
    if sent_at is not None and not device_time_ok(sent_at):
        sent_at = None  # a broken clock tells nothing about the offset of the scans' clocks
    item_ids = {s.agenda_item_id for s in scans if s.agenda_item_id is not None}
    now = datetime.now(timezone.utc)
    offset = None
    if sent_at is not None and abs(now - sent_at) > CLOCK_SKEW_TOLERANCE:
        offset = now - sent_at
    for i, scan in enumerate(scans):
        scan.index = i
        scan.client_id = scan.client_id or None
    far_future = datetime.max.replace(tzinfo=timezone.utc)
    ordered = sorted(scans, key=lambda s: (_aware(s.scanned_at) or far_future, s.index))
    answers: dict[int, CheckInResult] = {}
    ctx = _context(event, station, operator)
    name = _station_name(station, operator)
    with _Connection(live=False) as ctx.conn:
        if item_ids:
            ctx.agenda_items = {r.id: r.day for r in ctx.conn.all("agenda_days", {"event_id": ctx.event_id})}
        for start in range(0, len(ordered), BATCH_CHUNK):
            chunk = ordered[start:start + BATCH_CHUNK]
            tokens = {t for t in (parse_payload(s.payload) for s in chunk) if t}
            with ctx.conn.transaction():
                people = _lookup_many(ctx.conn, tokens)
                ids = sorted({s.client_id for s in chunk if s.client_id})
                ctx.known_client_ids = set()
                if ids:
                    for table in (CheckIn, ScanLog):
                        ctx.known_client_ids |= {r[0] for r in ctx.conn.once(select(table.client_id).where(
                            table.event_id == ctx.event_id, table.client_id.in_(ids)))}
                for scan in chunk:
                    answers[scan.index] = _with_station_name(_process(ctx, scan, people, operator, offset), name)
    return [answers[i] for i in range(len(scans))]


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
    now = datetime.now(timezone.utc)
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
