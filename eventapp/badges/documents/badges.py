"""Badges: sheets of name badges with the person's QR code, in layouts defined as data.

Plain data in (:class:`BadgeEvent`, :class:`BadgePerson`), PDF bytes out. A new layout is one
:class:`Layout` entry in :data:`LAYOUTS`.

Speed: the header (logos, title, dates) is the same on every badge, so it is drawn once as a
PDF form and placed on each badge; so is each category's band and each page's cut marks. The
QR codes are encoded once (``qr.qr_matrix`` is cached) and drawn as one path each. Widths are
measured once per string. About 1,500 badges a second on the reference machine
(``tests/bench/test_badges_bench.py``).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import A4, A6, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from eventapp.core.documents.fonts import CONDENSED, CONDENSED_BOLD, register_fonts
from eventapp.core.documents.pages import draw_logo, logo
from eventapp.core.documents.qr import draw_qr
from eventapp.core.documents.textfit import LEADING, Fitted, contrast_text_colour, fit_text, parse_hex
from eventapp.core.documents.words import translator


def _(message: str) -> str:
    """Marks a layout's description for translation (translated where it is shown)."""
    return message


# --- layouts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """How badges sit on a sheet: page size, grid, badge size, gaps and cut marks (points).

    The grid is centred on the page; badges are filled row by row from the top left.
    """

    name: str
    description: str  # English; translated where shown
    page: tuple[float, float]
    columns: int
    rows: int
    badge: tuple[float, float]  # width, height
    gap: tuple[float, float] = (0.0, 0.0)  # between columns, between rows
    cut_marks: bool = True
    mark_offset: float = 1.5 * mm  # cut marks start this far from the badges…
    mark_length: float = 4 * mm  # …and are this long

    def __post_init__(self) -> None:
        # A layout is checked when it is defined, so a wrong new entry fails at import.
        left, bottom = self.margins
        if left < 0 or bottom < 0:
            raise ValueError(f"layout {self.name}: the badges do not fit the page")
        if self.cut_marks and min(left, bottom) < self.mark_offset + self.mark_length:
            raise ValueError(f"layout {self.name}: no room for the cut marks in the margins")

    @property
    def per_page(self) -> int:
        """Badges on one sheet."""
        return self.columns * self.rows

    @property
    def grid_size(self) -> tuple[float, float]:
        """Width and height of the block of badges."""
        (w, h), (gx, gy) = self.badge, self.gap
        return self.columns * w + (self.columns - 1) * gx, self.rows * h + (self.rows - 1) * gy

    @property
    def margins(self) -> tuple[float, float]:
        """Left and bottom margins (the grid is centred)."""
        gw, gh = self.grid_size
        return (self.page[0] - gw) / 2, (self.page[1] - gh) / 2

    @property
    def landscape_badge(self) -> bool:
        """True for badges wider than tall (cards), which put the QR code beside the name."""
        return self.badge[0] > self.badge[1]

    def badge_box(self, index: int) -> tuple[float, float, float, float]:
        """(x, y, width, height) of the ``index``-th badge of a page (0 is top left)."""
        (w, h), (gx, gy) = self.badge, self.gap
        left, bottom = self.margins
        col, row = index % self.columns, index // self.columns
        top = bottom + self.grid_size[1]
        return left + col * (w + gx), top - (row + 1) * h - row * gy, w, h

    def cut_lines(self) -> tuple[list[float], list[float]]:
        """The x positions of vertical cuts and the y positions of horizontal cuts."""
        xs: set[float] = set()
        ys: set[float] = set()
        for i in range(self.per_page):
            x, y, w, h = self.badge_box(i)
            xs.update((round(x, 3), round(x + w, 3)))
            ys.update((round(y, 3), round(y + h, 3)))
        return sorted(xs), sorted(ys)

    def cut_mark_segments(self) -> list[tuple[float, float, float, float]]:
        """Cut marks as segments (x1, y1, x2, y2), in the margins, outside every badge."""
        if not self.cut_marks:
            return []
        xs, ys = self.cut_lines()
        left, bottom = self.margins
        gw, gh = self.grid_size
        right, top = left + gw, bottom + gh
        o, n = self.mark_offset, self.mark_length
        segments = []
        for x in xs:
            segments.append((x, bottom - o, x, bottom - o - n))
            segments.append((x, top + o, x, top + o + n))
        for y in ys:
            segments.append((left - o, y, left - o - n, y))
            segments.append((right + o, y, right + o + n, y))
        return segments


def _layouts(*layouts: Layout) -> dict[str, Layout]:
    return {layout.name: layout for layout in layouts}


#: Every layout, by name. The first is the default.
LAYOUTS: dict[str, Layout] = _layouts(
    # Eight A7-sized badges (a little under 74 × 105 mm, so the sheet keeps printable margins
    # for the cut marks) on a landscape A4: four across, two down, cut apart on shared lines.
    Layout("a4-8", _("A4, 8 badges (A7, 70 × 98 mm)"), landscape(A4), 4, 2, (70 * mm, 98 * mm)),
    Layout("a4-4", _("A4, 4 badges (A6, 98 × 138 mm)"), A4, 2, 2, (98 * mm, 138 * mm)),
    Layout("a4-10", _("A4, 10 cards for badge holders (90 × 54 mm)"), A4, 2, 5, (90 * mm, 54 * mm)),
    Layout("id1", _("Card printer, one ID-1 card a page (85.6 × 54 mm)"), (85.6 * mm, 54 * mm), 1, 1,
           (85.6 * mm, 54 * mm), cut_marks=False),
    Layout("a6", _("One A6 badge a page (105 × 148 mm)"), A6, 1, 1, A6, cut_marks=False),
)
DEFAULT_LAYOUT = "a4-8"


class UnknownLayout(KeyError):
    """A layout name that is not in :data:`LAYOUTS`."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown layout {self.name!r}; layouts: {', '.join(LAYOUTS)}"


