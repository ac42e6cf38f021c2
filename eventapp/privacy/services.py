"""Data protection: purge an event's personal data after its retention date; export and erase a person.

What identifies someone is blanked: names, phone, email, organisation, function, notes, and every
copy of them: names frozen on paid payment sheets, free-text reasons (voided check-ins) and the
words of the audit log, mentions of an erased person in other free text, the mails kept in the
outbox, badge prints and pending import uploads in the instance folder; then SQLite's
write-ahead log is checkpointed so that the old pages go too (PostgreSQL: see
:func:`compact_storage`). What donors count is kept: sex, age band, category and locality (none
identifies a person alone in the lists we print), and every registration and check-in row, so
attendance figures by sex, age and category are the same before and after. Consents are kept with
their dates (a record that consent was given or withdrawn is itself something to keep).
"""
from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from eventapp.audit.models import AuditEntry
from eventapp.audit.services import Actor, record
from eventapp.core.errors import ValidationError
from eventapp.core.mail import outbox_files
from eventapp.core.models import utcnow
from eventapp.door.models import CheckIn, ScanLog
from eventapp.events.models import Event
from eventapp.events.services import hold_event
from eventapp.extensions import db
from eventapp.people.models import Consent, Person, PersonMerge
from eventapp.people.services import PERSON_FIELD_TABLE
from eventapp.registration.models import Invitation, Registration
from eventapp.reports.models import PaymentLine, PaymentSheet

log = logging.getLogger(__name__)
#: What erasure blanks, and what a detached stand-in keeps (the traits donors count).
PERSONAL_FIELDS = tuple(f for f in PERSON_FIELD_TABLE if f.personal)
COUNTED_FIELDS = tuple(f for f in PERSON_FIELD_TABLE if not f.personal)


@dataclass(frozen=True)
class StoredFiles:
    """The instance folders where copies of personal data wait: mails kept in the outbox, badge
    prints made in the background, and import uploads between the steps of the import page."""

    outbox: Path | None = None
    prints: Path | None = None
    imports: Path | None = None

    @classmethod
    def of_instance(cls, instance_path) -> StoredFiles:
        """The folders of the instance at ``instance_path`` (as the web layer and the CLI use them)."""
        base = Path(instance_path)
        return cls(outbox=base / "outbox", prints=base / "prints", imports=base / "imports")


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
        for f in PERSONAL_FIELDS:
            setattr(person, f.name, f.blank)
        person.last_name = pseudonym(person.id)
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


# --- copies of personal data beyond the person's row ------------------------------------


def _words_only_numbers(details: str) -> str:
    """Audit details without their words: counts and yes/no stay, every text goes.

    A text in the details may quote a name, a reason typed at the door or a file name
    (``liste Traoré.xlsx``); which key holds what is not worth guessing.
    """
    if not details:
        return ""
    try:
        data = json.loads(details)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    kept = {k: v for k, v in data.items() if v is None or isinstance(v, (bool, int, float))}
    return json.dumps(kept, sort_keys=True) if kept else ""


def _scrub_audit(*conditions) -> None:
    """Strip the words from the details of the audit entries matching ``conditions``."""
    for entry in db.session.scalars(select(AuditEntry).where(*conditions, AuditEntry.details != "")):
        scrubbed = _words_only_numbers(entry.details)
        if scrubbed != entry.details:
            entry.details = scrubbed


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def mentions_of(person: Person) -> dict[str, str]:
    """The ways free text may name ``person`` (casefolded), each mapped to their pseudonym.

    Names in both orders, with and without accents, the email and the phone. A first name or a
    last name alone is not enough to say the text is about them (many share it).
    """
    forms = set()
    first, last = (person.first_name or "").strip(), (person.last_name or "").strip()
    if first and last:
        forms.update({f"{first} {last}", f"{last} {first}"})
    elif len(first + last) >= 4:
        forms.add(first + last)
    forms.update(x for x in (person.email, person.phone) if x)
    forms |= {_unaccented(f) for f in forms}
    return {f.casefold(): pseudonym(person.id) for f in forms if len(f) >= 4}


#: Free-text columns where someone may have typed a participant's name.
_FREE_TEXT = ((CheckIn, CheckIn.void_reason), (AuditEntry, AuditEntry.details), (ScanLog, ScanLog.payload),
              (ScanLog, ScanLog.reason), (Registration, Registration.notes), (Invitation, Invitation.error),
              (Person, Person.notes), (PersonMerge, PersonMerge.snapshot), (PaymentLine, PaymentLine.name))


def _with_duplicates(persons: list[Person]) -> list[Person]:
    """``persons`` and the duplicates merged into them (which :func:`_blank` erases too)."""
    found, todo = list(persons), [p.id for p in persons]
    while todo:
        more = []
        for chunk in _chunks(todo):
            more += db.session.scalars(select(Person).where(Person.merged_into_id.in_(chunk),
                                                            Person.erased_at.is_(None)))
        found += more
        todo = [p.id for p in more]
    return found


