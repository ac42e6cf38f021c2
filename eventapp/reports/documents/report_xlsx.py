"""Spreadsheets of counts: each figure in a cell beside its label, one sheet per table.

Plain data in (tables of labels and values), bytes out. Labels are words in the document's
language, so a reader or a formula (``VLOOKUP("Présents"; …)``) finds each figure.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Protocol

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from eventapp.core.documents.spreadsheet import append_row
from eventapp.core.documents.words import translator

HEADER_FILL = PatternFill("solid", fgColor="DDE8E0")
BOLD = Font(bold=True)


class Table(Protocol):
    title: str
    row_header: str
    columns: list[str]
    rows: list[tuple[str, list]]
    note: str


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name (31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31].strip() or "Sheet"
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name.casefold())
    return name


def write_pairs(ws, title: str, pairs: Iterable[tuple[str, object]], header: tuple[str, str] | None = None) -> None:
    """A sheet of label/value pairs: the label in column A, its figure in column B."""
    append_row(ws, [title])
    ws["A1"].font = Font(bold=True, size=13)
    if header:
        append_row(ws, list(header))
        for cell in ws[ws.max_row]:
            cell.font, cell.fill = BOLD, HEADER_FILL
    for label, value in pairs:
        append_row(ws, [label, value])
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 16


def write_table(ws, table: Table) -> None:
    """A count table: a title row, a header row, then a label and its figures per row."""
    append_row(ws, [table.title])
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, [table.row_header, *table.columns])
    for cell in ws[2]:
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for label, values in table.rows:
        append_row(ws, [label, *values])
    last = ws.max_row
    if table.rows and table.rows[-1][0] in ("Total", "Total général"):
        for cell in ws[last]:
            cell.font = BOLD
    if table.note:
        append_row(ws, [])
        append_row(ws, [table.note])
    ws.column_dimensions["A"].width = 42
    for i in range(len(table.columns)):
        ws.column_dimensions[get_column_letter(i + 2)].width = 16
    ws.freeze_panes = "B3"


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as XLSX bytes."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def tables_xlsx(title: str, summary: list[tuple[str, object]], tables: list[Table], language: str,
                info: list[tuple[str, object]] = (), extra_sheets=()) -> bytes:
    """A workbook: a summary sheet (label, figure), then one sheet per table."""
    _ = translator(language)
    wb = Workbook()
    ws = wb.active
    taken: set[str] = set()
    ws.title = sheet_title(_("Summary"), taken)
    write_pairs(ws, title, list(info) + list(summary), header=(_("Figure"), _("Number")))
    for table in tables:
        write_table(wb.create_sheet(sheet_title(table.title, taken)), table)
    for name, header, rows in extra_sheets:
        sheet = wb.create_sheet(sheet_title(name, taken))
        append_row(sheet, list(header))
        for cell in sheet[1]:
            cell.font, cell.fill = BOLD, HEADER_FILL
        for row in rows:
            append_row(sheet, list(row))
        for i in range(len(header)):
            sheet.column_dimensions[get_column_letter(i + 1)].width = 28 if i in (0, 1, 2) else 14
    return workbook_bytes(wb)


def report_xlsx(report) -> bytes:
    """The attendance report as a workbook for the funder (``report``: services.reports.AttendanceReport)."""
    _ = translator(report.event.language)
    info = [(_("Event"), report.event.title), (_("Dates"), report.event.period), (_("Venue"), report.event.venue),
            (_("Organiser"), report.event.organizer), (_("Partner"), report.event.partner),
            (_("Generated"), report.generated_at)]
    if report.external:
        info.append((_("Small counts hidden"), _("Counts under %(n)d are shown as “<%(n)d”.") % {"n": report.threshold}
                     + " " + _("“%(mark)s”: hidden so that a small count cannot be worked out from the totals.")
                     % {"mark": _("[c]")}))
    extra = []
    if report.agenda:
        extra.append((_("Agenda"), [_("Day"), _("Time"), _("Title"), _("Kind"), _("Officials")],
                      [(a.day, a.time, a.title, a.kind, a.officials) for a in report.agenda]))
    if report.officials:
        extra.append((_("Officials"), [_("Name"), _("Function"), _("Institution"), _("Role")],
                      [(o.name, o.function, o.institution, o.role) for o in report.officials]))
    return tables_xlsx(report.event.title, report.summary, report.tables, report.event.language, info, extra)
