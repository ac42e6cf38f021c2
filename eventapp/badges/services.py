"""Printing badges and name plates: choose who, build the plain data, make the PDF, record it.

A badge print is recorded on each registration (``badge_print_count``, ``badge_printed_at``)
and in the audit log (``badges.print`` with the count). Printing again a badge that was
already printed needs ``confirm_reprint``: the caller asks the user first.

Large prints run in a background thread that writes the PDF and a small JSON status file to
``instance/prints/``, so no request waits for ten thousand badges.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from eventapp.audit.models import AuditEntry
from eventapp.audit.services import Actor, record
from eventapp.badges.documents.badges import (
    DEFAULT_LAYOUT,
    LAYOUTS,
    BadgeEvent,
    BadgePerson,
    UnknownLayout,
    render_badges,
)
from eventapp.badges.documents.nameplates import Nameplate, render_nameplates
from eventapp.core.errors import NotFound, ServiceError, ValidationError
from eventapp.core.models import utcnow
from eventapp.core.tokens import qr_payload
from eventapp.events.models import Event
from eventapp.events.services import logo_bytes
from eventapp.extensions import db
from eventapp.people.models import Category, Person
from eventapp.registration.models import REGISTRATION_STATUSES, Registration

log = logging.getLogger(__name__)

#: Statuses one may filter on (cancelled registrations are printed only when asked by id).
PRINTABLE_STATUSES = tuple(s for s in REGISTRATION_STATUSES if s != "cancelled")
_CHUNK = 500  # ids per IN (…) query: SQLite limits the number of parameters
#: Finished prints are deleted after this long (they carry check-in tokens).
JOB_KEEP_SECONDS = 24 * 3600
#: A print whose status has not moved for this long was interrupted (the server stopped).
JOB_STALE_SECONDS = 15 * 60


class ReprintNeedsConfirmation(ServiceError):
    """Some of the badges asked for were printed before: ask the user, then call again with
    ``confirm_reprint=True``."""

    def __init__(self, already: int, total: int, names: list[str]):
        self.already, self.total, self.names = already, total, names
        super().__init__(ngettext("%(num)d of these badges was already printed.",
                                  "%(num)d of these badges were already printed.", already))


class NotAllowed(ServiceError):
    """The actor may not print this (a door user asking for more than a walk-in's badge)."""


@dataclass
class Selection:
    """Whose badges to print: given registrations, or everyone matching the filters."""

    registration_ids: list[int] | None = None
    status: str | None = None  # one of PRINTABLE_STATUSES, or None for all but cancelled
    category_id: int | None = None
    include_printed: bool = True  # False leaves out badges already printed


@dataclass
class PrintRequest:
    """A parsed print form: the selection and how to print it."""

    selection: Selection = field(default_factory=Selection)
    layout: str | None = None  # None: the event's layout
    discreet: bool | None = None  # None: the event's setting
    confirm_reprint: bool = False


@dataclass
class BadgePrint:
    """A printed batch."""

    pdf: bytes
    count: int
    reprints: int
    layout: str
    filename: str


# --- choosing -------------------------------------------------------------------------------


def _int(value, field_name: str, message: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field_name: [message]}) from None
    if not 0 < number < 2**31:  # beyond what an id column holds (PostgreSQL would refuse the query)
        raise ValidationError({field_name: [message]})
    return number


