"""Sign-in sheets (feuilles d'émargement): who is expected on a day, or who came and when.

A sheet is for one event day, or for a half-day or an agenda item of that day. The *expected*
sheet lists everyone expected that day (registered for it), to sign on arrival; the *attended*
sheet is the record of those who came, with their arrival times from the check-ins (voided
ones never count).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

from babel import dates as babel_dates

from eventapp.audit.services import Actor, record
from eventapp.core.documents.words import translator
from eventapp.core.errors import ValidationError
from eventapp.events.models import AgendaItem, Event
from eventapp.events.services import venue_text
from eventapp.extensions import db
from eventapp.reports.attendance import Attendee, load_attendees, local_time, logo_bytes

SHEET_KINDS = ("expected", "attended")
#: Where the morning ends, in the event's local time.
NOON = time(13, 0)
DEFAULT_BLANK_ROWS = 10
MAX_BLANK_ROWS = 200


@dataclass
class SheetRow:
    """One line of a sign-in sheet."""

    number: int
    name: str
    sex: str
    organisation: str  # organisation and function
    category: str
    phone: str
    arrival: str  # HH:MM, or empty


@dataclass
class SignInSheet:
    """Plain data for documents.sheets: the header, the lines, and what to leave blank."""

    event_title: str
    organizer: str
    venue: str
    day_text: str
    session_text: str
    kind: str
    language: str
    show_phone: bool
    rows: list[SheetRow] = field(default_factory=list)
    blank_rows: int = DEFAULT_BLANK_ROWS
    organizer_logo: bytes | None = None
    partner_logo: bytes | None = None


def parse_day(event: Event, value) -> date:
    """A day of the event from a date or 'YYYY-MM-DD'; a clear error otherwise.

    The error speaks the user's language (the interface's, or the system's on the command
    line), not the event's: it is for whoever asked, not for the printed sheet.
    """
    from flask_babel import gettext as _
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError({"day": [_("Give the day as YYYY-MM-DD.")]}) from None
    if not isinstance(value, date):
        raise ValidationError({"day": [_("Give the day as YYYY-MM-DD.")]})
    if value not in event.days:
        raise ValidationError({"day": [_("%(day)s is not a day of this event (from %(start)s to %(end)s).") % {
            "day": value.isoformat(), "start": event.start_date.isoformat(), "end": event.end_date.isoformat()}]})
    return value


def sheet_parts(event: Event, day: date) -> list[tuple[str, str]]:
    """The sessions a sheet can be made for on ``day``: the whole day, each half-day, each item."""
    _ = translator(event.language)
    parts = [("day", _("Whole day")), ("morning", _("Morning")), ("afternoon", _("Afternoon"))]
    for item in event.agenda_items:
        if item.day == day:
            parts.append((f"item:{item.id}", f"{item.start_time:%H:%M} {item.title}"))
    return parts


def _item(event: Event, day: date, part: str) -> AgendaItem:
    _ = translator(event.language)
    try:
        item_id = int(part.split(":", 1)[1])
    except (ValueError, IndexError):
        item_id = None
    item = db.session.get(AgendaItem, item_id) if item_id else None
    if item is None or item.event_id != event.id or item.day != day:
        raise ValidationError({"part": [_("This agenda item is not on that day of the event.")]})
    return item


def sign_in_sheet(event: Event, day, *, kind: str = "expected", part: str = "day",
                  blank_rows: int = DEFAULT_BLANK_ROWS, upload_dir: Path) -> SignInSheet:
    """The data of a sign-in sheet; raises ValidationError for a day, kind or session that is wrong."""
    _ = translator(event.language)
    errors: dict[str, list[str]] = {}
    try:
        day = parse_day(event, day)
    except ValidationError as exc:
        errors.update(exc.errors)
    if kind not in SHEET_KINDS:
        errors["kind"] = [_("The sheet is either of those expected or of those who came.")]
    if not isinstance(blank_rows, int) or not 0 <= blank_rows <= MAX_BLANK_ROWS:
        errors["blank_rows"] = [_("Blank rows: a number from 0 to %(n)d.") % {"n": MAX_BLANK_ROWS}]
    if errors:
        raise ValidationError(errors)
    part = part or "day"
    item = None
    if part.startswith("item:"):
        item = _item(event, day, part)
        session_text = f"{item.start_time:%H:%M}–{item.end_time:%H:%M} · {item.title}"
    elif part in ("day", "morning", "afternoon"):
        session_text = {"day": "", "morning": _("Morning"), "afternoon": _("Afternoon")}[part]
    else:
        raise ValidationError({"part": [_("Unknown session.")]})

    attendees = load_attendees(event)
    if kind == "expected":
        chosen = [(a, None) for a in attendees if a.expected_on(day)]
    else:
        chosen = []
        for a in attendees:
            arrival = _arrival(a, event, day, part, item)
            if arrival is not None:
                chosen.append((a, arrival))
    rows = []
    for number, (a, arrival) in enumerate(chosen, start=1):
        rows.append(SheetRow(
            number=number, name=a.display_name, sex=_sex_short(a.sex, _),
            organisation=" — ".join(x for x in (a.organisation, a.function) if x),
            category=a.category_label, phone=(a.phone or "") if event.sheet_show_phone else "",
            arrival=f"{local_time(arrival, event.timezone):%H:%M}" if arrival else "",
        ))
    organizer_logo, partner_logo = logo_bytes(event, upload_dir)
    return SignInSheet(
        event_title=event.title, organizer=event.organizer, venue=venue_text(event),
        day_text=babel_dates.format_date(day, format="full", locale=event.language),
        session_text=session_text, kind=kind, language=event.language, show_phone=event.sheet_show_phone,
        rows=rows, blank_rows=blank_rows, organizer_logo=organizer_logo, partner_logo=partner_logo,
    )


def _sex_short(sex: str, _) -> str:
    return {"F": _("F"), "M": _("M")}.get(sex, "")


def _arrival(a: Attendee, event: Event, day: date, part: str, item: AgendaItem | None):
    """When the person arrived for this session, or None when they were not there.

    A check-in for an agenda item counts for that item; otherwise the day's arrival counts for
    the sessions that end after it (someone who came at 9:00 is there in the afternoon).
    """
    if item is not None:
        if item.id in a.item_arrivals:
            return a.item_arrivals[item.id]
        arrival = a.arrivals.get(day)
        if arrival is not None and local_time(arrival, event.timezone).time() < item.end_time:
            return arrival
        return None
    arrival = a.arrivals.get(day)
    if arrival is None:
        return None
    if part == "morning" and local_time(arrival, event.timezone).time() >= NOON:
        return None
    return arrival


def print_sheet(event: Event, day, *, kind: str = "expected", part: str = "day", blank_rows: int = DEFAULT_BLANK_ROWS,
                actor: Actor | None = None, upload_dir: Path) -> tuple[bytes, str]:
    """The sign-in sheet as PDF bytes and a file name; the print is recorded in the audit log."""
    from eventapp.reports.documents.sheets import sign_in_sheet_pdf

    sheet = sign_in_sheet(event, day, kind=kind, part=part, blank_rows=blank_rows, upload_dir=upload_dir)
    data = sign_in_sheet_pdf(sheet)
    day = parse_day(event, day)
    record(actor, "sheet.print", event, event_id=event.id, day=day.isoformat(), kind=kind, part=part,
           rows=len(sheet.rows))
    db.session.commit()
    suffix = "" if part == "day" else "-" + part.replace(":", "-")
    return data, f"{event.slug}-{day.isoformat()}-{kind}{suffix}.pdf"
