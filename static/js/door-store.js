/* eventapp door: the device's memory in IndexedDB — roster, queue of scans to send, local scans.
   One database per event. Every write is awaited before the scan is shown as done, so a reload
   or a crash right after a scan loses nothing. */
(function () {
  "use strict";

  function req(r) {
    return new Promise(function (resolve, reject) {
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }

  function DoorStore(slug) { this.name = "eventapp-door-" + slug; this.db = null; }

  DoorStore.prototype.open = function () {
    var self = this;
    var r = indexedDB.open(this.name, 1);
    r.onupgradeneeded = function () {
      var db = r.result;
      db.createObjectStore("roster", { keyPath: "token" });
      db.createObjectStore("queue", { keyPath: "client_id" });
      db.createObjectStore("local", { keyPath: "key" });  // this device's admissions: token|day
      db.createObjectStore("meta");
    };
    return req(r).then(function (db) { self.db = db; return self; });
  };

  DoorStore.prototype._tx = function (store, mode, fn) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var tx = self.db.transaction(store, mode);
      var out = fn(tx.objectStore(store));
      tx.oncomplete = function () { resolve(out instanceof IDBRequest ? out.result : undefined); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error); };
    });
  };

  DoorStore.prototype.get = function (store, key) {
    return this._tx(store, "readonly", function (s) { return s.get(key); });
  };
  DoorStore.prototype.put = function (store, value, key) {
    return this._tx(store, "readwrite", function (s) { key === undefined ? s.put(value) : s.put(value, key); });
  };
  DoorStore.prototype.del = function (store, key) {
    return this._tx(store, "readwrite", function (s) { s.delete(key); });
  };
  DoorStore.prototype.all = function (store) {
    return this._tx(store, "readonly", function (s) { return s.getAll(); });
  };
  DoorStore.prototype.count = function (store) {
    return this._tx(store, "readonly", function (s) { return s.count(); });
  };
  DoorStore.prototype.putMany = function (store, values) {
    return this._tx(store, "readwrite", function (s) { values.forEach(function (v) { s.put(v); }); });
  };
  DoorStore.prototype.delMany = function (store, keys) {
    return this._tx(store, "readwrite", function (s) { keys.forEach(function (k) { s.delete(k); }); });
  };
  DoorStore.prototype.clear = function (store) {
    return this._tx(store, "readwrite", function (s) { s.clear(); });
  };

  window.DoorStore = DoorStore;
})();