def parse_print_request(event: Event, values: Mapping[str, str],
                        registration_ids: list[str] | None = None) -> PrintRequest:
    """Read a print form (strings, as posted) into a :class:`PrintRequest`; ValidationError
    with messages per field for anything unknown.

    Either ``registration_ids`` are given (ticked rows, one walk-in), or ``scope=filters``
    says that the filters (status, category, include_printed) choose.
    """
    errors: dict[str, list[str]] = {}
    layout = (values.get("layout") or "").strip() or None
    if layout is not None and layout not in LAYOUTS:
        errors["layout"] = [_("Unknown layout “%(name)s”. Layouts: %(names)s.", name=layout, names=", ".join(LAYOUTS))]
    status = (values.get("status") or "").strip() or None
    if status is not None and status not in PRINTABLE_STATUSES:
        errors["status"] = [_("Unknown status.")]
    category_id = _field(errors, _category_id, (values.get("category") or "").strip())
    discreet = {"": None, "yes": True, "no": False}.get((values.get("discreet") or "").strip())
    ids = _field(errors, _registration_ids, registration_ids)
    if not ids and "registration_ids" not in errors and (values.get("scope") or "").strip() != "filters":
        # A selection form posted with nothing ticked must not print the whole event.
        errors["registration_ids"] = [_("No participant is ticked.")]
    if errors:
        raise ValidationError(errors)
    include_printed = str(values.get("include_printed", "")).lower() in ("1", "y", "yes", "on", "true")
    return PrintRequest(
        selection=Selection(registration_ids=ids or None, status=status, category_id=category_id,
                            include_printed=include_printed or bool(ids)),
        layout=layout, discreet=discreet,
        confirm_reprint=str(values.get("confirm", "")).lower() in ("1", "yes", "on", "true"),
    )


def _field(errors: dict[str, list[str]], read, raw):
    """``read(raw)``, or None with its messages added to ``errors`` (every field is checked)."""
    try:
        return read(raw)
    except ValidationError as exc:
        errors.update(exc.errors)
        return None


def _category_id(raw: str) -> int | None:
    if not raw:
        return None
    category_id = _int(raw, "category", _("Unknown category."))
    if db.session.get(Category, category_id) is None:
        raise ValidationError({"category": [_("Unknown category.")]})
    return category_id


def _registration_ids(raw: list[str] | None) -> list[int] | None:
    if not raw:
        return None
    return [_int(v, "registration_ids", _("Unknown registration.")) for v in raw if str(v).strip()]


def _with_people(query):
    return query.options(selectinload(Registration.person).selectinload(Person.category),
                         selectinload(Registration.day_rows))


def select_registrations(event: Event, selection: Selection) -> list[Registration]:
    """The registrations to print, by name. Cancelled ones only when asked for by id."""
    if selection.registration_ids:
        wanted = list(dict.fromkeys(selection.registration_ids))
        found: list[Registration] = []
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            found += db.session.scalars(_with_people(select(Registration)).where(
                Registration.event_id == event.id, Registration.id.in_(chunk)))
        if len(found) != len(wanted):
            raise NotFound(_("Some of these registrations are not in this event."))
        registrations = found
    else:
        query = _with_people(select(Registration)).where(Registration.event_id == event.id,
                                                          Registration.status != "cancelled")
        if selection.status:
            query = query.where(Registration.status == selection.status)
        if selection.category_id:
            query = query.join(Person, Registration.person_id == Person.id).where(
                Person.category_id == selection.category_id)
        registrations = list(db.session.scalars(query))
    if not selection.include_printed:
        registrations = [r for r in registrations if not r.badge_print_count]
    return sorted(registrations, key=lambda r: (r.person.last_name.casefold(), r.person.first_name.casefold(), r.id))


@dataclass
class Summary:
    """Counts shown on the badges page."""

    total: int
    printed: int

    @property
    def not_printed(self) -> int:
        return self.total - self.printed


def summary(event: Event) -> Summary:
    """How many badges there are to print (cancelled left out), and how many were printed."""
    rows = db.session.execute(select(Registration.badge_print_count).where(
        Registration.event_id == event.id, Registration.status != "cancelled")).scalars().all()
    return Summary(total=len(rows), printed=sum(1 for n in rows if n))


@dataclass
class PastPrint:
    """A print as the audit log recorded it."""

    at: datetime  # UTC
    actor: str
    count: int
    reprints: int
    layout: str


def recent_prints(event: Event, limit: int = 10) -> list[PastPrint]:
    """The event's latest badge prints (when, by whom, how many), newest first."""
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.event_id == event.id, AuditEntry.action == "badges.print")
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
    out = []
    for entry in entries:
        try:
            details = json.loads(entry.details or "{}")
        except ValueError:
            details = {}
        out.append(PastPrint(at=entry.at, actor=entry.actor, count=int(details.get("count", 0)),
                             reprints=int(details.get("reprints", 0)), layout=str(details.get("layout", ""))))
    return out


