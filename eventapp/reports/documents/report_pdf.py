"""The attendance report as a PDF to sign: figures, tables, charts, agenda and officials.

Plain data in (services.reports.AttendanceReport), bytes out.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from eventapp.core.documents.charts import bar_drawing
from eventapp.core.documents.pages import Letterhead, render_pdf, styles
from eventapp.core.documents.words import translator

GRID = colors.HexColor("#999999")
HEAD = colors.HexColor("#DDE8E0")


def count_table(table, st, width: float) -> list:
    """A count table as flowables: its title, the grid, and its note."""
    first = min(70 * mm, width * 0.4)
    other = (width - first) / max(len(table.columns), 1)
    data = [[Paragraph(escape(table.row_header), st["cell_bold"])] +
            [Paragraph(escape(c), st["cell_bold"]) for c in table.columns]]
    for label, values in table.rows:
        data.append([Paragraph(escape(label), st["cell"])] + [str(v) for v in values])
    grid = Table(data, colWidths=[first] + [other] * len(table.columns), repeatRows=1)
    style = [("GRID", (0, 0), (-1, -1), 0.4, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEAD),
             ("FONT", (1, 1), (-1, -1), "DejaVuSans", 9), ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    if table.rows and table.rows[-1][0] in ("Total",):
        style.append(("FONT", (1, -1), (-1, -1), "DejaVuSans-Bold", 9))
    grid.setStyle(TableStyle(style))
    out = [Paragraph(escape(table.title), st["h2"]), grid]
    if table.note:
        out.append(Paragraph(escape(table.note), st["muted"]))
    return out


def _opening(report, st, _) -> list:
    """The title, the event, who made it, and what the marks of an external report mean."""
    ev = report.event
    story = [Paragraph(escape(_("Attendance report")), st["h1"]),
             Paragraph(escape(ev.title), st["h3"]),
             Paragraph(escape(f"{ev.period} · {ev.venue}"), st["body"])]
    if ev.organizer or ev.partner:
        story.append(Paragraph(escape(" · ".join(x for x in (
            _("Organiser: %(name)s") % {"name": ev.organizer} if ev.organizer else "",
            _("Partner: %(name)s") % {"name": ev.partner} if ev.partner else "") if x)), st["body"]))
    story.append(Paragraph(escape(_("Generated: %(when)s") % {"when": report.generated_at}), st["muted"]))
    if report.external:
        story.append(Paragraph(escape(_("Counts under %(n)d are shown as “<%(n)d”.") % {"n": report.threshold}),
                               st["muted"]))
        story.append(Paragraph(escape(_("“%(mark)s”: hidden so that a small count cannot be worked out from the "
                                        "totals.") % {"mark": _("[c]")}), st["muted"]))
    return story


def _count_table_with_chart(report, table, st, width: float, _) -> list:
    """One table of counts, and its chart after it (arrivals per hour, attendance by category)."""
    flowables = count_table(table, st, width)
    # Short tables stay on one page; long ones (many localities) may break, header repeated.
    story = [KeepTogether(flowables)] if len(table.rows) < 25 else list(flowables)
    if table is report.arrivals and report.arrivals_chart:
        story.append(Spacer(1, 3 * mm))
        story.append(bar_drawing([h for h, _n in report.arrivals_chart], [[n for _h, n in report.arrivals_chart]],
                                 [_("Arrivals")], _("Arrivals per hour")))
    if table is report.by_sex_category and report.category_chart:
        story.append(Spacer(1, 3 * mm))
        story.append(bar_drawing([c for c, _v in report.category_chart],
                                 [[v[i] for _c, v in report.category_chart] for i in range(3)],
                                 report.sex_labels, _("Attendance by category and sex")))
    return story


def _programme_tables(report, st, _) -> list:
    """The agenda as held and the officials, when there are any."""
    story = []
    if report.agenda:
        story.append(Paragraph(escape(_("Agenda as held")), st["h2"]))
        rows = [[Paragraph(escape(h), st["cell_bold"]) for h in (_("Day"), _("Time"), _("Title"), _("Officials"))]]
        for a in report.agenda:
            rows.append([Paragraph(escape(a.day), st["cell"]), a.time,
                         Paragraph(escape(a.title) + f"<br/><font size=7>{escape(a.kind)}</font>", st["cell"]),
                         Paragraph(escape(a.officials), st["cell"])])
        t = Table(rows, colWidths=[28 * mm, 24 * mm, 70 * mm, 58 * mm], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                               ("FONT", (0, 1), (-1, -1), "DejaVuSans", 8.5), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(t)
    if report.officials:
        story.append(Paragraph(escape(_("Officials, in protocol order")), st["h2"]))
        rows = [[Paragraph(escape(h), st["cell_bold"]) for h in (_("Name"), _("Function"), _("Role"))]]
        for o in report.officials:
            rows.append([Paragraph(escape(o.name), st["cell"]),
                         Paragraph(escape(", ".join(x for x in (o.function, o.institution) if x)), st["cell"]),
                         Paragraph(escape(o.role), st["cell"])])
        t = Table(rows, colWidths=[55 * mm, 90 * mm, 35 * mm], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(t)
    return story


def report_pdf(report) -> bytes:
    """Render the report (A4 portrait) in the event's language."""
    ev = report.event
    _ = translator(ev.language)
    st = styles()
    width = 180 * mm
    letterhead = Letterhead(title=ev.title, subtitle=f"{_('Attendance report')} · {ev.period} · {ev.venue}",
                            organizer=ev.organizer, language=ev.language, organizer_logo=ev.organizer_logo,
                            partner_logo=ev.partner_logo)
    story = _opening(report, st, _)
    story.append(Spacer(1, 4 * mm))
    summary = Table([[Paragraph(escape(label), st["cell"]), str(value)] for label, value in report.summary],
                    colWidths=[110 * mm, 30 * mm], hAlign="LEFT")
    summary.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, GRID), ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                                 ("FONT", (1, 0), (1, -1), "DejaVuSans-Bold", 10)]))
    story += [Paragraph(escape(_("Summary")), st["h2"]), summary]
    for table in report.tables:
        story += _count_table_with_chart(report, table, st, width, _)
    story += _programme_tables(report, st, _)
    story += [Spacer(1, 10 * mm),
              KeepTogether([Paragraph(escape(_("Certified accurate by the coordinator")), st["h3"]),
                            Paragraph(escape(_("Name:")) + " " + "_" * 40, st["body"]), Spacer(1, 4 * mm),
                            Paragraph(escape(_("Date and signature:")) + " " + "_" * 40, st["body"])])]
    return render_pdf(letterhead, story)
