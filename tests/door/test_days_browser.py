"""The door page offline, in a real headless Chromium: a badge for another day of the event is
refused from the phone's roster as the server would refuse it (``not_registered_for_day``)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eventapp.core.tokens import qr_payload
from eventapp.door.models import CheckIn, ScanLog
from eventapp.registration.services import set_registration_days
from tests import factories
from tests.door.test_browser import _count, _launch, _sign_in

pytestmark = pytest.mark.browser


def test_offline_decision_refuses_a_badge_for_another_day(live_server, app):
    today = datetime.now(UTC).date()
    event = factories.make_event(start_date=today, end_date=today + timedelta(days=2), timezone="UTC")
    tomorrow_only = factories.make_registration(event, factories.make_person("Moussa", "Maïga"))
    set_registration_days(tomorrow_only, [today + timedelta(days=1)])
    today_too = factories.make_registration(event, factories.make_person("Awa", "Traoré"))
    refused_token, admitted_token = tomorrow_only.checkin_token, today_too.checkin_token
    pw, browser = _launch()
    try:
        context = browser.new_context(locale="fr-FR", extra_http_headers={"Accept-Language": "fr"})
        page = context.new_page()
        _sign_in(page, live_server, event)
        context.set_offline(True)
        page.focus("#wedge")
        page.keyboard.type(qr_payload(refused_token) + "\n")
        page.wait_for_selector("#result[data-result='not_admitted']:not([hidden])")
        assert "Moussa Maïga" in page.inner_text("#r-name")
        assert page.inner_text("#r-detail") == "Inscription non valable aujourd'hui."
        page.wait_for_function("() => document.getElementById('door').dataset.queue === '1'")
        page.wait_for_selector("#result", state="hidden", timeout=5000)
        page.focus("#wedge")
        page.keyboard.type(qr_payload(admitted_token) + "\n")
        page.wait_for_selector("#result[data-result='checked_in']:not([hidden])")
        # Back online, the server agrees: one check-in (Awa), one refusal for the day.
        context.set_offline(False)
        page.wait_for_function("() => document.getElementById('door').dataset.queue === '0'", timeout=30000)
        assert _count(CheckIn) == 1
        assert _count(ScanLog, reason="not_registered_for_day") == 1
    finally:
        browser.close()
        pw.stop()
