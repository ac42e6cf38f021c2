"""Long tables with fixed row heights, cut into one table per page, each with its header row.

Platypus splits a long table page by page, re-measuring every remaining row each time; with a
known row height we can cut it ourselves, which keeps thousands of lines fast.
"""
from __future__ import annotations

from reportlab.platypus import PageBreak, Table, TableStyle

FRAME_PADDING = 12  # a Frame's default top and bottom padding together, in points


def paged_table(header: list, body: list[list], col_widths: list[float], *, row_height: float, header_height: float,
                page_room: float, first_room: float, style: list, header_rows: int = 1) -> list:
    """Flowables: a table per page (the first page has ``first_room`` points for the table).

    ``header`` is one row, or ``header_rows`` rows given as a list of rows.
    """
    head = header if header_rows > 1 else [header]
    out = []
    room, start = first_room, 0
    while True:
        per_page = max(1, int((room - 2 - header_height * header_rows) // row_height))
        chunk = body[start:start + per_page]
        table = Table(head + chunk, colWidths=col_widths,
                      rowHeights=[header_height] * header_rows + [row_height] * len(chunk))
        table.setStyle(TableStyle(style))
        out.append(table)
        start += per_page
        if start >= len(body):
            return out
        out.append(PageBreak())
        room = page_room
