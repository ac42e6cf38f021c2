"""One public address (``config.public_base_url``): EXTERNAL_URL, else where the server was reached,
else the LAN address ``serve`` prints; never 127.0.0.1 in a letter, a certificate or a pairing code.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from eventapp.config import public_base_url
from eventapp.core.tokens import spaced_answer_code
from eventapp.events import view_helpers as helpers
from tests import factories
from tests import reports_fixtures as kf
from tests.factories import make_official
from tests.pdfutil import decode_qr_codes, pdf_text

LOOPBACK = "http://127.0.0.1:5000"


@pytest.mark.parametrize(("external", "request_url", "lan", "url", "source"), [
    ("https://atelier.example.org/base/", LOOPBACK + "/", ["192.168.1.10"], "https://atelier.example.org/base/",
     "setting"),
    (None, "http://192.168.1.22:8443/", ["192.168.1.10"], "http://192.168.1.22:8443/", "request"),
    (None, LOOPBACK + "/", ["192.168.1.10"], "http://192.168.1.10:5000/", "lan"),
    (None, "https://localhost:5443/", ["10.0.0.4"], "https://10.0.0.4:5443/", "lan"),
    (None, "http://[::1]:5000/", ["10.0.0.4"], "http://10.0.0.4:5000/", "lan"),
    (None, LOOPBACK + "/", [], "", "none"),  # no address other phones can open: links are left out
    (None, None, ["10.0.0.4"], "http://10.0.0.4:5000/", "lan"),
])
def test_the_rule(external, request_url, lan, url, source):
    address = public_base_url(external, request_url, lan)
    assert (address.url, address.source) == (url, source)
    assert address.known == (source in ("setting", "request"))


class Laptop:
    """The organizer's browser on the laptop itself: every request to http://127.0.0.1:5000/."""

    def __init__(self, client):
        self.client = client

    def post(self, path, **kw):
        return self.client.post(path, base_url=LOOPBACK, **kw)


@pytest.fixture
def laptop(client):
    return Laptop(client)


def login(laptop, role):
    user = factories.make_user(role=role)
    assert laptop.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 302


@pytest.fixture
def lan(monkeypatch):
    """This computer's LAN address as ``serve`` would print it (the test machine's is unknown)."""
    monkeypatch.setattr(helpers, "local_addresses", lambda: ["192.168.1.10"])


def _flashes(client) -> list[str]:
    with client.session_transaction(base_url=LOOPBACK) as session:
        return [message for _category, message in session.get("_flashes", [])]


def test_letters_printed_from_the_laptop_point_at_its_lan_address(app, laptop, lan):
    login(laptop, "organizer")
    event = factories.make_event()
    ali = factories.make_registration(event, factories.make_person("Ali", "Maïga"), status="invited")
    letters = laptop.post(f"/events/{event.slug}/invitations/letters", data={"scope": "no_email"})
    assert letters.mimetype == "application/pdf"
    text = pdf_text(letters.data).replace("\n", "")
    assert "127.0.0.1" not in text and "localhost" not in text
    assert f"http://192.168.1.10:5000/r/{spaced_answer_code(ali.answer_code)}" in text
    assert any("192.168.1.10" in message for message in _flashes(laptop.client))  # the organizer is told


def test_certificates_printed_from_the_laptop_do_not_carry_loopback(app, laptop, lan):
    event, regs = kf.known_attendance()
    official = make_official(event, "SOGOBA", first_name="Boubacar", role="presides", protocol_rank=1)
    login(laptop, "coordinator")
    response = laptop.post(f"/events/{event.slug}/certificates",
                           data={"official_id": str(official.id), "registration_id": str(regs[3].id),
                                 "action": "print"})
    assert response.mimetype == "application/pdf"
    urls = [u for page in decode_qr_codes(response.data) for u in page]
    assert urls and all(urlsplit(u).netloc == "192.168.1.10:5000" for u in urls)
    assert "127.0.0.1" not in pdf_text(response.data)


def test_the_setting_wins_and_no_warning(app, laptop, lan):
    app.config["EXTERNAL_URL"] = "https://atelier.example.org"
    login(laptop, "organizer")
    event = factories.make_event()
    ali = factories.make_registration(event, factories.make_person("Ali", "N'Diaye"), status="invited")
    letters = laptop.post(f"/events/{event.slug}/invitations/letters", data={"scope": "no_email"})
    assert (f"https://atelier.example.org/r/{spaced_answer_code(ali.answer_code)}"
            in pdf_text(letters.data).replace("\n", ""))
    assert _flashes(laptop.client) == []


def test_with_no_address_known_the_organizer_is_warned(app, laptop, monkeypatch):
    monkeypatch.setattr(helpers, "local_addresses", lambda: [])
    login(laptop, "organizer")
    event = factories.make_event()
    factories.make_registration(event, factories.make_person("Awa", "Traoré"), status="invited")
    laptop.post(f"/events/{event.slug}/invitations/letters", data={"scope": "no_email"})
    assert any("EXTERNAL_URL" in message for message in _flashes(laptop.client))


def test_the_pairing_code_points_at_the_lan_address(app, laptop, lan):
    login(laptop, "organizer")
    event = factories.make_event()
    page = laptop.post(f"/events/{event.slug}/stations", data={"name": "Porte Sud"})
    html = page.get_data(as_text=True)
    assert "http://192.168.1.10:5000/" in html and "127.0.0.1" not in html
