"""Printable invitation letters: one A4 page per person, an administrative letter on the
organiser's letterhead.

As a ministry expects one: the letterhead with both logos, the reference and "Bamako, le 3 juin
2023", the addressee (honorific, name, function, organisation), "Objet :", the salutation the
addressee's honorific and function call for ("Monsieur le Secrétaire général,"), the body with
the dates and venue in words, the closing formula that repeats the salutation, and the signature
block (title, then name). Each letter carries the person's QR code (their pass at the door,
drawn as vectors, 35 mm with its quiet zone) and their personal answer link, short enough to be
typed by hand.

Plain data in (:class:`LetterEvent`, :class:`LetterRecipient`), PDF bytes out; the phrases come
from :mod:`eventapp.core.documents.words`.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepInFrame, PageBreak, Paragraph, Spacer, Table, TableStyle

from eventapp.core.documents import words
from eventapp.core.documents.pages import Letterhead, LetterheadDocument, styles
from eventapp.core.documents.qr import QRFlowable
from eventapp.core.documents.words import translator

QR_SIZE = 35 * mm  # quiet zone included; well above the 25 mm a phone reads at arm's length
MAX_PROGRAMME_LINES = 12  # a summary: the letter must stay on one page
FRAME = (180 * mm, 230 * mm)  # the letterhead page's body


@dataclass(frozen=True)
class Signatory:
    """Who signs: the title above the signature ("Le Directeur exécutif"), the name below it."""

    name: str
    title: str = ""


@dataclass(frozen=True)
class LetterEvent:
    """What every letter of an event says."""

    title: str
    organizer: str
    start_date: date
    end_date: date
    written_on: date  # the letter's date ("Bamako, le 3 juin 2023")
    venue: str = ""  # the venue's name, e.g. "Salle de conférence de la Maison de la Femme"
    address: str = ""
    city: str = ""
    venue_phrase: str = ""  # the organizer's own words for the venue in a sentence, used as they are
    language: str = "fr"
    reference_prefix: str = ""  # "IMRAP/DE": the reference reads "N° 0042/IMRAP/DE"
    signatory: Signatory | None = None  # None: the letter is signed by the organisation
    presiding: str = ""  # the official who presides, with function
    programme: list[tuple[str, str]] = field(default_factory=list)  # (time, title)
    partner: str = ""
    organizer_logo: bytes | None = None
    partner_logo: bytes | None = None


@dataclass(frozen=True)
class LetterRecipient:
    """One person's letter."""

    name: str  # first name and name, as printed
    qr_payload: str
    number: int  # the letter's number in its reference (the registration's: a reprint keeps it)
    answer_url: str = ""  # empty when no public address is known: the link is then left out
    honorific: str = ""
    sex: str | None = None
    last_name: str = ""
    function: str = ""
    organisation: str = ""


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(text), style)


def _letter_styles(st) -> dict:
    body = ParagraphStyle("letter_body", parent=st["body"], fontSize=10.5, leading=14.5, alignment=TA_JUSTIFY)
    return {**st, "letter": body, "right": ParagraphStyle("letter_right", parent=body, alignment=TA_RIGHT),
            "addressee": ParagraphStyle("letter_addressee", parent=body, alignment=0, leading=13.5),
            "link": ParagraphStyle("letter_link", parent=st["body"], fontName=st["h3"].fontName, fontSize=11,
                                   leading=14)}


def reference(event: LetterEvent, person: LetterRecipient) -> str:
    """The letter's reference number: '0042/IMRAP/DE'."""
    return "/".join(p for p in (f"{person.number:04d}", event.reference_prefix.strip().strip("/")) if p)


def _heading(event: LetterEvent, person: LetterRecipient, st, _) -> list:
    """Reference and place-and-date on one line, then the addressee block on the right."""
    top = Table([[_p(_("Ref. %(reference)s") % {"reference": reference(event, person)}, st["letter"]),
                  _p(words.place_and_date(event.city, event.written_on, event.language), st["right"])]],
                colWidths=[90 * mm, 90 * mm])
    addressee = [Paragraph("<b>" + escape(words.with_honorific(person.name, person.honorific, person.sex,
                                                              event.language)) + "</b>", st["addressee"])]
    addressee += [_p(line, st["addressee"]) for line in (person.function, person.organisation) if line]
    block = Table([["", addressee]], colWidths=[95 * mm, 85 * mm])
    for table in (top, block):
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [top, Spacer(1, 8 * mm), block, Spacer(1, 8 * mm)]


