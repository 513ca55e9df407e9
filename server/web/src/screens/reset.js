// Forgotten password (API §13): /forgot asks for the email and always
// shows the same neutral message, whether or not the account exists;
// /reset#<token> (the mail's link; the token stays in the fragment so it
// never reaches a server log) sets a new password. The token is taken out
// of the address bar at once so it is not left in history or screenshots.
import { html, useState, useEffect } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { screen } from '../lib/router.js';
import { post, ApiError } from '../lib/api.js';
import { Page, Field, FormErrors, fieldErrors } from '../components/ui.js';

function Forgot() {
  const [email, setEmail] = useState('');
  const [error, setError] = useState(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    if (!email.trim()) { setError(new ApiError(422, { detail: t('password.fix'), errors: [{ field: 'email', message: t('forgot.required') }] })); return; }
    setBusy(true); setError(null);
    try { await post('/auth/password-reset', { email: email.trim() }); setSent(true); }
    catch (err) { setError(err); }
    setBusy(false);
  }
  return html`<${Page} title=${t('forgot.title')} className="narrow">
    ${sent
      ? html`<p class="notice ok" role="status">${t('forgot.sent')}</p>
          <p><a href="/login">${t('forgot.back')}</a></p>`
      : html`<p class="lead">${t('forgot.intro')}</p>
        <form class="card form" onSubmit=${submit} novalidate>
          <${FormErrors} error=${error} />
          <${Field} label=${t('login.email')} name="email" type="email" autocomplete="username" required
            value=${email} onInput=${setEmail} error=${fieldErrors(error).email} />
          <button class="button primary" type="submit" disabled=${busy}>${t('forgot.submit')}</button>
        </form>
        <p><a href="/login">${t('forgot.back')}</a></p>`}
  <//>`;
}

// Read once per page load: the fragment is cleared right after.
let pending = null;
function takeToken() {
  if (window.location.hash.length > 1) {
    pending = decodeURIComponent(window.location.hash.slice(1));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return pending;
}

function Reset() {
  const [token, setToken] = useState(takeToken);
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState(null);
  const [local, setLocal] = useState({});
  const [state, setState] = useState(token ? 'form' : 'bad');   // form | done | bad
  const [busy, setBusy] = useState(false);
  // A second link opened in the same tab changes only the fragment.
  useEffect(() => {
    const again = () => { const tk = takeToken(); if (tk) { setToken(tk); setState('form'); setError(null); } };
    window.addEventListener('hashchange', again);
    return () => window.removeEventListener('hashchange', again);
  }, []);
  async function submit(e) {
    e.preventDefault();
    const l = {};
    if (next.length < 10) l.new_password = t('password.short');
    if (next !== again) l.again = t('password.mismatch');
    setLocal(l); setError(null);
    if (Object.keys(l).length) { setError(new ApiError(422, { detail: t('password.fix') })); return; }
    setBusy(true);
    try {
      await post('/auth/password-reset/confirm', { token, new_password: next });
      pending = null; setState('done');
    } catch (err) {
      if (err.status === 400) { pending = null; setState('bad'); } else setError(err);
    }
    setBusy(false);
  }
  const fe = { ...fieldErrors(error), ...local };
  return html`<${Page} title=${t('reset.title')} className="narrow">
    ${state === 'done' ? html`<p class="notice ok" role="status">${t('reset.done')}</p>
        <p><a class="button primary" href="/login">${t('login.submit')}</a></p>`
    : state === 'bad' ? html`<div class="notice error" role="alert"><p>${t('reset.bad')}</p></div>
        <p><a href="/forgot">${t('reset.again')}</a></p>`
    : html`<form class="card form" onSubmit=${submit} novalidate>
        <${FormErrors} error=${error} />
        <${Field} label=${t('password.new')} name="new_password" type="password" autocomplete="new-password" required
          hint=${t('reset.hint')} value=${next} onInput=${setNext} error=${fe.new_password} />
        <${Field} label=${t('password.again')} name="again" type="password" autocomplete="new-password" required
          value=${again} onInput=${setAgain} error=${fe.again} />
        <button class="button primary" type="submit" disabled=${busy}>${t('reset.submit')}</button>
      </form>`}
  <//>`;
}

screen('/forgot', Forgot, { auth: false });
screen('/reset', Reset, { auth: false });