# --- plain data for the documents ------------------------------------------------------------


def badge_event(event: Event, upload_dir: Path | None, discreet: bool | None = None) -> BadgeEvent:
    """What every badge of the event shows (logos read once here)."""
    return BadgeEvent(
        title=event.title, start_date=event.start_date, end_date=event.end_date, language=event.language,
        place=event.city, organizer_logo=logo_bytes(event, "organizer_logo", upload_dir),
        partner_logo=logo_bytes(event, "partner_logo", upload_dir),
        discreet=event.discreet_badges if discreet is None else discreet,
    )


def badge_person(registration: Registration, language: str) -> BadgePerson:
    """One badge's words and QR payload, and the days it is valid for when they are not all."""
    person = registration.person
    category = person.category
    return BadgePerson(
        payload=qr_payload(registration.checkin_token), first_name=person.first_name, last_name=person.last_name,
        organisation=person.organisation, function=person.function,
        category_label=category.label(language) if category else "",
        category_colour=category.colour if category else "#555555", days=tuple(registration.days),
    )


def _layout_name(event: Event, layout: str | None) -> str:
    name = layout or event.badge_layout or DEFAULT_LAYOUT
    if name not in LAYOUTS:
        if layout:
            raise ValidationError({"layout": [_("Unknown layout “%(name)s”. Layouts: %(names)s.",
                                                name=name, names=", ".join(LAYOUTS))]})
        name = DEFAULT_LAYOUT  # an event saved with a layout since removed
    return name


def _check(event: Event, request: PrintRequest, *, door_only_walk_in: bool) -> tuple[list[Registration], str]:
    layout = _layout_name(event, request.layout)
    registrations = select_registrations(event, request.selection)
    if door_only_walk_in and (len(registrations) != 1 or registrations[0].source != "walk_in"):
        raise NotAllowed(_("Door staff may print only the badge of a walk-in."))
    if not registrations:
        if request.selection.registration_ids is None and not request.selection.include_printed:
            raise ValidationError(_("Nobody to print: every badge of this selection was already printed."))
        raise ValidationError(_("Nobody to print: this event has no participant in this selection."))
    already = [r for r in registrations if r.badge_print_count]
    if already and not request.confirm_reprint:
        raise ReprintNeedsConfirmation(len(already), len(registrations), [r.person.full_name for r in already[:20]])
    return registrations, layout


def check_print(event: Event, request: PrintRequest, *, door_only_walk_in: bool = False) -> list[Registration]:
    """The registrations ``request`` would print, printing and counting nothing (a page that
    offers the print); the same refusals as :func:`print_badges`."""
    return _check(event, request, door_only_walk_in=door_only_walk_in)[0]


def _record(event: Event, registrations: list[Registration], layout: str, actor: Actor | None) -> int:
    now = utcnow()
    reprints = sum(1 for r in registrations if r.badge_print_count)
    ids = [r.id for r in registrations]
    # One UPDATE per chunk, counting in the database: fast for 10,000 badges, and two prints
    # at the same moment both count.
    for start in range(0, len(ids), _CHUNK):
        db.session.execute(
            update(Registration).where(Registration.id.in_(ids[start:start + _CHUNK]))
            .values(badge_print_count=Registration.badge_print_count + 1, badge_printed_at=now)
            .execution_options(synchronize_session=False))
    for registration in registrations:
        db.session.expire(registration, ["badge_print_count", "badge_printed_at"])
    details = dict(count=len(registrations), reprints=reprints, layout=layout)
    if len(registrations) == 1:
        details["registration_id"] = registrations[0].id
    record(actor, "badges.print", event, event_id=event.id, **details)
    db.session.commit()
    return reprints


def _filename(event: Event, layout: str) -> str:
    return f"badges-{event.slug}-{layout}.pdf"


