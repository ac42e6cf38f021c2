"""The door page's code is ES modules served as they are (no bundler), allowed by the CSP, and
kept whole by the service worker for a reload without network."""
from __future__ import annotations

import pytest

from tests import factories
from tests.door.test_browser import _launch, _sign_in, today_event  # noqa: F401

pytestmark = pytest.mark.browser

# Every script the page ran, by URL, as the browser's resource timing saw it.
_SCRIPTS_LOADED = """() => performance.getEntriesByType('resource')
  .map(e => new URL(e.name)).filter(u => u.pathname.endsWith('.js') && u.pathname.startsWith('/static/'))
  .map(u => u.pathname)"""


def test_the_door_runs_as_modules_under_the_csp(live_server, today_event):
    factories.make_registration(today_event, factories.make_person("Awa", "Traoré"))
    pw, browser = _launch()
    try:
        page = browser.new_page()
        problems = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        _sign_in(page, live_server, today_event)
        modules = page.eval_on_selector_all("script[type=module]", "els => els.map(e => new URL(e.src).pathname)")
        assert modules == ["/static/js/door/main.js"]
        classic = page.eval_on_selector_all("script:not([type=module])", "els => els.map(e => e.src)")
        assert [src for src in classic if "jsQR" not in src] == []
        loaded = page.evaluate(_SCRIPTS_LOADED)
        for name in ("main", "page", "codes", "store", "screens", "scan", "sync", "checkin"):
            assert f"/static/js/door/{name}.js" in loaded
        assert "/static/js/door.js" not in loaded and "/static/js/door-store.js" not in loaded
        assert problems == []  # no CSP violation, no failed import
    finally:
        browser.close()
        pw.stop()


def test_the_service_worker_keeps_every_door_module_and_drops_old_caches(live_server, today_event):
    pw, browser = _launch()
    try:
        context = browser.new_context()
        page = context.new_page()
        # A phone that ran the previous version still has its cache.
        page.goto(live_server + "/login")
        page.evaluate("caches.open('eventapp-door-v1').then(c => c.put('/old', new Response('old')))")
        _sign_in(page, live_server, today_event)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        # The first load ran before the worker controlled the page: whatever it loaded must be
        # in the worker's own list, or a reload without network would miss a module.
        page.wait_for_function(f"""() => Promise.all(({_SCRIPTS_LOADED})()
              .map(p => caches.match(p).then(r => !!r))).then(all => all.length > 8 && all.every(Boolean))""",
                               timeout=15000)
        page.wait_for_function("() => caches.keys().then(k => k.includes('eventapp-door-v2')"
                               " && !k.includes('eventapp-door-v1'))",
                               timeout=15000)
        page.wait_for_function("() => caches.match(location.pathname).then(r => !!r)", timeout=15000)
        # Offline, the reloaded page boots from the kept copies.
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("#door[data-ready='1']", timeout=15000)
        assert page.inner_text("#net") != "…"
    finally:
        browser.close()
        pw.stop()