def _mention_pattern(mentions: dict[str, str]):
    if not mentions:
        return None
    # Longest first, so "Traoré Aïssata Maïga" is not cut at a shorter form.
    alternatives = sorted(mentions, key=len, reverse=True)
    return re.compile("|".join(re.escape(m) for m in alternatives), re.IGNORECASE)


def _replace_mentions(mentions: dict[str, str]) -> None:
    """Put the pseudonym in place of every mention of an erased person in free text, anywhere."""
    pattern = _mention_pattern(mentions)
    if pattern is None:
        return
    for model, column in _FREE_TEXT:
        key = model.__mapper__.primary_key[0]
        for row_id, text in db.session.execute(select(key, column).where(column != "")).all():
            if text and pattern.search(text):
                new = pattern.sub(lambda m: mentions.get(m.group(0).casefold(), "ANON"), text)
                length = getattr(column.type, "length", None)
                new = new[:length] if length else new
                _bulk_update(update(model).where(key == row_id).values({column.key: new}))


def _freeze_pseudonyms_on_paid_sheets(condition) -> None:
    """A paid sheet's frozen line keeps the pseudonym of its registration's person, never the name."""
    rows = db.session.execute(
        select(PaymentLine.id, Person.id).join(PaymentSheet, PaymentSheet.id == PaymentLine.sheet_id)
        .outerjoin(Registration, Registration.id == PaymentLine.registration_id)
        .outerjoin(Person, Person.id == Registration.person_id).where(condition)).all()
    for line_id, person_id in rows:
        _bulk_update(update(PaymentLine).where(PaymentLine.id == line_id)
                     .values(name=pseudonym(person_id) if person_id else ""))


def _mail_mentions(path: Path, pattern) -> bool:
    """True when a kept message names someone (its headers or any text part, decoded)."""
    try:
        message = message_from_bytes(path.read_bytes(), policy=email_policy.default)
    except OSError:
        return False
    texts = [str(v) for v in message.values()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                texts.append(part.get_content())
            except (LookupError, ValueError):
                texts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
    return any(pattern.search(t) or pattern.search(_unaccented(t)) for t in texts)


def _remove(path: Path) -> int:
    try:
        path.unlink()
        return 1
    except FileNotFoundError:
        return 0


def forget_files(files: StoredFiles | None, *, event_ids: set[int] = frozenset(),
                 registration_ids: set[int] = frozenset(), mentions: dict[str, str] | None = None,
                 prints_of: set[int] = frozenset()) -> int:
    """Delete the stored files about these events or registrations, or naming these people.

    Mails of the outbox say which event and registration they are about; older ones are read.
    A badge print says its event: those of ``event_ids`` and ``prints_of`` go. A pending import
    upload cannot be tied to anyone who is not in the directory yet, so every one is deleted (the
    organiser uploads the file again).
    Returns how many files went.
    """
    if files is None:
        return 0
    pattern = _mention_pattern(mentions or {})
    removed = 0
    for path, event_id, registration_id in outbox_files(files.outbox):
        if (event_id in event_ids or registration_id in registration_ids
                or (pattern is not None and _mail_mentions(path, pattern))):
            removed += _remove(path)
    prints_of = set(prints_of) | set(event_ids)
    if files.prints is not None and files.prints.is_dir() and prints_of:
        for status_path in files.prints.glob("*.json"):
            try:
                event_id = json.loads(status_path.read_text(encoding="utf-8")).get("event_id")
            except (OSError, ValueError, AttributeError):
                continue
            if event_id in prints_of:
                removed += _remove(status_path.with_suffix(".pdf")) + _remove(status_path)
    if files.imports is not None and files.imports.is_dir():
        # Every file there is an upload or its marks (.bin, .json, .importing while claimed, .done).
        for path in list(files.imports.iterdir()):
            if path.is_file():
                removed += _remove(path)
    return removed


def compact_storage() -> bool:
    """Make the database let go of the old copies of what was just blanked; True when it did.

    SQLite zeroes freed space (``secure_delete``, set on every connection) but the previous
    versions of each changed page stay in the write-ahead log until a checkpoint: it is done
    now and the log truncated. PostgreSQL keeps old row versions until VACUUM marks them free;
    it is run on the tables a purge touches (outside a transaction, as VACUUM must be). Their
    bytes stay in the data files until overwritten, and in PostgreSQL's own WAL and in any
    backup or replica: VACUUM FULL rewrites a table if that matters.
    """
    engine = db.engine
    try:
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
                conn.commit()
            if busy:
                log.warning("privacy: the write-ahead log is in use; it is checkpointed at the next purge or restart")
            return not busy
        if engine.dialect.name == "postgresql":
            tables = ", ".join(t.__tablename__ for t in (Person, Registration, CheckIn, AuditEntry, ScanLog,
                                                          Invitation, PersonMerge, PaymentLine))
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"VACUUM {tables}")
            return True
    except Exception:  # the data is blanked already; a failed clean-up must not undo that
        log.exception("privacy: compacting the database failed")
    return False


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
    stand_in = Person(**{f.name: getattr(person, f.name) for f in COUNTED_FIELDS}, last_name="", erased_at=now)
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
    hold_event(event)
    db.session.refresh(event)