def print_badges(event: Event, request: PrintRequest, *, actor: Actor | None = None, upload_dir: Path | None = None,
                 door_only_walk_in: bool = False) -> BadgePrint:
    """Make the badges' PDF and record the print.

    Raises ValidationError (unknown layout, nobody to print), NotFound (ids of another event),
    ReprintNeedsConfirmation (already printed, not confirmed) and NotAllowed.
    """
    registrations, layout = _check(event, request, door_only_walk_in=door_only_walk_in)
    data = badge_event(event, upload_dir, request.discreet)
    people = [badge_person(r, event.language) for r in registrations]
    pdf = render_badges(data, people, layout)
    reprints = _record(event, registrations, layout, actor)
    return BadgePrint(pdf=pdf, count=len(people), reprints=reprints, layout=layout, filename=_filename(event, layout))


def count_selected(event: Event, request: PrintRequest) -> int:
    """How many badges a request would print (to choose between now and in the background)."""
    return len(select_registrations(event, request.selection))


@dataclass
class PrintOutcome:
    """What :func:`print_or_queue` did: a PDF made now, or a background job started."""

    result: BadgePrint | None = None
    job_id: str | None = None


def print_or_queue(app, event: Event, request: PrintRequest, *, actor: Actor | None, upload_dir: Path | None,
                   prints_dir: Path, background_from: int, door_only_walk_in: bool = False) -> PrintOutcome:
    """Print now, or, from ``background_from`` badges on, start a background job (see
    :func:`start_print_job`); the same errors as :func:`print_badges`."""
    if not door_only_walk_in and count_selected(event, request) >= background_from:
        return PrintOutcome(job_id=start_print_job(app, event, request, actor=actor, upload_dir=upload_dir,
                                                   prints_dir=prints_dir))
    return PrintOutcome(result=print_badges(event, request, actor=actor, upload_dir=upload_dir,
                                            door_only_walk_in=door_only_walk_in))


def save_settings(event: Event, layout: str, discreet: bool, *, actor: Actor | None = None) -> Event:
    """Set the event's default badge layout and discreet-badge option."""
    if layout not in LAYOUTS:
        raise ValidationError({"layout": [_("Unknown layout “%(name)s”. Layouts: %(names)s.",
                                            name=layout, names=", ".join(LAYOUTS))]})
    event.badge_layout = layout
    event.discreet_badges = bool(discreet)
    record(actor, "badges.settings", event, event_id=event.id, layout=layout, discreet=bool(discreet))
    db.session.commit()
    return event


# --- large prints in the background ----------------------------------------------------------


def _job_paths(prints_dir: Path, job_id: str) -> tuple[Path, Path]:
    if not job_id or not all(c.isalnum() or c in "-_" for c in job_id):
        raise NotFound(_("This print does not exist."))
    return prints_dir / f"{job_id}.json", prints_dir / f"{job_id}.pdf"


def _write_status(path: Path, status: dict) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(status), encoding="utf-8")
    os.replace(tmp, path)  # readers never see half a file


def remove_old_jobs(prints_dir: Path, keep_seconds: float = JOB_KEEP_SECONDS) -> int:
    """Delete the files of prints older than ``keep_seconds``; returns how many files went."""
    if not prints_dir.is_dir():
        return 0
    limit = time.time() - keep_seconds
    removed = 0
    for path in prints_dir.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:  # another process removed it first
            continue
    return removed


def start_print_job(app, event: Event, request: PrintRequest, *, actor: Actor | None, upload_dir: Path | None,
                    prints_dir: Path) -> str:
    """Check the request now (errors show on the form), then make the PDF in a thread; returns
    the job's id, whose status :func:`job_status` reads. Old prints are cleared on the way."""
    registrations, layout = _check(event, request, door_only_walk_in=False)
    prints_dir.mkdir(parents=True, exist_ok=True)
    remove_old_jobs(prints_dir)
    job_id = secrets.token_urlsafe(12)
    status_path, _pdf = _job_paths(prints_dir, job_id)
    status = dict(event_id=event.id, state="running", done=0, total=len(registrations), layout=layout,
                  filename=_filename(event, layout), error="", user_id=actor.user_id if actor else None)
    _write_status(status_path, status)
    ids = [r.id for r in registrations]
    thread = threading.Thread(
        target=_run_job, name=f"badges-{job_id}", daemon=True,
        args=(app, job_id, event.id, ids, layout, request.discreet, actor, upload_dir, prints_dir, status),
    )
    thread.start()
    return job_id


