"""Reading the audit log: filters, pages, and rows for export."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select

from eventapp.audit.models import AuditEntry
from eventapp.audit.services import Actor, record
from eventapp.events.models import Event
from eventapp.extensions import db


@dataclass(frozen=True)
class AuditFilter:
    """What to show. Empty fields don't filter. Dates are whole days in ``timezone``."""

    action: str = ""  # "login" matches login, login.failed, login.lockout…
    actor: str = ""  # part of the email or station name
    event_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    text: str = ""  # anywhere in the action, object, address or details
    timezone: str = "UTC"


@dataclass(frozen=True)
class AuditRow:
    """One entry as shown and exported (plain data: documents take this)."""

    id: int
    at: datetime
    actor: str
    ip: str
    action: str
    object_type: str
    object_id: str
    event_slug: str
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AuditPage:
    """A page of entries, newest first."""

    rows: list[AuditRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _query(f: AuditFilter) -> Select:
    query = select(AuditEntry, Event.slug).outerjoin(Event, Event.id == AuditEntry.event_id)
    if f.action.strip():
        action = f.action.strip()
        query = query.where(or_(AuditEntry.action == action, AuditEntry.action.like(action + ".%")))
    if f.actor.strip():
        query = query.where(func.lower(AuditEntry.actor).like(_like(f.actor.strip().lower()), escape="\\"))
    if f.event_id is not None:
        query = query.where(AuditEntry.event_id == f.event_id)
    zone = ZoneInfo(f.timezone)
    if f.date_from:
        query = query.where(AuditEntry.at >= datetime.combine(f.date_from, time(0), zone))
    if f.date_to:
        query = query.where(AuditEntry.at < datetime.combine(f.date_to + timedelta(days=1), time(0), zone))
    if f.text.strip():
        pattern = _like(f.text.strip().lower())
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id, AuditEntry.ip,
            AuditEntry.actor, AuditEntry.details))))
    return query


def _row(entry: AuditEntry, slug: str | None) -> AuditRow:
    try:
        details = json.loads(entry.details) if entry.details else {}
    except ValueError:
        details = {"text": entry.details}
    return AuditRow(id=entry.id, at=entry.at, actor=entry.actor, ip=entry.ip, action=entry.action,
                    object_type=entry.object_type, object_id=entry.object_id, event_slug=slug or "",
                    details=details if isinstance(details, dict) else {"value": details})


def search(f: AuditFilter, page: int = 1, per_page: int = 50) -> AuditPage:
    """One page of the entries matching ``f``, newest first."""
    query = _query(f)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    rows = db.session.execute(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return AuditPage(rows=[_row(e, slug) for e, slug in rows], total=total, page=page, per_page=per_page)


def export_rows(f: AuditFilter, *, actor: Actor | None = None, limit: int = 200_000) -> list[AuditRow]:
    """Every entry matching ``f`` (oldest first) for a download; the export itself is logged."""
    rows = [_row(e, slug) for e, slug in db.session.execute(
        _query(f).order_by(AuditEntry.at, AuditEntry.id).limit(limit))]
    filters = {k: v for k, v in (("action", f.action), ("actor", f.actor), ("event_id", f.event_id),
                                 ("date_from", f.date_from), ("date_to", f.date_to), ("text", f.text)) if v}
    record(actor, "audit.export", rows=len(rows), filters=filters)
    db.session.commit()
    return rows


def known_actions() -> list[str]:
    """The actions present in the log, for the filter's suggestions."""
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def known_actors(limit: int = 300) -> list[str]:
    """The accounts and stations present in the log, for the filter's suggestions."""
    return list(db.session.scalars(select(AuditEntry.actor).where(AuditEntry.actor != "").distinct()
                                   .order_by(AuditEntry.actor).limit(limit)))
