// Records (staff and reviewers): completion records with filters (course,
// user, dates; organisation for coordinators and admins), paged with the
// API's cursors, `Download CSV` of the same filter, and any user's
// printable transcript at /users/:id (the API answers 403 for another
// organisation's user to a reviewer, shown as "not allowed").
import { html, useState } from '../lib/html.js';
import { t, fmtDate, fmtPercent } from '../lib/i18n.js';
import { screen, nav, query, setQuery } from '../lib/router.js';
import { qs } from '../lib/api.js';
import { Page, usePaged, MoreButton, useApi, Loading, ErrorBox } from '../components/ui.js';
import { useAll, DownloadButton } from '../components/staff.js';
import { TranscriptView } from './transcript.js';

const STAFF = ['admin', 'coordinator', 'reviewer'];

function Records({ user }) {
  const q0 = query();
  const [f, setF] = useState({ org_id: q0.org_id || '', course_id: q0.course_id || '', user_id: q0.user_id || '', from: q0.from || '', to: q0.to || '' });
  const set = k => e => { const n = { ...f, [k]: e.target.value }; setF(n); setQuery(n); };
  const reviewer = user.role === 'reviewer';
  const orgs = useAll(reviewer ? null : '/orgs');
  const courses = useAll('/courses');
  const users = useAll('/users', reviewer ? { org_id: user.org_id } : f.org_id ? { org_id: f.org_id } : {});
  const filter = { ...f, org_id: reviewer ? '' : f.org_id };
  const p = usePaged('/records', { ...filter, limit: 50 });
  return html`<${Page} title=${t('records.title')} wide
      actions=${html`<${DownloadButton} path=${'/records' + qs({ ...filter, format: 'csv' })} filename="records.csv" label=${t('records.csv')} />`}>
    <form class="filters card" onSubmit=${e => e.preventDefault()}>
      ${reviewer ? null : html`<div class="field"><label for="r-org">${t('records.org')}</label>
        <select id="r-org" value=${f.org_id} onChange=${set('org_id')}><option value="">${t('records.anyOrg')}</option>
          ${(orgs || []).map(o => html`<option value=${o.id}>${o.name}</option>`)}</select></div>`}
      <div class="field"><label for="r-course">${t('records.course')}</label>
        <select id="r-course" value=${f.course_id} onChange=${set('course_id')}><option value="">${t('records.anyCourse')}</option>
          ${(courses || []).map(c => html`<option value=${c.id}>${c.title}</option>`)}</select></div>
      <div class="field"><label for="r-user">${t('records.user')}</label>
        <select id="r-user" value=${f.user_id} onChange=${set('user_id')}><option value="">${t('records.anyUser')}</option>
          ${(users || []).map(u => html`<option value=${u.id}>${u.name}</option>`)}</select></div>
      <div class="field"><label for="r-from">${t('records.from')}</label>
        <input id="r-from" type="date" value=${f.from} onChange=${set('from')} /></div>
      <div class="field"><label for="r-to">${t('records.to')}</label>
        <input id="r-to" type="date" value=${f.to} onChange=${set('to')} /></div>
    </form>
    <div class="table-wrap" tabindex="0"><table class="records">
      <caption class="visually-hidden">${t('records.title')}</caption>
      <thead><tr><th scope="col">${t('records.user')}</th><th scope="col">${t('records.org')}</th><th scope="col">${t('records.course')}</th>
        <th scope="col">${t('records.enrolled')}</th><th scope="col">${t('records.completed')}</th><th scope="col">${t('records.best')}</th>
        <th scope="col">${t('records.certificate')}</th></tr></thead>
      <tbody>${p.items.map(r => html`<tr>
        <th scope="row"><a href=${'/users/' + r.user_id}>${r.user_name}</a></th><td>${r.org_name}</td><td>${r.course_title}</td>
        <td>${fmtDate(r.enrolled_at)}</td><td>${r.completed_at ? fmtDate(r.completed_at) : '—'}</td>
        <td>${r.best_percent == null ? '—' : fmtPercent(r.best_percent)}</td>
        <td>${r.certificate_code ? html`<a href=${'/verify/' + r.certificate_code}>${r.certificate_code}</a>` : '—'}</td></tr>`)}</tbody>
    </table></div>
    ${!p.loading && !p.error && !p.items.length ? html`<p class="card empty">${t('records.none')}</p>` : null}
    <${MoreButton} p=${p} />
  <//>`;
}

screen('/records', Records, { roles: STAFF });
// Another organisation's user is a 403 for a reviewer: say so on a page
// of its own rather than an empty transcript.
function UserTranscript({ params }) {
  const q = useApi('/users/' + params.id + '/transcript');
  if (q.error) return html`<${Page} title=${t('records.transcript')}><${ErrorBox} error=${q.error} /><//>`;
  if (q.loading) return html`<${Loading} />`;
  return html`<${TranscriptView} userId=${params.id} title=${t('records.transcript') + ': ' + q.data.user.name} />`;
}

screen('/users/:id', UserTranscript, { roles: STAFF });
nav({ href: '/records', label: 'nav.records', roles: STAFF, order: 60 });
