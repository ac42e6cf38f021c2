"""Sign-in sheets (feuilles d'émargement) as A4 landscape PDFs.

Plain data in (services.sheets.SignInSheet), bytes out. Rows have a fixed height (room to
sign), so each page holds a known number of them: the table is cut into one table per page,
each with its header row, which keeps a 5,000-name sheet fast to lay out. A name, an
organisation or a category too long for its cell is wrapped, then shrunk: never cut.
"""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from eventapp.core.documents.fonts import BOLD, CONDENSED, CONDENSED_BOLD, REGULAR, register_fonts
from eventapp.core.documents.pages import COMPACT_BOTTOM, Letterhead, LetterheadDocument, styles
from eventapp.core.documents.tables import FRAME_PADDING, FittedText, fitted_cell, paged_table
from eventapp.core.documents.textfit import LEADING, fit_text
from eventapp.core.documents.words import translator

#: Room to sign: 7.2 mm a row puts 18 rows on the first landscape page and 20 on the others.
ROW_H = 7.2 * mm
HEAD_H = 6 * mm
FONT_SIZE = 8
LEADING_PT = 9
PADDING = 3
CELL_PAD_V = 1
GRID = colors.HexColor("#777777")
HEAD = colors.HexColor("#DDE8E0")


def cell(text: str, width: float, *, font: str = CONDENSED, row_height: float = ROW_H, max_lines: int = 2):
    """The text of a cell of ``width`` in a row of ``row_height``: wrapped, then shrunk, never cut."""
    return fitted_cell(text, font, width - 2 * PADDING, row_height - 2 * CELL_PAD_V, FONT_SIZE,
                       min_size=5.5, max_lines=max_lines)


def table_style() -> list:
    """The grid, fonts and paddings every sheet table (sign-in, payments) shares."""
    return [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("FONT", (0, 0), (-1, 0), CONDENSED_BOLD, FONT_SIZE), ("FONT", (0, 1), (-1, -1), CONDENSED, FONT_SIZE),
        ("LEADING", (0, 0), (-1, -1), LEADING_PT), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), CELL_PAD_V), ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PAD_V),
    ]


def intro(title: str, when: str, about: str, width: float) -> list:
    """The sheet's opening, kept to two or three lines so that the rows get the page: the title
    and the day on one line, the event's full title and venue below (shrunk to two lines)."""
    st = styles()
    heading = ParagraphStyle("sheet_title", parent=st["h2"], spaceBefore=0, spaceAfter=2)
    about_fit = fit_text(about, REGULAR, width, 2 * 9 * LEADING, 9, 6, 2)
    return [Paragraph(escape(" — ".join(x for x in (title.upper(), when) if x)), heading),
            FittedText(about_fit), Spacer(1, 2 * mm)]


def flowables_height(flowables: list, width: float) -> float:
    """The height the flowables take in a frame of ``width``, their spaces included."""
    return sum(f.wrap(width, 1000)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables)


def sign_in_sheet_pdf(sheet) -> bytes:
    """Render a sign-in sheet (``sheet``: services.sheets.SignInSheet)."""
    register_fonts()
    _ = translator(sheet.language)
    st = styles()
    title = _("Sign-in sheet") if sheet.kind == "expected" else _("Attendance record")
    subtitle = " · ".join(x for x in (sheet.day_text, sheet.session_text, sheet.venue) if x)
    letterhead = Letterhead(title=sheet.event_title, subtitle=f"{title} · {subtitle}", organizer=sheet.organizer,
                            language=sheet.language, organizer_logo=sheet.organizer_logo,
                            partner_logo=sheet.partner_logo)
    buffer = io.BytesIO()
    doc = LetterheadDocument(buffer, letterhead, orientation="landscape", bottom_margin=COMPACT_BOTTOM)
    width = doc.width - 12  # the frame's padding

    headers = [_("No."), _("Name"), _("Sex"), _("Organisation and function"), _("Category")]
    widths = [10 * mm, 56 * mm, 10 * mm, 60 * mm, 36 * mm]
    if sheet.show_phone:
        headers.append(_("Phone"))
        widths.append(26 * mm)
    headers += [_("Arrival"), _("Signature")]
    widths += [15 * mm]
    widths.append(width - sum(widths))
    headers = [cell(h, widths[i], font=CONDENSED_BOLD, row_height=HEAD_H) for i, h in enumerate(headers)]

    def line(row) -> list:
        cells = [str(row.number), cell(row.name, widths[1]), row.sex, cell(row.organisation, widths[3]),
                 cell(row.category, widths[4])]
        if sheet.show_phone:
            cells.append(row.phone)
        return cells + [row.arrival, ""]

    body = [line(r) for r in sheet.rows]
    first_number = len(sheet.rows) + 1
    body += [[str(n)] + [""] * (len(headers) - 1) for n in range(first_number, first_number + sheet.blank_rows)]

    opening = intro(title, " · ".join(x for x in (sheet.day_text, sheet.session_text) if x),
                    " — ".join(x for x in (sheet.event_title, sheet.venue) if x), width)
    available = doc.height - FRAME_PADDING
    style = table_style() + [("ALIGN", (0, 0), (0, -1), "RIGHT"), ("ALIGN", (2, 0), (2, -1), "CENTER")]
    story = opening + paged_table(headers, body, widths, row_height=ROW_H, header_height=HEAD_H,
                                  page_room=available, first_room=available - flowables_height(opening, width),
                                  style=style)

    count_line = (_("Number of participants present: %(n)d") % {"n": len(sheet.rows)} if sheet.kind == "attended"
                  else _("Number of participants present:") + " " + "_" * 12)
    story += [Spacer(1, 6 * mm), KeepTogether([
        Paragraph(escape(count_line), st["body"]), Spacer(1, 3 * mm),
        Table([[_("The facilitator"), ""], [_("Name:") + " " + "_" * 45, _("Signature:")],
               [_("Date:") + " " + "_" * 45, ""]],
              colWidths=[120 * mm, 80 * mm], rowHeights=[6 * mm, 12 * mm, 8 * mm], hAlign="LEFT",
              style=TableStyle([("FONT", (0, 0), (-1, 0), BOLD, 10), ("FONT", (0, 1), (-1, -1), CONDENSED, 9),
                                ("BOX", (1, 1), (1, 2), 0.5, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP")])),
    ])]
    return doc.render(story)
