"""Events: create, update, archive, logos; lookup by slug."""
from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update

from eventapp.audit.services import Actor, record
from eventapp.badges.documents.badges import DEFAULT_LAYOUT, LAYOUTS
from eventapp.core.errors import NotFound, ValidationError
from eventapp.core.models import utcnow
from eventapp.core.text import slugify
from eventapp.events import agenda, officials
from eventapp.events.models import EVENT_STATUSES, AgendaItem, AgendaItemOfficial, Event, Official, Project
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationDay

EVENT_FIELDS = ("title", "slug", "organizer", "partner", "venue_name", "venue_address", "city",
                "start_date", "end_date", "timezone", "language", "status", "description",
                "badge_layout", "discreet_badges", "sheet_show_phone", "retention_until",
                "venue_phrase", "letter_reference_prefix", "letter_signatory_name", "letter_signatory_title")
LOGO_KINDS = ("organizer_logo", "partner_logo")
#: Slugs that name pages, not events (``/events/new``).
RESERVED_SLUGS = frozenset({"new"})
_IMAGE_SIGNATURES = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg"}


@dataclass(frozen=True)
class EventOverview:
    """What the event page shows besides the event itself."""

    days: list  # (day, [AgendaItem]) in time order
    overlaps: list  # (AgendaItem, AgendaItem) pairs
    overlapping_ids: set[int]
    officials: list  # in protocol order
    registrations: int


def event_overview(event: Event) -> EventOverview:
    """The programme by day with its overlaps, the officials in protocol order, and counts."""
    pairs = agenda.overlaps(event)
    return EventOverview(days=agenda.items_by_day(event), overlaps=pairs,
                         overlapping_ids={item.id for pair in pairs for item in pair},
                         officials=officials.officials_in_order(event), registrations=registration_count(event))


def venue_text(event: Event, *, with_address: bool = False) -> str:
    """Venue and city on one line (document headers); ``with_address`` adds the street, for invitations."""
    parts = (event.venue_name, event.venue_address if with_address else "", event.city)
    return ", ".join(p for p in parts if p)


def get_event(slug: str) -> Event:
    """The event with this slug; raises NotFound."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise NotFound(_("No event has the identifier “%(slug)s”.", slug=slug))
    return event


def list_events(include_archived: bool = False, events: list[int] | None = None) -> list[Event]:
    """Events, most recent first; ``events`` limits to these ids (door users)."""
    query = select(Event).order_by(Event.start_date.desc(), Event.id.desc())
    if not include_archived:
        query = query.where(Event.status != "archived")
    if events is not None:
        query = query.where(Event.id.in_(events))
    return list(db.session.scalars(query))


def get_or_create_project(name: str) -> Project | None:
    """The project of this name, created when new; None for an empty name."""
    name = (name or "").strip()
    if not name:
        return None
    project = db.session.scalar(select(Project).where(Project.name == name))
    if project is None:
        project = Project(name=name)
        db.session.add(project)
    return project


def registration_count(event: Event) -> int:
    """How many registrations the event has (counted by the database, not loaded)."""
    return db.session.scalar(select(func.count()).select_from(Registration).where(Registration.event_id == event.id))


def project_names() -> list[str]:
    """The names of the projects, in alphabetical order (offered when creating an event)."""
    return list(db.session.scalars(select(Project.name).order_by(Project.name)))


def _validate(data: dict, event: Event | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (data.get("title") or "").strip():
        errors["title"] = [_("A title is required.")]
    start, end = data.get("start_date"), data.get("end_date")
    errors.update(_date_errors(start, end))
    errors.update(_setting_errors(data, event, end))
    errors.update(_slug_errors(data.get("slug"), event))
    if event is not None and isinstance(start, date) and isinstance(end, date):
        errors.update(_agenda_errors(data, event, start, end))
        errors.update(_registration_day_errors(data, event, start, end))
    return errors


def _date_errors(start, end) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(start, date):
        errors["start_date"] = [_("A start date is required.")]
    if not isinstance(end, date):
        errors["end_date"] = [_("An end date is required.")]
    if isinstance(start, date) and isinstance(end, date):
        if end < start:
            errors["end_date"] = [_("The end date is before the start date.")]
        elif (end - start).days > 60:
            errors["end_date"] = [_("An event lasts at most 60 days.")]
    return errors


def _setting_errors(data: dict, event: Event | None, end) -> dict[str, list[str]]:
    """The badge layout, retention date, time zone, language and status."""
    errors: dict[str, list[str]] = {}
    layout = data.get("badge_layout")
    if layout and layout not in LAYOUTS and not (event is not None and layout == event.badge_layout):
        errors["badge_layout"] = [_("Unknown layout “%(name)s”. Layouts: %(names)s.",
                                    name=layout, names=", ".join(LAYOUTS))]
    retention = data.get("retention_until")
    if isinstance(retention, date) and isinstance(end, date) and retention < end:
        errors["retention_until"] = [_("Personal data must be kept at least until the last day of the event.")]
    try:
        if "timezone" in data:  # absent: the column's default; given, it must be a zone
            ZoneInfo(data["timezone"] or "")
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = [_("Unknown time zone.")]
    if data.get("language", "fr") not in ("fr", "en"):
        errors["language"] = [_("The language must be French or English.")]
    if data.get("status", "draft") not in EVENT_STATUSES:
        errors["status"] = [_("Unknown status.")]
    return errors


def _slug_errors(slug: str | None, event: Event | None) -> dict[str, list[str]]:
    if not slug:
        return {}
    if slug != slugify(slug):
        return {"slug": [_("Use lower-case letters, digits and hyphens only.")]}
    if slug in RESERVED_SLUGS:
        return {"slug": [_("This identifier is reserved; choose another.")]}
    other = db.session.scalar(select(Event).where(Event.slug == slug))
    if other is not None and other is not event:
        return {"slug": [_("This identifier is already used by another event.")]}
    return {}


def _agenda_errors(data: dict, event: Event, start: date, end: date) -> dict[str, list[str]]:
    """New dates must keep every agenda item (moved with them when asked) inside the event."""
    shift = _agenda_shift(data, event)
    outside = [i for i in event.agenda_items if not (start <= i.day + shift <= end)]
    if not outside:
        return {}
    return {"end_date" if outside[0].day + shift > end else "start_date": [
        _("%(n)d agenda items would fall outside the new dates; move them first.", n=len(outside))]}


def _restricted_days(event: Event) -> list[tuple[int, date]]:
    """(registration id, day) of the event's registrations that are for some days only."""
    return [(reg_id, day) for reg_id, day in db.session.execute(
        select(RegistrationDay.registration_id, RegistrationDay.day).join(Registration)
        .where(Registration.event_id == event.id))]