def purge_event(event: Event, actor: Actor | None = None, *, force: bool = False,
                today: date | None = None, files: StoredFiles | None = None) -> PurgeResult:
    """Remove the personal data of ``event``'s participants, keeping every count; commits.

    Refused before the event's retention date (or when it has none) unless ``force``.
    Running it again is harmless (it catches late additions). ``files``: the instance folders
    whose copies (outbox mails, badge prints, pending uploads) are deleted too.
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
    mentions: dict[str, str] = {}
    for person in _with_duplicates(to_erase):
        mentions.update(mentions_of(person))
    for registration in to_detach:
        _detach(registration, now)
    _blank(to_erase, now)
    erased, detached = len(to_erase), len(to_detach)
    # Raw scans may hold whatever a keyboard scanner typed (a name searched by mistake), and a
    # reason typed when voiding a check-in may name the person.
    _bulk_update(update(ScanLog).where(ScanLog.event_id == event.id).values(payload=""))
    _bulk_update(update(CheckIn).where(CheckIn.event_id == event.id).values(void_reason=""))
    _scrub_audit(AuditEntry.event_id == event.id)
    db.session.flush()
    _freeze_pseudonyms_on_paid_sheets(PaymentSheet.event_id == event.id)
    _replace_mentions(mentions)
    event.purged_at = now
    result = PurgeResult(event_slug=event.slug, registrations=len(registrations), persons_erased=erased,
                         persons_detached=detached)
    record(actor, "event.purge", event, event_id=event.id, registrations=result.registrations,
           persons_erased=erased, persons_detached=detached, forced=force)
    db.session.commit()
    forget_files(files, event_ids={event.id}, mentions=mentions)
    compact_storage()
    return result


def events_due(today: date | None = None) -> list[Event]:
    """Events past their retention date and not purged yet."""
    today = today or date.today()
    return list(db.session.scalars(select(Event).where(
        Event.retention_until.is_not(None), Event.retention_until < today, Event.purged_at.is_(None))
        .order_by(Event.retention_until, Event.id)))


def purge_due_events(actor: Actor | None = None, today: date | None = None,
                     files: StoredFiles | None = None) -> list[PurgeResult]:
    """Purge every event past its retention date (the daily check of ``eventapp serve``)."""
    today = today or date.today()
    results = []
    for event in events_due(today):
        _lock(event)
        if event.purged_at is not None:  # another server process got there first
            db.session.commit()
            continue
        results.append(purge_event(event, actor, today=today, files=files))
    return results


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
            "id": person.id,
            **{f.key: (person.category.code if person.category else None) if f.kind == "category"
               else getattr(person, f.name) for f in PERSON_FIELD_TABLE},
            "created_at": _iso(person.created_at), "updated_at": _iso(person.updated_at),
            "erased_at": _iso(person.erased_at),
        },
        "consents": [{"kind": c.kind, "given": c.given, "state": c.state, "recorded_at": _iso(c.recorded_at),
                      "source": c.source, "event": _event_slug(c.event_id)} for c in consents],
        "registrations": [{
            "event": events[r.event_id].slug, "event_title": events[r.event_id].title,
            "status": r.status, "source": r.source, "created_at": _iso(r.created_at),
            "responded_at": _iso(r.responded_at), "notes": r.notes, "days": [_iso(d) for d in r.days],
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


def erase_person(person: Person, actor: Actor | None = None, *, files: StoredFiles | None = None) -> Person:
    """Erase one person's personal data on request; registrations, check-ins and consents stay.

    Their copies go too: the reasons of their voided check-ins and the words of the audit
    entries about them, their names on paid sheets, mentions of them in other free text, and
    the mails about them kept in ``files.outbox`` (and every pending import upload).
    """
    if person.erased_at is not None:
        raise ValidationError(_("The data of this person has already been erased."))
    now = utcnow()
    registration_ids = [r.id for r in person.registrations]
    mentions: dict[str, str] = {}
    for someone in _with_duplicates([person]):
        mentions.update(mentions_of(someone))
    _blank_registrations(registration_ids)
    _blank([person], now)
    checkin_ids = []
    for chunk in _chunks(registration_ids):
        checkin_ids += db.session.scalars(select(CheckIn.id).where(CheckIn.registration_id.in_(chunk)))
        _bulk_update(update(CheckIn).where(CheckIn.registration_id.in_(chunk)).values(void_reason=""))
        _scrub_audit(AuditEntry.object_type == "Registration", AuditEntry.object_id.in_([str(i) for i in chunk]))
    for chunk in _chunks(checkin_ids):
        _scrub_audit(AuditEntry.object_type == "CheckIn", AuditEntry.object_id.in_([str(i) for i in chunk]))
    db.session.flush()
    if registration_ids:
        _freeze_pseudonyms_on_paid_sheets(PaymentLine.registration_id.in_(registration_ids))
    _replace_mentions(mentions)
    # Recorded after the blanking, so this entry is the one that says it happened.
    record(actor, "person.erase", person)
    db.session.commit()
    forget_files(files, registration_ids=set(registration_ids), mentions=mentions,
                 prints_of={r.event_id for r in person.registrations})
    compact_storage()
    return person
