/* eventapp door: the scanning page. Camera (BarcodeDetector, else jsQR), keyboard-wedge scanners,
   search, walk-ins; decides alone when offline and sends the queued scans when the network is back.
   No inline script anywhere (CSP): the page's settings come from data-config on #door. */
(function () {
  "use strict";
  var root = document.getElementById("door");
  if (!root) return;
  var C = JSON.parse(root.getAttribute("data-config"));
  var T = C.t;
  var store = new window.DoorStore(C.slug);
  var TOKEN_KEY = "eventapp-station-token:" + C.slug;
  var stationToken = localStorage.getItem(TOKEN_KEY);
  var $ = function (id) { return document.getElementById(id); };
  var last = { raw: null, at: 0, shown: null };
  var cameraSeen = { text: null, at: 0 };
  var syncing = false;
  var hideTimer = null;
  var lastStats = null;
  var refused = false;  // the server no longer knows this phone (station revoked, user signed out)

  // --- helpers --------------------------------------------------------------------------
  function fmt(s, vars) { return s.replace(/\{(\w+)\}/g, function (_m, k) { return vars[k] === undefined ? "" : vars[k]; }); }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function fold(s) {
    return (s || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[\s\-'’`.,_/]+/g, " ").trim();
  }
  var AZERTY = { "&": "1", "é": "2", "\"": "3", "'": "4", "(": "5", "-": "6", "è": "7", "_": "8", "ç": "9", "à": "0" };
  // The same rules as services/tokens.parse_payload.
  function parsePayload(raw) {
    if (typeof raw !== "string" || raw.length > 200) return null;
    var t = raw.trim().replace(/[&é"'(\-è_çà]/g, function (c) { return AZERTY[c]; }).toUpperCase();
    if (t.indexOf("EA1") === 0 && t.length === 29) t = t.slice(3);
    return /^[A-Z2-7]{26}$/.test(t) ? t : null;
  }
  function localDay(date) {
    var p = new Intl.DateTimeFormat("en-CA", { timeZone: C.tz, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(date || new Date());
    var get = function (k) { return p.filter(function (x) { return x.type === k; })[0].value; };
    return get("year") + "-" + get("month") + "-" + get("day");
  }
  function hhmm(iso) {
    return new Intl.DateTimeFormat("en-GB", { timeZone: C.tz, hour: "2-digit", minute: "2-digit", hour12: false })
      .format(new Date(iso));
  }
  function headers() {
    var h = { "Content-Type": "application/json", "Accept": "application/json" };
    if (stationToken) h.Authorization = "Bearer " + stationToken;
    return h;
  }
  function api(path, body, timeoutMs) {
    var ctl = window.AbortController ? new AbortController() : null;
    var timer = ctl ? setTimeout(function () { ctl.abort(); }, timeoutMs || 6000) : null;
    var opts = { method: body === undefined ? "GET" : "POST", headers: headers(), credentials: "same-origin",
                 cache: "no-store", signal: ctl ? ctl.signal : undefined };
    if (body !== undefined) opts.body = JSON.stringify(body);
    return fetch(path, opts).then(function (r) {
      clearTimeout(timer);
      setNet(true);
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.status === 401) {
          // Revoked, re-paired elsewhere, or signed out: forget the list before anything else.
          return forget().then(function () {
            var e = new Error(data.error || r.statusText); e.status = 401; e.data = data; throw e;
          });
        }
        if (!r.ok) { var e = new Error(data.error || r.statusText); e.status = r.status; e.data = data; throw e; }
        if (refused) { refused = false; store.del("meta", "refused"); $("refused").hidden = true; }
        return data;
      });
    }, function (err) { clearTimeout(timer); setNet(false); throw err; });
  }
  function setNet(up) {
    var el = $("net");
    el.textContent = up ? T.online : T.offline;
    el.className = "badge " + (up ? "status-open" : "warning-badge");
    root.classList.toggle("is-offline", !up);
  }

  // --- a phone the server refuses forgets the list ---------------------------------------
  // The roster (names, organisations, categories), the conflicts, the history and whatever is on
  // the screen are wiped from IndexedDB and memory. Scans not yet sent are kept, reduced to their
  // codes and times, and listed as "not sent": an organizer can pair the phone again to send them.
  var forgetting = null;
  function forget() {
    if (!forgetting) forgetting = wipe().then(function () { forgetting = null; }, function () { forgetting = null; });
    return forgetting;
  }
  function wipe() {
    refused = true;
    localStorage.removeItem(TOKEN_KEY);
    stationToken = null;
    ["r-title", "r-name", "r-org", "r-cat", "r-detail", "r-note", "history", "search-results", "conflict-list"]
      .forEach(function (id) { $(id).textContent = ""; });
    $("result").hidden = true; $("conflicts").hidden = true;
    last.shown = null; lastStats = null;
    $("search-q").value = "";
    return Promise.all([store.clear("roster"), store.clear("local"), store.del("meta", "cursor"),
                        store.del("meta", "stats"), store.del("meta", "conflicts"), store.put("meta", true, "refused")])
      .then(function () { return store.all("queue"); })
      .then(function (items) {
        var kept = items.map(function (q) {
          return { client_id: q.client_id, payload: q.payload, scanned_at: q.scanned_at, source: q.source,
                   agenda_item_id: q.agenda_item_id || null };
        });
        // Put over the same keys, never cleared first: a scan is never out of the store, even
        // for an instant, whatever else runs meanwhile.
        return store.putMany("queue", kept).then(function () { showRefused(kept); });
      });
  }
  function showRefused(items) {
    var ul = $("unsent-list");
    ul.textContent = "";
    items.sort(function (a, b) { return a.scanned_at < b.scanned_at ? -1 : 1; }).forEach(function (q) {
      var li = document.createElement("li");
      li.textContent = new Date(q.scanned_at).toLocaleString() + " · " + (parsePayload(q.payload) || "").slice(0, 6) + "…";
      ul.appendChild(li);
    });
    $("unsent").hidden = items.length === 0;
    $("unsent-count").textContent = items.length;
    $("count-in").textContent = "–"; $("count-expected").textContent = "";
    $("refused").hidden = false;
    root.setAttribute("data-refused", "1");
    updateQueue();
  }

  // --- the result nobody can misread ------------------------------------------------------
  var audio = null;
  function beep(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = kind === "ok" ? [880] : kind === "warn" ? [660, 660] : [220, 180];
      tones.forEach(function (f, i) {
        var o = audio.createOscillator(), g = audio.createGain();
        o.frequency.value = f; o.type = kind === "bad" ? "square" : "sine";
        g.gain.value = 0.2;
        o.connect(g); g.connect(audio.destination);
        var t = audio.currentTime + i * 0.18;
        o.start(t); o.stop(t + 0.14);
      });
    } catch (e) { /* no audio: the colours still say it */ }
    if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 120 : kind === "warn" ? [120, 80, 120] : [400]);
  }

  function show(r) {
    last.shown = r;
    var box = $("result");
    box.className = "door-result door-" + r.kind;
    $("r-title").textContent = r.title;
    $("r-name").textContent = r.name || "";
    $("r-org").textContent = r.org || "";
    $("r-cat").textContent = r.cat || "";
    $("r-detail").textContent = r.detail || "";
    $("r-note").textContent = r.note || "";
    $("r-undo").hidden = !(r.checkinId && r.kind === "ok");
    $("r-undo").setAttribute("data-id", r.checkinId || "");
    // A walk-in has no badge yet: offer to print it (the API says where, when this user may).
    $("r-badge").hidden = !r.badgeUrl;
    if (r.badgeUrl) $("r-badge").setAttribute("href", r.badgeUrl); else $("r-badge").removeAttribute("href");
    box.hidden = false;
    box.setAttribute("data-result", r.result);
    beep(r.kind);
    addHistory(r);
    clearTimeout(hideTimer);
    if ($("rapid").checked && !r.badgeUrl) hideTimer = setTimeout(hide, r.kind === "ok" ? 900 : 1800);
  }
  function hide() {
    clearTimeout(hideTimer);
    $("result").hidden = true;
    focusWedge();
  }
  function addHistory(r) {
    var li = document.createElement("li");
    li.className = "door-h-" + r.kind;
    li.textContent = new Date().toTimeString().slice(0, 5) + " · " + r.title + (r.name ? " · " + r.name : "");
    var list = $("history");
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 20) list.removeChild(list.lastChild);
  }

  function fromServer(d) {
    var reg = d.registration || {}, c = d.checkin;
    var kind = d.result === "checked_in" ? "ok" : d.result === "already_checked_in" ? "warn" : "bad";
    var titles = { checked_in: T.checked_in, already_checked_in: T.already, unknown_token: T.unknown, not_admitted: T.not_admitted };
    var detail = d.result === "already_checked_in" && c ? fmt(T.already_at, { time: c.time, station: c.station || "—" })
               : d.result === "checked_in" ? "" : d.message;
    return { kind: kind, result: d.result, title: titles[d.result] || T.error, name: reg.name, org: reg.organisation,
             cat: reg.category_label, detail: detail, note: d.clock_skew ? d.clock_skew.message : "",
             checkinId: d.result === "checked_in" && c ? c.id : null };
  }

  // --- scanning -------------------------------------------------------------------------
  function agendaItem() { var s = $("agenda-item"); return s && s.value ? parseInt(s.value, 10) : null; }

  function handleCode(raw, source) {
    raw = (raw || "").trim();
    if (!raw) return Promise.resolve();
    var now = Date.now();
    // A scanner that sends the same code twice within a second: one scan, not a false "already in".
    if (raw === last.raw && now - last.at < 1500) {
      if (last.shown) { $("result").hidden = false; }
      return Promise.resolve();
    }
    last.raw = raw; last.at = now;
    if (refused) { show({ kind: "bad", result: "refused", title: T.refused_title, detail: T.refused }); return Promise.resolve(); }
    var scan = { client_id: uuid(), payload: raw, scanned_at: new Date().toISOString(), source: source };
    var item = agendaItem();
    if (item) scan.agenda_item_id = item;
    if (navigator.onLine === false) return decideOffline(scan);
    return api(C.api + "/checkins", scan, 5000).then(function (d) {
      show(fromServer(d));
      noteAdmission(d);
      refreshStats();
    }, function (err) {
      if (err.status && err.status !== 502 && err.status !== 503 && err.status !== 504) {
        show({ kind: "bad", result: "error", title: T.error, detail: err.message });
        return;
      }
      return decideOffline(scan);
    });
  }

  function noteAdmission(d) {
    if (!d.registration || !d.checkin || d.checkin.agenda_item_id) return;
    return store.get("roster", d.registration.token).then(function (e) {
      if (!e) return;
      e.checked_in_today = true; e.day = d.checkin.day;
      e.checked_in_at = e.checked_in_at || d.checkin.scanned_at; e.checked_in_station = e.checked_in_station || d.checkin.station;
      return store.put("roster", e);
    });
  }

  function decideOffline(scan) {
    var token = parsePayload(scan.payload);
    var day = localDay(new Date(scan.scanned_at));
    var queued = { client_id: scan.client_id, payload: scan.payload, scanned_at: scan.scanned_at,
                   source: "offline_sync", agenda_item_id: scan.agenda_item_id || null };
    return Promise.all([token ? store.get("roster", token) : null, token ? store.get("local", token + "|" + day + "|" + (scan.agenda_item_id || "")) : null])
      .then(function (found) {
        var e = found[0], mine = found[1], r;
        if (!token) r = { kind: "bad", result: "unknown_token", title: T.unknown, detail: T.garbage };
        else if (!e) r = { kind: "bad", result: "unknown_token", title: T.unknown, note: T.decided_offline };
        else if (!e.admitted) r = { kind: "bad", result: "not_admitted", title: T.not_admitted, name: e.name, org: e.organisation, cat: e.category_label, detail: T.cancelled };
        else if (C.days.indexOf(day) < 0) r = { kind: "bad", result: "not_admitted", title: T.not_admitted, name: e.name, detail: T.not_event_day };
        else if (!scan.agenda_item_id && e.checked_in_today && e.day === day)
          r = { kind: "warn", result: "already_checked_in", title: T.already, name: e.name, org: e.organisation, cat: e.category_label,
                detail: fmt(T.already_at, { time: hhmm(e.checked_in_at), station: e.checked_in_station || "—" }) };
        else if (mine)
          r = { kind: "warn", result: "already_checked_in", title: T.already, name: e.name, org: e.organisation, cat: e.category_label,
                detail: fmt(T.already_at, { time: hhmm(mine.at), station: T.this_device }) };
        else r = { kind: "ok", result: "checked_in", title: T.checked_in, name: e.name, org: e.organisation, cat: e.category_label, note: T.decided_offline };
        queued.local_result = r.result;
        queued.name = e ? e.name : "";
        var writes = [store.put("queue", queued)];
        if (r.result === "checked_in") writes.push(store.put("local", { key: token + "|" + day + "|" + (scan.agenda_item_id || ""), at: scan.scanned_at }));
        // Written before it is shown: a reload right now loses nothing.
        return Promise.all(writes).then(function () { show(r); updateQueue(); });
      });
  }

  // --- offline queue --------------------------------------------------------------------
  function updateQueue() {
    return store.count("queue").then(function (n) {
      var el = $("queue");
      el.hidden = n === 0;
      el.textContent = fmt(T.waiting, { n: n });
      root.setAttribute("data-queue", n);
      if (lastStats) renderStats(lastStats);
    });
  }

  function sync() {
    if (syncing || navigator.onLine === false) return Promise.resolve();
    if (refused) return refreshStats();  // asks whether the phone is welcome again; sends nothing before
    syncing = true;
    return store.all("queue").then(function (items) {
      if (!items.length) return;
      items.sort(function (a, b) { return a.scanned_at < b.scanned_at ? -1 : 1; });
      var batch = items.slice(0, 500);
      // A clock outside the years the server accepts would have the whole batch refused.
      var now = new Date(), sane = now.getUTCFullYear() >= 2000 && now.getUTCFullYear() < 2100;
      var body = { sent_at: sane ? now.toISOString() : null, scans: batch.map(function (q) {
        return { client_id: q.client_id, payload: q.payload, scanned_at: q.scanned_at, source: q.source, agenda_item_id: q.agenda_item_id };
      }) };
      var done = function (conflicts, d) {
        // Every item answered (an error included) leaves the queue: sent again it would be
        // refused again, forever. Errors are listed, never dropped silently.
        return store.delMany("queue", batch.map(function (q) { return q.client_id; })).then(function () {
          return conflicts.length ? addConflicts(conflicts) : null;
        }).then(function () { if (d && d.stats) renderStats(d.stats); return items.length > batch.length ? "more" : null; });
      };
      return api(C.api + "/checkins/batch", body, 60000).then(function (d) {
        var conflicts = [];
        d.results.forEach(function (res, i) {
          var q = batch[i];
          if (res.result === "error") {
            conflicts.push({ name: q.name || q.payload, text: fmt(T.not_recorded, { reason: res.error || res.reason || "" }) });
          } else if (q.local_result === "checked_in" && res.result !== "checked_in") {
            var c = res.checkin;
            conflicts.push({ name: (res.registration && res.registration.name) || q.name || q.payload,
                             text: res.result === "already_checked_in" && c ? fmt(T.conflict_other_door, { time: c.time, station: c.station || "—" }) : (res.message || "") });
          }
        });
        return done(conflicts, d);
      }, function (err) {
        // The batch itself refused as malformed (400, 413): not retried forever; each scan is listed.
        if (err.status === 400 || err.status === 413) {
          var reason = (err.data && err.data.error) || String(err.status);
          return done(batch.map(function (q) { return { name: q.name || q.payload, text: fmt(T.not_recorded, { reason: reason }) }; }), null);
        }
        throw err;
      });
    }).then(function (more) {
      syncing = false;
      updateQueue();
      if (more) return sync();
      return refreshRoster();
    }, function () { syncing = false; updateQueue(); });
  }

  function addConflicts(list) {
    return store.get("meta", "conflicts").then(function (old) {
      var all = (old || []).concat(list);
      return store.put("meta", all, "conflicts").then(function () { renderConflicts(all); });
    });
  }
  function renderConflicts(all) {
    var box = $("conflicts"), ul = $("conflict-list");
    ul.textContent = "";
    (all || []).forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = c.name + " — " + c.text;
      ul.appendChild(li);
    });
    box.hidden = !(all && all.length);
  }

  // --- roster and counts ----------------------------------------------------------------
  function refreshRoster() {
    if (navigator.onLine === false || refused) return Promise.resolve();
    return store.get("meta", "cursor").then(function (cursor) {
      var url = C.api + "/roster" + (cursor ? "?since=" + encodeURIComponent(cursor) : "");
      return api(url, undefined, 20000).then(function (d) {
        d.entries.forEach(function (e) { e.day = d.day; });
        return store.putMany("roster", d.entries).then(function () { return store.put("meta", d.cursor, "cursor"); });
      });
    }).catch(function () {});
  }
  function renderStats(s) {
    lastStats = s;
    $("count-in").textContent = s.checked_in;
    $("count-expected").textContent = fmt(T.of_expected, { n: s.expected });
  }
  function refreshStats() {
    if (navigator.onLine === false) return Promise.resolve();
    return api(C.api + "/stats", undefined, 5000).then(function (s) {
      renderStats(s);
      return store.put("meta", s, "stats");
    }).catch(function () {});
  }

  // --- camera ---------------------------------------------------------------------------
  var stream = null, detector = null, scanning = false;
  function cameraMsg(t) { $("camera-msg").textContent = t || ""; }
  function startCamera(deviceId) {
    if (!window.isSecureContext) { cameraMsg(T.camera_insecure); return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { cameraMsg(T.no_camera); return; }
    stopCamera();
    var video = { width: { ideal: 1280 }, height: { ideal: 720 } };
    if (deviceId) video.deviceId = { exact: deviceId }; else video.facingMode = { ideal: "environment" };
    navigator.mediaDevices.getUserMedia({ video: video, audio: false }).then(function (s) {
      stream = s;
      var v = $("video");
      v.srcObject = s; v.hidden = false;
      v.play();
      $("camera-start").hidden = true; $("camera-stop").hidden = false;
      var track = s.getVideoTracks()[0];
      var caps = track.getCapabilities ? track.getCapabilities() : {};
      $("torch").hidden = !caps.torch;
      listCameras(track.getSettings ? track.getSettings().deviceId : null);
      cameraMsg("");
      if ("BarcodeDetector" in window) {
        window.BarcodeDetector.getSupportedFormats().then(function (f) {
          if (f.indexOf("qr_code") >= 0) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        }).catch(function () {}).then(loop);
      } else loop();
    }, function (err) {
      cameraMsg(err && err.name === "NotAllowedError" ? T.camera_denied : T.no_camera);
    });
  }
  function listCameras(current) {
    navigator.mediaDevices.enumerateDevices().then(function (devs) {
      var cams = devs.filter(function (d) { return d.kind === "videoinput"; });
      var sel = $("camera-select");
      sel.textContent = "";
      cams.forEach(function (d, i) {
        var o = document.createElement("option");
        o.value = d.deviceId; o.textContent = d.label || ("Camera " + (i + 1));
        if (d.deviceId === current) o.selected = true;
        sel.appendChild(o);
      });
      sel.hidden = cams.length < 2;
    });
  }
  function stopCamera() {
    scanning = false;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    $("video").hidden = true; $("camera-start").hidden = false; $("camera-stop").hidden = true; $("torch").hidden = true;
  }
  function onDecoded(text) {
    var now = Date.now();
    // The camera sees the same badge for seconds: one scan per badge presentation.
    if (text === cameraSeen.text && now - cameraSeen.at < 3000) { cameraSeen.at = now; return; }
    cameraSeen = { text: text, at: now };
    handleCode(text, "qr");
  }
  function loop() {
    scanning = true;
    var v = $("video"), canvas = $("frame"), ctx = canvas.getContext("2d", { willReadFrequently: true });
    function tick() {
      if (!scanning || !stream) return;
      if (v.readyState >= 2 && v.videoWidth) {
        if (detector) {
          detector.detect(v).then(function (codes) {
            if (codes.length) onDecoded(codes[0].rawValue);
          }).catch(function () {}).then(function () { setTimeout(tick, 120); });
          return;
        }
        // jsQR on a centred square crop, scaled to at most 640 px: small codes stay readable.
        var side = Math.min(v.videoWidth, v.videoHeight);
        var out = Math.min(side, 640);
        canvas.width = out; canvas.height = out;
        ctx.drawImage(v, (v.videoWidth - side) / 2, (v.videoHeight - side) / 2, side, side, 0, 0, out, out);
        var img = ctx.getImageData(0, 0, out, out);
        var code = window.jsQR && window.jsQR(img.data, out, out, { inversionAttempts: "dontInvert" });
        if (code && code.data) onDecoded(code.data);
      }
      setTimeout(tick, 150);
    }
    tick();
  }
  var torchOn = false;
  function toggleTorch() {
    if (!stream) return;
    torchOn = !torchOn;
    stream.getVideoTracks()[0].applyConstraints({ advanced: [{ torch: torchOn }] }).catch(function () {});
  }

  // --- search and walk-ins ----------------------------------------------------------------
  var searchTimer = null;
  function runSearch() {
    var q = $("search-q").value.trim();
    var ul = $("search-results");
    if (q.length < 2) { ul.textContent = ""; return; }
    var render = function (hits) {
      ul.textContent = "";
      if (!hits.length) { var li = document.createElement("li"); li.className = "empty"; li.textContent = T.no_results; ul.appendChild(li); return; }
      hits.forEach(function (h) {
        var li = document.createElement("li");
        var who = document.createElement("div");
        var strong = document.createElement("strong"); strong.textContent = h.name; who.appendChild(strong);
        var small = document.createElement("div"); small.className = "muted small";
        small.textContent = [h.organisation, h.category_label, h.checked_in_today ? T.in_today : "", h.status === "cancelled" ? T.cancelled : ""].filter(Boolean).join(" · ");
        who.appendChild(small);
        var b = document.createElement("button");
        b.type = "button"; b.className = "primary"; b.textContent = T.check_in;
        b.setAttribute("data-token", h.token);
        b.addEventListener("click", function () { last.raw = null; handleCode(h.token, "search"); });
        li.appendChild(who); li.appendChild(b);
        ul.appendChild(li);
      });
    };
    if (navigator.onLine === false) return localSearch(q).then(render);
    api(C.api + "/search?q=" + encodeURIComponent(q), undefined, 5000).then(function (d) { render(d.results); },
      function () { localSearch(q).then(render); });
  }
  function localSearch(q) {
    if (refused) return Promise.resolve([]);
    var words = fold(q).split(" ");
    return store.all("roster").then(function (all) {
      return all.filter(function (e) { return words.every(function (w) { return e.search.indexOf(w) >= 0; }); }).slice(0, 20)
        .map(function (e) { return { name: e.name, organisation: e.organisation, category_label: e.category_label, token: e.token,
                                     status: e.status, checked_in_today: e.checked_in_today }; });
    });
  }
  function submitWalkin(ev) {
    ev.preventDefault();
    var f = ev.target, body = { client_id: uuid(), scanned_at: new Date().toISOString() };
    ["first_name", "last_name", "sex", "category", "organisation", "phone"].forEach(function (k) { body[k] = f.elements[k].value; });
    $("walkin-errors").textContent = "";
    api(C.walkins, body, 8000).then(function (d) {
      f.reset();
      var r = fromServer(d);
      r.badgeUrl = d.badge_url || null;
      show(r);
      refreshStats();
    }, function (err) {
      var msgs = err.data && err.data.errors ? Object.keys(err.data.errors).map(function (k) { return err.data.errors[k].join(" "); }) : [err.message || T.offline];
      $("walkin-errors").textContent = msgs.join(" ");
    });
  }
  function undo() {
    var id = $("r-undo").getAttribute("data-id");
    if (!id) return;
    var reason = window.prompt(T.undo_reason, "");
    if (reason === null) return;
    api("/api/checkins/" + id + "/void", { reason: reason }, 5000).then(function (d) {
      show({ kind: "warn", result: "voided", title: T.undone, name: last.shown && last.shown.name });
      if (d.stats) renderStats(d.stats);
    }, function (err) { show({ kind: "bad", result: "error", title: T.error, detail: err.message }); });
  }

  // --- wiring -----------------------------------------------------------------------------
  function focusWedge() {
    if (!$("tab-scan").hidden && document.activeElement !== $("wedge") &&
        (!document.activeElement || ["INPUT", "SELECT", "TEXTAREA"].indexOf(document.activeElement.tagName) < 0 ||
         document.activeElement === $("rapid"))) {
      $("wedge").focus({ preventScroll: true });
    }
  }
  function tab(name) {
    Array.prototype.forEach.call(document.querySelectorAll(".door-tabs button"), function (b) {
      b.className = b.getAttribute("data-tab") === name ? "primary" : "";
    });
    ["scan", "search", "walkin"].forEach(function (n) { $("tab-" + n).hidden = n !== name; });
    if (name === "scan") focusWedge();
    if (name === "search") $("search-q").focus();
  }

  $("wedge-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var v = $("wedge").value;
    $("wedge").value = "";
    handleCode(v, "wedge");
  });
  $("r-next").addEventListener("click", hide);
  $("result").addEventListener("click", function (ev) { if (ev.target.id !== "r-undo") hide(); });
  $("r-undo").addEventListener("click", function (ev) { ev.stopPropagation(); undo(); });
  $("camera-start").addEventListener("click", function () { startCamera(); });
  $("camera-stop").addEventListener("click", stopCamera);
  $("torch").addEventListener("click", toggleTorch);
  $("camera-select").addEventListener("change", function (ev) { startCamera(ev.target.value); });
  $("search-form").addEventListener("submit", function (ev) { ev.preventDefault(); runSearch(); });
  $("search-q").addEventListener("input", function () { clearTimeout(searchTimer); searchTimer = setTimeout(runSearch, 250); });
  $("walkin-form").addEventListener("submit", submitWalkin);
  $("conflicts-clear").addEventListener("click", function () { store.put("meta", [], "conflicts").then(function () { renderConflicts([]); }); });
  Array.prototype.forEach.call(document.querySelectorAll(".door-tabs button"), function (b) {
    b.addEventListener("click", function () { tab(b.getAttribute("data-tab")); });
  });
  document.addEventListener("click", function () { setTimeout(focusWedge, 50); });
  window.addEventListener("online", function () { setNet(true); sync(); refreshStats(); });
  window.addEventListener("offline", function () { setNet(false); });

  function installOffline() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(C.sw, { scope: "/" }).catch(function () {});
    if (window.caches && navigator.onLine !== false) {
      // Keep the page and its assets for a reload without network.
      caches.open("eventapp-door-v1").then(function (c) { return c.addAll([C.page].concat(C.assets)); }).catch(function () {});
    }
  }

  store.open().then(function () {
    root.setAttribute("data-ready", "1");
    setNet(navigator.onLine !== false);
    store.get("meta", "refused").then(function (was) {
      // Refused before this page was (re)loaded, perhaps offline: say so until the server welcomes it.
      if (was) { refused = true; store.all("queue").then(showRefused); }
    });
    store.get("meta", "stats").then(function (s) { if (s) renderStats(s); });
    store.get("meta", "conflicts").then(renderConflicts);
    updateQueue();
    installOffline();
    return refreshStats().then(refreshRoster).then(sync).then(function () { root.setAttribute("data-roster", "1"); });
  });
  setInterval(function () { sync(); }, 5000);
  setInterval(function () { refreshStats(); refreshRoster(); }, 20000);
  focusWedge();
})();
