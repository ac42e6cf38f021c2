"""Compressed answers: brotli or gzip for text when the browser takes it, never for what is
compressed already, never for small bodies, and never beside a CSRF token (BREACH)."""
from __future__ import annotations

import gzip
import json

import brotli
import pytest

from eventapp.door import stations as station_service
from eventapp.extensions import db
from tests import factories
from tests.events_fixtures import png_bytes

BROWSER = "gzip, deflate, br, zstd"  # what Chromium sends


def decoded(response) -> bytes:
    """The body as the browser reads it, after its Content-Encoding."""
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.data)
    if encoding == "gzip":
        return gzip.decompress(response.data)
    assert encoding is None, encoding
    return response.data


@pytest.fixture
def roster_event(app):
    event = factories.make_event()
    for i in range(60):
        factories.make_registration(event, factories.make_person("Aïssata", f"Traoré-Maïga {i}",
                                                                 organisation="Coordination des femmes de Mopti"))
    return event


@pytest.fixture
def station_auth(roster_event):
    issued = station_service.create_station(roster_event, "Porte A")
    return {"Authorization": f"Bearer {issued.token}"}


def test_the_roster_is_brotli_for_a_browser_gzip_when_only_gzip_and_plain_otherwise(client, roster_event,
                                                                                     station_auth):
    url = f"/api/events/{roster_event.slug}/roster"
    plain = client.get(url, headers=station_auth)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    entries = plain.json["entries"]
    assert len(entries) == 60 and any(e["name"].startswith("Aïssata Traoré-Maïga") for e in entries)

    br = client.get(url, headers={**station_auth, "Accept-Encoding": BROWSER})
    assert br.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in br.headers["Vary"]
    assert int(br.headers["Content-Length"]) == len(br.data) < len(plain.data) / 4
    assert json.loads(decoded(br))["entries"] == entries

    gz = client.get(url, headers={**station_auth, "Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and json.loads(decoded(gz))["entries"] == entries

    for refused in ("identity", "br;q=0, gzip;q=0", "compress"):
        answer = client.get(url, headers={**station_auth, "Accept-Encoding": refused})
        assert "Content-Encoding" not in answer.headers, refused
        assert answer.json["entries"] == entries


def test_small_answers_go_as_they_are(client, roster_event, station_auth):
    stats = client.get(f"/api/events/{roster_event.slug}/stats", headers={**station_auth, "Accept-Encoding": BROWSER})
    assert stats.status_code == 200 and len(stats.data) < 500
    assert "Content-Encoding" not in stats.headers


def test_scripts_and_styles_are_compressed(client):
    for path, mimetype in (("js/door/main.js", "text/javascript"), ("vendor/jsqr/jsQR.js", "text/javascript"),
                           ("css/app.css", "text/css")):
        plain = client.get(f"/static/{path}")
        assert plain.mimetype == mimetype and "Content-Encoding" not in plain.headers
        for accept, encoding in ((BROWSER, "br"), ("gzip", "gzip")):
            answer = client.get(f"/static/{path}", headers={"Accept-Encoding": accept})
            assert answer.headers["Content-Encoding"] == encoding, (path, accept)
            assert decoded(answer) == plain.data and len(answer.data) < len(plain.data) * 0.6
    # The door's service worker and web manifest are text too.
    worker = client.get("/door-sw.js", headers={"Accept-Encoding": BROWSER})
    assert worker.headers["Content-Encoding"] == "br" and b"var DOOR = " in decoded(worker)


def test_html_is_compressed_when_it_carries_no_csrf_token(app):
    # Every page of the app has a form (the language switch at least), so a page without a
    # token is made here: the rule, not the page, decides.
    @app.route("/_test/plain-page")
    def plain_page():
        return "<!doctype html><title>Programme</title>" + "<p>Ouverture par M. Traoré, Maïga, N'Diaye</p>" * 40

    client = app.test_client()
    answer = client.get("/_test/plain-page", headers={"Accept-Encoding": BROWSER})
    assert answer.mimetype == "text/html" and answer.headers["Content-Encoding"] == "br"
    assert "N'Diaye" in decoded(answer).decode("utf-8")
    gz = client.get("/_test/plain-page", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in client.get("/_test/plain-page").headers


def test_breach_no_page_with_a_csrf_token_is_compressed(client, login):
    # The sign-in page reflects its query (the language switch sends back the page's address)
    # next to the CSRF token: the two must never share a compressed answer.
    guess = "IjA3ZmE0"
    page = client.get(f"/login?next=/events&probe={guess}", headers={"Accept-Encoding": BROWSER})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="csrf_token"' in html and guess in html
    assert "Content-Encoding" not in page.headers
    assert "accept-encoding" not in page.headers.get("Vary", "").lower()  # the same answer for all
    # Signed in, every page carries a token too (sign-out and language forms).
    login("organizer")
    event = factories.make_event()
    show = client.get(f"/events/{event.slug}?q={guess}", headers={"Accept-Encoding": BROWSER})
    assert show.status_code == 200 and 'name="csrf_token"' in show.get_data(as_text=True)
    assert "Content-Encoding" not in show.headers


def test_breach_rule_follows_the_token_not_the_route(app):
    from flask_wtf.csrf import generate_csrf

    @app.route("/_test/with-token")
    def with_token():
        return "<!doctype html><form>" + f'<input name="csrf_token" value="{generate_csrf()}">' + "<p>x</p>" * 200

    client = app.test_client()
    answer = client.get("/_test/with-token", headers={"Accept-Encoding": BROWSER})
    assert answer.status_code == 200 and "Content-Encoding" not in answer.headers


def test_pdf_and_png_are_never_compressed(client, login, app):
    login("organizer")
    event = factories.make_event()
    pdf = client.get(f"/events/{event.slug}/programme.pdf", headers={"Accept-Encoding": BROWSER})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert len(pdf.data) > 500 and "Content-Encoding" not in pdf.headers

    uploads = app.instance_path + "/uploads"
    import os

    os.makedirs(uploads, exist_ok=True)
    image = png_bytes(300, 300)
    with open(f"{uploads}/{event.slug}-organizer_logo.png", "wb") as fh:
        fh.write(image)
    event.organizer_logo = f"{event.slug}-organizer_logo.png"
    db.session.commit()
    png = client.get(f"/events/{event.slug}/logo/organizer_logo", headers={"Accept-Encoding": BROWSER})
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data == image
    assert len(image) > 500 and "Content-Encoding" not in png.headers
