"""Events of several days at the door: a registration for some days only is let in on those
days and answered ``not_admitted`` / ``not_registered_for_day`` on the others, by every path
(station, signed-in user, offline batch, replay); the roster carries the days so the phones
decide alike offline, and the live counts expect only those registered for the day.

Runs on SQLite, and on PostgreSQL when ``EVENTAPP_TEST_DATABASE_URL`` is set.
"""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from eventapp.audit.models import AuditEntry
from eventapp.core.tokens import qr_payload
from eventapp.door import services as door_service
from eventapp.door import stations as station_service
from eventapp.door.api import OPENAPI_PATH
from eventapp.door.models import CheckIn, ScanLog
from eventapp.extensions import db
from eventapp.people.models import Person
from eventapp.registration import services as registrations
from eventapp.registration.models import Registration
from tests import factories

THURSDAY, FRIDAY, SATURDAY = date(2026, 1, 15), date(2026, 1, 16), date(2026, 1, 17)


def at(day: date, hour: int = 9) -> str:
    return f"{day.isoformat()}T{hour:02d}:10:00Z"  # Bamako is UTC+0


@pytest.fixture
def training(app):
    """A three-day training: the official comes to the opening (Thursday) only; Awa every day."""
    event = factories.make_event(slug="formation", start_date=THURSDAY, end_date=SATURDAY)
    official = factories.make_registration(event, factories.make_person("Moussa", "Maïga", category="authority"))
    registrations.set_registration_days(official, [THURSDAY])
    everyone = factories.make_registration(event, factories.make_person("Awa", "Traoré"))
    return event, official, everyone


@pytest.fixture
def station(training):
    return station_service.create_station(training[0], "Entrée principale")


def post(client, url, body, headers=None):
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers or {})


def bearer(issued):
    return {"Authorization": f"Bearer {issued.token}"}


def _checkins(registration) -> list[date]:
    db.session.expire_all()
    return list(db.session.scalars(select(CheckIn.day).where(CheckIn.registration_id == registration.id)))


def test_station_scan_on_another_day_is_not_admitted(client, training, station):
    event, official, everyone = training
    url = f"/api/events/{event.slug}/checkins"
    friday = post(client, url, {"payload": qr_payload(official.checkin_token), "client_id": "f1",
                                "scanned_at": at(FRIDAY)}, bearer(station))
    assert friday.status_code == 200, friday.json
    assert (friday.json["result"], friday.json["reason"]) == ("not_admitted", "not_registered_for_day")
    assert friday.json["registration"]["name"] == "Moussa Maïga"  # the door sees whom it refuses
    assert "2026-01-16" in friday.json["message"]
    # Sent again (a retry), the same answer and nothing more written.
    retry = post(client, url, {"payload": qr_payload(official.checkin_token), "client_id": "f1",
                               "scanned_at": at(FRIDAY)}, bearer(station))
    assert retry.json["replayed"] is True and retry.json["reason"] == "not_registered_for_day"
    assert db.session.scalar(select(func.count(ScanLog.id)).where(ScanLog.reason == "not_registered_for_day")) == 1
    # On the day registered for, let in; the others are let in every day.
    thursday = post(client, url, {"token": official.checkin_token, "client_id": "t1", "scanned_at": at(THURSDAY)},
                    bearer(station))
    assert thursday.json["result"] == "checked_in"
    for day in (THURSDAY, FRIDAY, SATURDAY):
        answer = post(client, url, {"token": everyone.checkin_token, "scanned_at": at(day)}, bearer(station))
        assert answer.json["result"] == "checked_in", (day, answer.json)
    assert _checkins(official) == [THURSDAY]
    assert sorted(_checkins(everyone)) == [THURSDAY, FRIDAY, SATURDAY]


def test_signed_in_door_user_and_english_message(client, training, login):
    event, official, _everyone = training
    login("door", events=[event])
    answer = post(client, f"/api/events/{event.slug}/checkins",
                  {"token": official.checkin_token, "scanned_at": at(SATURDAY)}, {"Accept-Language": "en"})
    assert (answer.json["result"], answer.json["reason"]) == ("not_admitted", "not_registered_for_day")
    assert answer.json["message"] == "This participant is not registered for 2026-01-17."
    french = post(client, f"/api/events/{event.slug}/checkins",
                  {"token": official.checkin_token, "scanned_at": at(SATURDAY)}, {"Accept-Language": "fr"})
    assert french.json["message"] == "Inscription non valable le 2026-01-17."
    assert _checkins(official) == []


