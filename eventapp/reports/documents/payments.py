"""The transport and per diem sheet: an XLSX for the accountant and a PDF to sign.

Plain data in (services.payments.PaymentView), bytes out.
"""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from eventapp.core.documents.fonts import CONDENSED, CONDENSED_BOLD
from eventapp.core.documents.pages import Letterhead, LetterheadDocument, styles
from eventapp.core.documents.spreadsheet import append_row
from eventapp.core.documents.tables import FRAME_PADDING, paged_table
from eventapp.core.documents.words import translator
from eventapp.reports.documents.report_xlsx import BOLD, HEADER_FILL
from eventapp.reports.documents.sheets import FONT_SIZE, GRID, HEAD, ROW_H, cell


def _headers(_, currency: str) -> list[str]:
    return [_("No."), _("Name"), _("Category"), _("Days attended"), _("Rate per day (%(cur)s)") % {"cur": currency},
            _("Amount (%(cur)s)") % {"cur": currency}, _("Signature")]


def money(n: int) -> str:
    """An amount with a thin space between thousands, as written in Mali ('12 500')."""
    return f"{n:,}".replace(",", "\u202f")


def payment_xlsx(view) -> bytes:
    """One sheet: a line per person who came, then the total beside its label."""
    _ = translator(view.language)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Payments")[:31]
    append_row(ws, [_("Transport and per diem"), view.event_title])
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, [_("Dates"), view.period])
    append_row(ws, [_("Status"), _("Paid") if view.locked else _("Draft")] +
              ([view.paid_at, view.paid_by] if view.locked else []))
    append_row(ws, [])
    append_row(ws, _headers(_, view.currency))
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    for r in view.rows:
        append_row(ws, [r.number, r.name, r.category, r.days, r.rate, r.amount, ""])
    append_row(ws, [])
    append_row(ws, [_("Number of people"), len(view.rows)])
    append_row(ws, [_("Days paid"), view.total_days])
    append_row(ws, [_("Total (%(cur)s)") % {"cur": view.currency}, view.total])
    ws.cell(ws.max_row, 1).font = BOLD
    ws.cell(ws.max_row, 2).font = BOLD
    for col, width in zip("ABCDEFG", (22, 34, 26, 14, 18, 18, 26), strict=True):
        ws.column_dimensions[col].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def payment_pdf(view) -> bytes:
    """The sheet to sign, landscape, with a signature column and the signatories' block."""
    _ = translator(view.language)
    st = styles()
    title = _("Transport and per diem")
    letterhead = Letterhead(title=view.event_title, subtitle=f"{title} · {view.period} · {view.venue}",
                            organizer=view.organizer, language=view.language, organizer_logo=view.organizer_logo,
                            partner_logo=view.partner_logo)
    buffer = io.BytesIO()
    doc = LetterheadDocument(buffer, letterhead, orientation="landscape")
    widths = [12 * mm, 70 * mm, 45 * mm, 22 * mm, 30 * mm, 30 * mm, 53 * mm]
    headers = [cell(h, widths[i], font=CONDENSED_BOLD, row_height=10 * mm)
               for i, h in enumerate(_headers(_, view.currency))]
    body = [[str(r.number), cell(r.name, widths[1]), cell(r.category, widths[2]),
             str(r.days), money(r.rate), money(r.amount), ""] for r in view.rows]
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("FONT", (0, 0), (-1, 0), CONDENSED_BOLD, FONT_SIZE), ("FONT", (0, 1), (-1, -1), CONDENSED, FONT_SIZE),
        ("LEADING", (0, 0), (-1, -1), FONT_SIZE + 1.5), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (3, 1), (5, -1), "RIGHT"),
    ]
    status = (_("Paid on %(when)s by %(who)s") % {"when": view.paid_at, "who": view.paid_by} if view.locked
              else _("Draft: amounts may still change."))
    intro = [Paragraph(escape(title.upper()), st["h1"]), Paragraph(escape(view.event_title), st["h3"]),
             Paragraph(escape(status), st["muted"]), Spacer(1, 3 * mm)]
    width = doc.width - 12
    intro_h = sum(f.wrap(width, 1000)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in intro)
    available = doc.height - FRAME_PADDING
    total = Table([["", _("Total"), "", str(view.total_days), "", money(view.total), ""]], colWidths=widths,
                  rowHeights=[ROW_H], style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, GRID),
                                                        ("FONT", (0, 0), (-1, -1), CONDENSED_BOLD, 9),
                                                        ("ALIGN", (3, 0), (5, 0), "RIGHT"),
                                                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story = intro + paged_table(headers, body, widths, row_height=ROW_H, header_height=10 * mm,
                                page_room=available - ROW_H, first_room=available - intro_h - ROW_H, style=style)
    story += [total, Spacer(1, 8 * mm), KeepTogether([
        Table([[_("The coordinator"), _("The accountant")], [_("Name and signature:"), _("Name and signature:")]],
              colWidths=[130 * mm, 130 * mm], rowHeights=[6 * mm, 20 * mm], hAlign="LEFT",
              style=TableStyle([("FONT", (0, 0), (-1, 0), "DejaVuSans-Bold", 10),
                                ("FONT", (0, 1), (-1, -1), "DejaVuSans", 9), ("VALIGN", (0, 0), (-1, -1), "TOP")]))])]
    return doc.render(story)
