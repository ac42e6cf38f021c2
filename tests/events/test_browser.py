"""The event pages in a real headless Chromium: no script or style refused by the CSP, no
sideways scrolling on a phone, and removing asks first."""
from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select

from eventapp.events.models import AgendaItem
from eventapp.extensions import db
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


def test_event_pages_on_a_phone(live_server, browser, app):
    user = factories.make_user(role="organizer", email="aissata@example.org")
    event = factories.make_event(title="Atelier de restitution à Mopti")
    sogoba = factories.make_official(event, honorific="M.", first_name="Oumar", role="presides")
    item = factories.make_agenda_item(event, title="Cérémonie d'ouverture", start=time(9), end=time(9, 30),
                                      kind="opening")
    factories.hold(item, sogoba)
    factories.make_agenda_item(event, title="Présentation", start=time(9, 15), end=time(10), kind="presentation")
    db.session.commit()

    page = browser.new_page(viewport={"width": 360, "height": 740}, locale="fr-FR")
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("form button.primary")
    page.wait_for_url(f"{live_server}/")
    for path in (f"/events/{event.slug}", f"/events/{event.slug}/edit", f"/events/{event.slug}/agenda/new",
                 f"/events/{event.slug}/officials/new", "/events/new"):
        page.goto(live_server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
    page.goto(f"{live_server}/events/{event.slug}")
    assert page.locator(".agenda-item.overlap").count() == 2
    assert "M. Oumar SOGOBA" in page.inner_text("#programme")

    # Removing an agenda item asks first; saying no keeps it.
    page.goto(f"{live_server}/events/{event.slug}/agenda/{item.id}/edit")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("form[data-confirm] button")
    page.wait_for_timeout(300)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == 2
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[data-confirm] button")
    page.wait_for_url(f"{live_server}/events/{event.slug}#programme")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == 1
    assert problems == []
