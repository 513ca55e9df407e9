// The calendar subscription (API §14): a secret feed URL the user pastes
// into their calendar program, which then follows their events. The server
// keeps only a hash, so the URL is shown once, right after it is made; a
// new one replaces the old, and `Stop` revokes it.
import { html, useState } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { post, del } from '../lib/api.js';
import { Field, ErrorBox, Status } from './ui.js';

export function CalendarFeed() {
  const [url, setUrl] = useState('');
  const [msg, setMsg] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function act(f) {
    setBusy(true); setError(null); setMsg('');
    try { await f(); } catch (e) { setError(e); }
    setBusy(false);
  }
  // Without MIGTRAIN_PUBLIC_URL the server answers a path: a calendar
  // program needs the whole address.
  const create = () => act(async () => {
    setUrl(new URL((await post('/me/calendar-feed')).url, window.location.origin).href);
    setMsg(t('feed.created'));
  });
  const revoke = () => act(async () => { await del('/me/calendar-feed'); setUrl(''); setMsg(t('feed.revoked')); });
  async function copy() {
    try { await navigator.clipboard.writeText(url); setMsg(t('feed.copied')); }
    catch (e) { setMsg(t('feed.copyFailed')); }
  }
  return html`<section class="card feed" aria-labelledby="feed-h">
    <h2 id="feed-h">${t('feed.title')}</h2>
    <p>${t('feed.intro')}</p>
    <${ErrorBox} error=${error} />
    ${url ? html`<${Field} label=${t('feed.url')} name="feed_url" value=${url} readonly hint=${t('feed.once')}
        onInput=${() => {}} onFocus=${e => e.target.select()} />` : null}
    <div class="actions">
      ${url ? html`<button type="button" class="button primary" onClick=${copy}>${t('feed.copy')}</button>` : null}
      <button type="button" class=${'button ' + (url ? 'secondary' : 'primary')} disabled=${busy} onClick=${create}>
        ${url ? t('feed.renew') : t('feed.create')}</button>
      <button type="button" class="button secondary" disabled=${busy} onClick=${revoke}>${t('feed.revoke')}</button>
    </div>
    <${Status} text=${msg} />
  </section>`;
}
