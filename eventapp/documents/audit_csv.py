"""The audit log as a CSV file (UTF-8 with a BOM and semicolons, as French Excel opens it)."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from eventapp.documents.words import translator

# Cells starting with these are formulas to a spreadsheet: a name typed as "=HYPERLINK(…)"
# must stay text in the file an admin opens.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A value as spreadsheet-safe text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def audit_csv(rows: Iterable, language: str = "fr") -> bytes:
    """The rows (``services.audit_log.AuditRow``) as CSV bytes, headers in ``language``."""
    _ = translator(language)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Date (UTC)"), _("Who"), _("Address"), _("Action"), _("Object"), _("Object id"),
                     _("Event"), _("Details")])
    for row in rows:
        writer.writerow([safe_cell(v) for v in (
            row.at.strftime("%Y-%m-%d %H:%M:%S"), row.actor, row.ip, row.action, row.object_type, row.object_id,
            row.event_slug, json.dumps(row.details, ensure_ascii=False, sort_keys=True) if row.details else "")])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
