/* eventapp door service worker: keeps the door page and its code so the page opens and works
   without network. The API is never cached: scans decided offline wait in IndexedDB instead.
   The door's code is kept when the worker installs (DOOR_CODE below: keep it in step with the
   modules under static/js/door/); each door page asks to be kept too when it opens. Bump CACHE
   when DOOR_CODE changes, so that the old copies go. */
"use strict";
var CACHE = "eventapp-door-v2";
var DOOR_CODE = [
  "static/css/app.css", "static/css/door.css", "static/img/icon.svg", "static/vendor/jsqr/jsQR.js",
  "static/js/door/main.js", "static/js/door/page.js", "static/js/door/codes.js", "static/js/door/store.js",
  "static/js/door/screens.js", "static/js/door/scan.js", "static/js/door/sync.js", "static/js/door/checkin.js"
];

function cacheable(url) {
  return url.origin === self.location.origin &&
    (/^\/events\/[^/]+\/door$/.test(url.pathname) || url.pathname.indexOf("/static/") === 0 ||
     url.pathname === "/door.webmanifest");
}

function keep(urls) {
  // Fetched afresh (not from the HTTP cache) so that a new worker never keeps yesterday's code.
  var requests = urls.map(function (u) { return new Request(new URL(u, self.location).href, { cache: "no-cache" }); });
  return caches.open(CACHE).then(function (c) { return c.addAll(requests); });
}

self.addEventListener("install", function (event) {
  // Installed only once the whole door code is kept: an installed worker can always reload it.
  event.waitUntil(keep(DOOR_CODE).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("eventapp-door-") === 0 && n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

// A door page asks for itself (and its manifest) to be kept, for a reload without network.
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  urls = urls.filter(function (u) { return typeof u === "string" && cacheable(new URL(u, self.location)); });
  if (urls.length) event.waitUntil(keep(urls).catch(function () {}));
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (!cacheable(url)) return;
  // Network first (fresh counts and code), the kept copy when the network is down.
  event.respondWith(fetch(req).then(function (resp) {
    if (resp.ok && !resp.redirected) {
      var copy = resp.clone();
      caches.open(CACHE).then(function (c) { c.put(req, copy); });
    }
    return resp;
  }).catch(function () {
    return caches.match(req, { ignoreSearch: req.mode === "navigate" }).then(function (hit) {
      return hit || Response.error();
    });
  }));
});
