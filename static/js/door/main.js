/* The door page's entry point (loaded as <script type="module">): opens the phone's store, wires
   the page's controls to scanning, check-in, search, walk-ins and sync, registers the service
   worker that keeps the door usable offline, and keeps sending and refreshing on a timer. */
import { root, C, $ } from "./page.js";
import { clearConflicts, openStore, savedConflicts, savedStats } from "./store.js";
import { focusWedge, wireScanning } from "./scan.js";
import { cancelUndo, hide, renderConflicts, renderDay, renderStats, setNet, tab, updateQueue } from "./screens.js";
import { refreshRoster, refreshStats, restoreRefusal, sync } from "./sync.js";
import { confirmUndo, handleCode, runSearch, searchSoon, submitWalkin, undo } from "./checkin.js";

function wireResult() {
  $("r-next").addEventListener("click", hide);
  // A tap anywhere dismisses the result, except on the undo step and what leads to it.
  $("result").addEventListener("click", (ev) => { if (!ev.target.closest("#r-undo, #r-confirm")) hide(); });
  $("r-undo").addEventListener("click", (ev) => { ev.stopPropagation(); undo(); });
  $("r-confirm").addEventListener("submit", confirmUndo);
  $("r-confirm-no").addEventListener("click", cancelUndo);
  $("r-confirm").addEventListener("keydown", (ev) => { if (ev.key === "Escape") cancelUndo(); });
}

function wireTabsAndForms() {
  document.querySelectorAll(".door-tabs button").forEach((b) => {
    b.addEventListener("click", () => tab(b.getAttribute("data-tab")));
  });
  $("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); runSearch(); });
  $("search-q").addEventListener("input", searchSoon);
  $("walkin-form").addEventListener("submit", submitWalkin);
  $("conflicts-clear").addEventListener("click", () => { clearConflicts().then(() => renderConflicts([])); });
  // A keyboard-wedge scanner types wherever the focus is: bring it back after any click.
  document.addEventListener("click", () => { setTimeout(focusWedge, 50); });
}

function wireNetwork() {
  window.addEventListener("online", () => { setNet(true); sync(); refreshStats(); });
  window.addEventListener("offline", () => { setNet(false); });
}

/** Registers the service worker, which keeps the door's code; asks it to keep this page too. */
function keepForOffline() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(C.sw, { scope: "/" }).catch(() => {});
  if (navigator.onLine === false) return;
  navigator.serviceWorker.ready.then((reg) => {
    if (reg.active) reg.active.postMessage({ keep: [C.page, C.manifest] });
  });
}

/** Shows what the store remembers, then fetches counts and roster and sends what waits. */
function boot() {
  return openStore().then(() => {
    root.setAttribute("data-ready", "1");
    renderDay();
    setNet(navigator.onLine !== false);
    restoreRefusal();
    savedStats().then((s) => { if (s) renderStats(s); });
    savedConflicts().then(renderConflicts);
    updateQueue();
    keepForOffline();
    return refreshStats().then(refreshRoster).then(sync).then(() => { root.setAttribute("data-roster", "1"); });
  });
}

if (root) {
  wireScanning(handleCode);
  wireResult();
  wireTabsAndForms();
  wireNetwork();
  boot();
  setInterval(() => { sync(); }, 5000);
  setInterval(() => { refreshStats(); refreshRoster(); renderDay(); }, 20000);
  focusWedge();
}
