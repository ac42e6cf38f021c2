"""Recording actions in the audit log."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, insert

from eventapp.audit.models import AuditEntry
from eventapp.extensions import db


@dataclass(frozen=True)
class Actor:
    """Who acts, as the web layer or the CLI knows it: services take this, never ``request``."""

    user_id: int | None = None
    label: str = ""  # email, station name or "cli"
    ip: str = ""
    station_id: int | None = None

    @classmethod
    def cli(cls) -> Actor:
        """The actor of command-line operations."""
        return cls(label="cli")


@dataclass(frozen=True)
class Ref:
    """An object named by an audit entry without loading it: its model's name and its id."""

    type: str
    id: int | str


def entry_values(actor: Actor | None, action: str, obj=None, *, event_id: int | None = None, **details) -> dict:
    """The columns of the audit entry of ``action`` on ``obj`` (a model instance or a ``Ref``)."""
    actor = actor or Actor(label="system")
    if isinstance(obj, Ref):
        object_type, object_id = obj.type, str(obj.id)
    else:
        object_type = type(obj).__name__ if obj is not None else ""
        object_id = str(getattr(obj, "id", "") or "") if obj is not None else ""
    return dict(
        user_id=actor.user_id,
        station_id=actor.station_id,
        actor=actor.label,
        ip=actor.ip,
        action=action,
        object_type=object_type,
        object_id=object_id,
        event_id=event_id,
        details=json.dumps(details, default=str, ensure_ascii=False) if details else "",
    )


def record(actor: Actor | None, action: str, obj=None, *, event_id: int | None = None,
           **details) -> AuditEntry:
    """Add an audit entry to the current transaction (committed with the change it records)."""
    entry = AuditEntry(**entry_values(actor, action, obj, event_id=event_id, **details))
    db.session.add(entry)
    return entry


def record_now(actor: Actor | None, action: str, obj: Ref, *, event_id: int | None = None,
               connection: Connection | None = None, **details) -> None:
    """Write the same entry as :func:`record` at once, in one INSERT of the current transaction.

    For the door's hot path, where the unit of work's flush of one new object costs more than
    the scan's own statements; the entry commits with the change it records all the same.
    ``connection`` is the session's connection when the caller holds it (one call less).
    """
    (connection or db.session).execute(_INSERT, entry_values(actor, action, obj, event_id=event_id, **details))


_INSERT = insert(AuditEntry.__table__)
