"""Long tables with fixed row heights, cut into one table per page, each with its header row,
and cells whose text is fitted to the cell (wrapped, then shrunk: never cut).

Platypus splits a long table page by page, re-measuring every remaining row each time; with a
known row height we can cut it ourselves, which keeps thousands of lines fast.
"""
from __future__ import annotations

from reportlab.platypus import Flowable, PageBreak, Table, TableStyle

from eventapp.core.documents.textfit import LEADING, Fitted, fit_text

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


class FittedText(Flowable):
    """Lines set by :func:`textfit.fit_text`, drawn left-aligned in their own size and font."""

    def __init__(self, fitted: Fitted):
        super().__init__()
        self.fitted = fitted
        self.width, self.height = fitted.width, fitted.height

    def wrap(self, available_width, available_height):
        """Its size is the fitted block's: the table centres it in the cell."""
        return self.width, self.height

    def draw(self) -> None:
        """Each line on its baseline, from the top of the block down."""
        f = self.fitted
        line_height = f.size * LEADING
        self.canv.setFont(f.font, f.size)
        for i, line in enumerate(f.lines):
            # The baseline sits a font size's ascent (about 0.8 em for DejaVu) below the line's top.
            self.canv.drawString(0, self.height - i * line_height - f.size * 0.86, line)


def fitted_cell(text: str, font: str, width: float, height: float, size: float, min_size: float = 5.5,
                max_lines: int = 2):
    """A cell's content for ``text`` in a box of ``width`` × ``height`` points (inside padding).

    At the table's own ``size`` when the text fits there on ``max_lines`` lines: plain text with
    line breaks, which costs the table nothing. Otherwise a :class:`FittedText` in the largest
    size that holds all of it, on one more line if need be: a long category or name shrinks,
    it is never cut with an ellipsis.
    """
    if not text:
        return ""
    # prefer_one_line=1: in a table, a second line at full size reads better than one line shrunk.
    fitted = fit_text(text, font, width, height, size, min_size, max_lines, prefer_one_line=1.0)
    if fitted.size >= size * 0.99:
        return "\n".join(fitted.lines)
    return FittedText(fitted)
