"""The door's JSON API and pages: results, auth, bad input (never a 500), exports."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventapp.audit.models import AuditEntry
from eventapp.core.tokens import new_checkin_token, qr_payload
from eventapp.door import stations as station_service
from eventapp.door.models import CheckIn
from eventapp.extensions import db
from eventapp.people.models import Person
from tests import factories
from tests.door_fixtures import bearer, event, station  # noqa: F401  (fixtures)
from tests.door_fixtures import post_json as post

T0 = "2023-06-21T09:14:00Z"


def test_checkin_results_with_station(client, event, station):
    reg = factories.make_registration(event, factories.make_person("Awa", "Traoré", category="fds",
                                                                   organisation="IMRAP"))
    url = f"/api/events/{event.slug}/checkins"
    r = post(client, url, {"payload": qr_payload(reg.checkin_token), "client_id": "c1", "scanned_at": T0},
             bearer(station))
    assert r.status_code == 200, r.json
    assert r.json["result"] == "checked_in"
    assert r.json["registration"]["name"] == "Awa Traoré" and r.json["registration"]["category_label"] == "FDS"
    assert r.json["checkin"]["station"] == "Gate A" and r.json["checkin"]["time"] == "09:14"
    again = post(client, url, {"token": reg.checkin_token, "client_id": "c2", "scanned_at": T0}, bearer(station))
    assert again.json["result"] == "already_checked_in" and again.json["checkin"]["station"] == "Gate A"
    assert "09:14" in again.json["message"]
    retry = post(client, url, {"payload": qr_payload(reg.checkin_token), "client_id": "c1", "scanned_at": T0},
                 bearer(station))
    assert retry.json["result"] == "checked_in" and retry.json["replayed"] is True
    junk = post(client, url, {"payload": "https://example.org/?q=1", "scanned_at": T0}, bearer(station))
    assert junk.status_code == 200 and junk.json["result"] == "unknown_token" and junk.json["reason"] == "garbage"
    unknown = post(client, url, {"payload": qr_payload(new_checkin_token()), "scanned_at": T0}, bearer(station))
    assert unknown.json["result"] == "unknown_token" and unknown.json["reason"] == "unknown"
    assert db.session.scalar(select(func.count(CheckIn.id))) == 1


def test_not_admitted_over_api(client, event, station):
    other = factories.make_event()
    cancelled = factories.make_registration(event, status="cancelled")
    foreign = factories.make_registration(other)
    url = f"/api/events/{event.slug}/checkins"
    a = post(client, url, {"token": cancelled.checkin_token, "scanned_at": T0}, bearer(station))
    assert (a.json["result"], a.json["reason"]) == ("not_admitted", "cancelled")
    b = post(client, url, {"token": foreign.checkin_token, "scanned_at": T0}, bearer(station))
    assert (b.json["result"], b.json["reason"]) == ("not_admitted", "other_event") and b.json["registration"] is None
    ok = factories.make_registration(event)
    c = post(client, url, {"token": ok.checkin_token, "scanned_at": "2023-06-25T10:00:00Z", "source": "offline_sync"},
             bearer(station))
    assert (c.json["result"], c.json["reason"]) == ("not_admitted", "not_event_day")


def test_clock_skew_flagged(client, app):
    today = datetime.now(UTC).date()
    event = factories.make_event(start_date=today - timedelta(days=1), end_date=today + timedelta(days=1))
    issued = station_service.create_station(event, "Gate B")
    reg = factories.make_registration(event)
    skewed = (datetime.now(UTC) + timedelta(hours=4)).isoformat()
    r = post(client, f"/api/events/{event.slug}/checkins", {"token": reg.checkin_token, "scanned_at": skewed},
             bearer(issued))
    assert r.json["result"] == "checked_in" and r.json["clock_skew"]["seconds"] < -3 * 3600
    assert "240" in r.json["clock_skew"]["message"] or "239" in r.json["clock_skew"]["message"]


@pytest.mark.parametrize("body", [
    b"{not json", b"[]", b'"text"', b"null", b"", b'{"payload": 12}', b'{"client_id": "x"}', b'{"payload": ""}',
    b'{"payload": "EA1", "scanned_at": "yesterday"}', b'{"payload": "EA1", "source": "teleport"}',
    b'{"payload": "EA1", "client_id": "' + b"x" * 100 + b'"}', b'{"payload": "EA1", "agenda_item_id": "abc"}',
    b'{"payload": "EA1", "scanned_at": 1e30}', b'{"payload": ["a"]}',
])
def test_bad_input_is_4xx_json(client, event, station, body):
    r = client.post(f"/api/events/{event.slug}/checkins", data=body, content_type="application/json",
                    headers=bearer(station))
    assert 400 <= r.status_code < 500, (body, r.status_code)
    assert r.is_json and r.json["error"]


def test_auth(client, login, event, station):
    other = factories.make_event()
    reg = factories.make_registration(event)
    url = f"/api/events/{event.slug}/checkins"
    body = {"token": reg.checkin_token, "scanned_at": T0}
    assert post(client, url, body).status_code == 401
    assert post(client, url, body, {"Authorization": "Bearer st_nope"}).status_code == 401
    foreign_station = station_service.create_station(other, "Elsewhere")
    r = post(client, url, body, bearer(foreign_station))
    assert r.status_code == 403 and r.json["error"]
    station_service.revoke_station(station.station)
    r = post(client, url, body, bearer(station))
    assert r.status_code == 401 and r.json["reason"] == "station_refused"
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0
    # Door users work only at their events; coordinators don't scan.
    login("door", events=[other])
    assert post(client, url, body).status_code == 404
    client.post("/logout")
    login("coordinator")
    assert post(client, url, body).status_code == 403
    client.post("/logout")
    login("door", events=[event])
    r = post(client, url, body)
    assert r.status_code == 200 and r.json["result"] == "checked_in"
    # A form post (what a cross-site page could send) is refused: the API wants JSON.
    assert client.post(url, data={"token": reg.checkin_token}).status_code == 400


def test_batch_and_10000(client, event, station):
    regs = [factories.make_registration(event, factories.make_person("P", f"N{i}")) for i in range(20)]
    scans = [{"payload": qr_payload(regs[i % 20].checkin_token), "client_id": f"b{i}",
              "scanned_at": f"2023-06-21T09:{(i // 1000) % 60:02d}:{(i // 20) % 60:02d}Z"} for i in range(10_000)]
    scans[5] = "not an object"
    scans[6] = {"payload": "garbage"}
    r = post(client, f"/api/events/{event.slug}/checkins/batch",
             {"scans": scans, "sent_at": datetime.now(UTC).isoformat()}, bearer(station))
    assert r.status_code == 200
    results = r.json["results"]
    assert len(results) == 10_000
    assert results[5]["result"] == "error" and results[6]["result"] == "unknown_token"
    assert r.json["summary"]["checked_in"] == 20
    assert r.json["summary"]["already_checked_in"] == 10_000 - 20 - 2
    assert db.session.scalar(select(func.count(CheckIn.id))) == 20
    bad = post(client, f"/api/events/{event.slug}/checkins/batch", {"scans": "nope"}, bearer(station))
    assert bad.status_code == 400


def test_roster_stats_search_walkin_void(client, login, event):
    user = login("door", events=[event])
    reg = factories.make_registration(event, factories.make_person("Fatoumata", "Maïga", organisation="CAFO",
                                                                   phone="+22376123456"))
    roster = client.get(f"/api/events/{event.slug}/roster").json
    assert roster["full"] and roster["entries"][0]["name"] == "Fatoumata Maïga"
    assert client.get(f"/api/events/{event.slug}/roster?since={roster['cursor']}").json["full"] is False
    assert client.get(f"/api/events/{event.slug}/roster?since=garbage").status_code == 400
    assert client.get(f"/api/events/{event.slug}/search?q=maiga").json["results"][0]["token"] == reg.checkin_token
    assert client.get(f"/api/events/{event.slug}/search?q=cafo").json["results"][0]["name"] == "Fatoumata Maïga"
    assert client.get(f"/api/events/{event.slug}/search?q=76123456").json["results"][0]["name"] == "Fatoumata Maïga"
    assert client.get(f"/api/events/{event.slug}/stats").json["expected"] == 1
    w = post(client, f"/api/events/{event.slug}/walk-ins", {"first_name": "Ousmane", "last_name": "N'Diaye", "sex": "M",
                                                          "category": "press", "scanned_at": T0})
    assert w.status_code == 200 and w.json["result"] == "checked_in"
    person = db.session.scalar(select(Person).where(Person.last_name == "N'Diaye"))
    assert person.name_key == "ndiaye ousmane"  # apostrophes join, as searches type them
    bad = post(client, f"/api/events/{event.slug}/walk-ins", {"first_name": "X", "scanned_at": T0})
    assert bad.status_code == 400 and "last_name" in bad.json["errors"]
    checkin_id = w.json["checkin"]["id"]
    v = post(client, f"/api/checkins/{checkin_id}/void", {"reason": "mistake"})
    assert v.status_code == 200 and v.json["voided_by"] == user.email
    assert post(client, f"/api/checkins/{checkin_id}/void", {"reason": "again"}).status_code == 400
    assert post(client, "/api/checkins/999999/void", {}).status_code == 404
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "checkin.void")) == 1
    assert client.get("/api/nothing-here").status_code == 404


def test_pairing_over_api_and_page(client, login, event):
    login("organizer")
    page = client.post(f"/events/{event.slug}/stations", data={"name": "Porte Sud"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "st_" in html and "/door/pair/" in html
    station = station_service.list_stations(event)[0]
    code = station_service.pairing_code(station, client.application.config["SECRET_KEY"])
    client.post("/logout")
    assert client.get(f"/door/pair/{code}").status_code == 200
    r = post(client, "/api/stations/pair", {"code": code})
    assert r.status_code == 200 and r.json["token"].startswith("st_") and r.json["door_url"].endswith("/door")
    assert post(client, "/api/stations/pair", {"code": code}).status_code == 400  # one-time
    # The paired phone now sees the door page without an account.
    assert client.get(f"/events/{event.slug}/door").status_code == 200
    assert client.get(f"/api/events/{event.slug}/stats",
                      headers={"Authorization": f"Bearer {r.json['token']}"}).status_code == 200


def test_pages(client, login, event):
    assert client.get(f"/events/{event.slug}/door").status_code == 302
    login("organizer")
    reg = factories.make_registration(event)
    post(client, f"/api/events/{event.slug}/checkins", {"token": reg.checkin_token, "scanned_at": T0})
    post(client, f"/api/events/{event.slug}/checkins", {"token": reg.checkin_token, "scanned_at": T0})
    door = client.get(f"/events/{event.slug}/door")
    assert door.status_code == 200 and b"<script>" not in door.data
    assert client.get("/door-sw.js").headers["Service-Worker-Allowed"] == "/"
    assert client.get("/door.webmanifest").json["display"] == "standalone"
    assert client.get(f"/events/{event.slug}/checkins/board").status_code == 200
    board = client.get(f"/api/events/{event.slug}/board?day=2023-06-21").json
    assert board["checked_in"] == 1 and board["arrivals"][0]["count"] == 1
    log = client.get(f"/events/{event.slug}/checkins")
    assert log.status_code == 200 and "Traoré" in log.get_data(as_text=True)
    csv = client.get(f"/events/{event.slug}/checkins?format=csv")
    text = csv.data.decode("utf-8-sig")
    assert "Traoré" in text and len(text.strip().splitlines()) == 3
    xlsx = client.get(f"/events/{event.slug}/checkins?format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row == 3
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "export.checkins")) == 2


def test_door_pages_refused(client, login, event):
    login("coordinator")
    assert client.get(f"/events/{event.slug}/door").status_code == 403
    assert client.get(f"/events/{event.slug}/stations").status_code == 403
    assert client.get(f"/events/{event.slug}/checkins/board").status_code == 200
    client.post("/logout")
    login("door", events=[])
    assert client.get(f"/events/{event.slug}/door").status_code == 404
    assert client.get(f"/events/{event.slug}/checkins").status_code == 403


def test_cli_stations_create(runner, event):
    result = runner.invoke(args=["stations", "create", event.slug, "Gate C"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert station_service.authenticate(token).name == "Gate C"
    assert runner.invoke(args=["stations", "create", "no-such-event", "X"]).exit_code != 0


def test_walk_in_answer_carries_the_badge_url_for_who_may_print_it(client, login, event, station):
    login("door", events=[event])
    w = post(client, f"/api/events/{event.slug}/walk-ins", {"first_name": "Aminata", "last_name": "Traoré",
                                                          "scanned_at": T0})
    assert w.status_code == 200 and w.json["result"] == "checked_in"
    reg_id = w.json["registration"]["id"]
    assert w.json["badge_url"] == f"/events/{event.slug}/badges?registration_id={reg_id}"
    offer = client.get(w.json["badge_url"])  # a page with the Print button: a GET prints nothing
    assert offer.status_code == 200 and f'name="registration_ids" value="{reg_id}"' in offer.get_data(as_text=True)
    badge = client.post(f"/events/{event.slug}/badges", data={"registration_ids": [str(reg_id)]})
    assert badge.status_code == 200 and badge.data.startswith(b"%PDF")
    page = client.get(f"/events/{event.slug}/door?lang=en").get_data(as_text=True)
    assert 'id="r-badge"' in page and "Print this person" in page
    # A station has no account, so it cannot print: no link offered.
    client.get("/logout")
    s = post(client, f"/api/events/{event.slug}/walk-ins", {"first_name": "Ousmane", "last_name": "Maïga",
                                                          "scanned_at": T0}, bearer(station))
    assert s.status_code == 200 and s.json["result"] == "checked_in" and s.json["badge_url"] is None


def test_station_scans_of_sessions_days_and_voids(client, login, event, station):
    """The station's one-statement lookup: agenda items, each day apart, voided rows left out."""
    from datetime import date

    from eventapp.door.models import Station

    two_days = factories.make_event(start_date=date(2023, 6, 21), end_date=date(2023, 6, 22))
    gate = station_service.create_station(two_days, "Porte Maïga")
    item = factories.make_agenda_item(two_days, day=date(2023, 6, 22))
    elsewhere = factories.make_agenda_item(event)
    reg = factories.make_registration(two_days, factories.make_person("Fatoumata", "N'Diaye"))
    url = f"/api/events/{two_days.slug}/checkins"

    def scan(when, **extra):
        return post(client, url, {"token": reg.checkin_token, "scanned_at": when, **extra}, bearer(gate)).json

    first = scan("2023-06-21T09:14:00Z")
    assert first["result"] == "checked_in" and first["checkin"]["day"] == "2023-06-21"
    assert first["registration"]["name"] == "Fatoumata N'Diaye"
    assert scan("2023-06-21T11:00:00Z")["result"] == "already_checked_in"
    second_day = scan("2023-06-22T08:30:00Z")
    assert second_day["result"] == "checked_in" and second_day["checkin"]["day"] == "2023-06-22"
    again = scan("2023-06-22T10:00:00Z")
    assert again["result"] == "already_checked_in" and "08:30" in again["message"] and "Porte Maïga" in again["message"]
    # A session is counted apart from the day, once.
    session_in = scan("2023-06-22T10:05:00Z", agenda_item_id=item.id)
    assert session_in["result"] == "checked_in" and session_in["checkin"]["agenda_item_id"] == item.id
    assert session_in["checkin"]["day"] == "2023-06-22"
    assert scan("2023-06-22T10:06:00Z", agenda_item_id=item.id)["result"] == "already_checked_in"
    other = scan("2023-06-22T10:07:00Z", agenda_item_id=elsewhere.id)  # another event's session
    assert (other["result"], other["reason"]) == ("not_admitted", "unknown_agenda_item")
    # A voided check-in no longer counts: the badge can be scanned in again that day.
    login("organizer")
    assert post(client, f"/api/checkins/{second_day['checkin']['id']}/void", {"reason": "erreur"}).status_code == 200
    client.post("/logout")
    redo = scan("2023-06-22T10:30:00Z")
    assert redo["result"] == "checked_in" and redo["checkin"]["id"] != second_day["checkin"]["id"]
    # Every admission has its audit row, and the station is marked seen.
    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "checkin.create")).all()
    assert sorted(int(a.object_id) for a in audits) == sorted(
        db.session.scalars(select(CheckIn.id).where(CheckIn.registration_id == reg.id)))
    assert {a.station_id for a in audits} == {gate.station.id} and {a.actor for a in audits} == {"Porte Maïga"}
    assert db.session.get(Station, gate.station.id).last_seen_at is not None


