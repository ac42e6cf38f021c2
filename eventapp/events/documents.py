"""The printable programme: the officials in protocol order, then the agenda day by day.

Plain data in (the dataclasses below), PDF bytes out; in the event's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from xml.sax.saxutils import escape

from babel.dates import format_date
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from eventapp.core.documents.pages import Letterhead, render_pdf, styles
from eventapp.core.documents.words import translator


@dataclass(frozen=True)
class ProgrammeOfficial:
    """An official as printed: name, function, institution and their role at the event (words)."""

    name: str
    function: str = ""
    institution: str = ""
    role: str = ""  # already in the document's language


@dataclass(frozen=True)
class ProgrammeItem:
    """One part of the programme."""

    start: time
    end: time
    title: str
    kind: str = ""  # already in the document's language
    room: str = ""
    description: str = ""
    held_by: list[str] = field(default_factory=list)  # officials' names, in protocol order


@dataclass(frozen=True)
class ProgrammeDay:
    """The items of one day, in time order."""

    day: date
    items: list[ProgrammeItem] = field(default_factory=list)


@dataclass(frozen=True)
class Programme:
    """Everything the programme shows."""

    title: str
    language: str = "fr"
    project: str = ""
    organizer: str = ""
    partner: str = ""
    venue: str = ""  # name, address and city on one line
    start_date: date | None = None
    end_date: date | None = None
    organizer_logo: bytes | None = None
    partner_logo: bytes | None = None
    officials: list[ProgrammeOfficial] = field(default_factory=list)  # protocol order
    days: list[ProgrammeDay] = field(default_factory=list)


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(text or ""), style)


def _dates(data: Programme) -> str:
    if data.start_date is None:
        return ""
    first = format_date(data.start_date, format="full", locale=data.language)
    if data.end_date is None or data.end_date == data.start_date:
        return first
    return f"{first} – {format_date(data.end_date, format='full', locale=data.language)}"


def _officials_table(data: Programme, st) -> Table:
    rows = []
    for official in data.officials:
        who = f"<b>{escape(official.name)}</b>"
        details = ", ".join(escape(x) for x in (official.function, official.institution) if x)
        if details:
            who += f"<br/>{details}"
        rows.append([Paragraph(who, st["cell"]), _p(official.role, st["cell"])])
    table = Table(rows, colWidths=[120 * mm, None])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#cccccc")),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _day_table(day, language: str, st, _) -> Table:
    """One day of the agenda: the day is the table's first row, repeated with the column titles
    when a day runs onto the next page, so a day's heading never stays alone at a page's foot."""
    heading = _p(format_date(day.day, format="full", locale=language).capitalize(), st["h3"])
    rows = [[heading, "", ""],
            [_p(_("Time"), st["cell_bold"]), _p(_("Item"), st["cell_bold"]), _p(_("Held by"), st["cell_bold"])]]
    for item in day.items:
        what = f"<b>{escape(item.title)}</b>"
        extra = " · ".join(escape(x) for x in (item.kind, item.room) if x)
        if extra:
            what += f"<br/><font size=8 color='#555555'>{extra}</font>"
        if item.description:
            what += f"<br/>{escape(item.description)}"
        rows.append([
            _p(f"{item.start:%H:%M} – {item.end:%H:%M}", st["cell"]),
            Paragraph(what, st["cell"]),
            Paragraph("<br/>".join(escape(n) for n in item.held_by), st["cell"]),
        ])
    table = Table(rows, colWidths=[30 * mm, 88 * mm, None], repeatRows=2)
    table.setStyle(TableStyle([
        ("SPAN", (0, 0), (-1, 0)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#eef1ec")),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#cccccc")),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (0, 0), 0),
    ]))
    return table


def programme_pdf(data: Programme) -> bytes:
    """The programme as an A4 PDF in ``data.language``."""
    _ = translator(data.language)
    st = styles()
    story = [_p(data.title, st["h1"])]
    if data.project:
        story.append(_p(_("Project: %(name)s") % {"name": data.project}, st["muted"]))
    facts = [x for x in (_dates(data), data.venue) if x]
    for fact in facts:
        story.append(_p(fact, st["body"]))
    partners = [x for x in (data.organizer, data.partner) if x]
    if partners:
        story.append(_p(" · ".join(partners), st["muted"]))
    story.append(Spacer(1, 4 * mm))

    if data.officials:
        story += [_p(_("Officials"), st["h2"]), _officials_table(data, st), Spacer(1, 4 * mm)]

    story.append(_p(_("Programme"), st["h2"]))
    if not data.days:
        story.append(_p(_("The agenda is not set yet."), st["muted"]))
    for day in data.days:
        story += [_day_table(day, data.language, st, _), Spacer(1, 3 * mm)]

    letterhead = Letterhead(title=data.title, subtitle=_dates(data), organizer=data.organizer,
                            language=data.language, organizer_logo=data.organizer_logo,
                            partner_logo=data.partner_logo,
                            footer_note=" · ".join(x for x in (data.organizer, data.venue) if x))
    return render_pdf(letterhead, story)