def has_restricted_days(event: Event) -> bool:
    """Whether some registration of the event is for some of its days only."""
    return bool(db.session.scalar(select(RegistrationDay.registration_id).join(Registration)
                                  .where(Registration.event_id == event.id).limit(1)))


def _registration_day_errors(data: dict, event: Event, start: date, end: date) -> dict[str, list[str]]:
    """New dates must keep the days of registrations for some days only inside the event
    (moved with the agenda when asked): nobody becomes registered for a day that is gone."""
    shift = _agenda_shift(data, event)
    outside = {reg_id for reg_id, day in _restricted_days(event) if not start <= day + shift <= end}
    if not outside:
        return {}
    return {"start_date": [ngettext(
        "%(num)d participant is registered for days that would fall outside the new dates; tick “Move the agenda "
        "with the dates” or change their days first.",
        "%(num)d participants are registered for days that would fall outside the new dates; tick “Move the agenda "
        "with the dates” or change their days first.", len(outside))]}


def _move_registration_days(event: Event, shift: timedelta) -> None:
    """Move the days of registrations for some days only with the event (a postponed workshop
    keeps who comes which day). Emptied and flushed first: a shift by one day would otherwise
    collide, row by row, with the next day's row of the same registration."""
    ids = sorted({reg_id for reg_id, _day in _restricted_days(event)}) if shift else []
    if not ids:
        return
    restricted = list(db.session.scalars(select(Registration).where(Registration.id.in_(ids))))
    moved = {r.id: [d + shift for d in r.days] for r in restricted}
    for registration in restricted:
        registration.day_rows = []
    db.session.flush()
    for registration in restricted:
        registration.day_rows = [RegistrationDay(day=d) for d in moved[registration.id]]
        registration.updated_at = utcnow()  # the door's roster sends it again, with its new days


def _agenda_shift(data: dict, event: Event) -> timedelta:
    """How far the agenda moves with the event: by as many days as the first day moves,
    when ``move_agenda`` is asked for (a postponed workshop keeps its programme)."""
    start = data.get("start_date")
    if data.get("move_agenda") and isinstance(start, date) and event.start_date:
        return start - event.start_date
    return timedelta(0)


