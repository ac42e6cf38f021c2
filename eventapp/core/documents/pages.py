"""The page template every document shares: logos and title in the header, and a footer
with the organiser and "page X of Y" in the document's language.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from eventapp.core.documents.fonts import BOLD, REGULAR, register_fonts
from eventapp.core.documents.words import translator

MARGIN = 15 * mm
HEADER_HEIGHT = 22 * mm
FOOTER_HEIGHT = 10 * mm
GREY = colors.HexColor("#555555")
#: The least bottom margin that keeps the body clear of the footer's line (drawn at MARGIN / 2).
COMPACT_BOTTOM = MARGIN / 2 + 5 * mm


@dataclass(frozen=True)
class Letterhead:
    """What the header and footer show: plain data, no database objects."""

    title: str
    subtitle: str = ""
    organizer: str = ""
    language: str = "fr"
    organizer_logo: bytes | None = None  # PNG or JPEG bytes
    partner_logo: bytes | None = None
    footer_note: str = ""
    extra: dict = field(default_factory=dict)


@lru_cache(maxsize=32)
def _image(data: bytes) -> ImageReader | None:
    """A logo read once per process (None when the bytes are not a readable image)."""
    try:
        reader = ImageReader(io.BytesIO(data))
        reader.getSize()
        return reader
    except Exception:  # a broken logo must not break the document: it is left out
        return None


def logo(data: bytes | None) -> ImageReader | None:
    """The logo image for ``data``, or None."""
    return _image(data) if data else None


def draw_logo(canvas, data: bytes | None, x: float, y: float, max_w: float, max_h: float, align: str = "left") -> None:
    """Draw a logo fitted into the box (keeping its proportions); nothing when unreadable."""
    image = logo(data)
    if image is None:
        return
    w, h = image.getSize()
    scale = min(max_w / w, max_h / h)
    dw, dh = w * scale, h * scale
    dx = x if align == "left" else x + max_w - dw
    canvas.drawImage(image, dx, y + (max_h - dh) / 2, dw, dh, mask="auto")


def numbered_canvas(language: str):
    """A canvas class that writes "page X of Y" once the number of pages is known."""
    _ = translator(language)

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved_pages = []

        def showPage(self):
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                self.setFont(REGULAR, 8)
                self.setFillColor(GREY)
                self.drawRightString(self._pagesize[0] - MARGIN, MARGIN / 2,
                                     _("Page %(page)d of %(pages)d") % {"page": self._pageNumber, "pages": total})
                super().showPage()
            super().save()

    return NumberedCanvas


class LetterheadDocument(BaseDocTemplate):
    """An A4 document (portrait or landscape) with the letterhead on every page."""

    def __init__(self, buffer, letterhead: Letterhead, *, orientation: str = "portrait",
                 bottom_margin: float = MARGIN + FOOTER_HEIGHT, **kwargs):
        """``bottom_margin`` is where the body ends; a long sheet may take the room down to just
        above the footer's line (COMPACT_BOTTOM)."""
        register_fonts()
        pagesize = landscape(A4) if orientation == "landscape" else A4
        super().__init__(buffer, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
                         topMargin=MARGIN + HEADER_HEIGHT, bottomMargin=bottom_margin,
                         title=letterhead.title, author=letterhead.organizer, creator="eventapp", **kwargs)
        self.letterhead = letterhead
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate(id="letterhead", frames=[frame], onPage=self._decorate)])

    def _decorate(self, canvas, doc) -> None:
        lh = self.letterhead
        width, height = self.pagesize
        top = height - MARGIN
        canvas.saveState()
        logo_h = HEADER_HEIGHT - 4 * mm
        draw_logo(canvas, lh.organizer_logo, MARGIN, top - logo_h, 35 * mm, logo_h, "left")
        draw_logo(canvas, lh.partner_logo, width - MARGIN - 35 * mm, top - logo_h, 35 * mm, logo_h, "right")
        canvas.setFillColor(colors.black)
        room = width - 2 * MARGIN - 80 * mm
        size = _fitting_size(lh.title, BOLD, room, 10, 8)  # a long name is made smaller before it is cut
        canvas.setFont(BOLD, size)
        canvas.drawCentredString(width / 2, top - 8 * mm, _shorten(lh.title, BOLD, size, room))
        if lh.subtitle:
            canvas.setFont(REGULAR, 8.5)
            canvas.setFillColor(GREY)
            canvas.drawCentredString(width / 2, top - 13 * mm,
                                     _shorten(lh.subtitle, REGULAR, 8.5, width - 2 * MARGIN - 80 * mm))
        canvas.setStrokeColor(colors.HexColor("#999999"))
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, top - HEADER_HEIGHT + 1 * mm, width - MARGIN, top - HEADER_HEIGHT + 1 * mm)
        canvas.setFont(REGULAR, 8)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, MARGIN / 2, _shorten(lh.footer_note or lh.organizer, REGULAR, 8, width / 2))
        canvas.restoreState()

    def render(self, story) -> bytes:
        """Build the story and return the PDF's bytes."""
        self.build(story, canvasmaker=numbered_canvas(self.letterhead.language))
        return self.filename.getvalue()


def _fitting_size(text: str, font: str, width: float, largest: float, smallest: float) -> float:
    """The largest size from ``largest`` down to ``smallest`` (by half points) at which ``text`` fits."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    size = largest
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _shorten(text: str, font: str, size: float, width: float) -> str:
    """Cut ``text`` with an ellipsis so that it fits ``width`` (headers only; never names)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def render_pdf(letterhead: Letterhead, story, orientation: str = "portrait") -> bytes:
    """Lay out ``story`` (platypus flowables) on letterhead pages and return the PDF's bytes."""
    buffer = io.BytesIO()
    return LetterheadDocument(buffer, letterhead, orientation=orientation).render(story)


def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles documents share (DejaVu, so every accent prints)."""
    register_fonts()
    base = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=13)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "muted": ParagraphStyle("muted", parent=base, fontSize=9, leading=11, textColor=GREY),
        "h1": ParagraphStyle("h1", parent=base, fontName=BOLD, fontSize=16, leading=20, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=12.5, leading=16, spaceBefore=8, spaceAfter=4),
        "h3": ParagraphStyle("h3", parent=base, fontName=BOLD, fontSize=10.5, leading=13, spaceBefore=4, spaceAfter=2),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=BOLD, fontSize=9, leading=11),
    }