def _run_job(app, job_id, event_id, ids, layout, discreet, actor, upload_dir, prints_dir, status) -> None:
    status_path, pdf_path = _job_paths(prints_dir, job_id)
    with app.app_context():
        try:
            event = db.session.get(Event, event_id)
            registrations = select_registrations(event, Selection(registration_ids=ids))

            written = [0]

            def progress(done: int, total: int) -> None:
                if done - written[0] >= 200 or done == total:  # a few writes, not one a page
                    _write_status(status_path, {**status, "done": done})
                    written[0] = done

            pdf = render_badges(badge_event(event, upload_dir, discreet),
                                [badge_person(r, event.language) for r in registrations], layout, progress)
            tmp = pdf_path.with_suffix(".pdf.tmp")
            tmp.write_bytes(pdf)
            os.replace(tmp, pdf_path)
            _record(event, registrations, layout, actor)
            _write_status(status_path, {**status, "done": len(ids), "state": "done", "size": len(pdf)})
        except Exception as exc:  # a failed job must say so, not spin for ever
            log.exception("badge print %s failed", job_id)
            db.session.rollback()
            _write_status(status_path, {**status, "state": "failed", "error": str(exc)[:300]})
        finally:
            db.session.remove()


def job_status(prints_dir: Path, job_id: str, event: Event) -> dict:
    """The status of a background print of this event (NotFound for any other)."""
    status_path, _pdf = _job_paths(prints_dir, job_id)
    try:
        status = json.loads(status_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound(_("This print does not exist.")) from None
    if status.get("event_id") != event.id:
        raise NotFound(_("This print does not exist."))
    if status.get("state") == "running":
        try:
            stale = time.time() - status_path.stat().st_mtime > JOB_STALE_SECONDS
        except OSError:
            stale = True
        if stale:  # the thread died with its process: say so rather than spin for ever
            status = {**status, "state": "failed", "error": _("The print was interrupted. Start it again.")}
    return status


def job_pdf(prints_dir: Path, job_id: str, event: Event) -> tuple[Path, str]:
    """The finished PDF of a background print, and its download name."""
    status = job_status(prints_dir, job_id, event)
    _status_path, pdf_path = _job_paths(prints_dir, job_id)
    if status.get("state") != "done" or not pdf_path.exists():
        raise NotFound(_("This print is not ready."))
    return pdf_path, status["filename"]


# --- name plates ----------------------------------------------------------------------------


def nameplates_pdf(event: Event, *, actor: Actor | None = None) -> bytes:
    """Table tents for the event's officials, in protocol order; ValidationError when none."""
    officials = sorted(event.officials, key=lambda o: (o.protocol_rank, o.id))
    if not officials:
        raise ValidationError(_("This event has no officials yet: add them before printing name plates."))
    plates = [Nameplate(honorific=o.honorific, first_name=o.first_name, last_name=o.last_name,
                        function=o.function, institution=o.institution) for o in officials]
    pdf = render_nameplates(plates, title=event.title, language=event.language)
    record(actor, "nameplates.print", event, event_id=event.id, count=len(plates))
    db.session.commit()
    return pdf


def layout_choices(translate: Callable[[str], str]) -> list[tuple[str, str]]:
    """(name, description) of every layout, described with ``translate``."""
    return [(name, translate(layout.description)) for name, layout in LAYOUTS.items()]


__all__ = ["BadgePrint", "NotAllowed", "PRINTABLE_STATUSES", "PrintRequest", "ReprintNeedsConfirmation",
           "Selection", "UnknownLayout", "badge_event", "badge_person", "count_selected", "job_pdf", "job_status",
           "check_print", "layout_choices", "nameplates_pdf", "recent_prints", "parse_print_request", "print_badges",
           "print_or_queue", "save_settings",
           "select_registrations", "start_print_job", "summary"]
