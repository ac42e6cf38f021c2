"""The check-in log as a spreadsheet: plain rows in, XLSX bytes out (CSV: spreadsheet.csv_bytes)."""
from __future__ import annotations

import io

from eventapp.core.documents.spreadsheet import append_row


def table_xlsx(title: str, headers: list[str], rows: list[list]) -> bytes:
    """One sheet with a bold, frozen header row and columns wide enough to read."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
    sheet.freeze_panes = "A2"
    for i, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[i - 1])) for r in rows[:200]])
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = min(max(width + 2, 8), 40)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
