"""The door page in a real headless Chromium: keyboard scanner, search, camera, offline."""
from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from eventapp.core.tokens import qr_payload
from eventapp.door.models import CheckIn, ScanLog
from eventapp.extensions import db
from tests import factories

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def today_event(app):
    # The page decides with the device's clock: the event is held today where it takes place.
    today = datetime.now(UTC).date()
    return factories.make_event(start_date=today, end_date=today, timezone="UTC")


def _launch(extra_args=()):
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS + list(extra_args))
    return pw, browser


def _sign_in(page, base, event):
    user = factories.make_user("door")
    user.events = [event]
    db.session.commit()
    page.goto(base + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    page.wait_for_load_state()
    door = f"{base}/events/{event.slug}/door"
    if page.url != door:  # a door user of one event lands there; of several, on the list of doors
        page.goto(door)
    try:
        page.wait_for_selector("#door[data-roster='1']", state="attached", timeout=15000)
    except Exception:
        print(page.url, page.content()[:3000])
        raise
    return user


def until(page, promise_js: str, timeout: float = 15.0) -> None:
    """Wait until the page's ``promise_js`` (an expression giving a promise) resolves truthy.

    ``page.wait_for_function`` does not wait for a promise: a pending promise is an object,
    truthy at once. This evaluates the expression (awaited) until it holds.
    """
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Promise.resolve({promise_js}).then(Boolean)"):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {promise_js}"
        page.wait_for_timeout(100)


def _count(model, **where):
    db.session.remove()
    query = select(func.count(model.id))
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


def test_keyboard_scanner_and_search(live_server, today_event):
    reg = factories.make_registration(today_event, factories.make_person("Awa", "Traoré", category="fds",
                                                                         organisation="IMRAP"))
    other = factories.make_registration(today_event, factories.make_person("Fatoumata", "Maïga", organisation="CAFO"))
    reg_token, other_token, other_id = reg.checkin_token, other.checkin_token, other.id
    pw, browser = _launch()
    try:
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        _sign_in(page, live_server, today_event)
        # A wedge scanner types the payload and Enter into the focused field — twice in a row.
        assert page.evaluate("document.activeElement.id") == "wedge"
        page.keyboard.type(qr_payload(reg_token) + "\n")
        page.keyboard.type(qr_payload(reg_token) + "\n")
        page.wait_for_selector("#result[data-result='checked_in']:not([hidden])")
        assert "Awa Traoré" in page.inner_text("#r-name")
        assert "IMRAP" in page.inner_text("#r-org")
        assert "door-ok" in page.get_attribute("#result", "class")
        page.wait_for_timeout(300)
        assert page.get_attribute("#result", "data-result") == "checked_in"  # no false "already in"
        assert _count(CheckIn) == 1 and _count(ScanLog) == 0
        # Rapid mode hides the result by itself; the next scan needs no touch.
        page.wait_for_selector("#result", state="hidden", timeout=5000)
        assert page.evaluate("document.activeElement.id") == "wedge"
        # Search by name without accents, then check in with one tap.
        page.click("button[data-tab=search]")
        page.fill("#search-q", "maiga")
        page.wait_for_selector(f"button[data-token='{other_token}']")
        page.click(f"button[data-token='{other_token}']")
        page.wait_for_selector("#result[data-result='checked_in']:not([hidden])")
        assert "Fatoumata Maïga" in page.inner_text("#r-name")
        assert _count(CheckIn) == 2
        db.session.remove()
        assert db.session.scalar(select(CheckIn.source).where(CheckIn.registration_id == other_id)) == "search"
        # Scanned again later: amber, with the first check-in's time and who let them in.
        page.click("button[data-tab=scan]")
        page.wait_for_selector("#result", state="hidden", timeout=5000)
        page.focus("#wedge")
        page.keyboard.type(reg_token + "\n")
        page.wait_for_selector("#result[data-result='already_checked_in']:not([hidden])")
        assert "door-warn" in page.get_attribute("#result", "class")
        assert errors == []
    finally:
        browser.close()
        pw.stop()


def _badge_frame_y4m(path, payload: str) -> None:
    """A Y4M video of a badge's QR code: drawn by documents.qr into a PDF, rasterised by PDFium."""
    from PIL import Image
    from reportlab.pdfgen import canvas

    from eventapp.core.documents.qr import draw_qr
    from tests.pdfutil import render_pages

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=(200, 200))
    draw_qr(pdf, payload, 30, 30, 140)
    pdf.showPage()
    pdf.save()
    badge = render_pages(buf.getvalue(), dpi=150)[0].convert("L")  # about 290 px
    width, height = 640, 480
    frame = Image.new("L", (width, height), 235)
    frame.paste(badge, ((width - badge.width) // 2, (height - badge.height) // 2))
    y = frame.tobytes()
    uv = bytes([128]) * (width // 2 * height // 2)
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            fh.write(b"FRAME\n" + y + uv + uv)


def test_camera_scan_of_a_badge(live_server, today_event, tmp_path):
    token = factories.make_registration(today_event, factories.make_person("Moussa", "Diarra")).checkin_token
    video = tmp_path / "badge.y4m"
    _badge_frame_y4m(video, qr_payload(token))
    pw, browser = _launch(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                           f"--use-file-for-fake-video-capture={video}"])
    try:
        context = browser.new_context()
        context.grant_permissions(["camera"], origin=live_server)
        page = context.new_page()
        _sign_in(page, live_server, today_event)
        page.click("#camera-start")
        page.wait_for_selector("#result[data-result='checked_in']:not([hidden])", timeout=20000)
        assert "Moussa Diarra" in page.inner_text("#r-name")
        db.session.remove()
        assert db.session.scalar(select(CheckIn.source)) == "qr"
    finally:
        browser.close()
        pw.stop()


def test_offline_scans_survive_a_reload_and_sync(live_server, today_event):
    regs = [factories.make_registration(today_event, factories.make_person("Participant", f"N{i}")).checkin_token
            for i in range(20)]
    pw, browser = _launch()
    try:
        context = browser.new_context()
        page = context.new_page()
        _sign_in(page, live_server, today_event)
        # The service worker controls the page and has kept it for a reload without network.
        page.evaluate("navigator.serviceWorker.ready")
        until(page, "caches.match(location.pathname)")
        context.set_offline(True)
        for n, token in enumerate(regs, start=1):
            page.focus("#wedge")
            page.keyboard.type(qr_payload(token) + "\n")
            page.wait_for_function("n => document.getElementById('door').dataset.queue === n", arg=str(n),
                                   timeout=10000)
        assert page.get_attribute("#result", "data-result") == "checked_in"
        assert _count(CheckIn) == 0
        page.reload()
        page.wait_for_selector("#door[data-ready='1']", timeout=15000)
        page.wait_for_function("() => document.getElementById('door').dataset.queue === '20'", timeout=10000)
        assert "20" in page.inner_text("#queue")
        context.set_offline(False)
        page.wait_for_function("() => document.getElementById('door').dataset.queue === '0'", timeout=30000)
        assert _count(CheckIn) == 20
        assert _count(CheckIn, source="offline_sync") == 20
    finally:
        browser.close()
        pw.stop()


def test_offline_conflict_is_shown(live_server, today_event):
    reg_token = factories.make_registration(today_event, factories.make_person("Awa", "Traoré")).checkin_token
    pw, browser = _launch()
    try:
        context = browser.new_context()
        page = context.new_page()
        _sign_in(page, live_server, today_event)
        context.set_offline(True)
        page.focus("#wedge")
        page.keyboard.type(reg_token + "\n")
        page.wait_for_function("() => document.getElementById('door').dataset.queue === '1'")
        # Meanwhile another door lets her in.
        from eventapp.door.checkin import check_in
        from eventapp.door.stations import create_station

        gate = create_station(today_event, "Gate B").station
        assert check_in(today_event, reg_token, station=gate, scanned_at=datetime(2000, 1, 1, tzinfo=UTC)
                        ).result == "not_admitted"
        check_in(today_event, reg_token, station=gate)
        context.set_offline(False)
        page.wait_for_selector("#conflicts:not([hidden])", timeout=30000)
        assert "Gate B" in page.inner_text("#conflict-list")
    finally:
        browser.close()
        pw.stop()
