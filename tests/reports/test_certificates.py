"""Certificates of attendance: only for those who came, a QR code to a public page, emailing."""
from __future__ import annotations

import io
import zipfile
from email import message_from_bytes
from email.policy import default as default_policy
from html import unescape
from pathlib import Path
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
from tests.pdfutil import decode_qr_codes, page_count, pdf_text, pdf_words, render_pages

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


# --- the wording, in French and English (issue 13, item 9) -----------------------------------

TITLE = ("Atelier de restitution des résultats du projet « Renforcement des liens de confiance entre les FDS "
         "et la population civile »")


OUT = Path("/tmp/letters13")


def three_day_workshop(language="fr", **kw):
    """A three-day workshop: Traoré came on two days, Maïga on all three, N'Diaye on one."""
    from datetime import UTC, date, datetime, timedelta

    from tests.factories import make_person, make_registration

    days = [date(2027, 1, 15), date(2027, 1, 16), date(2027, 1, 17)]
    event = make_event(title=TITLE, organizer="Institut Malien de Recherche Action pour la Paix (IMRAP)",
                       partner="Coopération suisse – DPDH", venue_name="Salle de conférence de la Maison de la Femme",
                       city="Bamako", start_date=days[0], end_date=days[-1], language=language, **kw)
    people = [("Moussa", "Traoré", "M.", "M", (0, 2)), ("Awa", "Maïga", "", "F", (0, 1, 2)),
              ("Ousmane", "N'Diaye", "", "X", (1,))]
    regs = []
    for first, last, honorific, sex, came in people:
        reg = make_registration(event, make_person(first, last, honorific=honorific, sex=sex))
        for d in came:
            kf.check_in(reg, days[d], datetime.combine(days[d], datetime.min.time(), UTC)
                        + timedelta(hours=8, minutes=len(regs)))
        regs.append(reg)
    db.session.commit()
    return event, regs


def pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def certificate_pages(event, official, ids=None) -> tuple[bytes, list[str]]:
    data, _name, _mime = print_certificates(event, official_id=official.id, links=web.links(BASE),
                                            registration_ids=ids, upload_dir=web.settings().upload_dir)
    return data, pages(data)


def test_french_certificates_agree_with_the_signatory_and_count_the_days(app):
    from pypdf import PdfReader

    from tests.registration.test_letters import with_logos

    event, (traore, maiga, ndiaye) = three_day_workshop()
    with_logos(event)
    woman = make_official(event, "N'DIAYE", first_name="Aminata", honorific="Mme", function="Directrice exécutive",
                          institution="IMRAP")
    data, (first, second, third) = certificate_pages(event, woman)
    OUT.mkdir(parents=True, exist_ok=True)
    render_pages(data, dpi=110)[2].save(OUT / "certificate-fr.png")  # looked at before closing the issue
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert page.mediabox.width > page.mediabox.height and len(page.images) == 2  # landscape, both logos
    assert first.startswith("Institut Malien de Recherche Action pour la Paix (IMRAP) Coopération suisse – DPDH "
                            "ATTESTATION DE PARTICIPATION")
    assert ("Je soussignée, Aminata N'DIAYE, Directrice exécutive, IMRAP, atteste que Mme Awa Maïga a pris part à "
            "l'atelier de restitution des résultats du projet « Renforcement des liens de confiance entre les FDS et "
            "la population civile », du vendredi 15 au dimanche 17 janvier 2027 à la salle de conférence de la "
            "Maison de la Femme, à Bamako, et a assisté aux 3 journées.") in first  # in name order: Maïga first
    assert ("Ousmane N'Diaye a pris part à l'atelier de restitution") in second
    assert "et a assisté à 1 des 3 journées (samedi 16 janvier 2027)." in second
    assert "M. Moussa Traoré a pris part" in third
    assert "et a assisté à 2 des 3 journées (vendredi 15 et dimanche 17 janvier 2027)." in third
    for text in (first, second, third):
        assert "soussigné(e)" not in text and "« «" not in text and "» »" not in text
        assert "En foi de quoi la présente attestation est délivrée pour servir et valoir ce que de droit." in text
        assert "Fait à Bamako, le " in text and text.endswith("Directrice exécutive, IMRAP Mme Aminata N'DIAYE")
    man = make_official(event, "SOGOBA", first_name="Oumar", honorific="M.", function="Secrétaire général")
    _data, (text,) = certificate_pages(event, man, [traore.id])
    assert "Je soussigné, Oumar SOGOBA, Secrétaire général, atteste que M. Moussa Traoré" in text
    doctor = make_official(event, "DIALLO", first_name="Boubacar", honorific="Dr", function="Président")
    _data, (text,) = certificate_pages(event, doctor, [traore.id])
    assert "Dr Boubacar DIALLO, Président, atteste que M. Moussa Traoré" in text  # the sex is not known
    assert "soussign" not in text


def test_english_certificates(app):
    event, (traore, maiga, ndiaye) = three_day_workshop(language="en")
    official = make_official(event, "SOGOBA", first_name="Oumar", honorific="M.", function="Secretary General")
    data, (first, second, third) = certificate_pages(event, official)
    assert first.startswith("Institut Malien de Recherche Action pour la Paix (IMRAP) Coopération suisse – DPDH "
                            "CERTIFICATE OF ATTENDANCE")
    assert ("I, the undersigned, Oumar SOGOBA, Secretary General, certify that Ms Awa Maïga took part in “Atelier de "
            "restitution des résultats du projet « Renforcement des liens de confiance entre les FDS et la population "
            "civile »”, held from Friday 15 to Sunday 17 January 2027 at the Salle de conférence de la Maison de la "
            "Femme, Bamako, and attended all 3 days.") in first
    assert "and attended 1 of its 3 days (Saturday 16 January 2027)." in second
    assert "Mr Moussa Traoré took part" in third
    assert "and attended 2 of its 3 days (Friday 15 and Sunday 17 January 2027)." in third
    assert "This certificate is issued to serve and avail as of right." in third
    assert third.endswith("Secretary General Mr Oumar SOGOBA")


def test_the_qr_code_leads_to_the_check_page_at_the_public_address(app, client):
    event, (traore, maiga, ndiaye) = three_day_workshop()
    official = make_official(event, "SOGOBA", first_name="Oumar", honorific="M.", function="Secrétaire général")
    data, texts = certificate_pages(event, official)
    urls = [codes for codes in decode_qr_codes(data)]
    assert all(len(codes) == 1 for codes in urls)
    for (url,), text, reg in zip(urls, texts, (maiga, ndiaye, traore), strict=True):
        assert url.startswith(BASE + "certificates/") and url in text
        page = client.get(urlsplit(url).path)
        assert page.status_code == 200 and reg.person.full_name in unescape(page.get_data(as_text=True))


def test_a_certificate_counts_the_days_the_person_was_registered_for(app):
    """Registered for two of the three days and there on both: all their days, not "2 of 3"."""
    from eventapp.registration.services import set_registration_days

    event, (traore, _maiga, ndiaye) = three_day_workshop()
    set_registration_days(traore, [event.start_date, event.end_date])  # came on days 1 and 3
    set_registration_days(ndiaye, [event.start_date, event.start_date.replace(day=16)])  # came on day 2
    woman = make_official(event, "N'DIAYE", first_name="Aminata", honorific="Mme", function="Directrice exécutive")
    _data, (_first, second, third) = certificate_pages(event, woman)
    assert "M. Moussa Traoré a pris part" in third and "et a assisté aux 2 journées." in third
    assert "et a assisté à 1 des 2 journées (samedi 16 janvier 2027)." in second
