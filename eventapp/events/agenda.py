"""The agenda of an event: its items, checked against the event's days, and their overlaps."""
from __future__ import annotations

from datetime import date, time
from itertools import groupby

from flask_babel import gettext as _
from sqlalchemy import select

from eventapp.audit.services import Actor, record
from eventapp.core.errors import ValidationError
from eventapp.events.models import AGENDA_KINDS, OFFICIAL_ROLES, AgendaItem, AgendaItemOfficial, Event, Official
from eventapp.extensions import db

ITEM_FIELDS = ("day", "start_time", "end_time", "title", "kind", "room", "description")


def _validate(event: Event, data: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (data.get("title") or "").strip():
        errors["title"] = [_("A title is required.")]
    day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
    if not isinstance(day, date):
        errors["day"] = [_("A day is required.")]
    elif not (event.start_date <= day <= event.end_date):
        errors["day"] = [_("This day is not one of the event's days (%(start)s to %(end)s).",
                           start=event.start_date.isoformat(), end=event.end_date.isoformat())]
    if not isinstance(start, time):
        errors["start_time"] = [_("A start time is required.")]
    if not isinstance(end, time):
        errors["end_time"] = [_("An end time is required.")]
    if isinstance(start, time) and isinstance(end, time) and end <= start:
        errors["end_time"] = [_("The end time must be after the start time.")]
    if data.get("kind", "presentation") not in AGENDA_KINDS:
        errors["kind"] = [_("Unknown kind of agenda item.")]
    return errors


def _holders_of(event: Event, holders) -> tuple[list[tuple[Official, str]], dict[str, list[str]]]:
    """``holders`` — (official id, role) pairs — as (official, role) of ``event`` in protocol order.

    A role left empty is the official's role at the event; an official named twice keeps the
    first role given. An error names the first official that is not of the event, or the
    unknown role."""
    roles: dict[int, str | None] = {}
    for official_id, role in holders or ():
        roles.setdefault(int(official_id), role or None)
    if not roles:
        return [], {}
    if any(role is not None and role not in OFFICIAL_ROLES for role in roles.values()):
        return [], {"holders": [_("Unknown role at the event.")]}
    found = list(db.session.scalars(select(Official).where(Official.id.in_(sorted(roles)))))
    foreign = [o for o in found if o.event_id != event.id]
    if foreign or len(found) != len(roles):
        name = foreign[0].display_name if foreign else ""
        return [], {"holders": [
            _("%(name)s is not an official of this event.", name=name) if name
            else _("An official chosen does not exist.")]}
    found.sort(key=lambda o: (o.protocol_rank, o.id))
    return [(o, roles[o.id] or o.role) for o in found], {}


def _set_holders(item: AgendaItem, holders: list[tuple[Official, str]]) -> None:
    """Make ``holders`` the item's officials: a link kept is changed in place, not made anew."""
    current = {link.official_id: link for link in item.holders if link.official_id is not None}
    links = []
    for official, role in holders:
        link = current.get(official.id) or AgendaItemOfficial(official=official)
        link.role = role
        links.append(link)
    item.holders = links


def holders_in_order(item: AgendaItem) -> list[AgendaItemOfficial]:
    """Who holds the item, each with their role at it, in protocol order (every list uses this)."""
    return sorted(item.holders, key=lambda h: (h.official.protocol_rank, h.official.id))


def _apply(item: AgendaItem, data: dict) -> None:
    for field in ITEM_FIELDS:
        if field in data and data[field] is not None:
            value = data[field]
            setattr(item, field, value.strip() if isinstance(value, str) else value)


def create_item(event: Event, data: dict, *, actor: Actor | None = None) -> AgendaItem:
    """Add an item to the agenda; ``data`` holds ITEM_FIELDS and optionally ``holders``, the
    (official id, role at this item) pairs of who holds it (an empty role: the official's own)."""
    errors = _validate(event, data)
    holders, more = _holders_of(event, data.get("holders"))
    errors.update(more)
    if errors:
        raise ValidationError(errors)
    item = AgendaItem(event=event)
    _apply(item, data)
    _set_holders(item, holders)
    db.session.add(item)
    db.session.flush()
    record(actor, "agenda.create", item, event_id=event.id, title=item.title)
    db.session.commit()
    return item


def update_item(item: AgendaItem, data: dict, *, actor: Actor | None = None) -> AgendaItem:
    """Change an agenda item (its holders too when ``data`` has ``holders``); nothing saved on error."""
    merged = {f: getattr(item, f) for f in ITEM_FIELDS} | {k: v for k, v in data.items() if v is not None}
    errors = _validate(item.event, merged)
    holders, more = _holders_of(item.event, data.get("holders"))
    errors.update(more)
    if errors:
        raise ValidationError(errors)
    _apply(item, data)
    if "holders" in data:
        _set_holders(item, holders)
    record(actor, "agenda.update", item, event_id=item.event_id, title=item.title)
    db.session.commit()
    return item


def delete_item(item: AgendaItem, *, actor: Actor | None = None) -> None:
    """Remove an item from the agenda (its officials stay on the event)."""
    record(actor, "agenda.delete", item, event_id=item.event_id, title=item.title)
    db.session.delete(item)
    db.session.commit()


def get_item(event: Event, item_id: int) -> AgendaItem | None:
    """The agenda item of ``event`` with this id, or None (an item of another event is None)."""
    item = db.session.get(AgendaItem, item_id)
    return item if item is not None and item.event_id == event.id else None


def items_in_order(event: Event) -> list[AgendaItem]:
    """The agenda in time order."""
    return sorted(event.agenda_items, key=lambda i: (i.day, i.start_time, i.end_time, i.id))


def items_by_day(event: Event) -> list[tuple[date, list[AgendaItem]]]:
    """The agenda in time order, grouped by day (days without items are left out)."""
    return [(day, list(items)) for day, items in groupby(items_in_order(event), key=lambda i: i.day)]


def next_slot(event: Event) -> tuple[date, time, time]:
    """Where a new item most likely goes: after the last item (or 09:00 on the first day), 30 minutes."""
    items = items_in_order(event)
    if not items:
        return event.start_date, time(9, 0), time(9, 30)
    last = max(items, key=lambda i: (i.day, i.end_time))
    start = last.end_time
    minutes = min(start.hour * 60 + start.minute + 30, 23 * 60 + 59)
    return last.day, start, time(minutes // 60, minutes % 60)


def overlaps(event: Event) -> list[tuple[AgendaItem, AgendaItem]]:
    """Pairs of items of the same day whose times overlap, in time order.

    Items in two different rooms run in parallel on purpose (working groups), so they are
    not counted; an item with no room is taken to be in the plenary room.
    """
    pairs = []
    by_day = items_by_day(event)
    for _day, items in by_day:
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                if b.start_time >= a.end_time:
                    break  # sorted by start: nothing later overlaps ``a``
                if a.room and b.room and a.room.strip().casefold() != b.room.strip().casefold():
                    continue
                pairs.append((a, b))
    return pairs


def overlapping_ids(event: Event) -> set[int]:
    """Ids of the items that overlap another (to flag them in lists)."""
    return {item.id for pair in overlaps(event) for item in pair}
