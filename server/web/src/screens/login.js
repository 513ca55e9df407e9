// Sign in. Fields `Email` and `Password`, button `Log in` (API §12); after
// a 401 elsewhere the user comes here with ?next= and goes back there.
import { html, useState } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { screen, navigate, query } from '../lib/router.js';
import { login, session } from '../lib/session.js';
import { Page, Field, FormErrors } from '../components/ui.js';
import { ApiError } from '../lib/api.js';

function Login() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const next = query().next;
  if (session.get()) { setTimeout(() => navigate(safeNext(next), { replace: true })); }

  async function submit(e) {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      await login(email.trim(), password);
      navigate(safeNext(next), { replace: true });
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? new ApiError(422, { detail: t('login.wrong') }) : err);
      setBusy(false);
    }
  }
  return html`<${Page} title=${t('login.title')} className="narrow">
    <p class="lead">${t('login.intro')}</p>
    ${next ? html`<p class="notice info">${t('login.again')}</p>` : null}
    <form class="card form" onSubmit=${submit} novalidate>
      <${FormErrors} error=${error} />
      <${Field} label=${t('login.email')} name="email" type="email" autocomplete="username" required
        value=${email} onInput=${setEmail} />
      <${Field} label=${t('login.password')} name="password" type="password" autocomplete="current-password" required
        value=${password} onInput=${setPassword} />
      <button class="button primary" type="submit" disabled=${busy}>${t('login.submit')}</button>
    </form>
    <p><a href="/forgot">${t('login.forgot')}</a></p>
  <//>`;
}

function safeNext(n) {
  return n && n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/login') ? n : '/';
}

screen('/login', Login, { auth: false });
