"""Sessions end when they should, even for someone holding a copy of the cookie (issue 11, item 6).

Each test signs a browser in, copies its session cookie into a second client (what a thief of the
cookie would hold), then ends the session some way and checks that the copy no longer works.
"""
from __future__ import annotations

import json

import pytest

from eventapp.accounts import services as user_service
from eventapp.accounts.models import User
from eventapp.audit.models import AuditEntry
from eventapp.door import stations as station_service
from eventapp.extensions import db
from tests import factories

NEW_PASSWORD = "une phrase de passe nouvelle"


def _sign_in(app, email: str, password: str = factories.PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    return client


def _copy(app, client):
    """A second client holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def awa(app):
    return factories.make_user(role="organizer", email="awa.traore@example.org", name="Awa Traoré")


def test_a_copied_cookie_is_worthless_after_sign_out(app, awa):
    browser = _sign_in(app, awa.email)
    thief = _copy(app, browser)
    assert _signed_in(thief)  # the copy works while the session lasts
    browser.post("/logout")
    assert not _signed_in(thief)
    assert not _signed_in(browser)
    # Signing in again does not bring the old copy back.
    _sign_in(app, awa.email)
    assert not _signed_in(thief)


def test_an_admin_password_reset_ends_the_old_sessions(app, awa):
    admin = factories.make_user(role="admin", email="admin@example.org")
    thief = _copy(app, _sign_in(app, awa.email))
    admin_client = _sign_in(app, admin.email)
    response = admin_client.post(f"/admin/users/{awa.id}", data={"role": "organizer", "name": "Awa Traoré",
                                                                  "active": "y", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert not _signed_in(thief)
    assert _signed_in(admin_client)  # the admin's own session is not touched
    assert _signed_in(_sign_in(app, awa.email, NEW_PASSWORD))


def test_an_admin_changing_their_own_password_keeps_this_session_only(app):
    admin = factories.make_user(role="admin", email="admin@example.org", name="Mariam Maïga")
    here = _sign_in(app, admin.email)
    elsewhere = _sign_in(app, admin.email)
    response = here.post(f"/admin/users/{admin.id}", data={"role": "admin", "name": "Mariam Maïga", "active": "y",
                                                           "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert _signed_in(here)
    assert not _signed_in(elsewhere)


@pytest.mark.parametrize("change", [{"role": "coordinator"}, {"active": False}])
def test_a_role_change_or_deactivation_ends_the_sessions(app, awa, change):
    thief = _copy(app, _sign_in(app, awa.email))
    user_service.update_user(db.session.get(User, awa.id), **change)
    if change.get("active") is False:
        user_service.update_user(db.session.get(User, awa.id), active=True)  # back on: the old cookie stays dead
    assert not _signed_in(thief)


def test_an_unchanged_save_keeps_the_sessions(app, awa):
    browser = _sign_in(app, awa.email)
    user_service.update_user(db.session.get(User, awa.id), role="organizer", name="Awa Traoré", active=True)
    assert _signed_in(browser)


def test_cli_set_password_ends_the_sessions(app, awa, runner):
    thief = _copy(app, _sign_in(app, awa.email))
    result = runner.invoke(args=["users", "set-password", "AWA.TRAORE@example.org"],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert not _signed_in(thief)
    assert _signed_in(_sign_in(app, awa.email, NEW_PASSWORD))
    short = runner.invoke(args=["users", "set-password", awa.email, "--password", "court"])
    assert short.exit_code != 0 and "10" in short.output
    unknown = runner.invoke(args=["users", "set-password", "nobody@example.org", "--password", NEW_PASSWORD])
    assert unknown.exit_code != 0 and "nobody@example.org" in unknown.output


def test_sign_out_everywhere_from_ones_own_account_page(app, awa):
    laptop = _sign_in(app, awa.email)
    phone = _sign_in(app, awa.email)
    page = laptop.get("/account")
    assert page.status_code == 200 and "Déconnecter partout" in page.get_data(as_text=True)
    response = laptop.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not _signed_in(phone) and not _signed_in(laptop)
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))
                             .where(AuditEntry.action == "user.sessions_ended")) == 1


def test_an_admin_signs_a_user_out_everywhere(app, awa):
    admin = factories.make_user(role="admin", email="admin@example.org")
    thief = _copy(app, _sign_in(app, awa.email))
    admin_client = _sign_in(app, admin.email)
    assert "Déconnecter partout" in admin_client.get(f"/admin/users/{awa.id}").get_data(as_text=True)
    assert admin_client.post(f"/admin/users/{awa.id}/sign-out-everywhere").status_code == 302
    assert not _signed_in(thief)
    assert _signed_in(admin_client)
    assert admin_client.post("/admin/users/999999/sign-out-everywhere").status_code == 404


def _pair(app, station):
    phone = app.test_client()
    code = station_service.pairing_code(db.session.get(type(station), station.id), app.config["SECRET_KEY"])
    response = phone.post("/api/stations/pair", data=json.dumps({"code": code}), content_type="application/json")
    assert response.status_code == 200, response.json
    return phone, response.json["token"]


def test_re_pairing_a_station_ends_the_first_phones_cookie(app):
    event = factories.make_event()
    factories.make_registration(event, factories.make_person("Kadiatou", "N'Diaye"))
    station = station_service.create_station(event, "Porte A").station
    roster = f"/api/events/{event.slug}/roster"
    first, first_token = _pair(app, station)
    copied = _copy(app, first)
    assert copied.get(roster).status_code == 200  # the paired phone's cookie alone downloads the roster
    second, second_token = _pair(app, station)  # the organizer pairs another phone to the station
    for client in (first, copied):
        answer = client.get(roster)
        assert answer.status_code == 401 and answer.json["reason"] == "station_refused"
        assert "N'Diaye" not in answer.get_data(as_text=True)
        assert client.get(f"/events/{event.slug}/door").status_code == 302
    refused = first.get(roster, headers={"Authorization": f"Bearer {first_token}"})
    assert refused.status_code == 401 and refused.json["reason"] == "station_refused"
    assert second.get(roster).status_code == 200
    # Revoking ends the second phone's cookie too.
    station_service.revoke_station(db.session.get(type(station), station.id))
    answer = _copy(app, second).get(roster)
    assert answer.status_code == 401 and answer.json["reason"] == "station_refused"
