/* The phone's memory in IndexedDB, one database per event: the roster (who may come in), the
   queue of scans not yet sent, this device's own admissions, and meta (sync cursor, counts,
   conflicts, the "refused" flag). Every write is awaited before a scan is shown as done, so a
   reload or a crash right after a scan loses nothing. Wiping on refusal lives here too. */
import { C, byScanTime } from "./page.js";
import { fold } from "./codes.js";

function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** A thin promise wrapper over one IndexedDB database. */
class DoorStore {
  constructor(name) { this.name = name; this.db = null; }

  open() {
    const r = indexedDB.open(this.name, 1);
    r.onupgradeneeded = () => {
      const db = r.result;
      db.createObjectStore("roster", { keyPath: "token" });
      db.createObjectStore("queue", { keyPath: "client_id" });
      db.createObjectStore("local", { keyPath: "key" });  // this device's admissions: token|day|item
      db.createObjectStore("meta");
    };
    return req(r).then((db) => { this.db = db; return this; });
  }

  tx(store, mode, fn) {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(store, mode);
      const out = fn(tx.objectStore(store));
      tx.oncomplete = () => resolve(out instanceof IDBRequest ? out.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  get(store, key) { return this.tx(store, "readonly", (s) => s.get(key)); }
  put(store, value, key) { return this.tx(store, "readwrite", (s) => { key === undefined ? s.put(value) : s.put(value, key); }); }
  del(store, key) { return this.tx(store, "readwrite", (s) => { s.delete(key); }); }
  all(store) { return this.tx(store, "readonly", (s) => s.getAll()); }
  count(store) { return this.tx(store, "readonly", (s) => s.count()); }
  putMany(store, values) { return this.tx(store, "readwrite", (s) => { values.forEach((v) => s.put(v)); }); }
  delMany(store, keys) { return this.tx(store, "readwrite", (s) => { keys.forEach((k) => s.delete(k)); }); }
  clear(store) { return this.tx(store, "readwrite", (s) => { s.clear(); }); }
}

let db = null;

/** Opens this event's database (created on first use). */
export function openStore() {
  db = new DoorStore("eventapp-door-" + C.slug);
  return db.open();
}

// --- the roster ---------------------------------------------------------------------------

/** The roster entry of a token and this device's own admission under that key, if any. */
export function findForDecision(token, localKey) {
  return Promise.all([db.get("roster", token), db.get("local", localKey)]);
}

/** Keeps a page of the roster and the cursor to ask for what changed after it. */
export function saveRoster(entries, day, cursor) {
  entries.forEach((e) => { e.day = day; });
  return db.putMany("roster", entries).then(() => db.put("meta", cursor, "cursor"));
}

export function rosterCursor() { return db.get("meta", "cursor"); }

/** Marks a person in today after the server let them in (arrival only, not a session). */
export function noteAdmission(d) {
  if (!d.registration || !d.checkin || d.checkin.agenda_item_id) return undefined;
  return db.get("roster", d.registration.token).then((e) => {
    if (!e) return undefined;
    e.checked_in_today = true; e.day = d.checkin.day;
    e.checked_in_at = e.checked_in_at || d.checkin.scanned_at;
    e.checked_in_station = e.checked_in_station || d.checkin.station;
    return db.put("roster", e);
  });
}

/** Up to 20 roster entries whose folded search text holds every word of the query. */
export function searchRoster(q) {
  const words = fold(q).split(" ");
  return db.all("roster").then((all) => all
    .filter((e) => words.every((w) => e.search.indexOf(w) >= 0)).slice(0, 20)
    .map((e) => ({ name: e.name, organisation: e.organisation, category_label: e.category_label, token: e.token,
                   status: e.status, checked_in_today: e.checked_in_today })));
}

/** The tokens among ``tokens`` that this device let in on ``day`` (arrival, not a session),
 *  which its roster does not know until the server has them. */
export function admittedHere(tokens, day) {
  return Promise.all(tokens.map((t) => db.get("local", t + "|" + day + "|")))
    .then((found) => new Set(tokens.filter((_t, i) => !!found[i])));
}

// --- the queue of scans not yet sent ------------------------------------------------------

/** Queues a scan decided offline, with this device's admission when it let the person in. */
export function queueScan(queued, admission) {
  const writes = [db.put("queue", queued)];
  if (admission) writes.push(db.put("local", admission));
  return Promise.all(writes);
}

/** Every scan not yet sent, oldest first. */
export function unsentScans() { return db.all("queue").then((items) => items.sort(byScanTime)); }

export function countUnsent() { return db.count("queue"); }

/** Removes scans the server has answered. */
export function dropSent(clientIds) { return db.delMany("queue", clientIds); }

// --- counts and conflicts -----------------------------------------------------------------

export function saveStats(s) { return db.put("meta", s, "stats"); }
export function savedStats() { return db.get("meta", "stats"); }
export function savedConflicts() { return db.get("meta", "conflicts"); }
export function clearConflicts() { return db.put("meta", [], "conflicts"); }

/** Adds conflicts found by a sync to those kept; answers the whole list. */
export function addConflicts(list) {
  return savedConflicts().then((old) => {
    const all = (old || []).concat(list);
    return db.put("meta", all, "conflicts").then(() => all);
  });
}

// --- refusal ------------------------------------------------------------------------------

export function wasRefused() { return db.get("meta", "refused"); }
export function forgetRefusal() { return db.del("meta", "refused"); }

/** Wipes what the phone knows about people (roster, conflicts, history, counts) and keeps the
 *  unsent scans reduced to their codes and times; answers those kept scans. */
export function wipeRoster() {
  return Promise.all([db.clear("roster"), db.clear("local"), db.del("meta", "cursor"),
                      db.del("meta", "stats"), db.del("meta", "conflicts"), db.put("meta", true, "refused")])
    .then(() => db.all("queue"))
    .then((items) => {
      const kept = items.map((q) => ({ client_id: q.client_id, payload: q.payload, scanned_at: q.scanned_at,
                                       source: q.source, agenda_item_id: q.agenda_item_id || null }));
      // Put over the same keys, never cleared first: a scan is never out of the store, even
      // for an instant, whatever else runs meanwhile.
      return db.putMany("queue", kept).then(() => kept);
    });
}
