/* What the door shows: the full-screen result nobody can misread (colour, sound, vibration), the
   history of the latest scans, the counters, the queue and network badges, the conflicts found by
   a sync, the "refused" notice with its unsent scans, the search list, the walk-in form's errors,
   the notice of a day that is not one of the event's, and the tabs. Only what applies is shown:
   every other control keeps its hidden attribute. It reads the store only to count; it never
   talks to the server. */
import { root, C, T, $, fmt, byScanTime, dayInWords, localDay } from "./page.js";
import { parsePayload } from "./codes.js";
import { unsentScans } from "./store.js";
import { focusWedge } from "./scan.js";

let shown = null;      // the result on screen, or last shown
let hideTimer = null;
let lastStats = null;
let pendingIn = {};    // day -> people this phone let in offline whom the server has not counted yet
let audio = null;

// --- network and counters -----------------------------------------------------------------

export function setNet(up) {
  const el = $("net");
  el.textContent = up ? T.online : T.offline;
  el.className = "badge " + (up ? "status-open" : "warning-badge");
  root.classList.toggle("is-offline", !up);
}

/** Shows the server's counts plus the arrivals this phone let in and has not sent yet. */
export function renderStats(s) {
  lastStats = s;
  $("count-in").textContent = s.checked_in + (pendingIn[s.day] || 0);
  $("count-expected").textContent = fmt(T.of_expected, { n: s.expected });
}

/** Arrivals (not session attendance) admitted offline and still queued, by event day. */
function admittedByDay(items) {
  const byDay = {};
  items.forEach((q) => {
    if (q.local_result !== "checked_in" || q.agenda_item_id) return;
    const day = localDay(new Date(q.scanned_at));
    byDay[day] = (byDay[day] || 0) + 1;
  });
  return byDay;
}

/** Shows how many scans wait to be sent (and sets data-queue for whoever watches the page);
 *  counts in those it admitted. ``stats``, when given, are the server's counts that already
 *  include the scans just sent. */
export function updateQueue(stats) {
  return unsentScans().then((items) => {
    const n = items.length;
    const el = $("queue");
    el.hidden = n === 0;
    el.textContent = fmt(T.waiting, { n: n });
    root.setAttribute("data-queue", n);
    pendingIn = admittedByDay(items);
    if (stats) lastStats = stats;
    if (lastStats) renderStats(lastStats);
  });
}

/** Says so, in words, when today (where the event is) is not one of the event's days. */
export function renderDay() {
  const today = localDay();
  const off = C.days.indexOf(today) < 0;
  $("not-today").hidden = !off;
  $("not-today-text").textContent = off ? fmt(T.not_today, { today: dayInWords(today) }) : "";
  root.setAttribute("data-event-day", off ? "0" : "1");
}

export function renderConflicts(all) {
  const ul = $("conflict-list");
  ul.textContent = "";
  (all || []).forEach((c) => {
    const li = document.createElement("li");
    li.textContent = c.name + " — " + c.text;
    ul.appendChild(li);
  });
  $("conflicts").hidden = !(all && all.length);
}

// --- the result ---------------------------------------------------------------------------

function beep(kind) {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const tones = kind === "ok" ? [880] : kind === "warn" ? [660, 660] : [220, 180];
    tones.forEach((f, i) => {
      const o = audio.createOscillator(), g = audio.createGain();
      o.frequency.value = f; o.type = kind === "bad" ? "square" : "sine";
      g.gain.value = 0.2;
      o.connect(g); g.connect(audio.destination);
      const t = audio.currentTime + i * 0.18;
      o.start(t); o.stop(t + 0.14);
    });
  } catch (e) { /* no audio: the colours still say it */ }
  if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 120 : kind === "warn" ? [120, 80, 120] : [400]);
}

function addHistory(r) {
  const li = document.createElement("li");
  li.className = "door-h-" + r.kind;
  li.textContent = new Date().toTimeString().slice(0, 5) + " · " + r.title + (r.name ? " · " + r.name : "");
  const list = $("history");
  list.insertBefore(li, list.firstChild);
  while (list.children.length > 20) list.removeChild(list.lastChild);
}