def get_layout(name: str | None) -> Layout:
    """The layout of this name (the default for None or ''); raises :class:`UnknownLayout`."""
    try:
        return LAYOUTS[name or DEFAULT_LAYOUT]
    except KeyError:
        raise UnknownLayout(str(name)) from None


# --- data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeEvent:
    """What every badge of an event shows."""

    title: str
    start_date: date
    end_date: date
    language: str = "fr"
    place: str = ""  # e.g. the city
    organizer_logo: bytes | None = None  # PNG or JPEG bytes; unreadable ones are left out
    partner_logo: bytes | None = None
    discreet: bool = False  # first name only, no category, no organisation


@dataclass(frozen=True)
class BadgePerson:
    """One badge: the person's words and their QR payload."""

    payload: str
    first_name: str = ""
    last_name: str = ""
    organisation: str = ""
    function: str = ""
    category_label: str = ""
    category_colour: str = "#555555"
    #: The days the badge is valid for, when the registration is for some days only; empty: every day.
    days: tuple[date, ...] = ()


# --- what goes where on a badge -------------------------------------------------------------


@dataclass(frozen=True)
class TextItem:
    """A line of text placed on a badge (coordinates relative to the badge's lower left)."""

    text: str
    font: str
    size: float
    x: float  # left end
    y: float  # baseline
    width: float
    colour: str = "#000000"


@dataclass(frozen=True)
class Design:
    """The zones of one badge size, in points from the badge's lower left."""

    width: float
    height: float
    pad: float
    header_top: float
    header_bottom: float
    logo_box: tuple[float, float]  # max width, max height of each logo
    band_height: float
    qr: tuple[float, float, float]  # x, y, size (quiet zone included)
    text_box: tuple[float, float, float, float]  # x, y, w, h of name, function, organisation
    name_max: float
    detail_max: float
    title_max: float


def design_for(layout: Layout) -> Design:
    """The zones of a badge for the layout's badge size (portrait or card)."""
    w, h = layout.badge
    if layout.landscape_badge:
        s = h / (54 * mm)
        pad = 3 * mm * s
        header_h = 11 * mm * s
        band_h = 7 * mm * s
        header_bottom = h - pad - header_h
        zone_bottom = band_h + 1.5 * mm * s
        zone_h = header_bottom - zone_bottom
        qr = min(25 * mm * s, zone_h)
        qr_x = w - pad - qr + 1.5 * mm * s  # the quiet zone may reach into the padding
        qr_y = zone_bottom + (zone_h - qr) / 2
        text_box = (pad, zone_bottom, qr_x - pad - 1 * mm * s, zone_h)
        return Design(w, h, pad, h - pad, header_bottom, (13 * mm * s, 7.5 * mm * s), band_h,
                      (qr_x, qr_y, qr), text_box, 17 * s, 8 * s, 7.5 * s)
    s = w / (70 * mm)
    pad = 3.5 * mm * s
    header_h = 14 * mm * s
    band_h = 9 * mm * s
    header_bottom = h - pad - header_h
    qr = 25 * mm * s
    qr_y = band_h + 1 * mm * s
    zone_bottom = qr_y + qr + 0.5 * mm * s  # text keeps out of the quiet zone
    text_box = (pad, zone_bottom, w - 2 * pad, header_bottom - zone_bottom - 1 * mm * s)
    return Design(w, h, pad, h - pad, header_bottom, (15 * mm * s, 9 * mm * s), band_h,
                  ((w - qr) / 2, qr_y, qr), text_box, 20 * s, 8.5 * s, 8 * s)


