// Event times live in the office's time zone (Europe/Vilnius), whatever
// zone the browser runs in: a coordinator in Brussels or on a laptop set to
// UTC enters 09:30 and means 09:30 in Vilnius. Conversions go through
// Intl (the browser's own tz database), never through new Date(local).
import { t, locale } from './i18n.js';

export const OFFICE_TZ = 'Europe/Vilnius';

const parts = new Intl.DateTimeFormat('en-GB', { timeZone: OFFICE_TZ, hourCycle: 'h23',
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });

// The office's wall clock at instant ms, as {year, month, day, hour, minute, second}.
function wall(ms) {
  const o = {};
  for (const p of parts.formatToParts(new Date(ms))) if (p.type !== 'literal') o[p.type] = Number(p.value);
  return o;
}
// How far the office's clock is ahead of UTC at instant ms.
function offset(ms) {
  const w = wall(ms);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - (ms - (ms % 1000 + 1000) % 1000);
}

// "2026-11-27T07:30:00Z" → "2026-11-27T09:30" (the value of a datetime-local input).
export function toOfficeInput(iso) {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (isNaN(ms)) return '';
  const w = wall(ms);
  const p = n => String(n).padStart(2, '0');
  return `${w.year}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}`;
}

// "2026-11-27T09:30" in the office → "2026-11-27T07:30:00Z"; null when
// empty; the input unchanged when it is not a date-time, so the server
// names the field. A time skipped by the spring change lands an hour on.
export function fromOfficeInput(s) {
  if (!s) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (!m) return s;
  const asUtc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  let ms = asUtc - offset(asUtc);
  ms = asUtc - offset(ms);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Date and time in the user's language, on the office's clock.
export function fmtOfficeDateTime(iso) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: OFFICE_TZ }).format(new Date(iso));
}
export function fmtOfficeDate(iso) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeZone: OFFICE_TZ }).format(new Date(iso));
}
// "27 Nov 2026, 09:30 – 28 Nov 2026, 17:00 (Vilnius time)"
export function fmtOfficeRange(a, b) {
  return t('zone.label', { text: fmtOfficeDateTime(a) + ' – ' + fmtOfficeDateTime(b) });
}
