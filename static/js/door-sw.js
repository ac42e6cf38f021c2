/* eventapp door service worker: keeps the door page and its assets so the page opens and works
   without network. The API is never cached: scans decided offline wait in IndexedDB instead. */
"use strict";
var CACHE = "eventapp-door-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function cacheable(url) {
  return url.origin === self.location.origin &&
    (/^\/events\/[^/]+\/door$/.test(url.pathname) || url.pathname.indexOf("/static/") === 0 ||
     url.pathname === "/door.webmanifest");
}

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
