"""Invitations by email (a real SMTP server on loopback) or into the outbox, letters, reminders."""
from __future__ import annotations

import email
import email.policy
import io
from datetime import UTC, time

import pytest
from flask import render_template
from sqlalchemy import select

from eventapp.audit.models import AuditEntry
from eventapp.core import web
from eventapp.core.mail import MailSettings
from eventapp.core.tokens import qr_payload, spaced_answer_code
from eventapp.extensions import db
from eventapp.registration import invitations
from eventapp.registration.models import Invitation
from tests import factories
from tests.pdfutil import decode_qr_codes, page_count, pdf_text, pdf_words
from tests.people_fixtures import smtp_fixture  # noqa: F401  (the ``smtp`` fixture)

BASE = "http://192.168.1.10:5000/"


def decode_png_qr(data: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


def workshop(**kw):
    event = factories.make_event(title="Atelier de restitution à Mopti", venue_name="Hôtel Ya Pas de Problème",
                                 city="Mopti", **kw)
    factories.make_official(event, first_name="Boubacar", last_name="SOGOBA", honorific="M.", role="speaker",
                            protocol_rank=5, function="Président du Conseil")
    factories.make_official(event, first_name="Hamadoun", last_name="DICKO", honorific="Général", role="presides",
                            protocol_rank=1, function="Secrétaire général", institution="Ministère de la Sécurité")
    factories.make_agenda_item(event, "Cérémonie d'ouverture", time(9, 0), time(9, 30))
    factories.make_agenda_item(event, "Présentation des résultats", time(9, 30), time(10, 30))
    return event


def test_emails_through_a_real_smtp_server(app, smtp):
    port, collector = smtp
    event = workshop()
    awa = factories.make_registration(event, factories.make_person("Awa", "Traoré", email="awa@example.org",
                                                                   honorific="Mme"), status="invited")
    no_mail = factories.make_registration(event, factories.make_person("Moussa", "Maïga"), status="invited")
    settings = MailSettings(server="127.0.0.1", port=port, sender="imrap@example.org")
    report = invitations.send_emails(event, [awa, no_mail], links=web.links(BASE), render=render_template,
                                     settings=settings)
    assert (report.sent, report.outbox, report.failed, report.no_email) == (1, 0, 0, 1)

    assert len(collector.messages) == 1
    message = collector.messages[0]
    assert message["To"] == "awa@example.org" and message["From"] == "imrap@example.org"
    assert message["Subject"] == "Invitation : Atelier de restitution à Mopti"  # the event is in French
    link = f"http://192.168.1.10:5000/r/{spaced_answer_code(awa.answer_code)}"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert link in text and f'href="{link}"' in html
    assert "Nous avons le plaisir de vous inviter à l'atelier de restitution à Mopti." in text
    assert "\nMadame,\n" in text.replace("\r", "") and "Quand : le mercredi 21 juin 2023" not in text
    assert "Quand : mercredi 21 juin 2023" in text.replace("\xa0", " ") and "Hôtel Ya Pas de Problème" in text
    assert "Organisé par : IMRAP" in text.replace("\xa0", " ") and "IMRAP" in html  # the event's organizer
    assert "Général Hamadoun DICKO" in text and "SOGOBA" not in text.split("Programme")[0]
    assert "Cérémonie d'ouverture" in text and "Cérémonie d&#39;ouverture" in html
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1
    cid = images[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html
    assert decode_png_qr(images[0].get_content()) == [qr_payload(awa.checkin_token)]

    sent = db.session.scalars(select(Invitation)).all()
    assert [(i.channel, i.kind, i.status, i.registration_id) for i in sent] == [("email", "invitation", "sent", awa.id)]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "invitation.invitation")) is not None


def test_english_event_emails_are_in_english(app, smtp):
    port, collector = smtp
    event = workshop(language="en")
    reg = factories.make_registration(event, factories.make_person("Awa", "Traoré", email="awa@example.org",
                                                                   sex="F"))
    invitations.send_emails(event, [reg], links=web.links(BASE), render=render_template,
                            settings=MailSettings(server="127.0.0.1", port=port))
    message = collector.messages[0]
    assert message["Subject"] == "Invitation: Atelier de restitution à Mopti"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "When: Wednesday 21 June 2023" in text and "Dear Ms Traoré," in text  # no honorific: from the sex
    assert "We are pleased to invite you to “Atelier de restitution à Mopti”." in text


