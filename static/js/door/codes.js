/* What a scanned code is: the badge payload rules (the same as services/tokens.parse_payload),
   the client ids that make a scan sent twice count once, and the folding used by local search. */

// A keyboard-wedge scanner set to AZERTY types the digits of the payload as these characters.
const AZERTY = { "&": "1", "é": "2", "\"": "3", "'": "4", "(": "5", "-": "6", "è": "7", "_": "8", "ç": "9", "à": "0" };

/** The check-in token in a scanned payload, or null when it is not an eventapp badge code. */
export function parsePayload(raw) {
  if (typeof raw !== "string" || raw.length > 200) return null;
  let t = raw.trim().replace(/[&é"'(\-è_çà]/g, (c) => AZERTY[c]).toUpperCase();
  if (t.indexOf("EA1") === 0 && t.length === 29) t = t.slice(3);
  return /^[A-Z2-7]{26}$/.test(t) ? t : null;
}

/** A random UUID v4: the scan's client id, so that a retry never counts twice. */
export function uuid() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = new Uint8Array(16);
  (window.crypto || window.msCrypto).getRandomValues(b);
  b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
  const h = Array.prototype.map.call(b, (x) => (x + 256).toString(16).slice(1)).join("");
  return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
}

/** Lower case, no accents, punctuation as spaces: "Traoré" and "traore" meet. */
export function fold(s) {
  return (s || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[\s\-'’`.,_/]+/g, " ").trim();
}