function fillResult(r) {
  $("result").className = "door-result door-" + r.kind;
  $("r-title").textContent = r.title;
  $("r-name").textContent = r.name || "";
  $("r-org").textContent = r.org || "";
  $("r-cat").textContent = r.cat || "";
  $("r-detail").textContent = r.detail || "";
  $("r-note").textContent = r.note || "";
  // Undo only for a check-in the server made and this screen names; asked again before voiding.
  $("r-undo").hidden = !(r.checkinId && r.kind === "ok");
  $("r-undo").setAttribute("data-id", r.checkinId || "");
  $("r-actions").hidden = false;
  $("r-confirm").hidden = true;
  $("r-reason").value = "";
  $("r-confirm-yes").disabled = false;
  // A walk-in has no badge yet: offer to print it (the API says where, when this user may).
  $("r-badge").hidden = !r.badgeUrl;
  if (r.badgeUrl) $("r-badge").setAttribute("href", r.badgeUrl); else $("r-badge").removeAttribute("href");
}

/** Shows a result full screen, sounds it, says it to screen readers, adds it to the history;
 *  rapid mode hides it alone. Answers the result. */
export function show(r) {
  shown = r;
  fillResult(r);
  $("r-live").textContent = [r.title, r.name, r.detail].filter(Boolean).join(" · ");
  const box = $("result");
  box.hidden = false;
  box.setAttribute("data-result", r.result);
  beep(r.kind);
  addHistory(r);
  clearTimeout(hideTimer);
  if ($("rapid").checked && !r.badgeUrl) hideTimer = setTimeout(hide, r.kind === "ok" ? 900 : 1800);
  return r;
}

/** The undo step: asks, on the result screen, before anything is sent; the screen stays. */
export function askUndo() {
  clearTimeout(hideTimer);
  const name = shownName();
  $("r-confirm-q").textContent = name ? fmt(T.undo_confirm, { name: name }) : T.undo_confirm_anon;
  $("r-actions").hidden = true;
  $("r-confirm").hidden = false;
  $("r-reason").focus();
}

/** Back from the undo step: the check-in stays. */
export function cancelUndo() {
  $("r-confirm").hidden = true;
  $("r-actions").hidden = false;
}

export function undoReason() { return $("r-reason").value.trim(); }

/** Greys the confirmation while the void is on its way: a second tap sends nothing. */
export function setUndoBusy(busy) { $("r-confirm-yes").disabled = busy; }

export function hide() {
  clearTimeout(hideTimer);
  $("result").hidden = true;
  focusWedge();
}

/** Shows the last result again (a scanner that sent the same code twice). */
export function reshow() { if (shown) $("result").hidden = false; }

export function shownName() { return shown && shown.name; }

/** The id of the check-in the result offers to undo, or "". */
export function shownCheckinId() { return $("r-undo").getAttribute("data-id"); }

/** The result to show for the server's answer to a scan. */
export function fromServer(d) {
  const reg = d.registration || {}, c = d.checkin;
  const kind = d.result === "checked_in" ? "ok" : d.result === "already_checked_in" ? "warn" : "bad";
  const titles = { checked_in: T.checked_in, already_checked_in: T.already, unknown_token: T.unknown, not_admitted: T.not_admitted };
  const detail = d.result === "already_checked_in" && c ? fmt(T.already_at, { time: c.time, station: c.station || "—" })
               : d.result === "checked_in" ? "" : d.message;
  return { kind: kind, result: d.result, title: titles[d.result] || T.error, name: reg.name, org: reg.organisation,
           cat: reg.category_label, detail: detail, note: d.clock_skew ? d.clock_skew.message : "",
           checkinId: d.result === "checked_in" && c ? c.id : null };
}

export function showError(message) { show({ kind: "bad", result: "error", title: T.error, detail: message }); }

// --- a refused phone ----------------------------------------------------------------------

