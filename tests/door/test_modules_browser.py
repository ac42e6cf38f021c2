"""The door page's code is ES modules served as they are (no bundler), allowed by the CSP, kept
whole by the service worker for a reload without network, and downloaded once: the worker keeps
the very versioned URLs the page loaded, from the browser's HTTP cache."""
from __future__ import annotations

import json

import pytest

from tests import factories
from tests.door.test_browser import _launch, _sign_in, today_event, until  # noqa: F401

pytestmark = pytest.mark.browser

# Every script the page ran, by URL, as the browser's resource timing saw it.
_SCRIPTS_LOADED = """() => performance.getEntriesByType('resource')
  .map(e => new URL(e.name)).filter(u => u.pathname.endsWith('.js') && u.pathname.startsWith('/static/'))
  .map(u => u.pathname)"""

# The same, as full URLs (with their ?v= version).
_SCRIPT_URLS = """performance.getEntriesByType('resource').map(e => e.name)
  .filter(n => new URL(n).pathname.startsWith('/static/') && new URL(n).pathname.endsWith('.js'))"""


def _worker(app) -> dict:
    """What the service worker is told (its first line): its cache's name and the door's code."""
    with app.test_request_context():
        from eventapp.door.views import service_worker

        head = service_worker().get_data(as_text=True).split("\n", 1)[0]
    return json.loads(head.removeprefix("var DOOR = ").removesuffix(";"))


class Hits:
    """WSGI middleware that notes every URL the server is asked for (path and query)."""

    def __init__(self, wsgi_app):
        self.wsgi_app, self.urls = wsgi_app, []

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING")
        self.urls.append(environ["PATH_INFO"] + (f"?{query}" if query else ""))
        return self.wsgi_app(environ, start_response)

    def static(self, since: int = 0) -> list[str]:
        return [u for u in self.urls[since:] if u.startswith("/static/")]


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
        assert len(loaded) == len(set(loaded))  # each module once: one URL per module
        assert problems == []  # no CSP violation, no failed import
    finally:
        browser.close()
        pw.stop()


def test_the_service_worker_keeps_every_door_module_and_drops_old_caches(live_server, app, today_event):
    worker = _worker(app)
    pw, browser = _launch()
    try:
        context = browser.new_context()
        page = context.new_page()
        # A phone that ran the previous version still has its caches: code and a kept page.
        page.goto(live_server + "/login")
        page.evaluate("""Promise.all([
            caches.open('eventapp-door-v1').then(c => c.put('/old', new Response('old'))),
            caches.open('eventapp-door-v2').then(c => Promise.all([
                c.put('/events/earlier/door', new Response('<p>kept page</p>')),
                c.put('/static/js/door/main.js', new Response('old code'))]))])""")
        _sign_in(page, live_server, today_event)
        until(page, "navigator.serviceWorker.ready")
        # The first load ran before the worker controlled the page: whatever it loaded must be
        # in the worker's own list, or a reload without network would miss a module.
        loaded = page.evaluate(_SCRIPT_URLS)
        assert len(loaded) > 8 and all("?v=" in url for url in loaded)
        until(page, f"Promise.all({json.dumps(loaded)}.map(u => caches.match(u))).then(all => all.every(Boolean))")
        cache = worker["cache"]
        until(page, f"caches.keys().then(k => k.includes('{cache}') && k.every(n => n === '{cache}'))")
        # An upgrade keeps the pages an older worker had kept, not its code.
        assert page.evaluate(f"caches.open('{cache}').then(c => c.match('/events/earlier/door'))"
                             ".then(r => r && r.text())") == "<p>kept page</p>"
        assert page.evaluate(f"caches.open('{cache}').then(c => c.match('/static/js/door/main.js'))"
                             ".then(r => !!r)") is False
        until(page, "caches.match(location.pathname)")
        # Offline, the reloaded page boots from the kept copies.
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("#door[data-ready='1']", timeout=15000)
        assert page.inner_text("#net") != "…"
    finally:
        browser.close()
        pw.stop()


def test_the_door_code_travels_once(live_server, app, today_event):
    hits = Hits(app.wsgi_app)
    app.wsgi_app = hits
    worker = _worker(app)
    pw, browser = _launch()
    try:
        context = browser.new_context()
        page = context.new_page()
        _sign_in(page, live_server, today_event)
        until(page, "navigator.serviceWorker.ready")
        cache, code = worker["cache"], worker["code"]
        until(page, f"caches.open('{cache}').then(c => Promise.all({json.dumps(code)}.map(u => c.match(u))))"
                    ".then(all => all.every(Boolean))")
        until(page, "caches.match(location.pathname)")
        # Page and worker together asked the server once for each file, by its versioned URL:
        # the worker found in the HTTP cache what the page had just loaded.
        fetched = hits.static()
        assert all("?v=" in url for url in fetched), fetched
        assert len(fetched) == len(set(fetched)), fetched  # nothing twice
        assert set(fetched) == set(code)
        # The page itself: its navigation, and at most one copy for the worker when it installs
        # (the session cookie has usually moved on, so the HTTP cache's copy does not match).
        door = f"/events/{today_event.slug}/door"
        assert 1 <= hits.urls.count(door) <= 2, hits.urls
        # Opened again, online: the code comes from the worker's cache, not the network.
        before = len(hits.urls)
        page.reload()
        page.wait_for_selector("#door[data-roster='1']", state="attached", timeout=15000)
        assert hits.static(before) == []
        assert hits.urls[before:].count(door) == 1  # asked afresh (network first), kept on the way
    finally:
        browser.close()
        pw.stop()