def _body(event: LetterEvent, person: LetterRecipient, st, _) -> list:
    venue = words.at_venue(event.venue, event.language, address=event.address, city=event.city,
                           written=event.venue_phrase)
    where = f" {venue}" if venue else ""
    values = {"event": words.event_phrase(event.title, event.language, "in"),
              "dates": words.on_dates(event.start_date, event.end_date, event.language), "venue": where}
    invitation = (_("I have the honour of inviting you to take part %(event)s, to be held %(dates)s%(venue)s.")
                  if event.signatory else
                  _("We have the honour of inviting you to take part %(event)s, to be held %(dates)s%(venue)s."))
    salutation = words.salutation(person.honorific, person.sex, person.function, event.language,
                                  person.last_name)
    story = [Paragraph("<b>" + escape(_("Subject:")) + "</b> " + escape(
                 _("Invitation %(to_event)s") % {"to_event": words.event_phrase(event.title, event.language, "to")}),
                 st["letter"]),
             Spacer(1, 6 * mm), _p(salutation, st["letter"]), Spacer(1, 3 * mm),
             _p(invitation % values, st["letter"])]
    if event.presiding:
        story += [Spacer(1, 2 * mm),
                  _p(_("The event will be presided over %(by_official)s.")
                     % {"by_official": words.by_person(event.presiding, event.language)}, st["letter"])]
    return story + _programme(event, st, _)


def _programme(event: LetterEvent, st, _) -> list:
    if not event.programme:
        return []
    lines = event.programme[:MAX_PROGRAMME_LINES]
    table = Table([[_p(t, st["cell"]), _p(title, st["cell"])] for t, title in lines],
                  colWidths=[28 * mm, None], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                               ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    story = [Spacer(1, 4 * mm), _p(_("Programme"), st["h3"]), table]
    if len(event.programme) > MAX_PROGRAMME_LINES:
        story.append(_p(_("The full programme will be handed out on arrival."), st["muted"]))
    return story


def _pass(person: LetterRecipient, st, _) -> Table:
    """The QR code (the pass at the door) beside the answer link to type."""
    text = [_p(_("Please show this code at the entrance: it is your personal pass."), st["letter"])]
    if person.answer_url:
        text += [Spacer(1, 2 * mm),
                 _p(_("To confirm or decline your attendance, open this address on a phone or a computer:"),
                    st["letter"]),
                 _p(person.answer_url, st["link"])]
    row = Table([[QRFlowable(person.qr_payload, QR_SIZE), text]], colWidths=[QR_SIZE + 6 * mm, None], hAlign="LEFT")
    row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    return row


def _signature(event: LetterEvent, person: LetterRecipient, st) -> list:
    closing = words.letter_closing(person.honorific, person.sex, person.function, event.language,
                                   person.last_name, personal=event.signatory is not None)
    if event.signatory:
        block = [_p(event.signatory.title, st["right"])] if event.signatory.title else []
        block += [Spacer(1, 16 * mm), Paragraph("<b>" + escape(event.signatory.name) + "</b>", st["right"])]
    else:
        block = [Spacer(1, 16 * mm), Paragraph("<b>" + escape(event.organizer) + "</b>", st["right"])]
    signature = Table([["", block]], colWidths=[90 * mm, 90 * mm])
    signature.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [Spacer(1, 4 * mm), _p(closing, st["letter"]), Spacer(1, 4 * mm), signature]


def _letter(event: LetterEvent, person: LetterRecipient, st, _) -> list:
    return (_heading(event, person, st, _) + _body(event, person, st, _)
            + [Spacer(1, 5 * mm), _pass(person, st, _)] + _signature(event, person, st))


class _LetterDocument(LetterheadDocument):
    """The letterhead pages without "page X of Y": each page is a letter of its own."""

    def render(self, story) -> bytes:
        self.build(story)
        return self.filename.getvalue()


def invitation_letters(event: LetterEvent, recipients: list[LetterRecipient]) -> bytes:
    """The letters of ``recipients`` as one PDF, one page each (the body is shrunk to fit if needed)."""
    _ = translator(event.language)
    st = _letter_styles(styles())
    letterhead = Letterhead(title=event.organizer or event.title, subtitle=event.partner, organizer=event.organizer,
                            language=event.language, organizer_logo=event.organizer_logo,
                            partner_logo=event.partner_logo, footer_note=event.organizer)
    story: list = []
    for i, person in enumerate(recipients):
        if i:
            story.append(PageBreak())
        story.append(KeepInFrame(*FRAME, _letter(event, person, st, _), mode="shrink"))
    if not story:
        story.append(_p(_("No letter to print."), st["body"]))
    return _LetterDocument(io.BytesIO(), letterhead).render(story)
