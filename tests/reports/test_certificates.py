"""Certificates of attendance: only for those who came, a QR code to a public page, emailing."""
from __future__ import annotations

import io
import zipfile
from email import message_from_bytes
from email.policy import default as default_policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from eventapp.audit.services import Actor
from eventapp.core import web
from eventapp.core.errors import ValidationError
from eventapp.core.mail import MailSettings
from eventapp.extensions import db
from eventapp.reports.certificates import email_certificates, print_certificates
from eventapp.reports.models import Certificate
from tests import reports_fixtures as kf
from tests.factories import make_event, make_official
from tests.netutil import free_port
from tests.pdfutil import decode_qr_codes, page_count, pdf_text, pdf_words

BASE = "http://192.168.1.10:5000/"


@pytest.fixture
def event_with_official(app):
    event, regs = kf.known_attendance()
    official = make_official(event, "SOGOBA", first_name="Boubacar", honorific="M.", function="Secrétaire général",
                             institution="Ministère de la Sécurité", role="presides", protocol_rank=1)
    return event, regs, official


def test_one_pdf_for_everyone_who_came(event_with_official):
    event, regs, official = event_with_official
    data, name, mimetype = print_certificates(event, official_id=official.id, links=web.links(BASE),
                                              actor=Actor.cli(), upload_dir=web.settings().upload_dir)
    assert mimetype == "application/pdf"
    assert page_count(data) == 37
    text = pdf_text(data)
    assert "ATTESTATION DE PARTICIPATION" in text
    assert "M. Boubacar SOGOBA" in text and "Secrétaire général" in text
    assert text.count("a pris part à l'atelier de restitution") == 37
    # Person 40 (voided only) and 59 (cancelled) have none; 1 certificate per attendee is stored.
    assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) == 37
    stored = {c.registration_id for c in db.session.scalars(db.select(Certificate))}
    assert regs[40].id not in stored and regs[59].id not in stored


def test_qr_code_opens_the_public_page_with_only_name_and_event(event_with_official, client):
    event, regs, official = event_with_official
    data, name, _ = print_certificates(event, official_id=official.id, links=web.links(BASE),
                                       registration_ids=[regs[25].id], upload_dir=web.settings().upload_dir)
    assert name.endswith(".pdf")
    text = pdf_words(data)
    assert "Kadiatou Maïga" in text  # person 25
    assert "et a assisté aux 2 journées." in text  # both days attended
    codes = decode_qr_codes(data)
    assert len(codes) == 1 and len(codes[0]) == 1
    url = codes[0][0]
    assert url.startswith("http://192.168.1.10:5000/certificates/")
    code = url.rsplit("/", 1)[1]
    assert len(code) >= 22  # at least 128 bits, URL-safe
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    person = regs[25].person
    assert "Kadiatou Maïga" in html and event.title in html
    for private in (person.email, person.phone, person.organisation, person.locality, "Chargé de mission"):
        assert private not in html
    assert client.get("/certificates/not-a-real-code").status_code == 404


def test_no_certificate_for_someone_who_did_not_come(event_with_official):
    event, regs, official = event_with_official
    with pytest.raises(ValidationError):
        print_certificates(event, official_id=official.id, links=web.links(BASE), registration_ids=[regs[45].id],
                           upload_dir=web.settings().upload_dir)
    with pytest.raises(ValidationError):
        print_certificates(event, official_id=999999, links=web.links(BASE), upload_dir=web.settings().upload_dir)
    empty = make_event(slug="empty")
    other = make_official(empty)
    with pytest.raises(ValidationError):
        print_certificates(empty, official_id=other.id, links=web.links(BASE), upload_dir=web.settings().upload_dir)


def test_one_pdf_per_person_in_a_zip_and_codes_are_stable(event_with_official):
    event, regs, official = event_with_official
    data, name, mimetype = print_certificates(event, official_id=official.id, links=web.links(BASE), separate=True,
                                              upload_dir=web.settings().upload_dir)
    assert mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert len(names) == 37
        assert page_count(zf.read(names[0])) == 1
    before = {c.registration_id: c.code for c in db.session.scalars(db.select(Certificate))}
    print_certificates(event, official_id=official.id, links=web.links(BASE), upload_dir=web.settings().upload_dir)
    after = {c.registration_id: c.code for c in db.session.scalars(db.select(Certificate))}
    assert before == after  # printed again, same certificate



class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


def test_emailed_through_a_real_smtp_server(event_with_official):
    event, regs, official = event_with_official
    regs[0].person.email = None  # one attendee has no email
    db.session.commit()
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = MailSettings(server="127.0.0.1", port=port, sender="imrap@example.org")
        result = email_certificates(event, official_id=official.id, links=web.links(BASE), settings=settings,
                                    actor=Actor.cli(), batch_size=10, upload_dir=web.settings().upload_dir)
    finally:
        controller.stop()
    assert result.sent == 36 and result.without_email == 1 and not result.failed
    assert len(inbox.messages) == 36
    rcpts, content = next(m for m in inbox.messages if m[0] == ["p25@example.org"])
    message = message_from_bytes(content, policy=default_policy)
    assert "Atelier de restitution" in message["Subject"]
    attachment = next(message.iter_attachments())
    pdf = attachment.get_content()
    assert "Kadiatou Maïga" in pdf_text(pdf)
    assert BASE.rstrip("/") + "/certificates/" in message.get_body(("plain",)).get_content()
    assert db.session.scalar(db.select(Certificate).where(Certificate.registration_id == regs[25].id)).emailed_at


def test_without_a_mail_server_messages_go_to_the_outbox(event_with_official, tmp_path):
    event, regs, official = event_with_official
    settings = MailSettings(server=None, outbox=tmp_path / "outbox")
    result = email_certificates(event, official_id=official.id, links=web.links(BASE), settings=settings,
                                registration_ids=[regs[3].id], upload_dir=web.settings().upload_dir)
    assert result.outbox == 1
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_unreachable_mail_server_is_reported_per_person(event_with_official):
    event, regs, official = event_with_official
    settings = MailSettings(server="127.0.0.1", port=free_port(), timeout=2)
    result = email_certificates(event, official_id=official.id, links=web.links(BASE), settings=settings,
                                registration_ids=[regs[3].id, regs[4].id], upload_dir=web.settings().upload_dir)
    assert result.sent == 0 and len(result.failed) == 2
    assert "p3@example.org" in result.failed[0] or "p3@example.org" in result.failed[1]
    assert db.session.scalar(db.select(Certificate).where(Certificate.registration_id == regs[3].id)).emailed_at is None
