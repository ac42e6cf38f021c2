"""Recording actions in the audit log."""
from __future__ import annotations

import json
from dataclasses import dataclass

from eventapp.extensions import db
from eventapp.audit.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who acts, as the web layer or the CLI knows it: services take this, never ``request``."""

    user_id: int | None = None
    label: str = ""  # email, station name or "cli"
    ip: str = ""
    station_id: int | None = None

    @classmethod
    def cli(cls) -> "Actor":
        """The actor of command-line operations."""
        return cls(label="cli")


def record(actor: Actor | None, action: str, obj=None, *, event_id: int | None = None,
           **details) -> AuditEntry:
    """Add an audit entry to the current transaction (committed with the change it records)."""
    actor = actor or Actor(label="system")
    entry = AuditEntry(
        user_id=actor.user_id,
        station_id=actor.station_id,
        actor=actor.label,
        ip=actor.ip,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "id", "") or "") if obj is not None else "",
        event_id=event_id,
        details=json.dumps(details, default=str, ensure_ascii=False) if details else "",
    )
    db.session.add(entry)
    return entry
