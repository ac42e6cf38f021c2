"""Printable invitation letters: one A4 page per person, on the organiser's letterhead.

Plain data in (:class:`LetterEvent`, :class:`LetterRecipient`), PDF bytes out. Each letter
carries the person's QR code (drawn as vectors, 35 mm with its quiet zone) and, in words,
their personal answer link, for people who have no email.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepInFrame, PageBreak, Paragraph, Spacer, Table, TableStyle

from eventapp.core.documents.pages import Letterhead, LetterheadDocument, styles
from eventapp.core.documents.qr import QRFlowable
from eventapp.core.documents.words import translator

QR_SIZE = 35 * mm  # quiet zone included; well above the 25 mm a phone reads at arm's length
MAX_PROGRAMME_LINES = 12  # a summary: the letter must stay on one page


@dataclass(frozen=True)
class LetterEvent:
    """What every letter of an event says."""

    title: str
    organizer: str
    dates: str  # already in words, in the event's language
    venue: str
    language: str = "fr"
    presiding: str = ""  # the official who presides, with function
    programme: list[tuple[str, str]] = field(default_factory=list)  # (time, title)
    partner: str = ""
    organizer_logo: bytes | None = None
    partner_logo: bytes | None = None


@dataclass(frozen=True)
class LetterRecipient:
    """One person's letter."""

    name: str
    qr_payload: str
    answer_url: str = ""
    honorific: str = ""
    function: str = ""
    organisation: str = ""


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(text), style)


def _letter(event: LetterEvent, person: LetterRecipient, st, _) -> list:
    addressee = " ".join(p for p in (person.honorific, person.name) if p)
    story = [
        _p(addressee, st["h3"]),
        *([_p(person.function, st["body"])] if person.function else []),
        *([_p(person.organisation, st["body"])] if person.organisation else []),
        Spacer(1, 6 * mm),
        Paragraph("<b>" + escape(_("Subject:")) + "</b> "
                  + escape(_("Invitation to %(title)s") % {"title": event.title}), st["body"]),
        Spacer(1, 4 * mm),
        _p(_("Dear %(name)s,") % {"name": addressee}, st["body"]),
        Spacer(1, 2 * mm),
        _p(_("%(organizer)s has the honour of inviting you to take part in %(title)s, held on %(dates)s at %(venue)s.")
           % {"organizer": event.organizer or _("The organiser"), "title": event.title, "dates": event.dates,
              "venue": event.venue}, st["body"]),
    ]
    if event.presiding:
        story += [Spacer(1, 2 * mm),
                  _p(_("The event will be presided over by %(official)s.") % {"official": event.presiding}, st["body"])]
    if event.programme:
        story += [Spacer(1, 4 * mm), _p(_("Programme"), st["h3"])]
        lines = event.programme[:MAX_PROGRAMME_LINES]
        table = Table([[_p(t, st["cell"]), _p(title, st["cell"])] for t, title in lines],
                      colWidths=[28 * mm, None], hAlign="LEFT")
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                                   ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
        story.append(table)
        if len(event.programme) > MAX_PROGRAMME_LINES:
            story.append(_p(_("The full programme will be handed out on arrival."), st["muted"]))
    qr_text = [_p(_("Please show this code at the entrance: it is your personal pass."), st["body"])]
    if person.answer_url:
        qr_text += [Spacer(1, 2 * mm), _p(_("To accept or decline, open:"), st["body"]),
                    _p(person.answer_url, st["small"])]
    qr_row = Table([[QRFlowable(person.qr_payload, QR_SIZE), qr_text]], colWidths=[QR_SIZE + 6 * mm, None],
                   hAlign="LEFT")
    qr_row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    story += [Spacer(1, 6 * mm), qr_row, Spacer(1, 6 * mm),
              _p(_("With our respectful greetings."), st["body"]),
              _p(event.organizer, st["h3"])]
    return story


class _LetterDocument(LetterheadDocument):
    """The letterhead pages without "page X of Y": each page is a letter of its own."""

    def render(self, story) -> bytes:
        self.build(story)
        return self.filename.getvalue()


def invitation_letters(event: LetterEvent, recipients: list[LetterRecipient]) -> bytes:
    """The letters of ``recipients`` as one PDF, one page each (the body is shrunk to fit if needed)."""
    _ = translator(event.language)
    st = styles()
    letterhead = Letterhead(title=event.organizer or event.title, subtitle=event.title, organizer=event.organizer,
                            language=event.language, organizer_logo=event.organizer_logo,
                            partner_logo=event.partner_logo, footer_note=event.partner or event.organizer)
    story: list = []
    frame_w, frame_h = 180 * mm, 230 * mm
    for i, person in enumerate(recipients):
        if i:
            story.append(PageBreak())
        story.append(KeepInFrame(frame_w, frame_h, _letter(event, person, st, _), mode="shrink"))
    if not story:
        story.append(_p(_("No letter to print."), st["body"]))
    return _LetterDocument(io.BytesIO(), letterhead).render(story)
