"""A large print in a real headless Chromium: the page polls the background job, then offers
the PDF, whose codes scan back."""
from __future__ import annotations

from pathlib import Path

import pytest

from eventapp.core.tokens import qr_payload
from tests import factories
from tests.pdfutil import decode_qr_codes

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")]


def test_background_print_progress_and_download(app, live_server):
    from playwright.sync_api import sync_playwright

    event = factories.make_event()
    regs = [factories.make_registration(event, factories.make_person(first, last))
            for first, last in (("Awa", "Traoré"), ("Fatoumata", "Maïga"), ("Mamadou", "N'Diaye"))]
    user = factories.make_user("organizer")
    app.config["BADGES_BACKGROUND_FROM"] = 2
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(locale="fr-FR")
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{live_server}/login")
            page.fill("input[name=email]", user.email)
            page.fill("input[name=password]", factories.PASSWORD)
            with page.expect_navigation():
                page.press("input[name=password]", "Enter")
            page.goto(f"{live_server}/events/{event.slug}/badges")
            page.select_option("select[name=layout]", "a4-10")
            with page.expect_navigation():
                page.click("form.badges-form button[type=submit]")
            assert "/badges/jobs/" in page.url
            page.wait_for_selector(".badges-download:not(.hidden)", timeout=30_000)
            assert page.inner_text(".badges-job-state") == "Prêt."
            href = page.get_attribute(".badges-download", "href")
            response = page.request.get(live_server + href)
            assert response.ok and response.headers["content-type"] == "application/pdf"
            codes = decode_qr_codes(response.body(), dpi=150)[0]
            assert sorted(codes) == sorted(qr_payload(r.checkin_token) for r in regs)
            assert errors == []
        finally:
            browser.close()