def event_dates(event: BadgeEvent) -> str:
    """The event's dates in its language: '21 juin 2023', '21–23 juin 2023'."""
    from babel.dates import format_date, format_interval

    if event.end_date == event.start_date:
        return format_date(event.start_date, format="long", locale=event.language)
    return format_interval(event.start_date, event.end_date, skeleton="yMMMd", locale=event.language)


def day_in_words(day: date, language: str) -> str:
    """A day of the event in words, without the year: 'jeudi 15 janvier', 'jeudi 1er janvier',
    'Thursday 15 January'."""
    from babel.dates import format_date

    text = format_date(day, format="EEEE d MMMM", locale=language)
    if language == "fr" and day.day == 1:
        text = text.replace(" 1 ", " 1er ", 1)  # French writes the first of the month as an ordinal
    return text


def validity_text(days, language: str) -> str:
    """What a badge for some days only says: 'Valable le jeudi 15 janvier', 'Valable les jeudi
    15 janvier et samedi 17 janvier', 'Valid on Thursday 15 January'; '' for every day."""
    if not days:
        return ""
    _ = translator(language)  # the event's language (the module's _ only marks)
    words = [day_in_words(d, language) for d in sorted(days)]
    if len(words) == 1:
        return _("Valid on %(day)s") % {"day": words[0]}
    listed = _("%(days)s and %(last)s") % {"days": ", ".join(words[:-1]), "last": words[-1]}
    return _("Valid on %(days)s") % {"days": listed}


VALIDITY_COLOUR = "#8a1c1c"  # the days a badge is valid for stand out from the person's details


def _lines(fitted: Fitted, x: float, width: float, top: float, colour: str = "#000000",
           align: str = "centre") -> list[TextItem]:
    """Place fitted lines from ``top`` downwards, centred (or left-aligned) in ``width``."""
    items, y = [], top
    for line, line_width in zip(fitted.lines, fitted.widths, strict=True):
        # The first baseline sits one size below the top (the capitals' height and a little).
        y -= fitted.size if not items else fitted.size * LEADING
        lx = x + (width - line_width) / 2 if align == "centre" else x
        items.append(TextItem(line, fitted.font, fitted.size, lx, y, line_width, colour))
    return items


def header_items(event: BadgeEvent, d: Design, logos_present: tuple[bool, bool]) -> list[TextItem]:
    """The title and dates, between the logos."""
    lw = d.logo_box[0]
    left = d.pad + (lw + 1.5 * mm if logos_present[0] else 0)
    right = d.width - d.pad - (lw + 1.5 * mm if logos_present[1] else 0)
    width = right - left
    header_h = d.header_top - d.header_bottom
    dates = " · ".join(p for p in (event_dates(event), event.place) if p)
    dates_fit = fit_text(dates, CONDENSED, width, header_h * 0.3, d.title_max * 0.85, 4.5, 1)
    title_fit = fit_text(event.title, CONDENSED_BOLD, width, header_h - dates_fit.height - 1, d.title_max, 5, 2)
    block = title_fit.height + dates_fit.height
    top = d.header_bottom + (header_h + block) / 2
    items = _lines(title_fit, left, width, top)
    items += _lines(dates_fit, left, width, top - title_fit.height, "#444444")
    return items


def person_items(person: BadgePerson, event: BadgeEvent, d: Design) -> list[TextItem]:
    """The name, function and organisation, fitted into the text zone and centred in it."""
    x, y, w, h = d.text_box
    align = "left" if d.width > d.height else "centre"
    gap = 1.2 * mm
    validity = validity_text(person.days, event.language)
    validity_fit = fit_text(validity, CONDENSED_BOLD, w, h * 0.2, d.detail_max, 5, 2) if validity else None
    if validity_fit is not None:
        h -= validity_fit.height + gap  # the days keep their room below; the rest shares what is left
        y += validity_fit.height + gap
    if event.discreet:
        # The first name only (the last name for someone who gave a single name).
        name = (person.first_name or person.last_name).strip()
        name_fit = fit_text(name, CONDENSED_BOLD, w, h, d.name_max * 1.2, 8, 2)
        blocks = [(name_fit, "#000000")]
    else:
        name = " ".join(p for p in (person.first_name, person.last_name) if p)
        details = [t for t in (person.function, person.organisation) if t and t.strip()]
        detail_h = h * 0.22 if details else 0
        name_fit = fit_text(name, CONDENSED_BOLD, w, h - len(details) * (detail_h + gap), d.name_max, 8, 2)
        blocks = [(name_fit, "#000000")]
        for text in details:
            blocks.append((fit_text(text, CONDENSED, w, detail_h, d.detail_max, 5, 2), "#333333"))
    total = sum(f.height for f, _c in blocks) + gap * (len(blocks) - 1)
    top = y + (h + total) / 2
    items: list[TextItem] = []
    for fitted, colour in blocks:
        items += _lines(fitted, x, w, top, colour, align)
        top -= fitted.height + gap
    if validity_fit is not None:
        items += _lines(validity_fit, x, w, y - gap, VALIDITY_COLOUR, align)
    return items