/** Empties every place that showed a name: the result, the history, the search, the conflicts. */
export function clearScreens() {
  ["r-title", "r-name", "r-org", "r-cat", "r-detail", "r-note", "r-live", "r-confirm-q", "history", "search-results",
   "conflict-list"]
    .forEach((id) => { $(id).textContent = ""; });
  $("result").hidden = true; $("conflicts").hidden = true;
  shown = null; lastStats = null; pendingIn = {};
  $("search-q").value = "";
}

/** Says the phone is refused and lists its unsent scans by time and code prefix only. */
export function showRefused(items) {
  const ul = $("unsent-list");
  ul.textContent = "";
  items.slice().sort(byScanTime).forEach((q) => {
    const li = document.createElement("li");
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

export function hideRefused() { $("refused").hidden = true; }

export function showRefusedScan() { show({ kind: "bad", result: "refused", title: T.refused_title, detail: T.refused }); }

// --- search, walk-in, tabs ----------------------------------------------------------------

/** What a search row says once its person is in: no "Check in" button any more. */
function inMark(text) {
  const span = document.createElement("span");
  span.className = "door-row-in";
  span.textContent = "✓ " + text;
  return span;
}

function searchHit(h, onPick, forSession) {
  const li = document.createElement("li");
  li.setAttribute("data-token", h.token);
  // Someone already in today needs no button, unless a session's attendance is being taken.
  const inToday = h.checked_in_today && !forSession;
  const who = document.createElement("div");
  const strong = document.createElement("strong"); strong.textContent = h.name; who.appendChild(strong);
  const small = document.createElement("div"); small.className = "muted small";
  small.textContent = [h.organisation, h.category_label, h.checked_in_today && !inToday ? T.in_today : "",
                       h.status === "cancelled" ? T.cancelled : ""].filter(Boolean).join(" · ");
  who.appendChild(small);
  li.appendChild(who);
  if (inToday) { li.appendChild(inMark(T.in_today)); return li; }
  const b = document.createElement("button");
  b.type = "button"; b.className = "primary"; b.textContent = T.check_in;
  b.setAttribute("data-token", h.token);
  b.addEventListener("click", () => onPick(h.token));
  li.appendChild(b);
  return li;
}

/** After a check-in from the list, its row says so instead of offering "Check in" again. */
export function markSearchRow(token, r) {
  if (!r || (r.result !== "checked_in" && r.result !== "already_checked_in")) return;
  const li = Array.prototype.filter.call($("search-results").children, (x) => x.getAttribute("data-token") === token)[0];
  const button = li && li.querySelector("button");
  if (button) li.replaceChild(inMark(r.result === "checked_in" ? T.checked_in : T.in_today), button);
}

/** Lists search hits, each with a "Check in" button that calls onPick(token) (``forSession``:
 *  attendance of a session is being taken, so people already in today can be picked too). */
export function renderSearch(hits, onPick, forSession) {
  const ul = $("search-results");
  ul.textContent = "";
  if (!hits.length) {
    const li = document.createElement("li"); li.className = "empty"; li.textContent = T.no_results; ul.appendChild(li);
    return;
  }
  hits.forEach((h) => ul.appendChild(searchHit(h, onPick, forSession)));
}

export function clearSearch() { $("search-results").textContent = ""; }

export function searchQuery() { return $("search-q").value.trim(); }

/** The walk-in form's fields as the API wants them. */
export function walkinFields(form) {
  const body = {};
  ["first_name", "last_name", "sex", "category", "organisation", "phone"].forEach((k) => { body[k] = form.elements[k].value; });
  return body;
}

/** Shows why the server refused a walk-in (every field's messages), or that it is unreachable. */
export function showWalkinErrors(err) {
  const errors = err && err.data && err.data.errors;
  const msgs = errors ? Object.keys(errors).map((k) => errors[k].join(" ")) : (err ? [err.message || T.offline] : []);
  $("walkin-errors").textContent = msgs.join(" ");
}

export function tab(name) {
  document.querySelectorAll(".door-tabs button").forEach((b) => {
    b.className = b.getAttribute("data-tab") === name ? "primary" : "";
  });
  ["scan", "search", "walkin"].forEach((n) => { $("tab-" + n).hidden = n !== name; });
  if (name === "scan") focusWedge();
  if (name === "search") $("search-q").focus();
}