def test_a_station_hears_who_it_is_before_what_it_sent(client, event, station):
    """A bad body with bad credentials is answered about the credentials first."""
    other = factories.make_event()
    url = f"/api/events/{event.slug}/checkins"
    junk = b"{not json"
    r = client.post(url, data=junk, content_type="application/json", headers={"Authorization": "Bearer st_nope"})
    assert r.status_code == 401 and r.json["reason"] == "station_refused"
    foreign = station_service.create_station(other, "Ailleurs")
    assert client.post(url, data=junk, content_type="application/json", headers=bearer(foreign)).status_code == 403
    r = client.post("/api/events/no-such-event/checkins", data=junk, content_type="application/json",
                    headers=bearer(station))
    assert r.status_code == 404
    r = post(client, "/api/events/no-such-event/checkins", {"token": "X", "scanned_at": T0}, bearer(station))
    assert r.status_code == 404 and r.is_json
    assert client.post(url, data=junk, content_type="application/json", headers=bearer(station)).status_code == 400


def test_api_answers_are_never_cached(client, event, station):
    reg = factories.make_registration(event)
    r = post(client, f"/api/events/{event.slug}/checkins", {"token": reg.checkin_token, "scanned_at": T0},
             bearer(station))
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"
    assert client.get("/api/no/such/thing").headers["Cache-Control"] == "no-store"


def test_void_tells_a_stranger_nothing(client, event, station):
    reg = factories.make_registration(event)
    r = post(client, f"/api/events/{event.slug}/checkins", {"token": reg.checkin_token, "scanned_at": T0},
             bearer(station))
    checkin_id = r.json["checkin"]["id"]
    for target in (checkin_id, 999999):
        stranger = post(client, f"/api/checkins/{target}/void", {"reason": "x"})
        assert stranger.status_code == 401 and stranger.json["reason"] == "unauthenticated"
        forged = post(client, f"/api/checkins/{target}/void", {"reason": "x"}, {"Authorization": "Bearer st_forged"})
        assert forged.status_code == 401
    other = station_service.create_station(factories.make_event(), "Ailleurs")
    # Another event's station hears what it would hear of a check-in that does not exist.
    assert post(client, f"/api/checkins/{checkin_id}/void", {}, bearer(other)).status_code == 404
    assert post(client, "/api/checkins/999999/void", {}, bearer(station)).status_code == 404
    assert db.session.get(CheckIn, checkin_id).voided_at is None
