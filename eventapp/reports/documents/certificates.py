"""Certificates of attendance (attestations de participation): one landscape A4 page each.

Plain data in (reports.certificates.CertificateBatch), bytes out. The page has both logos in its
header, a border, and the sentence a French administration writes: "Je soussigné, …, atteste
que / M. Moussa Traoré / a pris part à l'atelier …, le mercredi 21 juin 2023 à la salle de
conférence de la Maison de la Femme, à Bamako, et a assisté à 2 des 3 journées (…)." The
signatory's agreement ("Je soussignée") follows their honorific; when it does not say ("Dr"),
the sentence is in the third person, which needs none. The QR code holds the address of the
public page that confirms the certificate is genuine (left out when no public address is known).
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepInFrame, PageBreak, Paragraph, Spacer, Table, TableStyle

from eventapp.core.documents import words
from eventapp.core.documents.pages import Letterhead, LetterheadDocument, styles
from eventapp.core.documents.qr import QRFlowable
from eventapp.core.documents.words import translator

QR_SIZE = 30 * mm
BORDER = colors.HexColor("#8a6d3b")


def _styles(st) -> dict:
    body = ParagraphStyle("cert_body", parent=st["body"], fontSize=12.5, leading=18, alignment=TA_CENTER)
    return {
        "title": ParagraphStyle("cert_title", parent=st["h1"], fontSize=24, leading=30, alignment=TA_CENTER,
                                spaceAfter=8),
        "body": body,
        "name": ParagraphStyle("cert_name", parent=st["h1"], fontSize=20, leading=26, alignment=TA_CENTER,
                               spaceBefore=4, spaceAfter=4),
        "right": ParagraphStyle("cert_right", parent=st["body"], fontSize=11, leading=14, alignment=TA_RIGHT),
        "small": st["small"], "muted": st["muted"],
    }


def signatory_clause(batch, _) -> str:
    """'Je soussigné, Oumar SOGOBA, Secrétaire général, atteste que' (or the third person)."""
    name = words.without_civility(batch.signatory_name)
    signatory = ", ".join(p for p in (name, batch.signatory_function) if p)
    opening = words.undersigned(batch.signatory_sex, batch.language)
    if opening is None:  # the function, in apposition, is closed by a comma: "Dr X, Président, atteste que"
        subject = f"{signatory}," if batch.signatory_function else signatory
        return _("%(signatory)s certifies that") % {"signatory": subject}
    return _("%(undersigned)s, %(signatory)s, certify that") % {"undersigned": opening, "signatory": signatory}


def attendance_clause(batch, cert, _) -> str:
    """'a pris part à l'atelier …, le mercredi 21 juin 2023 à la salle …, à Bamako[, et a assisté …].'"""
    venue = words.at_venue(batch.venue, batch.language, city=batch.city, written=batch.venue_phrase)
    # Out of the days the person was registered for (all of the event's unless only some).
    total = max(cert.of_days or batch.event_days, len(cert.days))
    values = {"event": words.event_phrase(batch.event_title, batch.language, "in"),
              "dates": words.on_dates(batch.start_date, batch.end_date, batch.language),
              "venue": f" {venue}" if venue else "", "total": total, "attended": len(cert.days),
              "days": words.days_in_words(cert.days, batch.language)}
    if total < 2:
        return _("took part %(event)s, held %(dates)s%(venue)s.") % values
    if len(cert.days) >= total:
        return _("took part %(event)s, held %(dates)s%(venue)s, and attended all %(total)d days.") % values
    return _("took part %(event)s, held %(dates)s%(venue)s, and attended %(attended)d of its %(total)d days "
             "(%(days)s).") % values


def _issued(batch, _) -> str:
    day = words.day_in_words(batch.issued_on, batch.language, weekday=False)
    if batch.city:
        return _("Done at %(place)s, on %(date)s") % {"place": batch.city, "date": day}
    return _("Done on %(date)s") % {"date": day}


def _footer(batch, cert, st, _) -> Table:
    """The QR code and its address on the left; place, date and signature on the right."""
    check = []
    if cert.verify_url:
        check = [QRFlowable(cert.verify_url, QR_SIZE),
                 Paragraph(escape(_("Check that this certificate is genuine:")) + "<br/>"
                           + f"<font size=7>{escape(cert.verify_url)}</font>", st["small"])]
    sign = [Paragraph(escape(_issued(batch, _)), st["right"]), Spacer(1, 2 * mm)]
    if batch.signatory_function:
        sign.append(Paragraph(escape(batch.signatory_function), st["right"]))
    sign += [Spacer(1, 22 * mm), Paragraph(f"<b>{escape(batch.signatory_name)}</b>", st["right"])]
    table = Table([[check, "", sign]], colWidths=[125 * mm, 22 * mm, 120 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _story(batch, cert, st) -> list:
    _ = translator(batch.language)
    holder = words.with_honorific(cert.name, cert.honorific, cert.sex, batch.language)
    story = [Spacer(1, 6 * mm), Paragraph(escape(_("Certificate of attendance")).upper(), st["title"]),
             Spacer(1, 4 * mm), Paragraph(escape(signatory_clause(batch, _)), st["body"]),
             Spacer(1, 2 * mm), Paragraph(escape(holder), st["name"]), Spacer(1, 2 * mm),
             Paragraph(escape(attendance_clause(batch, cert, _)), st["body"]),
             Spacer(1, 5 * mm),
             Paragraph(escape(_("This certificate is issued to serve and avail as of right.")), st["body"]),
             Spacer(1, 8 * mm), _footer(batch, cert, st, _)]
    return [KeepInFrame(267 * mm, 146 * mm, story, mode="shrink")]


class _CertificateDocument(LetterheadDocument):
    """Landscape letterhead pages with a border, without "page X of Y": each page stands alone."""

    def __init__(self, buffer, letterhead: Letterhead):
        super().__init__(buffer, letterhead, orientation="landscape")

    def _decorate(self, canvas, doc) -> None:
        super()._decorate(canvas, doc)
        width, height = self.pagesize
        canvas.saveState()
        canvas.setStrokeColor(BORDER)
        canvas.setLineWidth(1.6)
        canvas.rect(7 * mm, 7 * mm, width - 14 * mm, height - 14 * mm)
        canvas.setLineWidth(0.5)
        canvas.rect(9 * mm, 9 * mm, width - 18 * mm, height - 18 * mm)
        canvas.restoreState()

    def render(self, story) -> bytes:
        self.build(story)
        return self.filename.getvalue()


def _letterhead(batch) -> Letterhead:
    # No footer: the organizer heads the page, and the border runs where a footer would be.
    return Letterhead(title=batch.organizer or batch.event_title, subtitle=batch.partner, organizer="",
                      language=batch.language, organizer_logo=batch.organizer_logo, partner_logo=batch.partner_logo)


def _render(batch, certificates, st) -> bytes:
    story = []
    for i, cert in enumerate(certificates):
        if i:
            story.append(PageBreak())
        story += _story(batch, cert, st)
    return _CertificateDocument(io.BytesIO(), _letterhead(batch)).render(story)


def certificates_pdf(batch) -> bytes:
    """Every certificate of the batch in one PDF, one page each."""
    return _render(batch, batch.certificates, _styles(styles()))


def certificate_pdfs(batch, only: Callable | None = None) -> Iterator[tuple[object, bytes]]:
    """Each certificate as its own PDF: (certificate, bytes), for those ``only`` accepts."""
    st = _styles(styles())
    for cert in batch.certificates:
        if only is None or only(cert):
            yield cert, _render(batch, [cert], st)
