// My transcript: completed courses, events attended, secondments; printable.
// Exported so part 2 can show any user's transcript (reviewers, staff).
import { html } from '../lib/html.js';
import { t, fmtDate, fmtPercent } from '../lib/i18n.js';
import { screen, nav } from '../lib/router.js';
import { Page, useApi, Loaded } from '../components/ui.js';

export function TranscriptView({ userId, title }) {
  const q = useApi('/users/' + userId + '/transcript');
  return html`<${Loaded} q=${q}>${tr => html`<${Page} title=${title || t('transcript.title')} className="transcript"
      actions=${html`<button type="button" class="button secondary no-print" onClick=${() => window.print()}>${t('common.print')}</button>`}>
    <dl class="pairs print-head">
      <dt>${t('transcript.name')}</dt><dd>${tr.user.name}</dd>
      <dt>${t('transcript.org')}</dt><dd>${tr.org ? tr.org.name : ''}</dd>
      <dt>${t('transcript.date')}</dt><dd>${fmtDate(new Date().toISOString())}</dd>
    </dl>
    <h2>${t('transcript.courses')}</h2>
    ${tr.courses.length ? html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">${t('transcript.course')}</th><th scope="col">${t('transcript.completed')}</th>
        <th scope="col">${t('transcript.score')}</th><th scope="col">${t('transcript.certificate')}</th></tr></thead>
      <tbody>${tr.courses.map(c => html`<tr><th scope="row">${c.course_title}</th><td>${fmtDate(c.completed_at)}</td>
        <td>${c.best_percent === null || c.best_percent === undefined ? '—' : fmtPercent(c.best_percent)}</td>
        <td>${c.certificate_code ? html`<a href=${'/verify/' + c.certificate_code}>${c.certificate_code}</a>` : '—'}</td></tr>`)}</tbody>
    </table></div>` : html`<p class="muted">${t('transcript.noCourses')}</p>`}
    <h2>${t('transcript.events')}</h2>
    ${tr.events.length ? html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">${t('transcript.event')}</th><th scope="col">${t('transcript.kind')}</th>
        <th scope="col">${t('transcript.dates')}</th><th scope="col">${t('transcript.attendance')}</th></tr></thead>
      <tbody>${tr.events.map(e => html`<tr><th scope="row">${e.title}</th><td>${t('kind.' + e.kind)}</td>
        <td>${fmtDate(e.starts_at)}</td><td>${t('attendance.' + e.attendance)}</td></tr>`)}</tbody>
    </table></div>` : html`<p class="muted">${t('transcript.noEvents')}</p>`}
    <h2>${t('transcript.secondments')}</h2>
    ${tr.secondments.length ? html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">${t('transcript.host')}</th><th scope="col">${t('transcript.dates')}</th>
        <th scope="col">${t('transcript.status')}</th></tr></thead>
      <tbody>${tr.secondments.map(s => html`<tr><th scope="row">${s.host_institution} (${s.host_country})</th>
        <td>${fmtDate(s.starts_on)} – ${fmtDate(s.ends_on)}</td><td>${t('secondment.' + s.status)}</td></tr>`)}</tbody>
    </table></div>` : html`<p class="muted">${t('transcript.noSecondments')}</p>`}
  <//>`}<//>`;
}

screen('/transcript', ({ user }) => html`<${TranscriptView} userId=${user.id} />`);
nav({ href: '/transcript', label: 'nav.transcript', order: 45 });
