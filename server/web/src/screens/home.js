// My learning: the courses the trainee is enrolled in, with progress.
import { html } from '../lib/html.js';
import { t, fmtDate } from '../lib/i18n.js';
import { screen, nav } from '../lib/router.js';
import { get, qs } from '../lib/api.js';
import { Page, useApi, Loaded, ProgressBar, Badge } from '../components/ui.js';

async function load(user) {
  const [enr, courses] = await Promise.all([
    get('/enrollments' + qs({ user_id: user.id, limit: 200 })),
    get('/courses' + qs({ limit: 200 })),
  ]);
  const byId = new Map(courses.items.map(c => [c.id, c]));
  return enr.items.map(e => ({ ...e, course: byId.get(e.course_id) })).filter(e => e.course);
}

function Home({ user }) {
  const q = useApi(() => load(user), [user.id]);
  return html`<${Page} title=${t('home.title')}>
    <p class="lead">${t('home.hello', { name: user.name })}</p>
    <${Loaded} q=${q}>${items => items.length === 0
      ? html`<div class="card empty"><p>${t('home.empty')}</p><p><a class="button primary" href="/courses">${t('home.browse')}</a></p></div>`
      : html`<ul class="cards">${items.map(e => html`<li class="card course-card">
          <h2><a href=${'/courses/' + e.course_id}>${e.course.title}</a></h2>
          ${e.completed_at
            ? html`<p><${Badge} kind="ok">${t('course.completed', { date: fmtDate(e.completed_at) })}<//></p>`
            : html`<p class="muted">${t('home.enrolled', { date: fmtDate(e.enrolled_at) })}</p>`}
          <${ProgressBar} done=${e.progress.done} total=${e.progress.total} label=${t('progress.of', { title: e.course.title })} />
          <p><a href=${'/courses/' + e.course_id} aria-label=${(e.completed_at ? t('home.review') : t('home.continue')) + ': ' + e.course.title}>
            ${e.completed_at ? t('home.review') : t('home.continue')}</a></p>
        </li>`)}</ul>`}<//>
  <//>`;
}

screen('/', Home);
nav({ href: '/', label: 'nav.home', order: 10 });
