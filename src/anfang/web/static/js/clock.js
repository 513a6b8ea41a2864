// Times as the centre reads them: in the site's time zone (sent with /me at login), whatever
// zone the workstation is set to, so a day, a report and a playback range mean the same on
// the console as on the server. Before login the browser's own zone stands in.

import { lang } from "./i18n.js";

let zone; // an IANA zone name; undefined = the browser's

/** Use `tz` (an IANA zone such as "Asia/Shanghai") for every time the console shows or reads. */
export function setZone(tz) {
  zone = tz || undefined;
  calc = null;
}

let calc = null; // a fixed-locale formatter for arithmetic; lang() only changes what is shown

function wall(date) {
  calc ??= new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  return Object.fromEntries(calc.formatToParts(date).map((p) => [p.type, p.value]));
}

function fmt(options) {
  return new Intl.DateTimeFormat(lang(), { hourCycle: "h23", timeZone: zone, ...options });
}

/** "2024-05-01 12:34:56" in the site's time zone. */
export function formatTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = wall(d);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** Short time for dense lists: HH:MM:SS today, else MM-DD HH:MM. */
export function formatShort(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const full = formatTime(iso);
  return full.startsWith(siteDay()) ? full.slice(11) : full.slice(5, 16);
}

/** The weekday's short name in the console's language, on the site's calendar. */
export function formatWeekday(date = new Date()) {
  return fmt({ weekday: "short" }).format(date);
}

/** "YYYY-MM-DD": the site's calendar day at `date` (for date inputs and day queries). */
export function siteDay(date = new Date()) {
  const p = wall(date);
  return `${p.year}-${p.month}-${p.day}`;
}

/** "YYYY-MM-DDTHH:MM[:SS]": `date` on the site's wall clock, for datetime-local inputs. */
export function toInput(date, seconds = false) {
  const p = wall(date);
  const base = `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
  return seconds ? `${base}:${p.second}` : base;
}

// The zone's offset from UTC in ms at the instant `ms`.
function offsetAt(ms) {
  const p = wall(new Date(ms));
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant that "YYYY-MM-DD[THH:MM[:SS]]" names on the site's wall clock (Invalid Date if malformed). */
export function fromInput(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/.exec(value ?? "");
  if (!m) return new Date(NaN);
  const [y, mo, d, hh, mm, ss] = m.slice(1).map((x) => Number(x ?? 0));
  const asUtc = Date.UTC(y, mo - 1, d, hh, mm, ss);
  // A second pass settles a guess that fell on the other side of a daylight-saving change.
  const first = asUtc - offsetAt(asUtc);
  return new Date(asUtc - offsetAt(first));
}

/** The day after "YYYY-MM-DD" (calendar arithmetic, no zone involved). */
export function nextDay(day) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}
