"""Who looked is logged; a GET prints nothing; the void API keeps other events to itself
(issue 11, items 11 and 16)."""
from __future__ import annotations

import json

from eventapp.audit.models import AuditEntry
from eventapp.door import stations as station_service
from eventapp.door.models import CheckIn
from eventapp.extensions import db
from eventapp.registration.models import Registration
from tests import factories

ADDRESS = {"REMOTE_ADDR": "198.51.100.9"}


def _entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_opening_a_persons_page_is_logged(app, client, login):
    person = factories.make_person("Aïssata", "N'Diaye", sex="F")
    user = login("organizer")
    assert client.get(f"/people/{person.id}", environ_base=ADDRESS).status_code == 200
    [entry] = _entries("person.view")
    assert (entry.user_id, entry.ip, entry.object_type, entry.object_id) == (user.id, "198.51.100.9", "Person",
                                                                             str(person.id))


def test_opening_a_persons_privacy_page_is_logged(app, client, login):
    person = factories.make_person("Oumou", "Diarra", sex="F")
    user = login("admin")
    assert client.get(f"/admin/people/{person.id}/privacy", environ_base=ADDRESS).status_code == 200
    [entry] = _entries("person.view")
    assert (entry.user_id, entry.object_id) == (user.id, str(person.id))


def test_opening_a_participants_form_is_logged(app, client, login):
    event = factories.make_event()
    registration = factories.make_registration(event, factories.make_person("Fatoumata", "Maïga", sex="F"))
    user = login("organizer")
    url = f"/events/{event.slug}/participants/{registration.id}"
    assert client.get(url, environ_base=ADDRESS).status_code == 200
    [entry] = _entries("person.view")
    assert (entry.user_id, entry.object_id) == (user.id, str(registration.person_id))


def test_a_participant_list_export_is_logged(app, client, login):
    event = factories.make_event()
    factories.make_registration(event, factories.make_person("Moussa", "Maïga"))
    user = login("coordinator")
    for fmt in ("csv", "xlsx"):
        assert client.get(f"/events/{event.slug}/export?format={fmt}", environ_base=ADDRESS).status_code == 200
    entries = _entries("registration.export")
    assert [e.event_id for e in entries] == [event.id, event.id]
    assert all(e.user_id == user.id and e.ip == "198.51.100.9" for e in entries)


def test_the_door_roster_download_is_logged_but_not_every_poll(app, client, login):
    event = factories.make_event()
    factories.make_registration(event, factories.make_person("Kadiatou", "Traoré", sex="F", category="fds"))
    issued = station_service.create_station(event, "Porte A")
    bearer = {"Authorization": f"Bearer {issued.token}"}
    full = client.get(f"/api/events/{event.slug}/roster", headers=bearer, environ_base=ADDRESS)
    assert full.status_code == 200
    # Polls for the changes since the last cursor are the door's routine: not logged.
    client.get(f"/api/events/{event.slug}/roster?since={full.json['cursor']}", headers=bearer)
    # "Changes since long ago" is the whole list again: logged.
    client.get(f"/api/events/{event.slug}/roster?since=2023-01-01T00:00:00Z", headers=bearer)
    door_user = login("door", events=[event])
    client.get(f"/api/events/{event.slug}/roster")
    entries = _entries("door.roster")
    assert [(e.station_id, e.user_id) for e in entries] == [(issued.station.id, None), (issued.station.id, None),
                                                            (None, door_user.id)]
    assert entries[0].ip == "198.51.100.9" and entries[0].event_id == event.id
    assert json.loads(entries[0].details) == {"entries": 1, "full": True}


def test_the_roster_holds_only_what_the_door_shows(app, client, login):
    event = factories.make_event()
    factories.make_registration(event, factories.make_person("Kadiatou", "Traoré", sex="F", category="fds",
                                                             organisation="CAFO", phone="+223 70 00 00 09"))
    login("door", events=[event])
    [entry] = client.get(f"/api/events/{event.slug}/roster").json["entries"]
    # days: the days the registration is for (empty: every day), which the offline door enforces.
    assert set(entry) == {"token", "name", "organisation", "category_label", "status", "admitted",
                          "checked_in_today", "checked_in_at", "checked_in_station", "search", "days"}
    assert entry["name"] == "Kadiatou Traoré" and entry["organisation"] == "CAFO"


def test_a_get_prints_no_badge(app, client, login):
    event = factories.make_event()
    walk_in = factories.make_registration(event, factories.make_person("Awa", "Maïga"), source="walk_in")
    login("door", events=[event])
    url = f"/events/{event.slug}/badges?registration_id={walk_in.id}"
    for _ in range(3):  # a link opened, reloaded, prefetched
        page = client.get(url)
        assert page.status_code == 200 and page.mimetype == "text/html"
    db.session.expire_all()
    assert db.session.get(Registration, walk_in.id).badge_print_count == 0 and _entries("badges.print") == []
    pdf = client.post(f"/events/{event.slug}/badges", data={"registration_ids": [str(walk_in.id)]})
    assert pdf.mimetype == "application/pdf"
    db.session.expire_all()
    assert db.session.get(Registration, walk_in.id).badge_print_count == 1 and len(_entries("badges.print")) == 1


def _void(client, checkin_id, headers=None):
    return client.post(f"/api/checkins/{checkin_id}/void", data=json.dumps({"reason": "erreur"}),
                       content_type="application/json", headers=headers or {})


def test_the_void_api_names_no_other_event(app, client, login):
    mine = factories.make_event(slug="atelier-bamako")
    theirs = factories.make_event(slug="dialogue-civilo-militaire-mopti")
    registration = factories.make_registration(theirs, factories.make_person("Oumou", "Diarra"))
    login("organizer")
    checkin = client.post(f"/api/events/{theirs.slug}/checkins", data=json.dumps(
        {"token": registration.checkin_token, "scanned_at": "2023-06-21T09:14:00Z"}), content_type="application/json")
    checkin_id = checkin.json["checkin"]["id"]
    client.post("/logout")
    station = station_service.create_station(mine, "Porte A")
    login("door", events=[mine])
    callers = [("door user of another event", {}),
               ("station of another event", {"Authorization": f"Bearer {station.token}"})]
    for who, headers in callers:
        other = _void(client, checkin_id, headers)
        missing = _void(client, 2_000_000_000, headers)
        assert other.status_code == missing.status_code == 404, who
        assert other.json == missing.json, who
        assert "mopti" not in other.get_data(as_text=True), who
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin_id).voided_at is None
