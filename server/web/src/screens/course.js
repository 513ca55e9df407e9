// The course outline: summary, `Enrol` until enrolled, progress, and the
// modules in order with their state (done, next, not started); a completed
// course links its certificate.
import { html, useState } from '../lib/html.js';
import { t, fmtDate } from '../lib/i18n.js';
import { screen, navigate } from '../lib/router.js';
import { get, post, qs } from '../lib/api.js';
import { Page, useApi, Loaded, ProgressBar, Badge, ErrorBox } from '../components/ui.js';
import { AudienceBadges } from './catalog.js';
import { doneSet } from '../lib/progress.js';

// The course, the caller's enrolment (or null) and, once complete, the
// certificate code from the caller's records.
export async function loadCourse(id, user) {
  const [course, enr] = await Promise.all([
    get('/courses/' + id),
    get('/enrollments' + qs({ user_id: user.id, course_id: id })),
  ]);
  const enrollment = enr.items[0] || null;
  let certificate = enrollment && enrollment.certificate_code || null;
  if (enrollment && enrollment.completed_at && !certificate) {
    const rec = await get('/records' + qs({ user_id: user.id, course_id: id })).catch(() => null);
    certificate = rec && rec.items[0] && rec.items[0].certificate_code || null;
  }
  return { course, enrollment, certificate };
}

export const moduleHref = (cid, m) => '/courses/' + cid + '/modules/' + m.id;

function Outline({ params, user }) {
  const q = useApi(() => loadCourse(params.id, user), [params.id]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function enrol() {
    setBusy(true); setError(null);
    try {
      await post('/enrollments', { course_id: Number(params.id) });
      q.reload();
    } catch (e) { setError(e); }
    setBusy(false);
  }
  return html`<${Loaded} q=${q}>${({ course, enrollment, certificate }) => {
    const done = doneSet(enrollment);
    const firstOpen = course.modules.find(m => !done.has(m.id));
    return html`<${Page} title=${course.title} titleLang=${course.language}>
      <div lang=${course.language}><p class="lead">${course.summary}</p></div>
      <${AudienceBadges} list=${course.audience} />
      <p class="meta">
        ${course.estimated_minutes ? html`<span>${t('course.minutes', { n: course.estimated_minutes })}</span>` : null}
        <span>${t('course.modules', { n: course.modules.length })}</span>
        <span>${t('course.language', { lang: t('lang.' + course.language) })}</span>
      </p>
      <${ErrorBox} error=${error} />
      ${enrollment
        ? html`<div class="card status-card">
            ${enrollment.completed_at
              ? html`<p><${Badge} kind="ok">${t('course.completed', { date: fmtDate(enrollment.completed_at) })}<//></p>
                ${certificate ? html`<p><a class="button primary" href=${'/verify/' + certificate}>${t('course.certificate')}</a></p>` : null}`
              : html`<p>${t('home.enrolled', { date: fmtDate(enrollment.enrolled_at) })}</p>`}
            <${ProgressBar} done=${enrollment.progress.done} total=${enrollment.progress.total} />
            ${!enrollment.completed_at && firstOpen
              ? html`<p><a class="button primary" href=${moduleHref(course.id, firstOpen)}>
                  ${enrollment.progress.done ? t('course.continue') : t('course.start')}</a></p>` : null}
          </div>`
        : html`<div class="card status-card"><p>${t('course.notEnrolled')}</p>
            <button type="button" class="button primary" disabled=${busy} onClick=${enrol}>${t('course.enrol')}</button></div>`}
      <h2>${t('course.outline')}</h2>
      <ol class="modules">${course.modules.map(m => {
        const state = done.has(m.id) ? 'done' : (enrollment && firstOpen && firstOpen.id === m.id ? 'next' : 'todo');
        return html`<li class=${'module ' + state}>
          <span class="module-icon" aria-hidden="true">${state === 'done' ? '✓' : m.position}</span>
          <span class="module-body">
            ${enrollment ? html`<a href=${moduleHref(course.id, m)} lang=${course.language}>${m.title}</a>`
              : html`<span lang=${course.language}>${m.title}</span>`}
            <span class="module-meta">${t('module.kind.' + m.kind)} · ${t('module.state.' + state)}</span>
          </span>
        </li>`;
      })}</ol>
    <//>`;
  }}<//>`;
}

screen('/courses/:id', Outline);
export { navigate };
