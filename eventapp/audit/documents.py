"""The audit log as a CSV file (UTF-8 with a BOM and semicolons, as French Excel opens it)."""
from __future__ import annotations

import json
from collections.abc import Iterable

from eventapp.core.documents.spreadsheet import csv_bytes
from eventapp.core.documents.words import translator


def audit_csv(rows: Iterable, language: str = "fr") -> bytes:
    """The rows (``services.audit_log.AuditRow``) as CSV bytes, headers in ``language``."""
    _ = translator(language)
    headers = [_("Date (UTC)"), _("Who"), _("Address"), _("Action"), _("Object"), _("Object id"), _("Event"),
               _("Details")]
    return csv_bytes(headers, ([
        row.at.strftime("%Y-%m-%d %H:%M:%S"), row.actor, row.ip, row.action, row.object_type, row.object_id,
        row.event_slug, json.dumps(row.details, ensure_ascii=False, sort_keys=True) if row.details else ""]
        for row in rows))
