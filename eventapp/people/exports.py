"""Exporting an event's participants to CSV (French Excel opens it) or XLSX.

Every cell that a spreadsheet would read as a formula (starting with = + - @, a tab or a
carriage return) is neutralised with a leading apostrophe.
"""
from __future__ import annotations

import io

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from eventapp.audit.services import Actor, record
from eventapp.core.documents.spreadsheet import csv_bytes, safe_text
from eventapp.core.errors import ValidationError
from eventapp.core.tokens import qr_payload
from eventapp.events.models import Event
from eventapp.extensions import db
from eventapp.people.models import Person
from eventapp.people.services import PERSON_FIELD_TABLE, PersonField
from eventapp.registration.models import Registration

FORMATS = ("csv", "xlsx")
#: The exported person fields, in the contract's order (the import reads the same headers back).
EXPORTED = tuple(f for f in PERSON_FIELD_TABLE if f.export_header)


def export_cell(person: Person, field: PersonField, language: str) -> str:
    """The text of one person field in an export: a category by its label, an unstated sex empty."""
    value = getattr(person, field.name)
    if field.kind == "category":
        return person.category.label(language) if person.category else ""
    if field.kind == "sex":
        return value if value in ("F", "M") else ""
    return value or ""


def participant_rows(event: Event, *, with_tokens: bool = False) -> tuple[list[str], list[list[str]]]:
    """The export's header and rows (plain text, not yet neutralised), by name."""
    headers = [f.export_header for f in EXPORTED] + ["status"]
    if with_tokens:
        headers += ["checkin token", "qr payload"]
    registrations = db.session.scalars(
        select(Registration).join(Registration.person)
        .options(joinedload(Registration.person).joinedload(Person.category))
        .where(Registration.event_id == event.id)
        .order_by(Person.last_name, Person.first_name, Registration.id)).unique()
    rows = []
    for registration in registrations:
        p = registration.person
        row = [export_cell(p, f, event.language) for f in EXPORTED] + [registration.status]
        if with_tokens:
            row += [registration.checkin_token, qr_payload(registration.checkin_token)]
        rows.append(row)
    return headers, rows


def to_xlsx(headers: list[str], rows: list[list[str]], title: str = "participants") -> bytes:
    """An XLSX workbook with every cell as text (so nothing is read as a formula or a number)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import TYPE_STRING

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "participants")
    for line in [headers] + rows:
        cells = []
        for value in line:
            cell = WriteOnlyCell(sheet, value=safe_text(value))
            cell.data_type = TYPE_STRING
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_participants(event: Event, fmt: str, *, with_tokens: bool = False, actor: Actor | None = None) -> bytes:
    """The event's participants as CSV or XLSX bytes; the export is recorded in the audit log."""
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValidationError({"format": [_("Export as CSV or XLSX.")]})
    headers, rows = participant_rows(event, with_tokens=with_tokens)
    data = csv_bytes(headers, rows) if fmt == "csv" else to_xlsx(headers, rows)
    record(actor, "registration.export", event, event_id=event.id, format=fmt, rows=len(rows),
           with_tokens=with_tokens)
    db.session.commit()
    return data
