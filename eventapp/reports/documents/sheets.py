"""Sign-in sheets (feuilles d'émargement) as A4 landscape PDFs.

Plain data in (services.sheets.SignInSheet), bytes out. Rows have a fixed height (room to
sign), so each page holds a known number of them: the table is cut into one table per page,
each with its header row, which keeps a 5,000-name sheet fast to lay out.
"""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from eventapp.core.documents.fonts import BOLD, CONDENSED, CONDENSED_BOLD, register_fonts
from eventapp.core.documents.pages import Letterhead, LetterheadDocument, styles
from eventapp.core.documents.tables import FRAME_PADDING, paged_table
from eventapp.core.documents.words import translator

ROW_H = 9 * mm
HEAD_H = 8 * mm
FONT_SIZE = 8
PADDING = 3
GRID = colors.HexColor("#777777")
HEAD = colors.HexColor("#DDE8E0")


def _lines(text: str, width: float, max_lines: int, cut: bool) -> str:
    """Wrap ``text`` into at most ``max_lines`` lines; names are never cut (the rest joins the last line)."""
    if not text:
        return ""
    lines = simpleSplit(text, CONDENSED, FONT_SIZE, width - 2 * PADDING)
    if len(lines) > max_lines:
        if cut:
            last = " ".join(lines[max_lines - 1:])
            while last and simpleSplit(last + "…", CONDENSED, FONT_SIZE, width - 2 * PADDING)[1:]:
                last = last[:-1]
            lines = lines[:max_lines - 1] + [last.rstrip() + "…"]
        else:
            lines = lines[:max_lines - 1] + [" ".join(lines[max_lines - 1:])]
    return "\n".join(lines)


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
    doc = LetterheadDocument(buffer, letterhead, orientation="landscape")
    width = doc.width - 12  # the frame's padding

    headers = [_("No."), _("Name"), _("Sex"), _("Organisation and function"), _("Category")]
    widths = [10 * mm, 58 * mm, 10 * mm, 62 * mm, 32 * mm]
    if sheet.show_phone:
        headers.append(_("Phone"))
        widths.append(28 * mm)
    headers += [_("Arrival"), _("Signature")]
    widths += [16 * mm]
    widths.append(width - sum(widths))

    def line(row) -> list[str]:
        cells = [str(row.number), _lines(row.name, widths[1], 2, cut=False), row.sex,
                 _lines(row.organisation, widths[3], 2, cut=True), _lines(row.category, widths[4], 2, cut=True)]
        if sheet.show_phone:
            cells.append(row.phone)
        return cells + [row.arrival, ""]

    body = [line(r) for r in sheet.rows]
    first_number = len(sheet.rows) + 1
    body += [[str(n)] + [""] * (len(headers) - 1) for n in range(first_number, first_number + sheet.blank_rows)]

    intro = [Paragraph(escape(title.upper()), st["h1"]),
             Paragraph(escape(" · ".join(x for x in (sheet.event_title, sheet.day_text, sheet.session_text) if x)),
                       st["h3"]),
             Paragraph(escape(sheet.venue), st["body"])]
    intro_h = sum(f.wrap(width, 1000)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in intro) + 3 * mm
    available = doc.height - FRAME_PADDING
    header_style = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("FONT", (0, 0), (-1, 0), CONDENSED_BOLD, FONT_SIZE), ("FONT", (0, 1), (-1, -1), CONDENSED, FONT_SIZE),
        ("LEADING", (0, 0), (-1, -1), FONT_SIZE + 1.5), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("ALIGN", (0, 0), (0, -1), "RIGHT"), ("ALIGN", (2, 0), (2, -1), "CENTER"),
    ]
    story = list(intro) + paged_table(headers, body, widths, row_height=ROW_H, header_height=HEAD_H,
                                      page_room=available, first_room=available - intro_h, style=header_style)

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
