"""The report page in a real headless Chromium: charts drawn, no CSP violation, phone width."""
from __future__ import annotations

import pytest

from tests import reports_fixtures as kf
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_report_page_on_a_phone(app, live_server):
    from playwright.sync_api import sync_playwright

    kf.known_attendance()
    make_user("coordinator", email="coord@example.org")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 390, "height": 800}, locale="fr-FR")
            problems = []
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{live_server}/login")
            page.fill("input[name=email]", "coord@example.org")
            page.fill("input[name=password]", PASSWORD)
            page.press("input[name=password]", "Enter")
            page.wait_for_url(f"{live_server}/")
            page.goto(f"{live_server}/events/restitution/reports")
            assert page.locator("svg.chart").count() == 2
            assert page.locator("svg.chart rect").count() > 5
            assert page.get_by_text("Personnes présentes").first.is_visible()
            # Nothing wider than the phone's screen but the tables' own scrolling boxes.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 400
            page.get_by_label("Le rapport sort de l'organisation", exact=False).check()
            page.get_by_role("button", name="Appliquer").click()
            page.wait_for_load_state()
            assert "external=1" in page.url
            assert page.get_by_text("<5").first.is_visible()
            assert problems == []
        finally:
            browser.close()
