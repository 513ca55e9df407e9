// Change password: current, new, repeated; the server's limits are shown
// at the field they concern.
import { html, useState } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { screen } from '../lib/router.js';
import { post, ApiError } from '../lib/api.js';
import { Page, Field, FormErrors, fieldErrors } from '../components/ui.js';

function Password() {
  const [cur, setCur] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState(null);
  const [local, setLocal] = useState({});
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    const l = {};
    if (!cur) l.current_password = t('password.required');
    if (next.length < 10) l.new_password = t('password.short');
    if (next !== again) l.again = t('password.mismatch');
    setLocal(l); setError(null); setDone(false);
    if (Object.keys(l).length) { setError(new ApiError(422, { detail: t('password.fix') })); return; }
    setBusy(true);
    try {
      await post('/auth/password', { current_password: cur, new_password: next });
      setDone(true); setCur(''); setNext(''); setAgain('');
    } catch (err) {
      // 403 here means the current password was wrong: say so at the field.
      if (err.status === 403) {
        setLocal({ current_password: t('password.wrong') });
        setError(new ApiError(422, { detail: t('password.fix') }));
      } else setError(err);
    }
    setBusy(false);
  }
  const fe = { ...fieldErrors(error), ...local };
  return html`<${Page} title=${t('password.title')} className="narrow">
    ${done ? html`<p class="notice ok" role="status">${t('password.done')}</p>` : null}
    <form class="card form" onSubmit=${submit} novalidate>
      <${FormErrors} error=${error} />
      <${Field} label=${t('password.current')} type="password" autocomplete="current-password" required
        value=${cur} onInput=${setCur} error=${fe.current_password} />
      <${Field} label=${t('password.new')} type="password" autocomplete="new-password" required hint=${t('password.hint')}
        value=${next} onInput=${setNext} error=${fe.new_password} />
      <${Field} label=${t('password.again')} type="password" autocomplete="new-password" required
        value=${again} onInput=${setAgain} error=${fe.again} />
      <button class="button primary" type="submit" disabled=${busy}>${t('password.submit')}</button>
    </form>
  <//>`;
}

screen('/password', Password);
