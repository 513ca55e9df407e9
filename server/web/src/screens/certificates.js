// My certificates: one per completed course, each with its public page
// (open, print), a share link to copy, and its PDF (API §17).
import { html, useState } from '../lib/html.js';
import { t, fmtDate, fmtPercent } from '../lib/i18n.js';
import { screen, nav } from '../lib/router.js';
import { get, qs } from '../lib/api.js';
import { Page, useApi, Loaded, Status } from '../components/ui.js';

const shareUrl = code => window.location.origin + '/verify/' + code;

function Certificates({ user }) {
  const q = useApi(() => get('/records' + qs({ user_id: user.id, limit: 200 })), [user.id]);
  const [msg, setMsg] = useState('');
  const items = q.data ? q.data.items.filter(r => r.certificate_code) : [];
  async function copy(code) {
    try { await navigator.clipboard.writeText(shareUrl(code)); setMsg(t('cert.copied')); }
    catch (e) { setMsg(t('cert.copyFailed', { url: shareUrl(code) })); }
  }
  return html`<${Page} title=${t('cert.title')}>
    <${Loaded} q=${q}>${() => items.length === 0
      ? html`<p class="card empty">${t('cert.none')}</p>`
      : html`<ul class="cards">${items.map(r => html`<li class="card cert-card">
          <h2>${r.course_title}</h2>
          <dl class="pairs">
            <dt>${t('cert.completed')}</dt><dd>${fmtDate(r.completed_at)}</dd>
            ${r.best_percent !== null && r.best_percent !== undefined ? html`<dt>${t('cert.score')}</dt><dd>${fmtPercent(r.best_percent)}</dd>` : null}
            <dt>${t('cert.code')}</dt><dd><code>${r.certificate_code}</code></dd>
          </dl>
          <div class="actions">
            <a class="button primary" href=${'/verify/' + r.certificate_code} aria-label=${t('cert.open') + ': ' + r.course_title}>${t('cert.open')}</a>
            <a class="button secondary" href=${'/verify/' + r.certificate_code + '?print=1'}
              aria-label=${t('common.print') + ': ' + r.course_title}>${t('common.print')}</a>
            <button type="button" class="button secondary" onClick=${() => copy(r.certificate_code)}
              aria-label=${t('cert.share') + ': ' + r.course_title}>${t('cert.share')}</button>
            <a class="button secondary" href=${'/api/v1/certificates/' + encodeURIComponent(r.certificate_code) + '/pdf'} download
              aria-label=${t('cert.pdf') + ': ' + r.course_title}>${t('cert.pdf')}</a>
          </div>
        </li>`)}</ul>`}<//>
    <${Status} text=${msg} />
  <//>`;
}

screen('/certificates', Certificates);
nav({ href: '/certificates', label: 'nav.certificates', order: 40 });
