// Message catalogues (i18n/en.js, i18n/lt.js), the current language and
// Intl formatting. The first visit follows the browser (Accept-Language is
// what navigator.languages reports); a choice is remembered in
// localStorage and, when the API has users' `language`, on the account.
import en from '../i18n/en.js';
import lt from '../i18n/lt.js';
import staff from '../i18n/staff.js';
import { store } from './store.js';

export const catalogues = { en: { ...en, ...staff.en }, lt: { ...lt, ...staff.lt } };
export const languages = [['en', 'English'], ['lt', 'Lietuvių']];
const KEY = 'migtrain.language';

function initial() {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved && catalogues[saved]) return saved;
  } catch (e) { /* storage may be off */ }
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).toLowerCase().slice(0, 2);
    if (catalogues[base]) return base;
  }
  return 'en';
}

export const language = store(initial());

// The language this browser's user picked with the switch, or null.
export function chosenLanguage() {
  try { return catalogues[localStorage.getItem(KEY)] ? localStorage.getItem(KEY) : null; } catch (e) { return null; }
}
document.documentElement.lang = language.get();

export function setLanguage(l, remember = true) {
  if (!catalogues[l] || l === language.get()) return;
  if (remember) try { localStorage.setItem(KEY, l); } catch (e) { /* ignore */ }
  document.documentElement.lang = l;
  language.set(l);
}

// t('key', {n: 3, name: 'x'}): plural forms as key_one/_few/_many/_other
// chosen by Intl.PluralRules when vars.n is a number.
export function t(key, vars) {
  const lang = language.get();
  const cat = catalogues[lang];
  let s;
  if (vars && typeof vars.n === 'number') {
    const form = new Intl.PluralRules(lang).select(vars.n);
    s = cat[key + '_' + form] ?? cat[key + '_other'];
  }
  s = s ?? cat[key] ?? catalogues.en[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? (k === 'n' ? fmtNumber(vars.n) : vars[k]) : m));
  return s;
}

export const locale = () => (language.get() === 'lt' ? 'lt-LT' : 'en-GB');

export function fmtDate(iso, opts) {
  if (!iso) return '';
  const d = new Date(iso.length === 10 ? iso + 'T00:00:00Z' : iso);
  return new Intl.DateTimeFormat(locale(), opts || { dateStyle: 'long', timeZone: iso.length === 10 ? 'UTC' : undefined }).format(d);
}
export function fmtDateTime(iso) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
export function fmtNumber(n, opts) {
  return new Intl.NumberFormat(locale(), opts).format(n);
}
export function fmtPercent(p) {
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(p / 100);
}
