// Client-side routing with a screen registry. A screen file calls
// screen('/courses/:id', Component, {auth, roles, title}) when imported
// (screens/index.js imports them all); nav() adds a main-navigation link.
// Links are plain <a href>: one document listener turns same-origin clicks
// into history navigation, so reloads and shared links work unchanged.
import { store } from './store.js';

const screens = [];
const navItems = [];
export const location = store(window.location.pathname + window.location.search);

export function screen(pattern, component, opts = {}) {
  const keys = [];
  const re = new RegExp('^' + pattern.replace(/\/:(\w+)/g, (m, k) => { keys.push(k); return '/([^/]+)'; }) + '/?$');
  screens.push({ pattern, re, keys, component, auth: opts.auth !== false, roles: opts.roles || null, ...opts });
}

// nav({href, label: 'nav.courses', roles: ['admin'], order: 20})
export function nav(item) {
  navItems.push({ order: 50, ...item });
  navItems.sort((a, b) => a.order - b.order);
}
export const navigation = () => navItems;

export function match(url) {
  const path = url.split('?')[0];
  for (const s of screens) {
    const m = s.re.exec(path);
    if (m) {
      const params = {};
      s.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
      return { screen: s, params };
    }
  }
  return null;
}

export function query() {
  return Object.fromEntries(new URLSearchParams(window.location.search));
}

export function navigate(to, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  location.set(window.location.pathname + window.location.search);
  window.scrollTo(0, 0);
}

// Updates the query string of the current screen without a new history entry.
export function setQuery(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) u.set(k, v);
  const s = u.toString();
  history.replaceState(null, '', window.location.pathname + (s ? '?' + s : ''));
}

window.addEventListener('popstate', () => location.set(window.location.pathname + window.location.search));
document.addEventListener('click', e => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest && e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== window.location.origin) return;
  if (a.pathname.startsWith('/api/') || a.pathname.startsWith('/app/')) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
});
