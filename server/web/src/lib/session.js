// The signed-in user (null when signed out, undefined while loading) and
// the CSRF token that goes with the cookie session. /auth/me hands the
// token back after a reload (API §12).
import { get, post, patch, setCsrf, setUnauthorizedHandler } from './api.js';
import { store } from './store.js';
import { language, setLanguage, chosenLanguage } from './i18n.js';
import { navigate } from './router.js';

export const session = store(undefined);

export function isStaff(u) { return !!u && u.role !== 'trainee'; }

// The account's language (§13) wins on a reload; at login a language the
// visitor chose on this browser is written to the account instead.
function adopt(user, csrf, atLogin) {
  setCsrf(csrf);
  const { csrf_token, ...u } = user;
  session.set(u);
  if (atLogin && chosenLanguage()) rememberLanguage(language.get());
  else if (u.language && u.language !== language.get()) setLanguage(u.language, false);
}

export async function loadSession() {
  try {
    const me = await get('/auth/me', { quiet401: true });
    adopt(me, me.csrf_token);
  } catch (e) {
    if (e.status === 401) session.set(null);
    else throw e;
  }
}

export async function login(email, password) {
  const r = await post('/auth/login', { email, password }, { quiet401: true });
  adopt(r.user, r.csrf_token, true);
  return r.user;
}

export async function logout() {
  try { await post('/auth/logout'); } catch (e) { /* signed out anyway */ }
  setCsrf(null);
  session.set(null);
  navigate('/login', { replace: true });
}

// Remember the language on the account when the API knows the field.
export function rememberLanguage(l) {
  const u = session.get();
  if (u && 'language' in u && u.language !== l) {
    patch('/users/' + u.id, { language: l }).then(() => session.set({ ...u, language: l }), () => {});
  }
}

setUnauthorizedHandler(() => {
  if (session.get() === null) return;
  session.set(null);
  const here = window.location.pathname + window.location.search;
  if (!here.startsWith('/login')) navigate('/login?next=' + encodeURIComponent(here), { replace: true });
});
