// One module of a course: the lesson reader (server-sanitised body_html,
// previous/next, `Mark as done`) or, for a quiz module, the quiz player.
import { html, useState } from '../lib/html.js';
import { t, fmtDate } from '../lib/i18n.js';
import { screen } from '../lib/router.js';
import { get, post } from '../lib/api.js';
import { Page, useApi, Loaded, Badge, ErrorBox, ProgressBar } from '../components/ui.js';
import { loadCourse, moduleHref } from './course.js';
import { doneSet } from '../lib/progress.js';
import { QuizPlayer } from './quiz.js';

async function load(params, user) {
  const [c, module] = await Promise.all([loadCourse(params.id, user), get('/modules/' + params.mid)]);
  return { ...c, module };
}

function PrevNext({ course, module }) {
  const i = course.modules.findIndex(m => m.id === module.id);
  const prev = course.modules[i - 1], next = course.modules[i + 1];
  return html`<nav class="prevnext" aria-label=${t('lesson.pager')}>
    ${prev ? html`<a class="prev" href=${moduleHref(course.id, prev)} rel="prev">
      <span class="dir">${t('lesson.previous')}</span><span lang=${course.language}>${prev.title}</span></a>` : html`<span></span>`}
    ${next ? html`<a class="next" href=${moduleHref(course.id, next)} rel="next">
      <span class="dir">${t('lesson.next')}</span><span lang=${course.language}>${next.title}</span></a>` : html`<span></span>`}
  </nav>`;
}

function Lesson({ data, user, reload }) {
  const { course, module, enrollment } = data;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [fresh, setFresh] = useState(null);
  const enr = fresh || enrollment;
  const done = doneSet(enr).has(module.id);
  async function complete() {
    setBusy(true); setError(null);
    try {
      const e = await post('/modules/' + module.id + '/complete');
      setFresh(e);
    } catch (err) { setError(err); }
    setBusy(false);
  }
  return html`<${Page} title=${module.title} titleLang=${course.language} className="reader">
    <p class="crumbs"><a href=${'/courses/' + course.id} lang=${course.language}>${course.title}</a>
      <span aria-hidden="true"> › </span>${t('lesson.position', { n: module.position, total: course.modules.length })}</p>
    <article class="prose" lang=${course.language} dangerouslySetInnerHTML=${{ __html: module.body_html || '' }}></article>
    <div class="card lesson-done">
      <${ErrorBox} error=${error} />
      ${!enr ? html`<p>${t('lesson.enrolFirst')} <a href=${'/courses/' + course.id}>${t('lesson.toCourse')}</a></p>`
        : done ? html`<p><${Badge} kind="ok">${t('lesson.done')}<//></p>`
        : html`<button type="button" class="button primary" disabled=${busy} onClick=${complete}>${t('lesson.markDone')}</button>`}
      ${enr ? html`<${ProgressBar} done=${enr.progress.done} total=${enr.progress.total} />` : null}
      ${enr && enr.completed_at ? html`<p class="notice ok" role="status">${t('course.completed', { date: fmtDate(enr.completed_at) })}
        <a href=${'/courses/' + course.id}>${t('lesson.toCourse')}</a></p>` : null}
    </div>
    <${PrevNext} course=${course} module=${module} />
  <//>`;
}

function ModuleScreen({ params, user }) {
  const q = useApi(() => load(params, user), [params.id, params.mid]);
  return html`<${Loaded} q=${q}>${data => data.module.kind === 'quiz'
    ? html`<${QuizPlayer} data=${data} user=${user} reload=${q.reload} pager=${html`<${PrevNext} course=${data.course} module=${data.module} />`} />`
    : html`<${Lesson} data=${data} user=${user} reload=${q.reload} />`}<//>`;
}

screen('/courses/:id/modules/:mid', ModuleScreen);
