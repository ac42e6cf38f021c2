"""The transport and per diem sheet: an XLSX for the accountant and a PDF to sign.

Plain data in (services.payments.PaymentView), bytes out. Each line: the per diem (rate per day ×
days attended), the transport (once) and their total, amounts written as the event's language
writes them ("1 020 000 FCFA").
"""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

from eventapp.core.documents.fonts import CONDENSED_BOLD
from eventapp.core.documents.pages import COMPACT_BOTTOM, Letterhead, LetterheadDocument
from eventapp.core.documents.spreadsheet import append_row, csv_bytes
from eventapp.core.documents.tables import FRAME_PADDING, paged_table
from eventapp.core.documents.words import translator
from eventapp.core.money import format_amount
from eventapp.reports.documents.report_xlsx import BOLD, HEADER_FILL
from eventapp.reports.documents.sheets import FONT_SIZE, ROW_H, cell, flowables_height, intro, table_style

HEAD_ROWS = 8 * mm  # two lines of bold headers


def _headers(_, currency: str | None) -> list[str]:
    """The columns; with ``currency`` after each amount's name (the XLSX's cells are bare numbers)."""
    names = [_("Per diem per day"), _("Per diem"), _("Transport"), _("Total")]
    if currency:
        names = [f"{n} ({currency})" for n in names]
    return [_("No."), _("Name"), _("Category"), _("Days attended"), *names, _("Signature")]


def money(n: int, view) -> str:
    """An amount of the sheet as its readers write it ('12 500 FCFA', '12,500 FCFA')."""
    return format_amount(n, view.currency, view.language)


def payment_xlsx(view) -> bytes:
    """One sheet: a line per person who came, then the totals beside their labels.

    Amounts stay numbers (the accountant sums them), shown with thousands grouped.
    """
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
    for cell_ in ws[ws.max_row]:
        cell_.font, cell_.fill = BOLD, HEADER_FILL
    for r in view.rows:
        append_row(ws, [r.number, r.name, r.category, r.days, r.rate, r.per_diem, r.transport, r.amount, ""])
        for col in "EFGH":
            ws[f"{col}{ws.max_row}"].number_format = AMOUNT_FORMAT
    append_row(ws, [])
    append_row(ws, [_("Number of people"), len(view.rows)])
    append_row(ws, [_("Days paid"), view.total_days])
    for label, value in ((_("Per diem"), view.total_per_diem), (_("Transport"), view.total_transport),
                         (_("Total"), view.total)):
        append_row(ws, [f"{label} ({view.currency})", value])
        ws.cell(ws.max_row, 2).number_format = AMOUNT_FORMAT
    ws.cell(ws.max_row, 1).font = BOLD
    ws.cell(ws.max_row, 2).font = BOLD
    for col, width in zip("ABCDEFGHI", (22, 34, 26, 14, 18, 16, 16, 16, 26), strict=True):
        ws.column_dimensions[col].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


#: Thousands grouped by the reader's Excel (its own separator), no decimals.
AMOUNT_FORMAT = "#,##0"
WIDTHS = [10 * mm, 56 * mm, 36 * mm, 15 * mm, 25 * mm, 25 * mm, 25 * mm, 27 * mm]  # the signature takes the rest


def payment_pdf(view) -> bytes:
    """The sheet to sign, landscape, with a signature column and the signatories' block."""
    _ = translator(view.language)
    title = _("Transport and per diem")
    letterhead = Letterhead(title=view.event_title, subtitle=f"{title} · {view.period} · {view.venue}",
                            organizer=view.organizer, language=view.language, organizer_logo=view.organizer_logo,
                            partner_logo=view.partner_logo)
    buffer = io.BytesIO()
    doc = LetterheadDocument(buffer, letterhead, orientation="landscape", bottom_margin=COMPACT_BOTTOM)
    width = doc.width - 12
    widths = WIDTHS + [width - sum(WIDTHS)]
    headers = [cell(h, widths[i], font=CONDENSED_BOLD, row_height=HEAD_ROWS) for i, h in
               enumerate(_headers(_, None))]
    body = [[str(r.number), cell(r.name, widths[1]), cell(r.category, widths[2]), str(r.days), money(r.rate, view),
             money(r.per_diem, view), money(r.transport, view), money(r.amount, view), ""] for r in view.rows]
    style = table_style() + [("ALIGN", (0, 0), (0, -1), "RIGHT"), ("ALIGN", (3, 0), (7, -1), "RIGHT")]
    status = (_("Paid on %(when)s by %(who)s") % {"when": view.paid_at, "who": view.paid_by} if view.locked
              else _("Draft: amounts may still change."))
    opening = intro(title, view.period, " — ".join(x for x in (view.event_title, status) if x), width)
    available = doc.height - FRAME_PADDING
    total_style = [c for c in table_style() if c[0] not in ("BACKGROUND", "FONT")] + [
        ("FONT", (0, 0), (-1, -1), CONDENSED_BOLD, FONT_SIZE), ("ALIGN", (3, 0), (7, 0), "RIGHT")]
    total = Table([["", _("Total"), "", str(view.total_days), "", money(view.total_per_diem, view),
                    money(view.total_transport, view), money(view.total, view), ""]], colWidths=widths,
                  rowHeights=[ROW_H], style=TableStyle(total_style))
    story = opening + paged_table(headers, body, widths, row_height=ROW_H, header_height=HEAD_ROWS,
                                  page_room=available - ROW_H,
                                  first_room=available - flowables_height(opening, width) - ROW_H, style=style)
    story += [total, Spacer(1, 8 * mm), KeepTogether([
        Table([[_("The coordinator"), _("The accountant")], [_("Name and signature:"), _("Name and signature:")]],
              colWidths=[130 * mm, 130 * mm], rowHeights=[6 * mm, 20 * mm], hAlign="LEFT",
              style=TableStyle([("FONT", (0, 0), (-1, 0), "DejaVuSans-Bold", 10),
                                ("FONT", (0, 1), (-1, -1), "DejaVuSans", 9), ("VALIGN", (0, 0), (-1, -1), "TOP")]))])]
    return doc.render(story)


def mobile_money_csv(headers: list[str], rows: list[list]) -> bytes:
    """The bulk payment file: phone (8 digits), amount (a bare integer), name, reference.

    UTF-8 with a BOM, semicolons and CRLF, like every CSV of the app, so that French Excel
    shows the accents of Traoré or Maïga and one column per field; a name that starts like a
    formula (= + - @) gets an apostrophe, so that the spreadsheet never runs it.
    """
    return csv_bytes(headers, rows)
