"""Name plates (table tents) for the officials' table: one A4 sheet per official, folded in two.

The lower half reads upright; the upper half carries the same words turned 180°, so once the
sheet is folded into a tent the name reads from the hall and from the table alike. The sheets
come in the order given (the caller passes protocol order).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from eventapp.core.documents.fonts import CONDENSED, CONDENSED_BOLD, register_fonts
from eventapp.core.documents.textfit import LEADING, fit_text
from eventapp.core.documents.words import translator

MARGIN = 15 * mm


@dataclass(frozen=True)
class Nameplate:
    """One official's plate."""

    last_name: str
    honorific: str = ""
    first_name: str = ""
    function: str = ""
    institution: str = ""

    @property
    def name(self) -> str:
        """Honorific, first name and name, as read out."""
        return " ".join(p for p in (self.honorific, self.first_name, self.last_name) if p and p.strip())


def _face(canvas, plate: Nameplate, width: float, height: float, title: str) -> None:
    """Draw one face in a box of ``width`` × ``height`` from the current origin."""
    text_w = width - 2 * MARGIN
    name = fit_text(plate.name, CONDENSED_BOLD, text_w, height * 0.45, 54, 16, 2)
    details = [fit_text(t, CONDENSED, text_w, height * 0.16, 20, 8, 2)
               for t in (plate.function, plate.institution) if t and t.strip()]
    gap = 4 * mm
    blocks = [name] + details
    total = sum(b.height for b in blocks) + gap * (len(blocks) - 1)
    top = (height + total) / 2 + 4 * mm
    for index, block in enumerate(blocks):
        canvas.setFont(block.font, block.size)
        grey = 0 if index == 0 else 0.2
        canvas.setFillColorRGB(grey, grey, grey)
        y = top
        for number, (line, line_w) in enumerate(zip(block.lines, block.widths, strict=True)):
            y -= block.size if number == 0 else block.size * LEADING
            canvas.drawString((width - line_w) / 2, y, line)
        top -= block.height + gap
    if title:
        small = fit_text(title, CONDENSED, text_w, 12, 9, 6, 1)
        canvas.setFont(small.font, small.size)
        canvas.setFillColorRGB(0.45, 0.45, 0.45)
        canvas.drawCentredString(width / 2, MARGIN / 2 + 2, small.lines[0] if small.lines else "")


def render_nameplates(plates: list[Nameplate], title: str = "", language: str = "fr") -> bytes:
    """The PDF of the name plates, one A4 sheet each, folded along the dashed line."""
    register_fonts()
    _ = translator(language)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title or _("Name plates"))
    canvas.setSubject(_("Name plates"))
    canvas.setCreator("eventapp")
    width, height = A4
    half = height / 2
    for plate in plates:
        _face(canvas, plate, width, half, title)  # lower half, upright
        canvas.saveState()
        canvas.translate(width, height)  # upper half, turned 180° about the sheet's centre
        canvas.rotate(180)
        _face(canvas, plate, width, half, title)
        canvas.restoreState()
        canvas.saveState()
        canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
        canvas.setLineWidth(0.4)
        canvas.setDash(3, 3)
        canvas.line(MARGIN / 2, half, width - MARGIN / 2, half)
        canvas.setFont(CONDENSED, 7)
        canvas.setFillColorRGB(0.5, 0.5, 0.5)
        canvas.drawRightString(width - MARGIN / 2, half + 2, _("Fold here"))
        canvas.restoreState()
        canvas.showPage()
    if not plates:
        canvas.setFont(CONDENSED, 12)
        canvas.drawString(MARGIN, half, _("Nobody to print."))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