def unique_slug(title: str) -> str:
    """A slug from the title, with a number added when it is taken."""
    base = slugify(title)
    slug, n = base, 2
    while slug in RESERVED_SLUGS or db.session.scalar(select(Event.id).where(Event.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def save_event(data: dict, event: Event | None = None, *, actor: Actor | None = None,
               logos: dict[str, bytes] | None = None, upload_dir: Path | None = None,
               max_logo_bytes: int = 2 * 1024 * 1024) -> Event:
    """Create (``event`` None) or update an event from ``data``; nothing saved on error.

    ``data`` holds the fields of EVENT_FIELDS plus ``project`` (a name) and, when updating,
    ``move_agenda`` (move every agenda item, and the days of registrations for some days only, by
    as many days as the first day moves). ``logos`` maps
    ``organizer_logo``/``partner_logo`` to uploaded bytes, kept in ``upload_dir``; they are
    checked with the fields, so a bad logo saves nothing either.
    """
    errors = _validate(data, event)
    checked: dict[str, str] = {}
    for kind, content in (logos or {}).items():
        try:
            checked[kind] = check_logo(kind, content, max_logo_bytes)
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    if checked and upload_dir is None:
        raise ValueError("upload_dir is needed to keep logos")
    creating = event is None
    if creating:
        event = Event(slug=data.get("slug") or unique_slug(data["title"]))
        db.session.add(event)
    else:
        shift = _agenda_shift(data, event)
        for item in event.agenda_items if shift else ():
            item.day = item.day + shift
        _move_registration_days(event, shift)
    _apply_fields(event, data)
    replaced = [_write_logo(event, kind, logos[kind], ext, upload_dir) for kind, ext in checked.items()]
    db.session.flush()
    record(actor, "event.create" if creating else "event.update", event, event_id=event.id,
           **({"logos": sorted(checked)} if checked else {}))
    db.session.commit()
    for old in replaced:
        if old:
            (upload_dir / old).unlink(missing_ok=True)
    return event


def _apply_fields(event: Event, data: dict) -> None:
    """Copy the checked fields given in ``data`` onto the event (strings stripped)."""
    for field in EVENT_FIELDS:
        if field in data and data[field] is not None:
            value = data[field]
            if field == "slug" and not value:
                continue  # an empty identifier keeps the current one
            setattr(event, field, value.strip() if isinstance(value, str) else value)
    if "retention_until" in data:
        event.retention_until = data["retention_until"]
    if "project" in data:
        event.project = get_or_create_project(data["project"])


def event_form_data(event: Event) -> dict:
    """The event's editable fields as ``save_event`` takes them (to fill an edit form)."""
    data = {field: getattr(event, field) for field in EVENT_FIELDS}
    data["project"] = event.project.name if event.project else ""
    return data


def duplicate_event(event: Event, title: str, start_date: date | None, slug: str = "", *,
                    actor: Actor | None = None) -> Event:
    """A new draft event like ``event`` (details, settings, agenda and officials), held from
    ``start_date`` on; registrations, logos and attendance are not copied."""
    data = event_form_data(event)
    if isinstance(start_date, date):
        shift = start_date - event.start_date
        data["start_date"], data["end_date"] = start_date, event.end_date + shift
    else:
        shift = timedelta(0)
        data["start_date"] = start_date
    data.update(title=title or "", slug=slug or "", status="draft", retention_until=None)
    if data["badge_layout"] not in LAYOUTS:
        data["badge_layout"] = DEFAULT_LAYOUT  # a layout since removed
    errors = _validate(data, None)
    if errors:
        raise ValidationError(errors)
    copy = Event(slug=data["slug"] or unique_slug(data["title"]))
    for field in EVENT_FIELDS:
        if field != "slug":
            setattr(copy, field, data[field].strip() if isinstance(data[field], str) else data[field])
    copy.project = event.project
    db.session.add(copy)
    officials_map = {}
    # Load the originals first, then build the copies without flushing half-made objects.
    originals = officials.officials_in_order(event)
    items = [(item, [(h.official_id, h.role) for h in agenda.holders_in_order(item)])
             for item in agenda.items_in_order(event)]
    with db.session.no_autoflush:
        for official in originals:
            twin = Official(**{f: getattr(official, f) for f in (*officials.OFFICIAL_FIELDS, "protocol_rank")})
            copy.officials.append(twin)
            officials_map[official.id] = twin
        for item, holders in items:
            twin = AgendaItem(**{f: getattr(item, f) for f in agenda.ITEM_FIELDS})
            twin.day = item.day + shift
            copy.agenda_items.append(twin)
            twin.holders = [AgendaItemOfficial(official=officials_map[official_id], role=role)
                            for official_id, role in holders]
    db.session.flush()
    record(actor, "event.duplicate", copy, event_id=copy.id, source=event.slug)
    db.session.commit()
    return copy


def set_status(event: Event, status: str, *, actor: Actor | None = None) -> Event:
    """Open, close or archive an event."""
    if status not in EVENT_STATUSES:
        raise ValidationError({"status": [_("Unknown status.")]})
    event.status = status
    record(actor, "event.status", event, event_id=event.id, status=status)
    db.session.commit()
    return event


def check_logo(kind: str, content: bytes, max_bytes: int) -> str:
    """Check an uploaded logo; returns its file extension (``.png`` or ``.jpg``).

    The type is read from the file's bytes and the image is opened, so a renamed file or a
    broken image is refused, whatever its name says.
    """
    if kind not in LOGO_KINDS:
        raise ValidationError({kind: [_("Unknown logo.")]})
    if not content:
        raise ValidationError({kind: [_("The file is empty.")]})
    if len(content) > max_bytes:
        raise ValidationError({kind: [_("The logo is too large (at most %(mb).1f MB).", mb=max_bytes / 1e6)]})
    ext = next((e for sig, e in _IMAGE_SIGNATURES.items() if content.startswith(sig)), None)
    if ext is None:
        raise ValidationError({kind: [_("The logo must be a PNG or JPEG image.")]})
    try:
        from reportlab.lib.utils import ImageReader

        width, height = ImageReader(io.BytesIO(content)).getSize()
    except Exception:  # reportlab raises many kinds for a broken image
        raise ValidationError({kind: [_("The image cannot be read.")]}) from None
    if not (width and height):
        raise ValidationError({kind: [_("The image cannot be read.")]})
    return ext


def _write_logo(event: Event, kind: str, content: bytes, ext: str, upload_dir: Path) -> str | None:
    """Write the file and point the event at it; returns the name of the file it replaces."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    name = f"{event.slug}-{kind}-{secrets.token_hex(4)}{ext}"
    (upload_dir / name).write_bytes(content)
    old = getattr(event, kind)
    setattr(event, kind, name)
    return old if old and old != name else None


def remove_logo(event: Event, kind: str, upload_dir: Path, *, actor: Actor | None = None) -> None:
    """Take a logo off the event and delete its file."""
    if kind not in LOGO_KINDS:
        raise ValidationError({kind: [_("Unknown logo.")]})
    old = getattr(event, kind)
    setattr(event, kind, None)
    record(actor, "event.logo_remove", event, event_id=event.id, kind=kind)
    db.session.commit()
    if old:
        (upload_dir / old).unlink(missing_ok=True)


def logo_path(event: Event, kind: str, upload_dir: Path | None) -> Path | None:
    """The file of one of the event's logos, or None when it has none (or the file is gone).

    The one path check of logos: a stored name is a bare file name in ``upload_dir``; anything
    else (a folder, ``..``, a hidden file, a link out of the folder) is not followed.
    """
    if kind not in LOGO_KINDS or upload_dir is None:
        return None
    name = getattr(event, kind)
    if not name or name != Path(name).name or "\\" in name or name.startswith("."):
        return None
    folder = Path(upload_dir).resolve()
    path = (folder / name).resolve()
    return path if path.parent == folder and path.is_file() else None


def logo_bytes(event: Event, kind: str, upload_dir: Path | None) -> bytes | None:
    """The bytes of one of the event's logos (for documents), or None when missing or unreadable."""
    path = logo_path(event, kind, upload_dir)
    try:
        return path.read_bytes() if path else None
    except OSError:  # printing goes on without the logo
        return None


def hold_event(event: Event) -> None:
    """Hold the event's row until the transaction ends, so that what is read next is what was
    committed before and nothing of the event's can slip in until we commit: a registration
    past its capacity, a second import of one file, a second purge.

    A no-op UPDATE rather than SELECT … FOR UPDATE: it locks the row on PostgreSQL and takes
    SQLite's write lock too (a SELECT would not).
    """
    db.session.execute(update(Event).where(Event.id == event.id).values(updated_at=Event.updated_at)
                       .execution_options(synchronize_session=False))
