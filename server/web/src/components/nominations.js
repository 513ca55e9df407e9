// A reviewer's part of an event page (API §15): nominate an official of
// their own organisation, with an optional note, and see and cancel the
// nominations they made. Nominating is the only write a reviewer has.
import { html, useState } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { get, post, del, qs, ApiError } from '../lib/api.js';
import { useApi, Loaded, Field, FormErrors, fieldErrors, Badge, ErrorBox } from './ui.js';

async function load(eventId, user) {
  const [users, regs] = await Promise.all([
    get('/users' + qs({ org_id: user.org_id, limit: 200 })),
    get('/events/' + eventId + '/registrations' + qs({ limit: 200 })),
  ]);
  const mine = regs.items.filter(r => r.nominated_by === user.id && r.status !== 'cancelled');
  const taken = new Set(regs.items.filter(r => r.status !== 'cancelled' && r.status !== 'rejected').map(r => r.user && r.user.id));
  return { officials: users.items.filter(u => u.active !== false && u.id !== user.id && !taken.has(u.id)), mine };
}

export function Nominations({ event, user, open }) {
  const q = useApi(() => load(event.id, user), [event.id]);
  const [who, setWho] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function nominate(e) {
    e.preventDefault();
    if (!who) { setError(new ApiError(422, { detail: t('password.fix'), errors: [{ field: 'user_id', message: t('nom.pick') }] })); return; }
    setBusy(true); setError(null);
    try {
      await post('/events/' + event.id + '/nominations', { user_id: Number(who), ...(note.trim() ? { note: note.trim() } : {}) });
      setWho(''); setNote(''); q.reload();
    } catch (err) { setError(err); }
    setBusy(false);
  }
  async function cancel(r) {
    setBusy(true); setError(null);
    try { await del('/registrations/' + r.id); q.reload(); } catch (err) { setError(err); }
    setBusy(false);
  }
  const fe = fieldErrors(error);
  return html`<section class="card nominations" aria-labelledby="nom-h">
    <h2 id="nom-h">${t('nom.title')}</h2>
    <${Loaded} q=${q}>${({ officials, mine }) => html`
      ${open && event.status === 'scheduled' ? html`<form class="form" onSubmit=${nominate} novalidate>
        <${FormErrors} error=${error} />
        <${Field} type="select" label=${t('nom.official')} name="user_id" required value=${who} onInput=${setWho}
            error=${fe.user_id}>
          <option value="">${t('nom.choose')}</option>
          ${officials.map(u => html`<option value=${u.id}>${u.name}</option>`)}
        <//>
        <${Field} type="textarea" label=${t('nom.note')} name="note" hint=${t('nom.noteHint')} value=${note} onInput=${setNote}
          error=${fe.note} />
        <button class="button primary" type="submit" disabled=${busy}>${t('nom.submit')}</button>
      </form>` : html`<p>${t('events.closed')}</p><${ErrorBox} error=${error} />`}
      <h3>${t('nom.mine')}</h3>
      ${mine.length === 0 ? html`<p class="muted">${t('nom.none')}</p>`
        : html`<ul class="nominated">${mine.map(r => html`<li>
            <span class="who">${r.user ? r.user.name : ''}</span>
            <${Badge} kind=${r.status === 'confirmed' ? 'ok' : 'warn'}>${t('reg.' + r.status)}<//>
            ${r.note ? html`<span class="muted">${r.note}</span>` : null}
            ${event.status === 'scheduled' ? html`<button type="button" class="button secondary" disabled=${busy}
              aria-label=${t('nom.cancel') + ': ' + (r.user ? r.user.name : '')} onClick=${() => cancel(r)}>${t('nom.cancel')}</button>` : null}
          </li>`)}</ul>`}
    `}<//>
  </section>`;
}

