"""Where door staff land: a door user or a paired phone with one event goes straight to its door
page, after sign-in and whenever it opens ``/``; with several events, a list of door pages."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from eventapp.door import stations as station_service
from eventapp.door.models import Station
from eventapp.extensions import db
from tests import factories


def _sign_in(client, user) -> str:
    """Signs in through the form and follows the redirects; answers the page's final path."""
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD},
                           follow_redirects=True)
    assert response.status_code == 200
    return response.request.path


def test_a_door_user_with_one_event_lands_on_its_door_page(client):
    mine = factories.make_event(title="Atelier de Mopti")
    old = factories.make_event(title="Atelier archivé", status="archived")
    factories.make_event(title="Un autre")  # not given to this user
    user = factories.make_user("door")
    user.events = [mine, old]  # an archived event has no door to keep
    db.session.commit()
    door = f"/events/{mine.slug}/door"
    assert _sign_in(client, user) == door
    # Opening the app again (its address, or the brand link) goes to the door too.
    first = client.get("/")
    assert first.status_code == 302 and first.headers["Location"] == "/door"
    second = client.get("/door")
    assert second.status_code == 302 and second.headers["Location"] == door
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'id="door"' in page and "Atelier de Mopti" in page
    # The events list stays reachable, with the archived ones.
    listed = client.get("/?archived=1").get_data(as_text=True)
    assert "Atelier archivé" in listed and "Un autre" not in listed


def test_a_door_user_with_several_events_gets_a_list_of_door_pages(client):
    today = datetime.now(UTC).date()
    past = factories.make_event(title="Atelier passé de Gao", start_date=today - timedelta(days=30),
                                end_date=today - timedelta(days=30), timezone="UTC")
    held = factories.make_event(title="Atelier de Ségou", start_date=today, end_date=today, timezone="UTC")
    coming = factories.make_event(title="Table ronde de Kayes", start_date=today + timedelta(days=5),
                                  end_date=today + timedelta(days=6), timezone="UTC")
    factories.make_event(title="Un autre")
    user = factories.make_user("door")
    user.events = [past, held, coming]
    db.session.commit()
    assert _sign_in(client, user) == "/door"
    page = client.get("/door").get_data(as_text=True)
    assert "<h1>Accueil : pointage</h1>" in page
    assert "Un autre" not in page
    links = [f'href="/events/{e.slug}/door"' for e in (held, coming, past)]
    assert all(link in page for link in links)
    # Held today first (and marked), then the coming one, then the past one.
    assert page.index(links[0]) < page.index(links[1]) < page.index(links[2])
    assert page.count("Aujourd'hui") == 1
    assert "Commencer le pointage" in page


def test_a_door_user_given_no_event_is_told_so(client):
    user = factories.make_user("door")
    assert _sign_in(client, user) == "/door"
    page = client.get("/door").get_data(as_text=True)
    assert "Aucun événement ne vous a encore été confié\u00a0: demandez-le à un organisateur." in page


def test_a_paired_phone_opening_the_app_lands_on_its_door_page(client, app):
    event = factories.make_event()
    station = station_service.create_station(event, "Porte Sud").station
    code = station_service.pairing_code(station, app.config["SECRET_KEY"])
    assert client.get("/").headers["Location"].startswith("/login")  # not paired yet
    paired = client.post("/api/stations/pair", data=json.dumps({"code": code}), content_type="application/json")
    assert paired.status_code == 200
    landing = client.get("/", follow_redirects=True)
    assert landing.request.path == f"/events/{event.slug}/door"
    assert 'id="door"' in landing.get_data(as_text=True)
    # Revoked: the phone is asked to sign in, and sees no door.
    station_service.revoke_station(db.session.get(Station, station.id))
    landing = client.get("/", follow_redirects=True)
    assert landing.request.path == "/login"


def test_organizers_keep_the_events_list(client, login):
    event = factories.make_event(title="Atelier de Gao")
    login("organizer")
    assert client.get("/").status_code == 200
    page = client.get("/door").get_data(as_text=True)  # every door, for whoever helps at one
    assert f'href="/events/{event.slug}/door"' in page
