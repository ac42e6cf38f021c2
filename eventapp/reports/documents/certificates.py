"""Certificates of attendance (attestations de participation), one page each.

Plain data in (services.certificates.CertificateBatch), bytes out. The QR code holds the address
of the public page that confirms the certificate is genuine.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

from eventapp.core.documents.pages import Letterhead, render_pdf, styles
from eventapp.core.documents.qr import QRFlowable
from eventapp.core.documents.words import translator


def _story(batch, cert, st) -> list:
    _ = translator(batch.language)
    title = ParagraphStyle("cert_title", parent=st["h1"], fontSize=22, leading=28, alignment=TA_CENTER, spaceAfter=14)
    body = ParagraphStyle("cert_body", parent=st["body"], fontSize=12, leading=18, alignment=TA_JUSTIFY)
    name = ParagraphStyle("cert_name", parent=st["h1"], fontSize=18, leading=24, alignment=TA_CENTER, spaceBefore=8,
                          spaceAfter=8)
    signatory = escape(batch.signatory_name) + (f", {escape(batch.signatory_function)}"
                                                if batch.signatory_function else "")
    holder = " ".join(x for x in (cert.honorific, cert.name) if x)
    days = (" ; " if batch.language == "fr" else "; ").join(cert.days)
    story = [Spacer(1, 12 * mm), Paragraph(escape(_("Certificate of attendance")).upper(), title),
             Paragraph(_("I, the undersigned, %(signatory)s, certify that") % {"signatory": signatory}, body),
             Paragraph(escape(holder), name),
             Paragraph(_("took part in “%(event)s”, organised by %(organizer)s, held at %(venue)s %(period)s.") % {
                 "event": escape(batch.event_title), "organizer": escape(batch.organizer or "—"),
                 "venue": escape(batch.venue or "—"), "period": escape(batch.period)}, body),
             Spacer(1, 3 * mm),
             Paragraph(escape(_("Days attended: %(days)s.") % {"days": days}), body),
             Spacer(1, 4 * mm),
             Paragraph(escape(_("This certificate is issued to serve and avail as of right.")), body),
             Spacer(1, 6 * mm),
             Paragraph(escape(batch.issued), ParagraphStyle("cert_issued", parent=body, alignment=2)),
             Spacer(1, 8 * mm)]
    qr_size = 32 * mm
    check = Paragraph(escape(_("Check that this certificate is genuine:")) + "<br/>" +
                      f"<font size=7>{escape(cert.verify_url)}</font>", st["small"])
    sign = [Paragraph(f"<b>{escape(batch.signatory_name)}</b>", st["body"]),
            Paragraph(escape(batch.signatory_function), st["muted"]), Spacer(1, 22 * mm),
            Paragraph(escape(_("Signature and stamp")), st["muted"])]
    table = Table([[QRFlowable(cert.verify_url, qr_size), check, sign]], colWidths=[36 * mm, 62 * mm, 82 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return story + [table]


def _letterhead(batch) -> Letterhead:
    _ = translator(batch.language)
    return Letterhead(title=batch.event_title, subtitle=f"{batch.period} · {batch.venue}", organizer=batch.organizer,
                      language=batch.language, organizer_logo=batch.organizer_logo, partner_logo=batch.partner_logo,
                      footer_note=" · ".join(x for x in (batch.organizer, batch.partner) if x))


def certificates_pdf(batch) -> bytes:
    """Every certificate of the batch in one PDF, one page each."""
    st = styles()
    story = []
    for i, cert in enumerate(batch.certificates):
        if i:
            story.append(PageBreak())
        story += _story(batch, cert, st)
    return render_pdf(_letterhead(batch), story)


def certificate_pdfs(batch, only: Callable | None = None) -> Iterator[tuple[object, bytes]]:
    """Each certificate as its own PDF: (certificate, bytes), for those ``only`` accepts."""
    st = styles()
    for cert in batch.certificates:
        if only is None or only(cert):
            yield cert, render_pdf(_letterhead(batch), _story(batch, cert, st))