def band_items(label: str, colour: str, d: Design) -> list[TextItem]:
    """The category's words on its band, in black or white, whichever reads better."""
    fitted = fit_text(label, CONDENSED_BOLD, d.width - 2 * d.pad, d.band_height * 0.8, d.band_height * 0.55, 5, 1)
    top = (d.band_height + fitted.height) / 2
    return _lines(fitted, 0, d.width, top, contrast_text_colour(colour))


# --- drawing --------------------------------------------------------------------------------


def _draw_text(canvas, items: list[TextItem]) -> None:
    font = colour = None
    for item in items:
        if (item.font, item.size) != font:
            canvas.setFont(item.font, item.size)
            font = (item.font, item.size)
        if item.colour != colour:
            canvas.setFillColorRGB(*parse_hex(item.colour))
            colour = item.colour
        canvas.drawString(item.x, item.y, item.text)


def render_badges(event: BadgeEvent, people: list[BadgePerson], layout: Layout | str | None = None,
                  progress=None) -> bytes:
    """The PDF of the badges of ``people`` on sheets of ``layout`` (its name or itself).

    ``progress(done, total)`` is called after each page (for a progress bar). An empty list
    gives a valid one-page PDF that says there is nobody to print.
    """
    register_fonts()
    if not isinstance(layout, Layout):
        layout = get_layout(layout)
    _t = translator(event.language)
    d = design_for(layout)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=layout.page, pageCompression=1, invariant=0)
    canvas.setTitle(event.title)
    canvas.setSubject(_t("Badges"))
    canvas.setCreator("eventapp")

    # Logos are read once for the document (an unreadable one is left out).
    images = (logo(event.organizer_logo), logo(event.partner_logo))
    canvas.beginForm("header", 0, 0, d.width, d.height)
    lw, lh = d.logo_box
    logo_y = d.header_bottom + (d.header_top - d.header_bottom - lh) / 2
    draw_logo(canvas, event.organizer_logo, d.pad, logo_y, lw, lh, "left")
    draw_logo(canvas, event.partner_logo, d.width - d.pad - lw, logo_y, lw, lh, "right")
    _draw_text(canvas, header_items(event, d, (images[0] is not None, images[1] is not None)))
    canvas.endForm()

    bands: dict[tuple[str, str], str] = {}
    if not event.discreet:
        for person in people:
            key = (person.category_label or "", person.category_colour or "")
            if key[0] and key not in bands:
                name = f"band{len(bands)}"
                bands[key] = name
                canvas.beginForm(name, 0, 0, d.width, d.band_height)
                canvas.setFillColorRGB(*parse_hex(key[1]))
                canvas.rect(0, 0, d.width, d.band_height, stroke=0, fill=1)
                _draw_text(canvas, band_items(key[0], key[1], d))
                canvas.endForm()

    if layout.cut_marks:
        canvas.beginForm("cutmarks")
        canvas.setLineWidth(0.3)
        canvas.setStrokeColorRGB(0, 0, 0)
        for x1, y1, x2, y2 in layout.cut_mark_segments():
            canvas.line(x1, y1, x2, y2)
        canvas.endForm()

    if not people:
        canvas.setFont(CONDENSED, 12)
        canvas.drawString(20 * mm if layout.page[0] > 60 * mm else 2 * mm, layout.page[1] / 2,
                          _t("Nobody to print."))
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    total = len(people)
    per_page = layout.per_page
    for start in range(0, total, per_page):
        if layout.cut_marks:
            canvas.doForm("cutmarks")
        for index, person in enumerate(people[start:start + per_page]):
            x, y, _w, _h = layout.badge_box(index)
            canvas.saveState()
            canvas.translate(x, y)
            canvas.doForm("header")
            band = bands.get((person.category_label or "", person.category_colour or ""))
            if band:
                canvas.doForm(band)
            _draw_text(canvas, person_items(person, event, d))
            qx, qy, qs = d.qr
            draw_qr(canvas, person.payload, qx, qy, qs, background=False)
            canvas.restoreState()
        canvas.showPage()
        if progress is not None:
            progress(min(start + per_page, total), total)
    canvas.save()
    return buffer.getvalue()
