/* Talking to the server: every API call (station token, timeout, network badge), the scans kept
   offline sent in batches of 500 with their conflicts, the roster and counts refreshed, and the
   answer to a 401: the phone is no longer welcome, so it forgets the roster at once but keeps the
   unsent scans until an organizer pairs it again. */
import { C, T, fmt } from "./page.js";
import { addConflicts, dropSent, forgetRefusal, rosterCursor, saveRoster, saveStats, unsentScans,
         wasRefused, wipeRoster } from "./store.js";
import { clearScreens, hideRefused, renderConflicts, renderStats, setNet, showRefused,
         updateQueue } from "./screens.js";

const TOKEN_KEY = C ? "eventapp-station-token:" + C.slug : null;
const BATCH = 500;
let stationToken = TOKEN_KEY ? localStorage.getItem(TOKEN_KEY) : null;
let refused = false;  // the server no longer knows this phone (station revoked, user signed out)
let syncing = false;
let forgetting = null;

/** True while the server refuses this phone: nothing is sent, nothing about people is kept. */
export function isRefused() { return refused; }

function headers() {
  const h = { "Content-Type": "application/json", "Accept": "application/json" };
  if (stationToken) h.Authorization = "Bearer " + stationToken;
  return h;
}

function httpError(r, data) {
  const e = new Error(data.error || r.statusText);
  e.status = r.status; e.data = data;
  return e;
}

function welcomeBack() {
  refused = false;
  forgetRefusal();
  hideRefused();
}

function answered(r, data) {
  if (r.status === 401) {
    // Revoked, re-paired elsewhere, or signed out: forget the list before anything else.
    return forget().then(() => { throw httpError(r, data); });
  }
  if (!r.ok) throw httpError(r, data);
  if (refused) welcomeBack();
  return data;
}

/** Calls the door API (GET without a body, POST with one); rejects with .status and .data. */
export function api(path, body, timeoutMs) {
  const ctl = window.AbortController ? new AbortController() : null;
  const timer = ctl ? setTimeout(() => ctl.abort(), timeoutMs || 6000) : null;
  const opts = { method: body === undefined ? "GET" : "POST", headers: headers(), credentials: "same-origin",
                 cache: "no-store", signal: ctl ? ctl.signal : undefined };
  if (body !== undefined) opts.body = JSON.stringify(body);
  return fetch(path, opts).then((r) => {
    clearTimeout(timer);
    setNet(true);
    return r.json().catch(() => ({})).then((data) => answered(r, data));
  }, (err) => { clearTimeout(timer); setNet(false); throw err; });
}

// --- a phone the server refuses forgets the list -------------------------------------------
// The roster (names, organisations, categories), the conflicts, the history and whatever is on
// the screen are wiped from IndexedDB and memory. Scans not yet sent are kept, reduced to their
// codes and times, and listed as "not sent": an organizer can pair the phone again to send them.

function wipe() {
  refused = true;
  localStorage.removeItem(TOKEN_KEY);
  stationToken = null;
  clearScreens();
  return wipeRoster().then(showRefused);
}

/** Wipes once however many calls are refused together. */
function forget() {
  if (!forgetting) forgetting = wipe().then(() => { forgetting = null; }, () => { forgetting = null; });
  return forgetting;
}

/** Refused before this page was (re)loaded, perhaps offline: say so until the server welcomes it. */
export function restoreRefusal() {
  return wasRefused().then((was) => {
    if (was) { refused = true; unsentScans().then(showRefused); }
  });
}

// --- sending the queue ---------------------------------------------------------------------

function batchBody(batch) {
  // A clock outside the years the server accepts would have the whole batch refused.
  const now = new Date(), sane = now.getUTCFullYear() >= 2000 && now.getUTCFullYear() < 2100;
  return { sent_at: sane ? now.toISOString() : null, scans: batch.map((q) => ({
    client_id: q.client_id, payload: q.payload, scanned_at: q.scanned_at, source: q.source, agenda_item_id: q.agenda_item_id })) };
}

/** The scans the server did not take as this phone decided: errors, and people let in twice. */
function conflictsOf(batch, results) {
  const conflicts = [];
  results.forEach((res, i) => {
    const q = batch[i];
    if (res.result === "error") {
      conflicts.push({ name: q.name || q.payload, text: fmt(T.not_recorded, { reason: res.error || res.reason || "" }) });
    } else if (q.local_result === "checked_in" && res.result !== "checked_in") {
      const c = res.checkin;
      conflicts.push({ name: (res.registration && res.registration.name) || q.name || q.payload,
                       text: res.result === "already_checked_in" && c
                         ? fmt(T.conflict_other_door, { time: c.time, station: c.station || "—" }) : (res.message || "") });
    }
  });
  return conflicts;
}

function refusedBatch(batch, err) {
  const reason = (err.data && err.data.error) || String(err.status);
  return batch.map((q) => ({ name: q.name || q.payload, text: fmt(T.not_recorded, { reason: reason }) }));
}

function settle(batch, conflicts, d) {
  // Every item answered (an error included) leaves the queue: sent again it would be
  // refused again, forever. Errors are listed, never dropped silently.
  return dropSent(batch.map((q) => q.client_id))
    .then(() => (conflicts.length ? addConflicts(conflicts).then(renderConflicts) : null))
    // The server's new counts include the scans just sent: shown with what is still queued.
    .then(() => updateQueue(d && d.stats ? d.stats : undefined));
}

/** Sends the oldest scans; answers "more" when some are still waiting after them. */
function sendBatch(items) {
  const batch = items.slice(0, BATCH);
  const more = items.length > batch.length ? "more" : null;
  return api(C.api + "/checkins/batch", batchBody(batch), 60000).then(
    (d) => settle(batch, conflictsOf(batch, d.results), d).then(() => more),
    (err) => {
      // The batch itself refused as malformed (400, 413): not retried forever; each scan is listed.
      if (err.status === 400 || err.status === 413) return settle(batch, refusedBatch(batch, err), null).then(() => more);
      throw err;
    });
}

/** Sends every waiting scan (a network error leaves them queued for the next try). */
export function sync() {
  if (syncing || navigator.onLine === false) return Promise.resolve();
  if (refused) return refreshStats();  // asks whether the phone is welcome again; sends nothing before
  syncing = true;
  return unsentScans().then((items) => (items.length ? sendBatch(items) : null)).then((more) => {
    syncing = false;
    updateQueue();
    if (more) return sync();
    return refreshRoster();
  }, () => { syncing = false; updateQueue(); });
}

// --- roster, counts and the other calls ----------------------------------------------------

/** Fetches the roster entries changed since the last cursor. */
export function refreshRoster() {
  if (navigator.onLine === false || refused) return Promise.resolve();
  return rosterCursor().then((cursor) => {
    const url = C.api + "/roster" + (cursor ? "?since=" + encodeURIComponent(cursor) : "");
    return api(url, undefined, 20000).then((d) => saveRoster(d.entries, d.day, d.cursor));
  }).catch(() => {});
}

export function refreshStats() {
  if (navigator.onLine === false) return Promise.resolve();
  return api(C.api + "/stats", undefined, 5000).then((s) => {
    renderStats(s);
    return saveStats(s);
  }).catch(() => {});
}

export function sendScan(scan) { return api(C.api + "/checkins", scan, 5000); }

export function searchServer(q) {
  return api(C.api + "/search?q=" + encodeURIComponent(q), undefined, 5000).then((d) => d.results);
}

export function sendWalkin(body) { return api(C.walkins, body, 8000); }

export function voidCheckin(id, reason) { return api("/api/checkins/" + id + "/void", { reason: reason }, 5000); }
