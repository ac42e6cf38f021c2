"""Check-in at the door: the semantics of DESIGN.md ("Check-in semantics"), exactly.

A scan is answered with one of four results: ``checked_in``, ``already_checked_in``,
``unknown_token`` or ``not_admitted`` (with a reason). The database decides races: a check-in
is inserted with ``INSERT … ON CONFLICT DO NOTHING`` against the partial unique indexes (one
admitted check-in per registration per day, or per agenda item) and the unique ``client_id``,
so two doors scanning the same badge at the same instant give one check-in and one "already
checked in", and a retried request (same ``client_id``) answers the same and writes nothing.

On SQLite the write lock is taken when the transaction begins (``BEGIN IMMEDIATE``): a
transaction that read first and wrote later could fail with "database is locked" when another
door wrote in between; one that starts by locking simply waits its turn (busy_timeout).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from eventapp.extensions import db
from eventapp.models import AgendaItem, AuditEntry, Category, CheckIn, Event, Person, Registration, ScanLog, Station, User
from eventapp.models.checkin import CHECKIN_SOURCES
from eventapp.models.registration import ADMITTED_STATUSES
from eventapp.services.audit import Actor, record
from eventapp.services.errors import NotFound, ValidationError
from eventapp.services.tokens import parse_payload

#: A device clock further than this from the server's is flagged (and, live, not trusted for the day).
CLOCK_SKEW_TOLERANCE = timedelta(minutes=5)
#: Offline scans are processed in transactions of this many, so a 10,000-scan batch never
#: holds the write lock for long and other doors keep scanning meanwhile.
BATCH_CHUNK = 250
BATCH_MAX = 20_000

#: Reasons of ``not_admitted`` and ``unknown_token`` results (stable codes for the API).
REASONS = ("cancelled", "other_event", "not_event_day", "unknown_agenda_item", "garbage", "unknown")


def _reason_text(reason: str, **kw) -> str:
    texts = {
        "cancelled": _("This registration was cancelled."),
        "other_event": _("This badge is for another event."),
        "not_event_day": _("%(day)s is not a day of this event.", day=kw.get("day", "")),
        "unknown_agenda_item": _("This session is not in the event's agenda."),
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
    # (registration, day, agenda item) -> the admitted check-in: a batch full of repeats of one
    # badge asks the database once.
    admitted: dict = field(default_factory=dict)
    # client_ids already in the database (a batch fetches them per chunk); None: always look.
    known_client_ids: set | None = None
    # The session's connection of the current write transaction (asking the session each time
    # is a cost per statement).
    connection: object = None


def _context(event: Event, station: Station | None, operator: Actor | None, agenda_items: bool) -> _Context:
    items = {}
    if agenda_items:
        items = dict(db.session.execute(select(AgendaItem.id, AgendaItem.day).where(AgendaItem.event_id == event.id)).all())
    return _Context(
        event_id=event.id, tz=ZoneInfo(event.timezone or "Africa/Bamako"), days=frozenset(event.days),
        language=event.language, station_id=station.id if station is not None else (operator.station_id if operator else None),
        operator_id=operator.user_id if operator else None, now=datetime.now(timezone.utc), agenda_items=items,
    )


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _person_columns():
    return (Registration.id, Registration.event_id, Registration.status, Registration.checkin_token,
            Person.first_name, Person.last_name, Person.organisation, Person.sex, Category.code,
            Category.label_fr, Category.label_en)


def _person_info(row, language: str) -> PersonInfo:
    label = (row.label_en if language == "en" else row.label_fr) if row.code else ""
    return PersonInfo(registration_id=row.id, token=row.checkin_token, first_name=row.first_name or "",
                      last_name=row.last_name or "", organisation=row.organisation or "", sex=row.sex or "X",
                      category=row.code, category_label=label or "", status=row.status)


# The hot path runs statements built once, on Core tables: building a statement and going
# through the ORM's bulk machinery cost more than the database's work (see tests/bench).
_STATEMENTS: dict = {}


def _stmt(name: str, connection=None):
    dialect = (connection or db.session.get_bind()).dialect.name
    key = (name, dialect)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = _build(name, dialect)
    return stmt


def _build(name: str, dialect: str):
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert if dialect == "sqlite" else insert
    if name == "lookup":
        return (select(*_person_columns()).join(Person, Person.id == Registration.person_id)
                .outerjoin(Category, Category.id == Person.category_id)
                .where(Registration.checkin_token.in_(bindparam("tokens", expanding=True))))
    if name == "insert_checkin":
        table = CheckIn.__table__
        return insert_fn(table).on_conflict_do_nothing().returning(table.c.id)
    if name == "insert_scanlog":
        table = ScanLog.__table__
        return insert_fn(table).on_conflict_do_nothing().returning(table.c.id)
    if name in ("first_checkin_day", "first_checkin_item"):
        query = (select(CheckIn.id, CheckIn.scanned_at, CheckIn.recorded_at, CheckIn.day, CheckIn.source,
                        CheckIn.agenda_item_id, CheckIn.voided_at, CheckIn.client_id,
                        _station_label_query().label("station"))
                 .outerjoin(Station, Station.id == CheckIn.station_id)
                 .outerjoin(User, User.id == CheckIn.operator_id)
                 .where(CheckIn.registration_id == bindparam("registration_id"), CheckIn.voided_at.is_(None)))
        if name == "first_checkin_day":
            query = query.where(CheckIn.day == bindparam("day"), CheckIn.agenda_item_id.is_(None))
        else:
            query = query.where(CheckIn.agenda_item_id == bindparam("agenda_item_id"))
        return query.order_by(CheckIn.scanned_at, CheckIn.id).limit(1)
    if name == "insert_audit":
        return insert(AuditEntry.__table__)
    raise KeyError(name)


def _lookup(tokens: set[str]) -> dict[str, object]:
    if not tokens:
        return {}
    connection = db.session.connection()
    rows = connection.execute(_stmt("lookup", connection), {"tokens": list(tokens)}).all()
    return {r.checkin_token: r for r in rows}


#: The writers of this process queue here for SQLite's write lock. SQLite's own busy handler
#: makes a waiting connection sleep (up to 100 ms a turn) and retry, which made most of the door's
#: p99; a lock wakes the next writer as soon as the previous one commits. Other processes still
#: wait through busy_timeout. Per process only: nothing is shared across processes.
_SQLITE_WRITERS = threading.Lock()
_WRITER_WAIT = 10.0  # seconds, as busy_timeout; past it SQLite's own waiting takes over


@contextmanager
def _write_transaction():
    """Run the body in a transaction that holds the write lock on SQLite, then commit.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (see the module docstring), once
    this process's previous writer is done. Rolled back when the body raises.
    """
    connection = db.session.connection()
    locked = False
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        # Not when a transaction is open already (it may hold the write lock: waiting here for a
        # writer that waits for it would stall both).
        locked = _SQLITE_WRITERS.acquire(timeout=_WRITER_WAIT)
    try:
        if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield connection
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if locked:
            _SQLITE_WRITERS.release()


def _station_label_query():
    return func.coalesce(Station.name, func.nullif(User.name, ""), User.email, "")


def _checkin_info(checkin_id: int) -> CheckInInfo | None:
    row = db.session.execute(
        select(CheckIn.id, CheckIn.scanned_at, CheckIn.recorded_at, CheckIn.day, CheckIn.source,
               CheckIn.agenda_item_id, CheckIn.voided_at, _station_label_query().label("station"))
        .outerjoin(Station, Station.id == CheckIn.station_id)
        .outerjoin(User, User.id == CheckIn.operator_id)
        .where(CheckIn.id == checkin_id)
    ).first()
    if row is None:
        return None
    return CheckInInfo(id=row.id, scanned_at=_aware(row.scanned_at), recorded_at=_aware(row.recorded_at), day=row.day,
                       station=row.station or "", source=row.source, agenda_item_id=row.agenda_item_id,
                       voided=row.voided_at is not None)


def _first_checkin(registration_id: int, day: date, agenda_item_id: int | None) -> tuple[CheckInInfo | None, str | None]:
    """The first admitted check-in of that day (or agenda item) and its client_id, in one statement."""
    connection = db.session.connection()
    row = connection.execute(
        _stmt("first_checkin_item" if agenda_item_id is not None else "first_checkin_day", connection),
        {"registration_id": registration_id, "day": day, "agenda_item_id": agenda_item_id},
    ).first()
    if row is None:
        return None, None
    return (CheckInInfo(id=row.id, scanned_at=_aware(row.scanned_at), recorded_at=_aware(row.recorded_at), day=row.day,
                        station=row.station or "", source=row.source, agenda_item_id=row.agenda_item_id,
                        voided=row.voided_at is not None), row.client_id)


def _client_id_of(checkin_id: int) -> str | None:
    return db.session.connection().execute(
        select(CheckIn.__table__.c.client_id).where(CheckIn.__table__.c.id == checkin_id)).scalar()


def _message(result: str, info: PersonInfo | None, checkin: CheckInInfo | None, reason: str, tz: ZoneInfo,
             day: date | None) -> str:
    if result == "checked_in":
        return _("Welcome, %(name)s.", name=info.name if info else "")
    if result == "already_checked_in" and checkin is not None:
        return _("Already checked in at %(time)s by %(station)s.",
                 time=checkin.scanned_at.astimezone(tz).strftime("%H:%M"), station=checkin.station or "—")
    if result == "already_checked_in":
        return _("Already checked in.")
    return _reason_text(reason, day=day.isoformat() if day else "")


def _replay(client_id: str, ctx: _Context) -> CheckInResult | None:
    """The answer already given to this client_id, or None."""
    checkin_id = db.session.scalar(select(CheckIn.id).where(CheckIn.client_id == client_id))
    if checkin_id is not None:
        info = _checkin_info(checkin_id)
        reg_id = db.session.scalar(select(CheckIn.registration_id).where(CheckIn.id == checkin_id))
        person = _person_by_registration(reg_id, ctx.language)
        skew = db.session.scalar(select(CheckIn.clock_skew_seconds).where(CheckIn.id == checkin_id))
        return CheckInResult("checked_in", _message("checked_in", person, info, "", ctx.tz, None), registration=person,
                             checkin=info, client_id=client_id, clock_skew_seconds=skew, replayed=True)
    log = db.session.scalar(select(ScanLog).where(ScanLog.client_id == client_id))
    if log is None:
        return None
    person = _person_by_registration(log.registration_id, ctx.language) if log.registration_id else None
    info = _checkin_info(log.checkin_id) if log.checkin_id else None
    message = _message(log.result, person, info, log.reason, ctx.tz, None)
    if log.result in ("not_admitted", "unknown_token"):
        message = _reason_text(log.reason, day=(log.scanned_at.astimezone(ctx.tz).date().isoformat()
                                                if log.scanned_at else ""))
    return CheckInResult(log.result, message, reason=log.reason, registration=person, checkin=info,
                         client_id=client_id, replayed=True)


def _person_by_registration(registration_id: int | None, language: str) -> PersonInfo | None:
    if registration_id is None:
        return None
    row = db.session.execute(
        select(*_person_columns()).join(Person, Person.id == Registration.person_id)
        .outerjoin(Category, Category.id == Person.category_id).where(Registration.id == registration_id)
    ).first()
    return _person_info(row, language) if row else None


def _log(ctx: _Context, scan: Scan, result: CheckInResult, scanned_at: datetime) -> bool:
    """Keep a scan that did not admit anyone; False when its client_id was already logged."""
    payload = scan.payload if isinstance(scan.payload, str) else ""
    payload = "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in payload[:200])
    values = dict(event_id=ctx.event_id, registration_id=result.registration.registration_id if result.registration else None,
                  checkin_id=result.checkin.id if result.checkin else None, result=result.result,
                  reason=result.reason, payload=payload,
                  scanned_at=scanned_at, recorded_at=ctx.now, station_id=ctx.station_id,
                  operator_id=ctx.operator_id, source=scan.source, client_id=scan.client_id)
    return ctx.connection.execute(_stmt("insert_scanlog", ctx.connection), values).scalar() is not None


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

    token = parse_payload(scan.payload) if isinstance(scan.payload, str) else None
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
    else:
        result = "checked_in"

    if result == "checked_in":
        item_id = scan.agenda_item_id
        checkin_day = ctx.agenda_items[item_id] if item_id is not None else day
        new_id = ctx.connection.execute(_stmt("insert_checkin", ctx.connection), dict(
            event_id=ctx.event_id, registration_id=row.id, day=checkin_day, agenda_item_id=item_id,
            scanned_at=scanned_at, recorded_at=ctx.now, clock_skew_seconds=skew, station_id=ctx.station_id,
            operator_id=ctx.operator_id, source=scan.source, client_id=scan.client_id, void_reason="",
            voided_at=None, voided_by_id=None,
        )).scalar()
        if new_id is not None:
            info = CheckInInfo(id=new_id, scanned_at=scanned_at, recorded_at=ctx.now, day=checkin_day,
                               station="", source=scan.source, agenda_item_id=item_id)
            _audit_checkin(ctx, actor, new_id, row.id, scan)
            ctx.admitted[(row.id, checkin_day, item_id)] = info
            return CheckInResult("checked_in", _message("checked_in", person, info, "", ctx.tz, day),
                                 registration=person, checkin=info, client_id=scan.client_id,
                                 clock_skew_seconds=skew)
        info = ctx.admitted.get((row.id, checkin_day, item_id))
        first_client_id = None
        if info is None or not info.station:
            info, first_client_id = _first_checkin(row.id, checkin_day, item_id)
            ctx.admitted[(row.id, checkin_day, item_id)] = info
        elif ctx.known_client_ids is None:
            first_client_id = _client_id_of(info.id)
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


def _audit_checkin(ctx: _Context, actor: Actor | None, checkin_id: int, registration_id: int, scan: Scan) -> None:
    # One Core insert in the same transaction: the audit row commits with the check-in or not at all.
    actor = actor or Actor(label="system")
    ctx.connection.execute(_stmt("insert_audit", ctx.connection), dict(
        at=ctx.now, user_id=actor.user_id, station_id=actor.station_id or ctx.station_id, actor=actor.label,
        ip=actor.ip, action="checkin.create", object_type="CheckIn", object_id=str(checkin_id),
        event_id=ctx.event_id, details=f'{{"registration_id": {registration_id}, "source": "{scan.source}"}}',
    ))


def _check_source(source: str) -> None:
    if source not in CHECKIN_SOURCES:
        raise ValidationError({"source": [_("Unknown source.")]})


def check_in(event: Event, payload_or_token: str | None, *, scanned_at: datetime | None = None,
             client_id: str | None = None, station: Station | None = None, operator: Actor | None = None,
             source: str = "qr", agenda_item: AgendaItem | int | None = None) -> CheckInResult:
    """Check in the holder of a scanned badge at ``event``; never raises for a bad scan.

    ``payload_or_token`` is what the scanner read (the QR payload, or a bare token).
    ``station`` is a Station or a ``stations.StationRef`` (anything with ``id`` and ``name``).
    ``scanned_at`` is the device's clock (None: now). ``client_id`` makes retries idempotent.
    Raises ValidationError only for a bad ``source`` or an over-long ``client_id``.
    """
    _check_source(source)
    _check_client_id(client_id)
    item_id = agenda_item.id if isinstance(agenda_item, AgendaItem) else agenda_item
    ctx = _context(event, station, operator, agenda_items=item_id is not None)
    scan = Scan(payload_or_token, client_id or None, scanned_at, source, item_id)
    token = parse_payload(payload_or_token) if isinstance(payload_or_token, str) else None
    people = _lookup({token} if token else set())
    name = _station_name(station, operator)
    with _write_transaction() as ctx.connection:
        answer = _process(ctx, scan, people, operator, None)
    return _with_station_name(answer, name)


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


def check_in_batch(event: Event, scans: list[Scan], *, station: Station | None = None,
                   operator: Actor | None = None, sent_at: datetime | None = None) -> list[CheckInResult]:
    """Answer the scans a door queued offline, in the order given.

    The earliest scan wins: scans are applied by scanned_at, so of two queued scans of one badge
    the first is ``checked_in`` and the other ``already_checked_in``. ``sent_at`` is the device's
    clock when it sent the batch: when it is far from the server's clock, every scan is
    corrected by that offset for its day, and flagged. Processed in chunks, each committed.
    """
    if len(scans) > BATCH_MAX:
        raise ValidationError({"scans": [_("At most %(n)d scans per batch.", n=BATCH_MAX)]})
    for scan in scans:
        _check_source(scan.source)
        _check_client_id(scan.client_id)
    item_ids = {s.agenda_item_id for s in scans if s.agenda_item_id is not None}
    now = datetime.now(timezone.utc)
    offset = None
    sent_at = _aware(sent_at)
    if sent_at is not None and abs(now - sent_at) > CLOCK_SKEW_TOLERANCE:
        offset = now - sent_at
    for i, scan in enumerate(scans):
        scan.index = i
        scan.client_id = scan.client_id or None
    far_future = datetime.max.replace(tzinfo=timezone.utc)
    ordered = sorted(scans, key=lambda s: (_aware(s.scanned_at) or far_future, s.index))
    answers: dict[int, CheckInResult] = {}
    ctx = _context(event, station, operator, agenda_items=bool(item_ids))
    name = _station_name(station, operator)
    for start in range(0, len(ordered), BATCH_CHUNK):
        chunk = ordered[start:start + BATCH_CHUNK]
        tokens = {t for t in (parse_payload(s.payload) if isinstance(s.payload, str) else None for s in chunk) if t}
        people = _lookup(tokens)
        with _write_transaction() as ctx.connection:
            ids = [s.client_id for s in chunk if s.client_id]
            ctx.known_client_ids = set(db.session.scalars(select(CheckIn.client_id).where(CheckIn.client_id.in_(ids))))
            ctx.known_client_ids |= set(db.session.scalars(select(ScanLog.client_id).where(ScanLog.client_id.in_(ids))))
            for scan in chunk:
                answers[scan.index] = _with_station_name(_process(ctx, scan, people, operator, offset), name)
    return [answers[i] for i in range(len(scans))]


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
    """Today's date where the event takes place."""
    return (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(event.timezone or "Africa/Bamako")).date()
