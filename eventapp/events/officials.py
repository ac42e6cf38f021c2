"""Presiding officials and speakers, and their protocol order (lower rank comes first)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from eventapp.audit.services import Actor, record
from eventapp.core.errors import ValidationError
from eventapp.core.labels import label_in
from eventapp.events.models import OFFICIAL_ROLES, OFFICIAL_SEXES, AgendaItem, AgendaItemOfficial, Event, Official
from eventapp.extensions import db

OFFICIAL_FIELDS = ("honorific", "first_name", "last_name", "function", "institution", "role", "sex")
#: Honorifics offered in forms (free text is accepted too).
HONORIFICS = ("M.", "Mme", "Mlle", "Dr", "Pr", "Me", "S.E.", "Colonel", "Colonel-major", "Général",
              "Commissaire", "Capitaine", "Commandant", "Lieutenant", "Imam", "Abbé")


def officials_in_order(event: Event) -> list[Official]:
    """The event's officials in protocol order (every list of them uses this)."""
    return sorted(event.officials, key=lambda o: (o.protocol_rank, o.id))


def role_in(language: str, role: str, official: Official) -> str:
    """The word for ``role`` in ``language`` agreeing with ``official`` (« Invitée d'honneur »):
    their role at the event, or at an agenda item they hold."""
    return label_in(language, "official_role", role, official.gender)


def get_official(event: Event, official_id: int) -> Official | None:
    """The official of ``event`` with this id, or None (one of another event is None)."""
    official = db.session.get(Official, official_id)
    return official if official is not None and official.event_id == event.id else None


def _validate(data: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (data.get("last_name") or "").strip():
        errors["last_name"] = [_("A name is required.")]
    if data.get("role", "speaker") not in OFFICIAL_ROLES:
        errors["role"] = [_("Unknown role at the event.")]
    if (data.get("sex") or "") not in OFFICIAL_SEXES:
        errors["sex"] = [_("Unknown sex.")]
    rank = data.get("protocol_rank")
    if rank is not None and (not isinstance(rank, int) or rank < 1):
        errors["protocol_rank"] = [_("The protocol rank is a whole number from 1.")]
    return errors


def _items_of(event: Event, item_ids) -> tuple[list[AgendaItem], dict[str, list[str]]]:
    """The agenda items with these ids, all of ``event``; else an error naming the first stray one."""
    ids = sorted({int(i) for i in item_ids or ()})
    if not ids:
        return [], {}
    found = list(db.session.scalars(select(AgendaItem).where(AgendaItem.id.in_(ids))))
    foreign = [i for i in found if i.event_id != event.id]
    if foreign:
        return [], {"agenda_item_ids": [_("“%(title)s” is an agenda item of another event: an official can "
                                          "only hold items of their own event.", title=foreign[0].title)]}
    if len(found) != len(ids):
        return [], {"agenda_item_ids": [_("An agenda item chosen does not exist.")]}
    return found, {}


def _apply(official: Official, data: dict) -> None:
    for field in OFFICIAL_FIELDS:
        if field in data and data[field] is not None:
            value = data[field]
            setattr(official, field, value.strip() if isinstance(value, str) else value)


def _set_items(official: Official, items: list[AgendaItem], old_role: str) -> None:
    """Make ``items`` the items ``official`` holds. An item kept keeps its role, unless that was
    the official's role at the event before a change (``old_role``): then it follows the new
    one. An item added gets the official's role."""
    current = {link.agenda_item_id: link for link in official.items_held if link.agenda_item_id is not None}
    links = []
    for item in items:
        link = current.get(item.id)
        if link is None:
            link = AgendaItemOfficial(agenda_item=item, role=official.role)
        elif link.role == old_role:
            link.role = official.role
        links.append(link)
    official.items_held = links


def _renumber(event: Event, ordered: list[Official]) -> None:
    """Give ranks 1, 2, 3… in this order (keeps the order free of ties and gaps)."""
    for rank, official in enumerate(ordered, start=1):
        official.protocol_rank = rank


def _place(event: Event, official: Official, rank: int | None) -> None:
    """Put ``official`` at ``rank`` (1 is first; None or beyond the end: last) and renumber."""
    others = [o for o in officials_in_order(event) if o is not official]
    position = len(others) if rank is None else max(0, min(rank - 1, len(others)))
    others.insert(position, official)
    _renumber(event, others)


def create_official(event: Event, data: dict, *, actor: Actor | None = None) -> Official:
    """Add an official; ``data`` holds OFFICIAL_FIELDS, optionally ``protocol_rank`` and
    ``agenda_item_ids`` (items of the same event)."""
    errors = _validate(data)
    items, more = _items_of(event, data.get("agenda_item_ids"))
    errors.update(more)
    if errors:
        raise ValidationError(errors)
    official = Official(event=event)
    _apply(official, data)
    _set_items(official, items, official.role)
    db.session.add(official)
    _place(event, official, data.get("protocol_rank"))
    db.session.flush()
    record(actor, "official.create", official, event_id=event.id, name=official.display_name)
    db.session.commit()
    return official


def update_official(official: Official, data: dict, *, actor: Actor | None = None) -> Official:
    """Change an official (and their rank or items when given); nothing saved on error.

    The items they hold keep their own roles; those that had the official's role at the event
    follow a change of it."""
    merged = {f: getattr(official, f) for f in OFFICIAL_FIELDS} | {k: v for k, v in data.items() if v is not None}
    errors = _validate(merged)
    items, more = _items_of(official.event, data.get("agenda_item_ids"))
    errors.update(more)
    if errors:
        raise ValidationError(errors)
    old_role = official.role
    _apply(official, data)
    if "agenda_item_ids" in data:
        _set_items(official, items, old_role)
    elif official.role != old_role:
        _set_items(official, [link.agenda_item for link in official.items_held], old_role)
    if data.get("protocol_rank") is not None and data["protocol_rank"] != official.protocol_rank:
        _place(official.event, official, data["protocol_rank"])
    record(actor, "official.update", official, event_id=official.event_id, name=official.display_name)
    db.session.commit()
    return official


def delete_official(official: Official, *, actor: Actor | None = None) -> None:
    """Remove an official and close the gap in the protocol order."""
    event = official.event
    record(actor, "official.delete", official, event_id=official.event_id, name=official.display_name)
    remaining = [o for o in officials_in_order(event) if o is not official]
    db.session.delete(official)
    db.session.flush()
    _renumber(event, remaining)
    db.session.commit()


def move_official(official: Official, direction: str, *, actor: Actor | None = None) -> Official:
    """Move an official one place ``up`` (earlier) or ``down`` in the protocol order."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": [_("Move up or down.")]})
    ordered = officials_in_order(official.event)
    index = ordered.index(official)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(official.event, ordered)
    record(actor, "official.move", official, event_id=official.event_id, rank=official.protocol_rank)
    db.session.commit()
    return official
