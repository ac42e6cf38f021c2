"""The door page on a 390 px phone in a real headless Chromium: only the controls that apply are
shown, undo says what it does and asks once, the counter and the search list follow offline and
search check-ins, a day that is not one of the event's is said in words, and the page and its
result screen have names (an h1, a named dialog)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from eventapp.audit.models import AuditEntry
from eventapp.core.tokens import new_checkin_token, qr_payload
from eventapp.door.checkin import check_in
from eventapp.door.models import CheckIn
from eventapp.extensions import db
from tests import factories
from tests.door.test_browser import _badge_frame_y4m, _count, _launch, _sign_in, today_event  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# Every control of the result screen and of the camera, by id: each test says which are visible.
RESULT_CONTROLS = ("r-next", "r-undo", "r-badge", "r-confirm")
CAMERA_CONTROLS = ("camera-start", "camera-stop", "torch", "camera-select", "video")


def _phone(browser, locale="fr-FR", **kw):
    context = browser.new_context(viewport=PHONE, locale=locale, **kw)
    return context, context.new_page()


def _visible(page, ids) -> set[str]:
    return {i for i in ids if page.is_visible(f"#{i}")}


def _scan(page, code: str, result: str) -> None:
    """Types a code into the scanner field and waits for its result screen."""
    page.fill("#wedge", code)
    page.press("#wedge", "Enter")
    page.wait_for_selector(f"#result[data-result='{result}']:not([hidden])", timeout=10000)


def _dismiss(page) -> None:
    page.click("#r-next")
    page.wait_for_selector("#result", state="hidden")


def _slow_mode(page) -> None:
    """Rapid mode off: each result stays until tapped, so that the test can look at it."""
    page.uncheck("#rapid")


def test_only_what_applies_is_shown_and_the_result_is_named(live_server, today_event):
    awa = factories.make_registration(today_event, factories.make_person("Awa", "Traoré", organisation="IMRAP"))
    gone = factories.make_registration(today_event, factories.make_person("Hawa", "N'Diaye"), status="cancelled")
    awa_token, gone_token = awa.checkin_token, gone.checkin_token
    pw, browser = _launch()
    try:
        context, page = _phone(browser)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        _sign_in(page, live_server, today_event)
        # The page is named: one h1, the event's title under "Accueil : pointage".
        heading = page.get_by_role("heading", level=1)
        assert heading.count() == 1 and heading.is_visible()
        assert today_event.title in heading.inner_text() and "Accueil" in heading.inner_text()
        # Before the camera starts: only "Allumer la caméra"; no empty queue pill, no day notice.
        assert _visible(page, CAMERA_CONTROLS) == {"camera-start"}
        assert not page.is_visible("#queue") and not page.is_visible("#not-today")
        assert not page.is_visible("#result") and not page.is_visible("#refused")
        assert page.get_attribute("#door", "data-event-day") == "1"
        _slow_mode(page)

        # Red screens offer "Suivant" only: nothing to undo, no badge to print.
        _scan(page, qr_payload(new_checkin_token()), "unknown_token")
        assert _visible(page, RESULT_CONTROLS) == {"r-next"}
        assert page.get_by_role("dialog", name="Code inconnu").is_visible()
        _dismiss(page)
        _scan(page, "HELLO-WORLD", "unknown_token")
        assert _visible(page, RESULT_CONTROLS) == {"r-next"}
        _dismiss(page)
        _scan(page, gone_token, "not_admitted")
        assert _visible(page, RESULT_CONTROLS) == {"r-next"}
        assert page.get_by_role("dialog", name="Non admis").is_visible()
        _dismiss(page)

        # Green: undo is offered, labelled as what it does; still no badge to print.
        _scan(page, qr_payload(awa_token), "checked_in")
        assert _visible(page, RESULT_CONTROLS) == {"r-next", "r-undo"}
        assert page.inner_text("#r-undo") == "Annuler ce pointage"
        dialog = page.get_by_role("dialog", name="Enregistré")
        assert dialog.is_visible()
        assert dialog.get_attribute("aria-describedby") == "r-name r-detail"
        # Screen readers hear it from a live region that is always in the page.
        live = page.locator("#r-live")
        assert live.get_attribute("aria-live") == "assertive"
        assert "Enregistré" in live.inner_text() and "Awa Traoré" in live.inner_text()
        _dismiss(page)

        # Amber: nothing to undo here.
        _scan(page, awa_token, "already_checked_in")
        assert _visible(page, RESULT_CONTROLS) == {"r-next"}
        assert page.get_by_role("dialog", name="Déjà enregistré").is_visible()
        _dismiss(page)

        # A walk-in's green screen offers its badge, and undo.
        page.click("button[data-tab=walkin]")
        page.fill("#w-first", "Moussa")
        page.fill("#w-last", "Maïga")
        page.click("#walkin-form button[type=submit]")
        page.wait_for_selector("#result[data-result='checked_in']:not([hidden])")
        assert _visible(page, RESULT_CONTROLS) == {"r-next", "r-undo", "r-badge"}
        assert page.get_attribute("#r-badge", "href")
        _dismiss(page)
        assert not page.is_visible("#queue")  # nothing waits: no "0 scans"
        assert errors == []
    finally:
        browser.close()
        pw.stop()


def test_camera_controls_appear_when_the_camera_is_on(live_server, today_event, tmp_path):
    token = factories.make_registration(today_event, factories.make_person("Moussa", "Diarra")).checkin_token
    video = tmp_path / "badge.y4m"
    _badge_frame_y4m(video, qr_payload(token))
    pw, browser = _launch(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                           f"--use-file-for-fake-video-capture={video}"])
    try:
        context, page = _phone(browser)
        context.grant_permissions(["camera"], origin=live_server)
        _sign_in(page, live_server, today_event)
        assert _visible(page, CAMERA_CONTROLS) == {"camera-start"}
        page.click("#camera-start")
        page.wait_for_selector("#camera-stop", state="visible", timeout=20000)
        # The fake camera has no torch and is the only one: no "Lampe", no camera choice.
        assert _visible(page, CAMERA_CONTROLS) == {"camera-stop", "video"}
        page.wait_for_selector("#result[data-result='checked_in']:not([hidden])", timeout=20000)
        page.wait_for_selector("#result", state="hidden", timeout=5000)
        page.click("#camera-stop")
        assert _visible(page, CAMERA_CONTROLS) == {"camera-start"}
    finally:
        browser.close()
        pw.stop()


def test_undo_says_what_it_does_and_asks_once(live_server, today_event):
    token = factories.make_registration(today_event, factories.make_person("Awa", "Traoré")).checkin_token
    pw, browser = _launch()
    try:
        context, page = _phone(browser)
        voids = []
        page.on("request", lambda r: voids.append(r.url) if r.url.endswith("/void") else None)
        page.on("dialog", lambda d: pytest.fail(f"a browser dialog was opened: {d.message}"))
        _sign_in(page, live_server, today_event)
        # In rapid mode the green screen goes in 0.9 s: undo tapped at once keeps it (the tap is
        # made by the page itself the moment the screen shows, so the test does not race it).
        page.evaluate("""() => new MutationObserver((changes, watcher) => {
            const box = document.getElementById('result');
            if (!box.hidden && box.dataset.result === 'checked_in') {
              watcher.disconnect(); document.getElementById('r-undo').click();
            }
          }).observe(document.getElementById('result'), { attributes: true })""")
        _scan(page, qr_payload(token), "checked_in")
        page.wait_for_function("() => document.getElementById('count-in').textContent === '1'")
        # Tapping undo asks first, in the page, and sends nothing.
        page.wait_for_selector("#r-confirm", state="visible")
        assert page.inner_text("#r-confirm-q") == "Annuler le pointage de Awa Traoré\u00a0?"
        assert _visible(page, ("r-next", "r-undo", "r-confirm-yes", "r-confirm-no")) == {"r-confirm-yes",
                                                                                        "r-confirm-no"}
        assert page.inner_text("#r-confirm-yes") == "Oui, annuler ce pointage"
        assert page.evaluate("document.activeElement.id") == "r-reason"
        page.wait_for_timeout(1500)  # rapid mode's timer no longer runs, and a tap on the question stays
        page.click("#r-confirm-q")
        assert page.is_visible("#r-confirm") and voids == []
        # "Non": back to the result; the check-in stands.
        page.click("#r-confirm-no")
        assert _visible(page, RESULT_CONTROLS) == {"r-next", "r-undo"}
        assert _count(CheckIn) == 1 and db.session.scalar(select(CheckIn.voided_at)) is None
        # "Oui", tapped twice: one request, one void, with its reason.
        page.click("#r-undo")
        page.fill("#r-reason", "Badge de sa sœur")
        page.dblclick("#r-confirm-yes")
        page.wait_for_selector("#result[data-result='voided']:not([hidden])")
        assert page.text_content("#r-title") == "Pointage annulé."
        assert _visible(page, RESULT_CONTROLS) == {"r-next"}
        page.wait_for_function("() => document.getElementById('count-in').textContent === '0'")
        assert len(voids) == 1
        db.session.remove()
        row = db.session.scalars(select(CheckIn)).one()
        assert row.voided_at is not None and row.void_reason == "Badge de sa sœur"
        assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "checkin.void")).all()) == 1
    finally:
        browser.close()
        pw.stop()


def test_offline_check_ins_count_at_once_and_after_a_reload(live_server, today_event):
    tokens = [factories.make_registration(today_event, factories.make_person("Participant", f"N{i}")).checkin_token
              for i in range(3)]
    check_in(today_event, tokens[0])  # one already in, counted by the server
    pw, browser = _launch()
    try:
        context, page = _phone(browser)
        _sign_in(page, live_server, today_event)
        count = "() => document.getElementById('count-in').textContent"
        page.wait_for_function(f"() => ({count})() === '1'")
        page.evaluate("navigator.serviceWorker.ready")
        page.wait_for_function("() => caches.match(location.pathname).then(r => !!r)", timeout=15000)
        context.set_offline(True)
        for n, token in enumerate(tokens[1:], start=2):
            _scan(page, qr_payload(token), "checked_in")
            page.wait_for_function(f"n => ({count})() === n", arg=str(n), timeout=5000)
        # Scanned again offline: amber, and not counted twice.
        page.wait_for_selector("#result", state="hidden", timeout=5000)
        _scan(page, tokens[1], "already_checked_in")
        assert page.inner_text("#count-in") == "3"
        assert page.is_visible("#queue") and page.inner_text("#queue") == "3 scans en attente d'envoi"
        # A reload without network still counts what this phone let in.
        page.reload()
        page.wait_for_selector("#door[data-ready='1']", timeout=15000)
        page.wait_for_function(f"() => ({count})() === '3'", timeout=10000)
        # Back online: sent, and the server's count is the same.
        context.set_offline(False)
        page.wait_for_function("() => document.getElementById('door').dataset.queue === '0'", timeout=30000)
        assert page.inner_text("#count-in") == "3"
        assert _count(CheckIn) == 3
        assert not page.is_visible("#queue")
    finally:
        browser.close()
        pw.stop()


def _search(page, q: str) -> None:
    page.click("button[data-tab=search]")
    page.fill("#search-q", q)


def test_a_search_row_says_checked_in_after_its_check_in(live_server, today_event):
    awa = factories.make_registration(today_event, factories.make_person("Awa", "Traoré"))
    fatou = factories.make_registration(today_event, factories.make_person("Fatoumata", "Traoré"))
    ami = factories.make_registration(today_event, factories.make_person("Aminata", "Traoré"))
    awa_token, fatou_token, ami_token = awa.checkin_token, fatou.checkin_token, ami.checkin_token
    check_in(today_event, fatou_token)  # already in before the search
    pw, browser = _launch()
    try:
        context, page = _phone(browser)
        _sign_in(page, live_server, today_event)
        _search(page, "traore")
        page.wait_for_selector(f"button[data-token='{awa_token}']")
        fatou_row = page.locator(f"#search-results li[data-token='{fatou_token}']")
        # Already in today: the row says so, with no "Pointer" button.
        assert "✓ Déjà présent(e) aujourd'hui" in fatou_row.inner_text()
        assert fatou_row.locator("button").count() == 0
        page.click(f"button[data-token='{awa_token}']")
        page.wait_for_selector("#result[data-result='checked_in']:not([hidden])")
        awa_row = page.locator(f"#search-results li[data-token='{awa_token}']")
        awa_row.locator(".door-row-in").wait_for()
        assert awa_row.locator("button").count() == 0
        assert "✓ Enregistré" in awa_row.inner_text() and "Pointer" not in awa_row.inner_text()
        page.wait_for_selector("#result", state="hidden", timeout=5000)
        # Offline, a check-in from the phone's own list says so too, and so does the next search.
        page.wait_for_selector("#door[data-roster='1']", state="attached")
        context.set_offline(True)
        _search(page, "aminata")
        page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 1")
        page.click(f"button[data-token='{ami_token}']")
        page.wait_for_selector("#result[data-result='checked_in']:not([hidden])")
        ami_row = page.locator(f"#search-results li[data-token='{ami_token}']")
        ami_row.locator(".door-row-in").wait_for()
        assert ami_row.locator("button").count() == 0 and "✓ Enregistré" in ami_row.inner_text()
        page.wait_for_selector("#result", state="hidden", timeout=5000)
        _search(page, "traore")
        page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 3")
        ami_row = page.locator(f"#search-results li[data-token='{ami_token}']")
        assert "✓ Déjà présent(e) aujourd'hui" in ami_row.inner_text() and ami_row.locator("button").count() == 0
    finally:
        browser.close()
        pw.stop()


def _in_words_fr(day) -> str:
    text = format_date(day, format="full", locale="fr")
    return re.sub(r"^(\S+) 1 ", r"\1 1er ", text)


@pytest.mark.parametrize("locale", ["fr-FR", "en-US"])
def test_a_day_that_is_not_one_of_the_event_is_said_in_words(live_server, app, locale):
    today = datetime.now(UTC).date()
    start = today + timedelta(days=3)
    event = factories.make_event(start_date=start, end_date=start + timedelta(days=1), timezone="UTC")
    token = factories.make_registration(event, factories.make_person("Awa", "Traoré")).checkin_token
    pw, browser = _launch()
    try:
        context, page = _phone(browser, locale=locale)
        _sign_in(page, live_server, event)
        page.wait_for_selector("#not-today", state="visible")
        text = page.inner_text("#not-today")
        assert page.get_attribute("#door", "data-event-day") == "0"
        if locale == "fr-FR":
            assert (f"Aujourd'hui, {_in_words_fr(today)}, n'est pas un jour de cet événement\u00a0: "
                    "personne ne peut être pointé.") in text
            assert (f"L'événement a lieu du {format_date(start, 'full', locale='fr')} au "
                    f"{format_date(start + timedelta(days=1), 'full', locale='fr')}.") in text
            # The first of a month is "1er", as French writes it.
            assert page.evaluate("import('/static/js/door/page.js').then(m => m.dayInWords('2026-12-01'))") \
                == "mardi 1er décembre 2026"
        else:
            in_words = format_date(today, format="full", locale="en")
            assert f"Today, {in_words}, is not a day of this event: no one can be checked in." in text
            assert f"This event is held from {format_date(start, 'full', locale='en')} to" in text
        # And a scan is refused, as the notice said.
        page.uncheck("#rapid")
        _scan(page, token, "not_admitted")
    finally:
        browser.close()
        pw.stop()
