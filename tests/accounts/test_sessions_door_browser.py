"""A revoked phone forgets the list, in a real headless Chromium (issue 11, item 8).

The phone is paired as a station through the pairing page, downloads the roster, scans a badge
offline; the organizer then revokes the station (or, for a door user, their sessions end). When
the network is back the server answers 401 and the page must wipe every name from IndexedDB and
from the screen, while keeping the unsent scan (its code and time) and saying it was not sent.
"""
from __future__ import annotations

import time

import pytest

from eventapp.accounts import services as user_service
from eventapp.accounts.models import User
from eventapp.core.tokens import qr_payload
from eventapp.door import stations as station_service
from eventapp.door.models import CheckIn, Station
from eventapp.extensions import db
from tests import factories
from tests.door.test_browser import _count, _launch, _sign_in, today_event  # noqa: F401

pytestmark = pytest.mark.browser

#: Everything IndexedDB holds for the event, as JSON text (what a thief of the phone could read).
DUMP = """async (slug) => {
  const db = await new Promise((ok, ko) => { const r = indexedDB.open('eventapp-door-' + slug, 1);
                                             r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
  const out = {};
  for (const name of db.objectStoreNames) {
    out[name] = await new Promise((ok) => { const r = db.transaction(name).objectStore(name).getAll();
                                            r.onsuccess = () => ok(r.result); });
  }
  db.close();
  return out;
}"""


def _people(event):
    names = [("Awa", "Traoré", "IMRAP"), ("Fatoumata", "Maïga", "CAFO"), ("Oumar", "N'Diaye", "Mairie de Mopti")]
    return [factories.make_registration(event, factories.make_person(first, last, organisation=org, category="fds"))
            for first, last, org in names]


def _scan_offline(page, context, token):
    context.set_offline(True)
    page.focus("#wedge")
    page.keyboard.type(qr_payload(token) + "\n")
    page.wait_for_function("() => document.getElementById('door').dataset.queue === '1'", timeout=10000)


def _assert_forgotten(page, slug, token):
    page.wait_for_selector("#door[data-refused='1']", timeout=30000)
    stored = page.evaluate(DUMP, slug)
    assert stored["roster"] == [] and stored["local"] == []
    text = str(stored)
    for word in ("Traoré", "Maïga", "N'Diaye", "IMRAP", "CAFO", "FDS"):
        assert word not in text, word
        assert word not in page.inner_text("body"), word
    # The unsent scan is kept (its code and time only) and shown as not sent.
    [queued] = stored["queue"]
    assert set(queued) <= {"client_id", "payload", "scanned_at", "source", "agenda_item_id"}
    assert token in queued["payload"]
    assert "non envoyés : montrez ce téléphone à un organisateur" in page.inner_text("#refused").replace("\xa0", " ")
    assert page.is_visible("#unsent") and page.inner_text("#unsent-count") == "1"
    # Offline search finds nobody now.
    page.context.set_offline(True)
    page.click("button[data-tab=search]")
    page.fill("#search-q", "traore")
    page.wait_for_selector("#search-results li.empty")
    assert _count(CheckIn) == 0  # nothing was sent by the refused phone


def _wait_until_kept(page, seconds: float = 15) -> None:
    """Wait until the service worker holds a copy of this page (it keeps it when asked)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate("async () => !!(await caches.match(location.href, {ignoreSearch: true}))"):
        assert time.monotonic() < deadline, "the service worker never kept the door page"
        time.sleep(0.2)


def test_a_revoked_station_forgets_the_roster_and_keeps_unsent_scans(live_server, today_event):
    regs = _people(today_event)
    token, slug = regs[0].checkin_token, today_event.slug
    station = station_service.create_station(today_event, "Porte A").station
    code = station_service.pairing_code(station, "test-secret")
    pw, browser = _launch()
    try:
        context = browser.new_context(locale="fr-FR")
        page = context.new_page()
        page.goto(f"{live_server}/door/pair/{code}")
        page.click("#pair-go")
        page.wait_for_selector("#door[data-roster='1']", state="attached", timeout=20000)
        assert len(page.evaluate(DUMP, slug)["roster"]) == 3  # the list is on the phone
        _scan_offline(page, context, token)
        station_service.revoke_station(db.session.get(Station, station.id))  # the organizer revokes
        context.set_offline(False)
        _assert_forgotten(page, slug, token)
        # A reload (the page from the phone's cache, offline) still says so and still holds no names.
        # Offline, so the page comes from the worker's copy, which the page asked for on opening.
        _wait_until_kept(page)
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("#door[data-refused='1']", timeout=15000)
        assert "Traoré" not in str(page.evaluate(DUMP, slug))
    finally:
        browser.close()
        pw.stop()


def test_a_door_user_signed_out_elsewhere_forgets_the_roster(live_server, today_event):
    regs = _people(today_event)
    token, slug = regs[1].checkin_token, today_event.slug
    pw, browser = _launch()
    try:
        context = browser.new_context(locale="fr-FR")
        page = context.new_page()
        user = _sign_in(page, live_server, today_event)
        assert len(page.evaluate(DUMP, slug)["roster"]) == 3
        _scan_offline(page, context, token)
        db.session.remove()
        user_service.end_sessions(db.session.get(User, user.id))  # "sign out everywhere" by an admin
        context.set_offline(False)
        _assert_forgotten(page, slug, token)
    finally:
        browser.close()
        pw.stop()