def test_without_smtp_messages_go_to_the_outbox(app):
    event = workshop()
    reg = factories.make_registration(event, factories.make_person("Awa", "Traoré", email="awa@example.org"))
    report = invitations.send_emails(event, [reg], links=web.links(BASE), render=render_template,
                                     settings=web.settings().mail)
    assert report.outbox == 1
    files = list((app.instance_path and __import__("pathlib").Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "awa@example.org"
    assert spaced_answer_code(reg.answer_code) in message.get_body(preferencelist=("plain",)).get_content()
    assert db.session.scalar(select(Invitation.status)) == "outbox"


def test_an_unreachable_server_is_recorded_as_failed(app):
    from tests.netutil import free_port

    event = workshop()
    reg = factories.make_registration(event, factories.make_person("Awa", "Traoré", email="awa@example.org"))
    report = invitations.send_emails(event, [reg], links=web.links(BASE), render=render_template,
                                     settings=MailSettings(server="127.0.0.1", port=free_port(), timeout=2))
    assert report.failed == 1
    invitation = db.session.scalar(select(Invitation))
    assert invitation.status == "failed" and invitation.error


def test_reminders_go_only_to_those_who_have_not_answered(app, smtp):
    port, collector = smtp
    event = workshop()
    waiting = factories.make_registration(event, factories.make_person("Awa", "Traoré", email="awa@example.org"),
                                          status="invited")
    answered = factories.make_registration(event, factories.make_person("Ali", "Touré", email="ali@example.org"),
                                           status="invited")
    invitations.answer(answered, settings=web.settings(), accept=True, now=_before(event))
    never_sent = factories.make_registration(event, factories.make_person("Kadia", "Sidibé", email="k@example.org"),
                                             status="invited")
    imported = factories.make_registration(event, factories.make_person("Ali", "Diarra"), status="registered")
    invitations.print_letters(event, [waiting, answered, imported], links=web.links(BASE),
                              upload_dir=web.settings().upload_dir)
    assert [r.id for r in invitations.not_answered(event)] == [imported.id, waiting.id]  # by name
    report = invitations.send_reminders(event, links=web.links(BASE), render=render_template,
                                        settings=MailSettings(server="127.0.0.1", port=port))
    assert (report.sent, report.no_email) == (1, 1)  # Ali Diarra has no address: a letter again
    assert [m["To"] for m in collector.messages] == ["awa@example.org"] and never_sent.id
    assert collector.messages[0]["Subject"].startswith("Rappel")
    assert db.session.scalars(select(Invitation.kind).where(Invitation.channel == "email")).all() == ["reminder"]


def _before(event):
    from datetime import datetime

    return datetime(event.start_date.year, event.start_date.month, event.start_date.day, 6, tzinfo=UTC)


def test_invitation_letters_carry_a_readable_qr_code(app):
    event = workshop()
    awa = factories.make_registration(event, factories.make_person("Awa", "Traoré", honorific="Mme",
                                                                   function="Présidente", organisation="APDF"))
    ousmane = factories.make_registration(event, factories.make_person("Ousmane", "N'Diaye"))
    pdf = invitations.print_letters(event, [awa, ousmane], links=web.links(BASE), upload_dir=web.settings().upload_dir)
    assert page_count(pdf) == 2 and "sur 2" not in pdf_text(pdf)  # each page is a letter of its own
    assert decode_qr_codes(pdf) == [[qr_payload(awa.checkin_token)], [qr_payload(ousmane.checkin_token)]]
    text = pdf_words(pdf)
    for expected in ("Mme Awa Traoré", "Présidente", "N'Diaye", "l'atelier de restitution à Mopti",
                     "Général Hamadoun DICKO", "Secrétaire général", "Cérémonie d'ouverture", "Programme",
                     "le mercredi 21 juin 2023", spaced_answer_code(awa.answer_code)):
        assert expected in text, expected
    sent = db.session.scalars(select(Invitation)).all()
    assert {(i.channel, i.status) for i in sent} == {("letter", "sent")} and len(sent) == 2


def test_letter_qr_code_is_at_least_25_mm(app):
    from reportlab.lib.units import mm

    from eventapp.core.documents.qr import QUIET_ZONE, qr_matrix
    from eventapp.registration.documents import QR_SIZE

    modules = len(qr_matrix("EA1" + "A" * 26))
    assert QR_SIZE * modules / (modules + 2 * QUIET_ZONE) >= 25 * mm


def test_html_in_names_stays_text_in_emails_and_letters(app):
    xss = "<script>alert(1)</script>"
    event = workshop(language="en")  # an English greeting names the person: "Dear Ms <script>…"
    reg = factories.make_registration(event, factories.make_person("Awa", xss, organisation=xss, sex="F",
                                                                   email="x@example.org"))
    invitations.send_emails(event, [reg], links=web.links(BASE), render=render_template, settings=web.settings().mail)
    from pathlib import Path

    message = email.message_from_bytes(next((Path(app.instance_path) / "outbox").glob("*.eml")).read_bytes(),
                                       policy=email.policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert xss not in html and "&lt;script&gt;" in html
    pdf = invitations.print_letters(event, [reg], links=web.links(BASE), upload_dir=web.settings().upload_dir)
    assert xss in pdf_text(pdf)  # printed literally, not interpreted as markup


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # a loopback test server
def test_smtp_credentials_from_the_configuration(app):
    from tests.people_fixtures import smtp_server

    event = workshop()
    reg = factories.make_registration(event, factories.make_person("Awa", "Traoré", email="awa@example.org"))
    with smtp_server(credentials=("imrap", "s3cret-pass")) as (port, collector):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        assert invitations.send_emails(event, [reg], links=web.links(BASE), render=render_template,
                                       settings=web.settings().mail).failed == 1  # no credentials: refused
        app.config.update(MAIL_USERNAME="imrap", MAIL_PASSWORD="s3cret-pass")
        assert invitations.send_emails(event, [reg], links=web.links(BASE), render=render_template,
                                       settings=web.settings().mail).sent == 1
        assert [m["To"] for m in collector.messages] == ["awa@example.org"]


def test_neutralised_cells_read_back_unchanged():
    from eventapp.core.documents.spreadsheet import safe_text as neutralise
    from eventapp.people.imports import _strip_quote

    samples = ["", "Traoré", "=1+1", "+22376123456", "-", "--", "@SUM(A1)", "\tcmd", "\rx", "'=already", "'",
               "a=b", " =x", "é=", "N'Diaye", "=HYPERLINK(\"http://evil\";\"clic\")"]
    for text in samples + [c + rest for c in "=+-@\t\r'" for rest in ("", "x", "'", "=")]:
        cell = neutralise(text)
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), text
        assert _strip_quote(cell) == text or (text.startswith("'") and cell == text), text
