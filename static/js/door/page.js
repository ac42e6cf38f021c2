/* The door page's settings and the small helpers every door module shares: the config read from
   data-config on #door (no inline script anywhere: CSP), element lookup, message formatting, and
   the event's local day and time (the device decides in the event's time zone). */

export const root = document.getElementById("door");
export const C = root ? JSON.parse(root.getAttribute("data-config")) : null;
export const T = C ? C.t : {};

export const $ = (id) => document.getElementById(id);

/** Fills {name} placeholders of a translated message. */
export function fmt(s, vars) {
  return s.replace(/\{(\w+)\}/g, (_m, k) => (vars[k] === undefined ? "" : vars[k]));
}

/** The event's calendar day (YYYY-MM-DD) at this instant. */
export function localDay(date) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: C.tz, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(date || new Date());
  const get = (k) => parts.filter((x) => x.type === k)[0].value;
  return get("year") + "-" + get("month") + "-" + get("day");
}

/** The event's local clock time (HH:MM) of an ISO instant. */
export function hhmm(iso) {
  return new Intl.DateTimeFormat("en-GB", { timeZone: C.tz, hour: "2-digit", minute: "2-digit", hour12: false })
    .format(new Date(iso));
}

/** Oldest scan first: the order the server must see them in. */
export function byScanTime(a, b) { return a.scanned_at < b.scanned_at ? -1 : 1; }
