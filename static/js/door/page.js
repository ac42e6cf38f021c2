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

let dayFormat = null;  // made once: building an Intl formatter costs far more than using it

/** The event's calendar day (YYYY-MM-DD) at this instant. */
export function localDay(date) {
  dayFormat = dayFormat ||
    new Intl.DateTimeFormat("en-CA", { timeZone: C.tz, year: "numeric", month: "2-digit", day: "2-digit" });
  const parts = dayFormat.formatToParts(date || new Date());
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

/** A calendar day (YYYY-MM-DD) in words in the page's language: "mardi 1er décembre 2026",
 *  "Tuesday, December 1, 2026" (the same as the server's dates, with French's "1er"). */
export function dayInWords(iso) {
  const lang = C.lang || "fr";
  const f = new Intl.DateTimeFormat(lang, { timeZone: "UTC", weekday: "long", day: "numeric", month: "long",
                                            year: "numeric" });
  return f.formatToParts(new Date(iso + "T12:00:00Z"))
    .map((p) => (p.type === "day" && p.value === "1" && lang === "fr" ? "1er" : p.value)).join("");
}
