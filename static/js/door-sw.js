/* eventapp door service worker: keeps the door page and its code so the page opens and works
   without network. The API is never cached: scans decided offline wait in IndexedDB instead.

   The server puts one line before this script (door/views.py, service_worker):
     var DOOR = {"cache": "eventapp-door-<release>", "code": ["/static/…?v=<version>", …]};
   DOOR.code is the door's code by versioned URL, the same URLs the page loads, so keeping it
   reads the browser's HTTP cache (where the page just put them, immutable) instead of the
   network: nothing is downloaded twice. A release changes those URLs, hence this worker's
   bytes: phones then install the new worker, which keeps the new code and drops the old. */
"use strict";
var CACHE = DOOR.cache;
var MATCH = { ignoreVary: true };

function cacheable(url) {
  return url.origin === self.location.origin &&
    (/^\/events\/[^/]+\/door$/.test(url.pathname) || isCode(url) ||
     url.pathname === "/door.webmanifest");
}

function isCode(url) { return url.pathname.indexOf("/static/") === 0; }

// A versioned static file never changes: the kept copy is the answer, no network needed.
function versioned(url) { return isCode(url) && url.searchParams.has("v"); }

// "default" reads the HTTP cache first: the versioned code is there, fresh for a year, from the
// page's own load. "force-cache" takes the HTTP cache's copy of a page even when it is not
// fresh: a page asks to be kept right after loading, so that copy is the one it has just
// received (Vary: Cookie keeps another account's copy out, and sends a page whose session
// cookie has moved on since to the network).
function keep(urls, mode) {
  var requests = urls.map(function (u) { return new Request(new URL(u, self.location).href, { cache: mode }); });
  return caches.open(CACHE).then(function (c) { return c.addAll(requests); });
}

self.addEventListener("install", function (event) {
  // Installed only once the whole door code is kept: an installed worker can always reload it.
  event.waitUntil(keep(DOOR.code, "default").then(function () { return self.skipWaiting(); }));
});

// The pages kept by an older worker stay kept (the door must still open offline after an
// upgrade); its code goes with its cache.
function carryPages(oldName, into) {
  return caches.open(oldName).then(function (old) {
    return old.keys().then(function (reqs) {
      return Promise.all(reqs.filter(function (r) { return !isCode(new URL(r.url)); }).map(function (r) {
        return old.match(r, MATCH).then(function (resp) { return resp && into.put(r, resp); });
      }));
    });
  });
}

self.addEventListener("activate", function (event) {
  event.waitUntil(Promise.all([caches.keys(), caches.open(CACHE)]).then(function (both) {
    var olds = both[0].filter(function (n) { return n.indexOf("eventapp-door-") === 0 && n !== CACHE; });
    return Promise.all(olds.map(function (n) {
      return carryPages(n, both[1]).catch(function () {}).then(function () { return caches.delete(n); });
    }));
  }).then(function () { return self.clients.claim(); }));
});

// A door page asks for itself (and its manifest) to be kept, for a reload without network. Once
// the worker controls the page, every load of it is kept on the way (fetch, below): only what is
// not kept yet is fetched, so the page is not downloaded twice on each opening.
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  urls = urls.filter(function (u) { return typeof u === "string" && cacheable(new URL(u, self.location)); });
  if (!urls.length) return;
  event.waitUntil(caches.open(CACHE).then(function (c) {
    return Promise.all(urls.map(function (u) { return c.match(u, MATCH).then(function (hit) { return hit ? null : u; }); }));
  }).then(function (missing) {
    missing = missing.filter(Boolean);
    return missing.length ? keep(missing, "force-cache") : null;
  }).catch(function () {}));
});

function store(req, resp) {
  if (resp.ok && !resp.redirected) {
    var copy = resp.clone();
    caches.open(CACHE).then(function (c) { c.put(req, copy); });
  }
  return resp;
}

// Offline and not kept under this URL: a page kept with another query string, or the current
// version of a file an older page names (better a page that runs than one that does not).
function fallback(req) {
  return caches.match(req, MATCH).then(function (hit) {
    return hit || caches.match(req, { ignoreSearch: true, ignoreVary: true });
  }).then(function (hit) { return hit || Response.error(); });
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (!cacheable(url)) return;
  if (versioned(url)) {
    event.respondWith(caches.match(req, MATCH).then(function (hit) {
      return hit || fetch(req).then(function (resp) { return store(req, resp); });
    }).catch(function () { return fallback(req); }));
    return;
  }
  // Network first (fresh counts and code), the kept copy when the network is down.
  event.respondWith(fetch(req).then(function (resp) { return store(req, resp); }).catch(function () {
    return fallback(req);
  }));
});
