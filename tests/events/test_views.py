"""The events pages: create, edit, status, agenda, officials, logos, programme; both languages; roles."""
from __future__ import annotations

import io
from datetime import date, time

import pytest
from sqlalchemy import func, select

from eventapp.events.models import AgendaItem, Event, Official
from eventapp.extensions import db
from tests import factories
from tests.events_fixtures import png_bytes
from tests.pdfutil import pdf_text


def _form(**kw):
    data = dict(title="Table ronde de Mopti", project="Dialogue civilo-militaire", organizer="IMRAP",
                partner="Coopération suisse", venue_name="Hôtel Ya Pas de Problème", venue_address="",
                city="Mopti", start_date="2023-07-10", end_date="2023-07-11", timezone="Africa/Bamako",
                language="fr", status="draft", description="", slug="", badge_layout="a4-8",
                retention_until="")
    data.update(kw)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_event_then_show_in_french(client, login):
    login("organizer")
    response = client.post("/events/new", data=_form(organizer_logo=(io.BytesIO(png_bytes()), "logo.png")),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    event = db.session.scalar(select(Event))
    assert response.headers["Location"].endswith(f"/events/{event.slug}")
    assert event.project.name == "Dialogue civilo-militaire" and event.organizer_logo
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Table ronde de Mopti" in page and "lundi 10 juillet 2023" in page
    assert "Programme à imprimer (PDF)" in page and "Ajouter une séquence" in page
    # The logo is served to signed-in users only.
    logo_url = f"/events/{event.slug}/logo/organizer_logo"
    assert logo_url in page
    logo = client.get(logo_url)
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == png_bytes()
    client.post("/logout")
    assert client.get(logo_url).status_code == 302


def test_event_page_in_english(client, login):
    login("coordinator")
    event = factories.make_event(title="Atelier de Ségou")
    page = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Wednesday, June 21, 2023" in page
    assert "Printable programme (PDF)" in page and "Officials, in protocol order" in page


def test_bad_input_shown_beside_fields_in_both_languages(client, login):
    login("organizer")
    factories.make_event(slug="restitution-2023")
    bad = _form(slug="restitution-2023", start_date="2023-07-11", end_date="2023-07-10",
                partner_logo=(io.BytesIO(b"%PDF-1.4 not an image"), "logo.png"))
    page = client.post("/events/new", data=bad, content_type="multipart/form-data").get_data(as_text=True)
    assert "La date de fin est antérieure à la date de début." in page
    assert "Cet identifiant est déjà utilisé par un autre événement." in page
    assert "Le logo doit être une image PNG ou JPEG." in page
    assert count(Event) == 1
    bad["partner_logo"] = (io.BytesIO(b"%PDF-1.4 not an image"), "logo.png")
    page = client.post("/events/new", data=bad, content_type="multipart/form-data",
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in page  # the browser's language
    assert "The end date is before the start date." in page
    page = client.post("/events/new?lang=en", data=dict(bad, partner_logo=(io.BytesIO(b"GIF89a"), "x.png")),
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "The end date is before the start date." in page
    assert "This identifier is already used by another event." in page
    assert "The logo must be a PNG or JPEG image." in page
    assert count(Event) == 1


def test_oversized_logo_message(client, login, app):
    app.config["LOGO_MAX_BYTES"] = 1000
    login("organizer")
    event = factories.make_event()
    data = _form(title=event.title, slug=event.slug, start_date="2023-06-21", end_date="2023-06-21",
                 organizer_logo=(io.BytesIO(png_bytes(300, 300) + b"\0" * 2000), "big.png"))
    response = client.post(f"/events/{event.slug}/edit", data=data, content_type="multipart/form-data")
    assert "Le logo est trop lourd" in response.get_data(as_text=True)
    db.session.refresh(event)
    assert event.organizer_logo is None and event.city == "Bamako"


def test_edit_and_status(client, login):
    login("organizer")
    event = factories.make_event(status="draft")
    page = client.get(f"/events/{event.slug}/edit").get_data(as_text=True)
    assert 'value="Atelier de restitution' in page
    response = client.post(f"/events/{event.slug}/edit", data=_form(title="Atelier révisé", slug=event.slug,
                                                                     start_date="2023-06-21", end_date="2023-06-23",
                                                                     language="en", discreet_badges="y"))
    assert response.status_code == 302
    db.session.refresh(event)
    assert (event.title, event.end_date, event.language, event.discreet_badges) == (
        "Atelier révisé", date(2023, 6, 23), "en", True)
    client.post(f"/events/{event.slug}/status", data={"status": "open"})
    db.session.refresh(event)
    assert event.status == "open"
    client.post(f"/events/{event.slug}/status", data={"status": "archived"})
    db.session.refresh(event)
    assert event.status == "archived"


def test_unknown_event_is_404(client, login):
    login("organizer")
    for url in ("/events/nope", "/events/nope/edit", "/events/nope/programme.pdf", "/events/nope/agenda/new"):
        response = client.get(url)
        assert response.status_code == 404
        assert "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["coordinator", "door"])
def test_coordinator_and_door_cannot_edit(client, login, role):
    event = factories.make_event()
    login(role, events=[event])
    assert client.get(f"/events/{event.slug}").status_code == 200
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert f"/events/{event.slug}/edit" not in page
    for url in (f"/events/{event.slug}/edit", "/events/new", f"/events/{event.slug}/agenda/new",
                f"/events/{event.slug}/officials/new"):
        assert client.get(url).status_code == 403
    assert client.post(f"/events/{event.slug}/status", data={"status": "archived"}).status_code == 403
    db.session.refresh(event)
    assert event.status == "open"


def test_door_sees_only_its_events(client, login):
    mine, other = factories.make_event(title="Le mien"), factories.make_event(title="Un autre")
    login("door", events=[mine])
    assert client.get(f"/events/{mine.slug}").status_code == 200
    assert client.get(f"/events/{other.slug}").status_code == 404
    assert client.get(f"/events/{mine.slug}/programme.pdf").status_code == 403
    # The home page takes a door user to the door (tests/door/test_landing.py); the events list
    # (reached with archived events) still shows only theirs.
    assert client.get("/").headers["Location"] == "/door"
    index = client.get("/?archived=1").get_data(as_text=True)
    assert "Le mien" in index and "Un autre" not in index


def test_agenda_views_and_overlap_flag(client, login):
    login("organizer")
    event = factories.make_event(start_date=date(2023, 6, 21), end_date=date(2023, 6, 22))
    sogoba = factories.make_official(event, honorific="M.", first_name="Oumar", role="presides")
    response = client.post(f"/events/{event.slug}/agenda/new", data=dict(
        day="2023-06-21", start_time="09:00", end_time="09:45", title="Cérémonie d'ouverture", kind="opening",
        room="", description="", **{"holders-0-official_id": str(sogoba.id), "holders-0-role": "presides"}))
    assert response.status_code == 302
    client.post(f"/events/{event.slug}/agenda/new", data=dict(
        day="2023-06-21", start_time="09:30", end_time="10:30", title="Présentation des résultats",
        kind="presentation", room="", description=""))
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert page.index("Cérémonie d&#39;ouverture") < page.index("Présentation des résultats")
    assert "M. Oumar SOGOBA" in page and "Président de séance" in page
    assert "Des séquences du programme se chevauchent" in page and page.count("Chevauchement") == 2
    # Outside the event's days, end before start: messages, nothing saved.
    page = client.post(f"/events/{event.slug}/agenda/new", data=dict(
        day="2023-06-25", start_time="11:00", end_time="10:00", title="Hors dates", kind="debate"))
    page = page.get_data(as_text=True)
    assert "Ce jour n&#39;est pas l&#39;un des jours de l&#39;événement" in page
    assert "L&#39;heure de fin doit être postérieure à l&#39;heure de début." in page
    assert count(AgendaItem) == 2
    item = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Présentation des résultats"))
    client.post(f"/events/{event.slug}/agenda/{item.id}/edit", data=dict(
        day="2023-06-21", start_time="10:00", end_time="11:00", title="Présentation des résultats",
        kind="presentation"))
    page = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert "Some agenda items overlap" not in page
    client.post(f"/events/{event.slug}/agenda/{item.id}/delete")
    assert count(AgendaItem) == 1


def test_agenda_item_of_another_event_is_404(client, login):
    login("organizer")
    event, other = factories.make_event(), factories.make_event()
    foreign = factories.make_agenda_item(other)
    assert client.get(f"/events/{event.slug}/agenda/{foreign.id}/edit").status_code == 404
    assert client.post(f"/events/{event.slug}/agenda/{foreign.id}/delete").status_code == 404


def test_officials_views_protocol_order_and_foreign_item(client, login):
    login("organizer")
    event, other = factories.make_event(), factories.make_event()
    foreign = factories.make_agenda_item(other, title="Séance d'un autre atelier")
    data = dict(honorific="Dr", first_name="Fatoumata", last_name="MAÏGA", function="Directrice de la recherche",
                institution="IMRAP", role="speaker", protocol_rank="", agenda_item_ids=[str(foreign.id)])
    page = client.post(f"/events/{event.slug}/officials/new", data=data).get_data(as_text=True)
    assert "est une séquence d&#39;un autre événement" in page
    assert count(Official) == 0
    page = client.post(f"/events/{event.slug}/officials/new?lang=en", data=data).get_data(as_text=True)
    assert "is an agenda item of another event" in page
    del data["agenda_item_ids"]
    client.post(f"/events/{event.slug}/officials/new", data=data)
    client.post(f"/events/{event.slug}/officials/new", data=dict(
        honorific="M.", first_name="Oumar", last_name="SOGOBA", function="Secrétaire général",
        institution="Ministère de la Sécurité et de la Protection civile", role="presides", protocol_rank="1"))
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert page.index("M. Oumar SOGOBA") < page.index("Dr Fatoumata MAÏGA")
    maiga = db.session.scalar(select(Official).where(Official.last_name == "MAÏGA"))
    client.post(f"/events/{event.slug}/officials/{maiga.id}/move", data={"direction": "up"})
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert page.index("Dr Fatoumata MAÏGA") < page.index("M. Oumar SOGOBA")
    assert client.get(f"/events/{event.slug}/officials/{maiga.id}/edit").status_code == 200
    assert client.get(f"/events/{other.slug}/officials/{maiga.id}/edit").status_code == 404
    client.post(f"/events/{event.slug}/officials/{maiga.id}/delete")
    assert count(Official) == 1


def test_programme_pdf_button(client, login):
    login("coordinator")
    event = factories.make_event(title="Atelier de Kayes")
    item = factories.make_agenda_item(event, title="Débat général", start=time(10), end=time(11), kind="debate")
    official = factories.make_official(event, honorific="Mme", first_name="Awa", last_name="TRAORÉ", role="moderator")
    factories.hold(item, official)
    response = client.get(f"/events/{event.slug}/programme.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Atelier de Kayes" in text and "Mme Awa TRAORÉ" in text and "Débat général" in text


def test_event_page_includes_area_partials(client, login, app, tmp_path):
    # A partial of another area is included when it exists (the loader finds templates/<area>/).
    login("organizer")
    event = factories.make_event()
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert 'id="event-actions"' in page


def test_index_links_to_events(client, login):
    login("organizer")
    event = factories.make_event(title="Atelier de Gao")
    page = client.get("/").get_data(as_text=True)
    assert f'href="/events/{event.slug}"' in page and 'href="/events/new"' in page


def test_archived_events_listed_on_demand(client, login):
    login("organizer")
    factories.make_event(title="Atelier archivé", status="archived")
    factories.make_event(title="Atelier en cours")
    page = client.get("/").get_data(as_text=True)
    assert "Atelier en cours" in page and "Atelier archivé" not in page and "Afficher les événements archivés" in page
    page = client.get("/?archived=1").get_data(as_text=True)
    assert "Atelier archivé" in page and "Atelier en cours" in page


def _token(page: str) -> str:
    import re

    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def test_forms_and_buttons_carry_their_csrf_token(client, app):
    from flask import g

    def fresh():
        # The test's app context outlives each request: forget what Flask-WTF and Flask-Login
        # cached in ``g`` (the session is renewed at sign-in).
        g.pop("csrf_token", None)
        g.pop("_login_user", None)

    app.config["WTF_CSRF_ENABLED"] = True
    user = factories.make_user(role="organizer")
    fresh()
    token = _token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                       "csrf_token": token}).status_code == 302
    fresh()
    token = _token(client.get("/events/new").get_data(as_text=True))
    response = client.post("/events/new", data=_form(csrf_token=token))
    assert response.status_code == 302
    event = db.session.scalar(select(Event))
    # A button posted from elsewhere (no token) is refused and changes nothing.
    assert client.post(f"/events/{event.slug}/status", data={"status": "archived"}).status_code == 400
    fresh()
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    response = client.post(f"/events/{event.slug}/status", data={"status": "open", "csrf_token": _token(page)})
    assert response.status_code == 302
    db.session.refresh(event)
    assert event.status == "open"