def test_offline_batch_decides_day_by_day(client, training, station):
    event, official, _everyone = training
    scans = [{"payload": qr_payload(official.checkin_token), "client_id": f"b{day.day}", "scanned_at": at(day),
              "source": "offline_sync"} for day in (SATURDAY, THURSDAY, FRIDAY)]
    answer = post(client, f"/api/events/{event.slug}/checkins/batch", {"scans": scans}, bearer(station))
    assert answer.status_code == 200, answer.json
    assert [(r["result"], r.get("reason") or "") for r in answer.json["results"]] == [
        ("not_admitted", "not_registered_for_day"), ("checked_in", ""), ("not_admitted", "not_registered_for_day")]
    assert _checkins(official) == [THURSDAY]


def test_roster_carries_the_days_and_sends_a_change_of_days_again(client, training, station):
    event, official, everyone = training
    # Everyone was registered an hour ago: a poll sends only what changes from now on.
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    db.session.execute(update(Registration).values(updated_at=an_hour_ago))
    db.session.execute(update(Person).values(updated_at=an_hour_ago))
    db.session.commit()
    full = client.get(f"/api/events/{event.slug}/roster", headers=bearer(station)).json
    days = {e["name"]: e["days"] for e in full["entries"]}
    assert days == {"Moussa Maïga": ["2026-01-15"], "Awa Traoré": []}
    # The organizer adds Saturday (the closing) for the official: the phones' next poll has it.
    registrations.set_registration_days(official, [THURSDAY, SATURDAY])
    changed = client.get(f"/api/events/{event.slug}/roster", query_string={"since": full["cursor"]},
                         headers=bearer(station)).json
    assert {e["name"]: e["days"] for e in changed["entries"]} == {"Moussa Maïga": ["2026-01-15", "2026-01-17"]}
    # Every day ticked is every day: the restriction is lifted, and the roster says so.
    registrations.set_registration_days(official, [THURSDAY, FRIDAY, SATURDAY])
    assert official.days == []
    lifted = client.get(f"/api/events/{event.slug}/roster", query_string={"since": changed["cursor"]},
                        headers=bearer(station)).json
    assert {e["name"]: e["days"] for e in lifted["entries"]}["Moussa Maïga"] == []


def test_roster_entry_with_days_matches_the_openapi_description(client, training, station):
    from jsonschema import Draft202012Validator

    event = training[0]
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    schema = document["components"]["schemas"]["RosterEntry"]
    for entry in client.get(f"/api/events/{event.slug}/roster", headers=bearer(station)).json["entries"]:
        Draft202012Validator(schema).validate(entry)
    reasons = document["components"]["schemas"]["CheckInResult"]["properties"]["reason"]["enum"]
    assert "not_registered_for_day" in reasons


def test_expected_counts_follow_the_days(training):
    event, _official, _everyone = training
    factories.make_registration(event, factories.make_person("Aminata", "N'Diaye"), status="cancelled")
    assert door_service.stats(event, THURSDAY)["expected"] == 2
    assert door_service.stats(event, FRIDAY)["expected"] == 1
    assert door_service.board(event, SATURDAY)["expected"] == 1
    assert door_service.expected_count(event) == 2  # over the whole event


def test_setting_days_is_checked_recorded_and_idempotent(training):
    event, official, everyone = training
    with pytest.raises(Exception) as refused:
        registrations.set_registration_days(everyone, [date(2026, 1, 18)])
    assert "days" in refused.value.errors
    with pytest.raises(Exception) as empty:
        registrations.set_registration_days(everyone, [])
    assert empty.value.errors == {"days": ["Tick at least one day."]}
    assert everyone.days == []  # nothing changed
    assert registrations.set_registration_days(official, ["2026-01-15"]) is False  # the same days: nothing
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "registration.days")).all()
    assert len(entries) == 1 and json.loads(entries[0].details)["days"] == ["2026-01-15"]
