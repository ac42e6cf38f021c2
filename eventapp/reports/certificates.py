"""Certificates of attendance (attestations de participation), only for those who came.

Each certificate has a random code (160 bits) in a QR code that opens a public page saying the
certificate is genuine, with the person's name and the event and nothing else.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from eventapp.audit.services import Actor, record
from eventapp.core.documents import words
from eventapp.core.documents.words import translator
from eventapp.core.errors import NotFound, ValidationError
from eventapp.core.mail import Attachment, Mail, MailSettings, send_messages
from eventapp.core.models import utcnow
from eventapp.core.settings import Links
from eventapp.events.models import Event, Official
from eventapp.extensions import db
from eventapp.registration.invitations import official_name
from eventapp.registration.models import Registration
from eventapp.reports.attendance import Attendee, load_attendees, local_time, logo_bytes, period_text
from eventapp.reports.models import Certificate


@dataclass
class CertificateData:
    """One certificate, as the document maker prints it."""

    name: str  # first name and name
    honorific: str
    days: list[date]  # the days attended
    verify_url: str  # the public check page; empty when no public address is known
    code: str
    sex: str | None = None  # 'F', 'M' or None: for the honorific when none is recorded
    last_name: str = ""
    email: str | None = None
    registration_id: int = 0
    of_days: int = 0  # the days the person was registered for, when only some of the event's


@dataclass
class CertificateBatch:
    """Plain data for documents.certificates: the event, the signatory and the certificates."""

    event_title: str
    organizer: str
    partner: str
    start_date: date
    end_date: date
    event_days: int  # how many days the event has ("2 of its 3 days")
    language: str
    signatory_name: str  # with the honorific, as the official is listed ("Dr Boubacar DIALLO")
    signatory_function: str  # function and institution
    issued_on: date  # "Fait à Bamako, le 22 juin 2023"
    venue: str = ""
    city: str = ""
    venue_phrase: str = ""  # the organizer's own words for the venue in a sentence
    signatory_sex: str | None = None  # None when the honorific does not say ("Dr")
    certificates: list[CertificateData] = field(default_factory=list)
    organizer_logo: bytes | None = None
    partner_logo: bytes | None = None

    @property
    def period(self) -> str:
        """The event's dates as a label: 'du 15 au 16 janvier 2027'."""
        return words.date_span(self.start_date, self.end_date, self.language, weekday=False)


@dataclass
class CertificateCheck:
    """What the public page shows: only the name and the event."""

    name: str
    event_title: str
    period: str


def attendees_who_came(event: Event) -> list[Attendee]:
    """Those who may receive a certificate: everyone with a valid check-in, in name order."""
    return [a for a in load_attendees(event) if a.attended]


def new_code() -> str:
    """A URL-safe code of 160 random bits."""
    return secrets.token_urlsafe(20)


def _signatory(event: Event, official_id) -> Official:
    _ = translator(event.language)
    try:
        official_id = int(official_id)
    except (TypeError, ValueError):
        official_id = None
    official = db.session.get(Official, official_id) if official_id else None
    if official is None or official.event_id != event.id:
        raise ValidationError({"official_id": [_("Choose the official who signs, among the event's officials.")]})
    return official


def _certificates_for(event: Event, attendees: list[Attendee], actor: Actor | None) -> list[Certificate]:
    """The certificate of each attendee: the one already issued, or a new one (same code every print)."""
    existing = {c.registration_id: c for c in db.session.scalars(
        select(Certificate).where(Certificate.event_id == event.id))}
    out = []
    for a in attendees:
        cert = existing.get(a.registration_id)
        if cert is None:
            cert = Certificate(code=new_code(), event_id=event.id, registration_id=a.registration_id,
                               issued_by_id=actor.user_id if actor else None)
            db.session.add(cert)
        out.append(cert)
    return out


def certificate_batch(event: Event, *, official_id, links: Links, registration_ids: list[int] | None = None,
                      actor: Actor | None = None, upload_dir: Path) -> CertificateBatch:
    """Certificates for those who came (all of them, or those of ``registration_ids``).

    Asking for someone who did not come is refused with a clear message: a certificate says
    that its holder attended.
    """
    _ = translator(event.language)
    official = _signatory(event, official_id)
    attendees = [a for a in load_attendees(event) if a.attended]
    if registration_ids is not None:
        wanted = set(registration_ids)
        chosen = [a for a in attendees if a.registration_id in wanted]
        if len(chosen) != len(wanted):
            raise ValidationError({"registration_id": [_("A certificate is only given to someone who came.")]})
        attendees = chosen
    if not attendees:
        raise ValidationError(_("Nobody has come yet: there is no certificate to make."))
    for attempt in range(2):
        items = list(zip(attendees, _certificates_for(event, attendees, actor), strict=True))
        try:
            db.session.commit()  # codes are kept before any PDF shows them
            break
        except IntegrityError:  # another print issued some of them at the same moment: reuse those
            db.session.rollback()
            if attempt:
                raise
    organizer_logo, partner_logo = logo_bytes(event, upload_dir)
    return CertificateBatch(
        event_title=event.title, organizer=event.organizer, partner=event.partner, start_date=event.start_date,
        end_date=event.end_date, event_days=len(event.days), language=event.language,
        venue=event.venue_name, city=event.city, venue_phrase=event.venue_phrase,
        signatory_name=official_name(official, event.language),
        signatory_sex=official.gender or None,
        signatory_function=", ".join(x for x in (official.function, official.institution) if x),
        issued_on=local_time(utcnow(), event.timezone).date(),
        organizer_logo=organizer_logo, partner_logo=partner_logo,
        certificates=[CertificateData(
            name=a.full_name, honorific=a.honorific, sex=a.sex, last_name=a.last_name, days=sorted(a.arrivals),
            of_days=len(a.days),
            verify_url=links.certificate(cert.code), code=cert.code, email=a.email,
            registration_id=a.registration_id) for a, cert in items])


