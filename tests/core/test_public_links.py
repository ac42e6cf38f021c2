"""Issue 13, item 10: every link and QR code meant for someone else's phone uses the public address.

The organizer works in the laptop's own browser (every request to http://127.0.0.1:5000/), with no
EXTERNAL_URL. Each document, email and page that carries such a link is walked: letters,
invitation and reminder emails, the public form's confirmation (page and email), certificates
(printed, emailed, from the CLI), the pairing QR code and the public form's address. Their text
and their decoded QR codes point at the LAN address the server is on, never at 127.0.0.1 or
localhost, and the organizer is warned. With no LAN address at all, the links are left out.
"""
from __future__ import annotations

import base64
import email
import email.policy
import io
import re
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from eventapp import cli
from eventapp.events import view_helpers
from eventapp.extensions import db
from tests import factories
from tests import reports_fixtures as kf
from tests.pdfutil import decode_qr_codes, pdf_text

LOOPBACK = "http://127.0.0.1:5000"
LAN = "192.168.1.10"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class Laptop:
    """The organizer's browser on the laptop itself."""

    def __init__(self, client):
        self.client = client

    def get(self, path, **kw):
        return self.client.get(path, base_url=LOOPBACK, **kw)

    def post(self, path, **kw):
        return self.client.post(path, base_url=LOOPBACK, **kw)

    def flashes(self) -> list[str]:
        with self.client.session_transaction(base_url=LOOPBACK) as session:
            return [message for _category, message in session.pop("_flashes", [])]


@pytest.fixture
def laptop(client):
    laptop = Laptop(client)
    user = factories.make_user(role="organizer")
    assert laptop.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 302
    return laptop


def lan_is(monkeypatch, addresses):
    """This computer's LAN addresses, as ``serve`` would print them (the test machine's are unknown)."""
    monkeypatch.setattr(view_helpers, "local_addresses", lambda: list(addresses))
    monkeypatch.setattr(cli, "local_addresses", lambda: list(addresses))


def assert_no_loopback(text: str, where: str) -> None:
    for name in LOOPBACK_NAMES:
        assert name not in text, f"{name} in {where}"


def outbox(app) -> list[email.message.EmailMessage]:
    """The mails written to the outbox so far, then forgotten."""
    messages = []
    for path in sorted((Path(app.instance_path) / "outbox").glob("*.eml")):
        messages.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
        path.unlink()
    return messages


def mail_parts(message) -> tuple[str, str, list[str], list[bytes]]:
    """Text, HTML, the QR codes of its images and its PDF attachments."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    codes, pdfs = [], []
    for part in message.walk():
        if part.get_content_type() == "image/png":
            codes += [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(part.get_content())))]
        elif part.get_content_type() == "application/pdf":
            pdfs.append(part.get_content())
    return text, html, codes, pdfs


def svg_qr_codes(html: str) -> list[str]:
    """The QR codes of the page's inline SVG images, drawn module by module and decoded."""
    found = []
    for data in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html):
        svg = base64.b64decode(data).decode()
        n = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
        scale = 8
        image = Image.new("L", (n * scale, n * scale), 255)
        draw = ImageDraw.Draw(image)
        for x, y, w, h in re.findall(r'<rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"/>', svg):
            x, y, w, h = (int(v) * scale for v in (x, y, w, h))
            draw.rectangle([x, y, x + w - 1, y + h - 1], fill=0)
        found += [r.text for r in zxingcpp.read_barcodes(image)]
    return found


def on_lan(url: str) -> bool:
    return url.startswith(f"http://{LAN}:5000/")


def workshop():
    """The report tests' event (37 came), with two people to invite by email and one official."""
    event, regs = kf.known_attendance(title="Atelier de restitution")
    for i, last in ((1, "Traoré"), (2, "Maïga")):
        regs[i].person.last_name = last
    regs[1].person.email, regs[2].person.email = "traore@example.org", "maiga@example.org"
    official = factories.make_official(event, "SOGOBA", first_name="Oumar", honorific="M.", role="presides")
    db.session.commit()
    return event, regs, official


