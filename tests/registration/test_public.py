"""Pages without sign-in: the personal answer page and the public registration form."""
from __future__ import annotations

import base64
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from eventapp.audit.models import AuditEntry
from eventapp.core.tokens import spaced_answer_code
from eventapp.extensions import db
from eventapp.registration.models import Invitation, Registration
from tests import factories
from tests.conftest import make_app
from tests.people_fixtures import smtp_fixture  # noqa: F401  (the ``smtp`` fixture)


def future_event(**kw):
    """An event a month from now (answers and the public form are open)."""
    day = date.today() + timedelta(days=30)
    return factories.make_event(start_date=day, end_date=day, **kw)


def qr_from_page(html: str) -> list[str]:
    import zxingcpp
    from PIL import Image

    match = re.search(r'src="data:image/png;base64,([^"]+)"', html)
    assert match, "no inline QR image"
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(match.group(1)))))]


# --- the answer page ---------------------------------------------------------------------


def test_accept_with_corrections(app, client):
    event = future_event()
    factories.make_agenda_item(event, "Cérémonie d'ouverture")
    factories.make_official(event, first_name="Hamadoun", last_name="DICKO", role="presides")
    reg = factories.make_registration(event, factories.make_person("Awa", "Traore"), status="invited")
    url = f"/r/{reg.answer_token}"
    page = client.get(url).get_data(as_text=True)
    assert "Cérémonie d&#39;ouverture" in page and "Hamadoun DICKO" in page and "Maison de la Femme" in page
    response = client.post(url, data={"answer": "accept", "first_name": "Awa", "last_name": "Traoré",
                                      "phone": "76 12 34 56", "email": "Awa@Example.org",
                                      "organisation": "APDF", "function": "Présidente"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "votre participation est confirmée" in html
    db.session.refresh(reg)
    assert reg.status == "accepted" and reg.responded_at is not None
    person = reg.person
    assert (person.last_name, person.phone, person.email, person.name_key) == \
        ("Traoré", "+22376123456", "awa@example.org", "awa traore")
    assert qr_from_page(html) == ["EA1" + reg.checkin_token]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.answer"))
    assert entry is not None and entry.actor == "anonymous"


def test_decline_and_bad_corrections(app, client):
    reg = factories.make_registration(future_event(), factories.make_person("Awa", "Traoré"), status="invited")
    url = f"/r/{reg.answer_token}"
    bad = client.post(url, data={"answer": "accept", "last_name": "Traoré", "phone": "12"})
    assert "Numéro de téléphone non valide" in bad.get_data(as_text=True)
    db.session.refresh(reg)
    assert reg.status == "invited"
    response = client.post(url, data={"answer": "decline", "first_name": "Awa", "last_name": "Traoré"})
    assert "Nous regrettons" in response.get_data(as_text=True)
    db.session.refresh(reg)
    assert reg.status == "declined"
    assert 'src="data:image/png' not in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["closed", "archived", "past"])
def test_closed_archived_or_past_events_refuse_changes(app, client, kind):
    if kind == "past":
        event = factories.make_event(start_date=date(2023, 6, 21), end_date=date(2023, 6, 21))
    else:
        event = future_event(status=kind)
    reg = factories.make_registration(event, factories.make_person("Awa", "Traoré"), status="invited")
    page = client.get(f"/r/{reg.answer_token}").get_data(as_text=True)
    expected = "Cet événement est terminé" if kind == "past" else "Cet événement est clos"
    assert expected in page and 'value="accept"' not in page
    response = client.post(f"/r/{reg.answer_token}", data={"answer": "accept", "last_name": "Changé"})
    assert response.status_code == 409 and expected in response.get_data(as_text=True)
    db.session.refresh(reg)
    assert reg.status == "invited" and reg.person.last_name == "Traoré"


def test_unknown_token_is_a_404_page(app, client):
    response = client.get("/r/not-a-token")
    assert response.status_code == 404 and "<html" in response.get_data(as_text=True)


def test_the_checkin_token_does_not_open_the_answer_page(app, client):
    reg = factories.make_registration(future_event())
    assert client.get(f"/r/{reg.checkin_token}").status_code == 404


# --- the public form ---------------------------------------------------------------------


def open_event(**kw):
    return future_event(registration_open=True, **kw)


def form(**kw):
    data = {"first_name": "Awa", "last_name": "Traoré", "sex": "F", "age_band": "25-35", "phone": "76123456",
            "email": "", "organisation": "APDF"}
    data.update(kw)
    return data


def test_public_registration_with_confirmation_and_qr(app, client, smtp):
    port, collector = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, EXTERNAL_URL="https://eventapp.local")
    event = open_event()
    response = client.post(f"/e/{event.slug}/register", data=form(email="awa@example.org", consent_photos="y"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    reg = db.session.scalar(select(Registration))
    assert reg.source == "public_form" and reg.status == "registered"
    assert reg.person.phone == "+22376123456" and reg.person.sex == "F"
    assert sorted((c.kind, c.given, c.source) for c in reg.person.consents) == [
        ("photos", True, "public_form"), ("recordings", False, "public_form"), ("share_funder", False, "public_form")]
    link = f"https://eventapp.local/r/{spaced_answer_code(reg.answer_code)}"  # the short code, to type by hand
    assert "Inscription confirmée" in html and link in html
    assert qr_from_page(html) == ["EA1" + reg.checkin_token]
    assert len(collector.messages) == 1
    message = collector.messages[0]
    assert message["Subject"].startswith("Inscription confirmée")
    assert link in message.get_body(("plain",)).get_content()
    assert db.session.scalar(select(Invitation.kind)) == "confirmation"


def test_public_form_closed_full_or_past_its_closing_date(app, client):
    closed = future_event(registration_open=False)
    page = client.get(f"/e/{closed.slug}/register")
    assert "Les inscriptions à cet événement sont fermées." in page.get_data(as_text=True)
    assert client.post(f"/e/{closed.slug}/register", data=form()).status_code == 409

    full = open_event(registration_capacity=1)
    assert client.post(f"/e/{full.slug}/register", data=form()).status_code == 200
    response = client.post(f"/e/{full.slug}/register", data=form(first_name="Ali", last_name="Touré", phone=""))
    assert response.status_code == 409 and "complet" in response.get_data(as_text=True)

    late = open_event(registration_closes_at=datetime(2020, 1, 1, tzinfo=UTC))
    response = client.post(f"/e/{late.slug}/register", data=form())
    assert response.status_code == 409 and "ont fermé le" in response.get_data(as_text=True)
    assert client.get("/e/no-such-event/register").status_code == 404
    assert client.get(f"/e/{factories.make_event(status='draft').slug}/register").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_organizers_open_and_close_the_form(app, client, login):
    login("organizer")
    event = future_event()
    url = f"/events/{event.slug}/registration-form"
    assert client.post(url, data={"open": "y", "capacity": "50", "closes_at": "2099-01-31T18:00"}).status_code == 302
    db.session.refresh(event)
    assert event.registration_open and event.registration_capacity == 50
    assert event.registration_closes_at == datetime(2099, 1, 31, 18, tzinfo=UTC)  # Bamako is UTC
    assert "formulaire accepte" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"capacity": "0"}).status_code == 200
    client.post(url, data={})
    db.session.refresh(event)
    assert not event.registration_open


def test_public_form_is_rate_limited(app, client):
    event = open_event()
    statuses = [client.post(f"/e/{event.slug}/register", data=form(phone="", last_name=f"Nom{i}")).status_code
                for i in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_public_form_needs_its_csrf_token(_schema, tmp_path):
    app = make_app(_schema, tmp_path / "instance", WTF_CSRF_ENABLED=True)
    with app.app_context():
        try:
            event = open_event()
            client = app.test_client()
            response = client.post(f"/e/{event.slug}/register", data=form())
            assert response.status_code == 400
            page = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            assert client.post(f"/e/{event.slug}/register", data=form(csrf_token=token)).status_code == 200
        finally:
            from tests.conftest import _empty_tables

            db.session.remove()
            _empty_tables()
            db.engine.dispose()
    assert Path(tmp_path).exists()
