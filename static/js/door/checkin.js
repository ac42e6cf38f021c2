/* What the door does with a code read, a search pick, a walk-in or an undo: the server decides
   when it answers; when it can't (offline, 502-504), this phone decides from its roster with the
   same rules, queues the scan and says so. A code sent twice within a moment counts once. */
import { C, T, fmt, hhmm, localDay } from "./page.js";
import { parsePayload, uuid } from "./codes.js";
import { admittedHere, findForDecision, noteAdmission, queueScan, searchRoster } from "./store.js";
import { isRefused, refreshStats, searchServer, sendScan, sendWalkin, voidCheckin } from "./sync.js";
import { askUndo, clearSearch, fromServer, markSearchRow, renderSearch, renderStats, reshow, searchQuery,
         setUndoBusy, show, showError, showRefusedScan, showWalkinErrors, shownCheckinId, shownName, undoReason,
         updateQueue, walkinFields } from "./screens.js";

let last = { raw: null, at: 0 };
let searchTimer = null;
let voiding = false;

function agendaItem() {
  const s = document.getElementById("agenda-item");
  return s && s.value ? parseInt(s.value, 10) : null;
}

function newScan(raw, source) {
  const scan = { client_id: uuid(), payload: raw, scanned_at: new Date().toISOString(), source: source };
  const item = agendaItem();
  if (item) scan.agenda_item_id = item;
  return scan;
}

/** A scanner that sends the same code twice within a second: one scan, not a false "already in". */
function isRepeat(raw) {
  const now = Date.now();
  if (raw === last.raw && now - last.at < 1500) return true;
  last = { raw: raw, at: now };
  return false;
}

/** Checks in whoever the code names: asks the server, or decides offline; answers the result
 *  shown (nothing for a repeat or a refused phone). */
export function handleCode(raw, source) {
  raw = (raw || "").trim();
  if (!raw) return Promise.resolve();
  if (isRepeat(raw)) { reshow(); return Promise.resolve(); }
  if (isRefused()) { showRefusedScan(); return Promise.resolve(); }
  const scan = newScan(raw, source);
  if (navigator.onLine === false) return decideOffline(scan);
  return sendScan(scan).then((d) => {
    const r = show(fromServer(d));
    noteAdmission(d);
    refreshStats();
    return r;
  }, (err) => {
    if (err.status && err.status !== 502 && err.status !== 503 && err.status !== 504) {
      showError(err.message);
      return undefined;
    }
    return decideOffline(scan);
  });
}

function person(e) { return { name: e.name, org: e.organisation, cat: e.category_label }; }

/** The offline decision: the server's rules applied to this phone's roster and own admissions. */
function decideLocally(scan, token, day, e, mine) {
  const already = (time, station) => Object.assign({ kind: "warn", result: "already_checked_in", title: T.already,
                                                     detail: fmt(T.already_at, { time: time, station: station }) }, person(e));
  if (!token) return { kind: "bad", result: "unknown_token", title: T.unknown, detail: T.garbage };
  if (!e) return { kind: "bad", result: "unknown_token", title: T.unknown, note: T.decided_offline };
  if (!e.admitted) return Object.assign({ kind: "bad", result: "not_admitted", title: T.not_admitted, detail: T.cancelled }, person(e));
  if (C.days.indexOf(day) < 0) return { kind: "bad", result: "not_admitted", title: T.not_admitted, name: e.name, detail: T.not_event_day };
  // A registration for some days only (e.days; none or an older roster's missing field: every day).
  if (e.days && e.days.length && e.days.indexOf(day) < 0) return Object.assign({ kind: "bad", result: "not_admitted", title: T.not_admitted, detail: T.not_registered_for_day }, person(e));
  if (!scan.agenda_item_id && e.checked_in_today && e.day === day) return already(hhmm(e.checked_in_at), e.checked_in_station || "—");
  if (mine) return already(hhmm(mine.at), T.this_device);
  return Object.assign({ kind: "ok", result: "checked_in", title: T.checked_in, note: T.decided_offline }, person(e));
}

function decideOffline(scan) {
  const token = parsePayload(scan.payload);
  const day = localDay(new Date(scan.scanned_at));
  const key = token + "|" + day + "|" + (scan.agenda_item_id || "");
  const found = token ? findForDecision(token, key) : Promise.resolve([null, null]);
  return found.then(([entry, mine]) => {
    const r = decideLocally(scan, token, day, entry, mine);
    const queued = { client_id: scan.client_id, payload: scan.payload, scanned_at: scan.scanned_at,
                     source: "offline_sync", agenda_item_id: scan.agenda_item_id || null,
                     local_result: r.result, name: entry ? entry.name : "" };
    const admission = r.result === "checked_in" ? { key: key, at: scan.scanned_at } : null;
    // Written before it is shown: a reload right now loses nothing.
    return queueScan(queued, admission).then(() => { show(r); updateQueue(); return r; });
  });
}

// --- search --------------------------------------------------------------------------------

function pickFromSearch(token) {
  last.raw = null;  // picking the same person again is deliberate, not a scanner's echo
  return handleCode(token, "search").then((r) => markSearchRow(token, r));
}

/** Searches this phone's roster; someone this phone let in today offline is shown as in. */
function localSearch(q) {
  if (isRefused()) return Promise.resolve([]);
  return searchRoster(q).then((hits) => admittedHere(hits.map((h) => h.token), localDay()).then((mine) =>
    hits.map((h) => (mine.has(h.token) ? Object.assign({}, h, { checked_in_today: true }) : h))));
}

/** Searches the server, or this phone's roster when the server can't be reached. */
export function runSearch() {
  const q = searchQuery();
  if (q.length < 2) { clearSearch(); return undefined; }
  const render = (hits) => renderSearch(hits, pickFromSearch, agendaItem() !== null);
  if (navigator.onLine === false) return localSearch(q).then(render);
  return searchServer(q).then(render, () => localSearch(q).then(render));
}

/** Searches once typing pauses. */
export function searchSoon() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 250);
}

// --- walk-ins and undo ---------------------------------------------------------------------

/** Registers and checks in someone not on the list (needs the server). */
export function submitWalkin(ev) {
  ev.preventDefault();
  const form = ev.target;
  const body = Object.assign({ client_id: uuid(), scanned_at: new Date().toISOString() }, walkinFields(form));
  showWalkinErrors(null);
  sendWalkin(body).then((d) => {
    form.reset();
    const r = fromServer(d);
    r.badgeUrl = d.badge_url || null;
    show(r);
    refreshStats();
  }, showWalkinErrors);
}

/** "Undo this check-in": asks first, on the result screen (nothing is sent yet). */
export function undo() {
  if (shownCheckinId()) askUndo();
}

/** Voids the check-in on screen once confirmed, with the reason given; one request however
 *  many taps. */
export function confirmUndo(ev) {
  if (ev) ev.preventDefault();
  const id = shownCheckinId();
  if (!id || voiding) return undefined;
  voiding = true;
  setUndoBusy(true);
  return voidCheckin(id, undoReason()).then((d) => {
    show({ kind: "warn", result: "voided", title: T.undone, name: shownName() });
    if (d.stats) renderStats(d.stats);
  }, (err) => showError(err.message)).then(() => { voiding = false; setUndoBusy(false); });
}