def print_certificates(event: Event, *, official_id, links: Links, registration_ids: list[int] | None = None,
                       separate: bool = False, actor: Actor | None = None,
                       upload_dir: Path) -> tuple[bytes, str, str]:
    """One PDF of every certificate (a page each), or a ZIP of one PDF per person.

    Returns (bytes, file name, MIME type); the print is recorded in the audit log.
    """
    from eventapp.reports.documents.certificates import certificate_pdfs, certificates_pdf

    batch = certificate_batch(event, official_id=official_id, links=links, registration_ids=registration_ids,
                              actor=actor, upload_dir=upload_dir)
    record(actor, "certificates.print", None, event_id=event.id, count=len(batch.certificates), separate=separate)
    db.session.commit()
    if len(batch.certificates) == 1:
        c = batch.certificates[0]
        return certificates_pdf(batch), f"{event.slug}-certificate-{c.registration_id}.pdf", "application/pdf"
    if separate:
        import io
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for cert, data in certificate_pdfs(batch):
                zf.writestr(f"{event.slug}-certificate-{cert.registration_id}.pdf", data)
        return buffer.getvalue(), f"{event.slug}-certificates.zip", "application/zip"
    return certificates_pdf(batch), f"{event.slug}-certificates.pdf", "application/pdf"


@dataclass
class MailResult:
    """How an emailing went."""

    sent: int = 0
    outbox: int = 0
    without_email: int = 0
    failed: list[str] = field(default_factory=list)


def email_certificates(event: Event, *, official_id, links: Links, settings: MailSettings,
                       registration_ids: list[int] | None = None, actor: Actor | None = None,
                       upload_dir: Path, batch_size: int = 200) -> MailResult:
    """Email each attendee who has an email address their certificate as a PDF.

    Sent in batches (one SMTP connection each), so a large event never holds every PDF in memory.
    """
    from eventapp.reports.documents.certificates import certificate_pdfs

    _ = translator(event.language)
    batch = certificate_batch(event, official_id=official_id, links=links, registration_ids=registration_ids,
                              actor=actor, upload_dir=upload_dir)
    result = MailResult(without_email=sum(1 for c in batch.certificates if not c.email))
    subject = _("Your certificate of attendance: %(event)s") % {"event": event.title}
    pending: list[tuple[CertificateData, Mail]] = []

    def flush():
        outcomes = send_messages([mail for _c, mail in pending], settings)
        emailed = []
        for (cert, _mail), (status, error) in zip(pending, outcomes, strict=True):
            if status == "sent":
                result.sent += 1
            elif status == "outbox":
                result.outbox += 1
            else:
                result.failed.append(f"{cert.name} <{cert.email}>: {error}")
                continue
            emailed.append(cert.code)
        if emailed:
            db.session.execute(update(Certificate).where(Certificate.code.in_(emailed)).values(emailed_at=utcnow()))
        pending.clear()

    for cert, pdf in certificate_pdfs(batch, only=lambda c: bool(c.email)):
        lines = [words.salutation(cert.honorific, cert.sex, "", event.language, cert.last_name), "",
                 _("Please find attached your certificate of attendance %(at_event)s (%(period)s).") % {
                     "at_event": words.event_phrase(event.title, event.language, "at"), "period": batch.period},
                 _("Anyone can check that it is genuine at %(url)s") % {"url": cert.verify_url}
                 if cert.verify_url else "", "", event.organizer]
        html = "".join(f"<p>{escape(line)}</p>" for line in lines if line)
        pending.append((cert, Mail(to=cert.email, subject=subject, text="\n".join(lines), html=html,
                                   attachments=[Attachment(f"{event.slug}-certificate.pdf", pdf)],
                                   event_id=event.id, registration_id=cert.registration_id)))
        if len(pending) >= batch_size:
            flush()
    if pending:
        flush()
    record(actor, "certificates.email", None, event_id=event.id, sent=result.sent, outbox=result.outbox,
           without_email=result.without_email, failed=len(result.failed))
    db.session.commit()
    return result


def check_certificate(code: str) -> CertificateCheck:
    """The public confirmation of a certificate; NotFound for an unknown code."""
    cert = db.session.scalar(select(Certificate).where(Certificate.code == (code or "")[:64]))
    registration = db.session.get(Registration, cert.registration_id) if cert and cert.registration_id else None
    if cert is None or registration is None:
        from flask_babel import gettext

        raise NotFound(gettext("No certificate has this code."))
    event = db.session.get(Event, cert.event_id)
    person = registration.person
    name = "" if person.erased_at else person.full_name
    return CertificateCheck(name=name, event_title=event.title, period=period_text(event))
