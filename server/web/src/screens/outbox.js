// The mail outbox (admin, API §13): what is waiting, sent or failed, with
// attempts and the last error; never the bodies (they can hold reset links).
import { html, useState } from '../lib/html.js';
import { t, fmtDateTime, fmtNumber } from '../lib/i18n.js';
import { screen, nav, query, setQuery } from '../lib/router.js';
import { Page, usePaged, MoreButton, Badge } from '../components/ui.js';

const STATUSES = ['pending', 'sent', 'failed'];
const KIND = { pending: 'warn', sent: 'ok', failed: 'bad' };

function Outbox() {
  const [status, setStatus] = useState(query().status || '');
  const p = usePaged('/outbox', { status, limit: 50 });
  return html`<${Page} title=${t('outbox.title')} wide>
    <form class="filters card" onSubmit=${e => e.preventDefault()}>
      <div class="field"><label for="o-status">${t('outbox.status')}</label>
        <select id="o-status" value=${status} onChange=${e => { setStatus(e.target.value); setQuery({ status: e.target.value }); }}>
          <option value="">${t('outbox.any')}</option>${STATUSES.map(s => html`<option value=${s}>${t('outbox.' + s)}</option>`)}</select></div>
    </form>
    <div class="table-wrap" tabindex="0"><table>
      <thead><tr><th scope="col">${t('outbox.created')}</th><th scope="col">${t('outbox.to')}</th><th scope="col">${t('outbox.subject')}</th>
        <th scope="col">${t('outbox.kind')}</th><th scope="col">${t('outbox.status')}</th><th scope="col">${t('outbox.attempts')}</th>
        <th scope="col">${t('outbox.sent')}</th><th scope="col">${t('outbox.error')}</th></tr></thead>
      <tbody>${p.items.map(m => html`<tr><th scope="row">${fmtDateTime(m.created_at)}</th><td>${m.to}</td><td>${m.subject}</td>
        <td><code>${m.kind}</code></td><td><${Badge} kind=${KIND[m.status] || 'neutral'}>${t('outbox.' + m.status)}<//></td>
        <td>${fmtNumber(m.attempts)}</td><td>${m.sent_at ? fmtDateTime(m.sent_at) : '—'}</td><td class="detail">${m.last_error || ''}</td></tr>`)}</tbody>
    </table></div>
    ${!p.loading && !p.error && !p.items.length ? html`<p class="card empty">${t('outbox.none')}</p>` : null}
    <${MoreButton} p=${p} />
  <//>`;
}

screen('/admin/outbox', Outbox, { roles: ['admin'] });
nav({ href: '/admin/outbox', label: 'nav.outbox', roles: ['admin'], order: 73 });