def test_every_link_from_the_laptop_uses_the_lan_address_and_the_organizer_is_warned(app, laptop, monkeypatch):
    lan_is(monkeypatch, [LAN])
    event, regs, official = workshop()
    slug = event.slug

    page = laptop.get(f"/events/{slug}/invitations").get_data(as_text=True)
    assert 'id="public-address-warning"' in page and f"http://{LAN}:5000/" in page
    laptop.flashes()

    # Invitation and reminder emails: the answer link, and the QR pass (a code, not a link).
    laptop.post(f"/events/{slug}/invitations/send", data={"scope": "selection",
                                                          "registration_ids": [str(regs[1].id), str(regs[2].id)]})
    laptop.post(f"/events/{slug}/invitations/remind")  # Maïga has not answered
    mails = outbox(app)
    assert len(mails) == 3
    for message in mails:
        text, html, codes, _pdfs = mail_parts(message)
        assert_no_loopback(text + html, "an invitation email")
        assert f"http://{LAN}:5000/r/" in text and codes and all(code.startswith("EA1") for code in codes)
    assert any(LAN in message for message in laptop.flashes())

    # Letters: text and QR codes.
    letters = laptop.post(f"/events/{slug}/invitations/letters", data={"scope": "all"})
    assert letters.mimetype == "application/pdf"
    assert_no_loopback(pdf_text(letters.data), "the letters")
    assert f"http://{LAN}:5000/r/" in pdf_text(letters.data).replace("\n", "")
    assert all(code.startswith("EA1") for page_codes in decode_qr_codes(letters.data) for code in page_codes)
    assert any(LAN in message for message in laptop.flashes())

    # The public form's address, and what someone registering on this browser receives.
    future = factories.make_event(start_date=date(2099, 1, 15), end_date=date(2099, 1, 16), registration_open=True)
    settings_page = laptop.get(f"/events/{future.slug}/registration-form").get_data(as_text=True)
    assert f"http://{LAN}:5000/e/{future.slug}/register" in settings_page
    assert "Aucune adresse publique n&#39;est réglée (EXTERNAL_URL)" in settings_page  # the warning, shown at once
    assert_no_loopback(settings_page, "the public form's settings")
    confirmation = laptop.post(f"/e/{future.slug}/register", data={
        "first_name": "Ousmane", "last_name": "N'Diaye", "sex": "M", "email": "ndiaye@example.org"})
    assert confirmation.status_code == 200
    assert_no_loopback(confirmation.get_data(as_text=True), "the public form's confirmation")
    (message,) = outbox(app)
    text, html, codes, _pdfs = mail_parts(message)
    assert_no_loopback(text + html, "the confirmation email")
    assert f"http://{LAN}:5000/r/" in text

    # Certificates: printed, emailed, and from the command line.
    certificates_page = laptop.get(f"/events/{slug}/certificates").get_data(as_text=True)
    assert 'id="public-address-warning"' in certificates_page
    printed = laptop.post(f"/events/{slug}/certificates", data={"official_id": str(official.id), "action": "print"})
    urls = [u for page_codes in decode_qr_codes(printed.data) for u in page_codes]
    assert len(urls) == 37 and all(on_lan(u) for u in urls)
    assert_no_loopback(pdf_text(printed.data), "the certificates")
    laptop.post(f"/events/{slug}/certificates/email", data={"official_id": str(official.id),
                                                            "registration_id": str(regs[3].id)})
    (message,) = outbox(app)
    text, html, _codes, pdfs = mail_parts(message)
    assert_no_loopback(text + html, "the certificate email")
    assert f"http://{LAN}:5000/certificates/" in text
    assert [on_lan(u) for u in decode_qr_codes(pdfs[0])[0]] == [True]
    out = Path(app.instance_path) / "certificates.pdf"
    result = app.test_cli_runner().invoke(args=["certificates", slug, "--official", str(official.id), "--out",
                                                str(out)])
    assert result.exit_code == 0, result.output
    assert LAN in result.output  # the warning, on stderr
    assert all(on_lan(u) for page_codes in decode_qr_codes(out.read_bytes()) for u in page_codes)

    # Pairing a door phone.
    stations = laptop.post(f"/events/{slug}/stations", data={"name": "Porte Sud"}).get_data(as_text=True)
    (pairing,) = svg_qr_codes(stations)
    assert on_lan(pairing) and "/door/pair/" in pairing and pairing in stations
    assert_no_loopback(stations, "the pairing page")
    assert LAN in stations  # the warning, on the page itself


def test_with_no_address_known_links_are_left_out_and_the_organizer_is_told(app, laptop, monkeypatch):
    lan_is(monkeypatch, [])
    event, regs, official = workshop()
    slug = event.slug
    page = laptop.get(f"/events/{slug}/invitations").get_data(as_text=True)
    assert "Aucune adresse publique n&#39;est connue" in page

    letters = laptop.post(f"/events/{slug}/invitations/letters", data={"scope": "all"})
    text = pdf_text(letters.data)
    assert_no_loopback(text, "the letters")
    assert "/r/" not in text
    assert "Veuillez présenter ce code à l'entrée" in text  # the pass is still printed
    assert any("EXTERNAL_URL" in message for message in laptop.flashes())

    laptop.post(f"/events/{slug}/invitations/send", data={"scope": "selection",
                                                          "registration_ids": [str(regs[1].id)]})
    (message,) = outbox(app)
    text, html, _codes, _pdfs = mail_parts(message)
    assert_no_loopback(text + html, "an invitation email")
    assert "/r/" not in text

    printed = laptop.post(f"/events/{slug}/certificates", data={"official_id": str(official.id), "action": "print",
                                                                "registration_id": str(regs[3].id)})
    assert printed.mimetype == "application/pdf" and decode_qr_codes(printed.data) == [[]]
    assert_no_loopback(pdf_text(printed.data), "the certificates")

    stations = laptop.post(f"/events/{slug}/stations", data={"name": "Porte Sud"}).get_data(as_text=True)
    assert svg_qr_codes(stations) == [] and "/door/pair/" not in stations
    assert "Aucune adresse publique n&#39;est connue" in stations
