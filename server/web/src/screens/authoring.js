// Course authoring (coordinator, admin): the course list with drafts, the
// course editor (title, summary, audiences, language, publish switch), its
// modules reordered by keyboard (move up/down) or by drag, a lesson editor
// with a live preview rendered by the server's own sanitiser
// (POST /markdown/preview) that also edits an existing lesson
// (/manage/modules/:id, PATCH), deleting a module or a draft course after
// a confirmation dialog (the server refuses, in words, while learners
// depend on it), GIFT import with the parser's line shown beside the text,
// and quiz settings (questions drawn per attempt included).
import { html, useState, useEffect, useRef } from '../lib/html.js';
import { t, fmtNumber } from '../lib/i18n.js';
import { screen, nav, navigate } from '../lib/router.js';
import { get, post, patch, put, del, api, qs } from '../lib/api.js';
import { Page, usePaged, MoreButton, useApi, Loaded, Field, FormErrors, fieldErrors, Badge, Status, ErrorBox } from '../components/ui.js';
import { useForm } from '../components/staff.js';
import { ConfirmDialog } from '../components/confirm.js';

const ROLES = ['admin', 'coordinator'];
const AUDIENCES = ['border_guard', 'consular', 'migration', 'asylum', 'all'];

// What the course list announces once after a course was deleted.
let flash = '';

function CourseList() {
  const p = usePaged('/courses', { limit: 50 });
  const [said] = useState(() => { const f = flash; flash = ''; return f; });
  return html`<${Page} title=${t('author.title')} wide
      actions=${html`<a class="button primary" href="/manage/courses/new">${t('author.new')}</a>`}>
    ${said ? html`<p class="notice ok" role="status">${said}</p>` : null}
    <div class="table-wrap" tabindex="0"><table>
      <thead><tr><th scope="col">${t('author.course')}</th><th scope="col">${t('author.language')}</th><th scope="col">${t('author.state')}</th></tr></thead>
      <tbody>${p.items.map(c => html`<tr><th scope="row"><a href=${'/manage/courses/' + c.id}>${c.title}</a></th>
        <td>${c.language}</td>
        <td>${c.published ? html`<${Badge} kind="ok">${t('author.published')}<//>` : html`<${Badge} kind="warn">${t('author.draft')}<//>`}</td></tr>`)}</tbody>
    </table></div>
    <${MoreButton} p=${p} />
  <//>`;
}

function CourseForm({ course, onSaved }) {
  const [v, set] = useForm(course ? { ...course } : { slug: '', title: '', summary: '', audience: [], language: 'en', estimated_minutes: '', published: false });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState('');
  const fe = fieldErrors(error);
  async function save(e) {
    e.preventDefault();
    setBusy(true); setError(null); setSaved('');
    const body = { title: v.title, summary: v.summary, audience: v.audience, language: v.language, published: !!v.published };
    if (v.estimated_minutes !== '' && v.estimated_minutes != null) body.estimated_minutes = Number(v.estimated_minutes);
    try {
      const c = course ? await patch('/courses/' + course.id, body) : await post('/courses', { ...body, slug: v.slug });
      setSaved(t('staff.saved'));
      onSaved(c);
    } catch (x) { setError(x); }
    setBusy(false);
  }
  const toggle = a => set('audience')(v.audience.includes(a) ? v.audience.filter(x => x !== a) : v.audience.concat(a));
  return html`<form class="card form" onSubmit=${save} novalidate>
    <${FormErrors} error=${error} />
    ${course ? null : html`<${Field} label=${t('author.slug')} hint=${t('author.slugHint')} value=${v.slug} onInput=${set('slug')} error=${fe.slug} required />`}
    <${Field} label=${t('author.courseTitle')} value=${v.title} onInput=${set('title')} error=${fe.title} required />
    <${Field} label=${t('author.summary')} type="textarea" value=${v.summary} onInput=${set('summary')} error=${fe.summary} />
    <fieldset class=${'field checks' + (fe.audience ? ' has-error' : '')}>
      <legend>${t('author.audience')}</legend>
      ${fe.audience ? html`<p class="field-error">${fe.audience}</p>` : null}
      ${AUDIENCES.map(a => html`<label class="check"><input type="checkbox" checked=${v.audience.includes(a)} onChange=${() => toggle(a)} /> ${t('audience.' + a)}</label>`)}
    </fieldset>
    <${Field} label=${t('author.language')} type="select" value=${v.language} onInput=${set('language')} error=${fe.language}>
      <option value="en" lang="en">English</option><option value="lt" lang="lt">Lietuvių</option>
    <//>
    <${Field} label=${t('author.minutes')} type="number" min="0" value=${v.estimated_minutes ?? ''} onInput=${set('estimated_minutes')} error=${fe.estimated_minutes} />
    <label class="switch"><input type="checkbox" role="switch" checked=${!!v.published} onChange=${e => set('published')(e.target.checked)} />
      <span>${t('author.publish')}</span></label>
    <div class="actions"><button type="submit" class="button primary" disabled=${busy}>${t('staff.save')}</button></div>
    <${Status} text=${saved} />
  </form>`;
}

// Modules in order; Move up/down buttons (keyboard) and drag and drop both
// send the whole new order to PUT /courses/{id}/modules/order. Rows are
// keyed by module: each row's delete dialog keeps its own state, and a
// deleted row goes as a whole (unkeyed, a stale row could linger).
function ModuleOrder({ course, onChange, onDeleted }) {
  const [error, setError] = useState(null);
  const [msg, setMsg] = useState('');
  const [drag, setDrag] = useState(null);
  const mods = course.modules || [];
  async function move(from, to) {
    if (to < 0 || to >= mods.length || from === to) return;
    const ids = mods.map(m => m.id);
    const [x] = ids.splice(from, 1);
    ids.splice(to, 0, x);
    setError(null);
    try {
      const c = await put('/courses/' + course.id + '/modules/order', { module_ids: ids });
      onChange(c);
      setMsg(t('author.moved', { title: mods[from].title, n: to + 1 }));
      requestAnimationFrame(() => { const b = document.getElementById('mv-' + x + (to < from ? '-up' : '-down')); if (b && !b.disabled) b.focus(); });
    } catch (e) { setError(e); }
  }
  // The row and its buttons are gone: focus goes to the list's heading,
  // and the status line says what happened.
  function deleted(m) {
    setMsg(t('author.moduleDeleted', { title: m.title }));
    onDeleted();
    requestAnimationFrame(() => { const h = document.getElementById('c-mods'); if (h) h.focus(); });
  }
  if (!mods.length) return html`<div><p class="muted">${t('author.noModules')}</p><${Status} text=${msg} /></div>`;
  return html`<div>
    <${ErrorBox} error=${error} />
    <p class="hint">${t('author.orderHint')}</p>
    <ol class="modules sortable">${mods.map((m, i) => html`<li key=${m.id} class=${'module' + (drag === i ? ' dragging' : '')} draggable="true"
        onDragStart=${e => { setDrag(i); e.dataTransfer.effectAllowed = 'move'; e.dataTransfer.setData('text/plain', String(i)); }}
        onDragOver=${e => e.preventDefault()} onDragEnd=${() => setDrag(null)}
        onDrop=${e => { e.preventDefault(); const from = Number(e.dataTransfer.getData('text/plain')); setDrag(null); move(from, i); }}>
      <span class="module-icon" aria-hidden="true">${i + 1}</span>
      <span class="module-body"><span>${m.title}</span>
        <span class="module-meta">${m.kind === 'quiz' ? html`<a href=${'/manage/quizzes/' + m.quiz_id}>${t('author.quizSettings')}</a>`
          : html`${t('author.lesson')} · <a href=${'/manage/modules/' + m.id}>${t('author.edit')}<span class="visually-hidden"> ${m.title}</span></a>`}</span></span>
      <span class="move">
        <button type="button" class="button secondary small" id=${'mv-' + m.id + '-up'} disabled=${i === 0}
          aria-label=${t('author.moveUp', { title: m.title })} onClick=${() => move(i, i - 1)}>↑</button>
        <button type="button" class="button secondary small" id=${'mv-' + m.id + '-down'} disabled=${i === mods.length - 1}
          aria-label=${t('author.moveDown', { title: m.title })} onClick=${() => move(i, i + 1)}>↓</button>
        <${ConfirmDialog} label=${t('author.delete')} name=${t('author.deleteModule', { title: m.title })}
          title=${t('author.deleteModuleQ', { title: m.title })}
          body=${m.kind === 'quiz' ? t('author.deleteQuizBody') : t('author.deleteLessonBody')}
          yes=${t('author.deleteYes')} onConfirm=${() => del('/modules/' + m.id)} onDone=${() => deleted(m)} />
      </span></li>`)}</ol>
    <${Status} text=${msg} />
  </div>`;
}

// One editor for a new lesson (POST, then empty again) and an existing one
// (`module` given: prefilled, saved with PATCH, stays open).
function LessonEditor({ course, module, onAdded, onSaved }) {
  const [title, setTitle] = useState(module ? module.title : '');
  const [md, setMd] = useState(module ? module.body_md : '');
  const [saved, setSaved] = useState('');
  const [preview, setPreview] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);
  // The preview follows the text after a short pause; only the answer to
  // the latest request is shown.
  useEffect(() => {
    const n = ++seq.current;
    setPending(true);
    const timer = setTimeout(async () => {
      try {
        const r = await post('/markdown/preview', { body_md: md });
        if (n === seq.current) setPreview(r.body_html);
      } catch (e) { /* the save shows errors */ }
      if (n === seq.current) setPending(false);
    }, 300);
    return () => clearTimeout(timer);
  }, [md]);
  const fe = fieldErrors(error);
  async function save(e) {
    e.preventDefault();
    setBusy(true); setError(null); setSaved('');
    try {
      if (module) {
        const m = await patch('/modules/' + module.id, { title, body_md: md });
        setSaved(t('staff.saved'));
        onSaved(m);
      } else {
        await post('/courses/' + course.id + '/modules', { title, kind: 'lesson', body_md: md });
        setTitle(''); setMd('');
        onAdded();
      }
    } catch (x) { setError(x); }
    setBusy(false);
  }
  return html`<form class="card form" onSubmit=${save} novalidate aria-labelledby="lesson-h">
    ${module ? html`<h2 id="lesson-h" class="visually-hidden">${t('author.editLesson')}</h2>`
      : html`<h3 id="lesson-h">${t('author.newLesson')}</h3>`}
    <${FormErrors} error=${error} />
    <${Field} label=${t('author.lessonTitle')} value=${title} onInput=${setTitle} error=${fe.title} required />
    <div class="editor">
      <${Field} label=${t('author.markdown')} type="textarea" class="md" value=${md} onInput=${setMd} error=${fe.body_md} hint=${t('author.mdHint')} />
      <div class="preview-wrap">
        <p class="preview-label" id="preview-label">${t('author.preview')} ${pending ? html`<span class="spinner" aria-hidden="true"></span>` : null}</p>
        <article class="prose preview" aria-labelledby="preview-label" lang=${course.language}
          dangerouslySetInnerHTML=${{ __html: preview }}></article>
      </div>
    </div>
    <div class="actions"><button type="submit" class="button primary" disabled=${busy}>${module ? t('author.saveLesson') : t('author.addLesson')}</button></div>
    <${Status} text=${saved} />
  </form>`;
}

// The line a GIFT error names: "line 7: ..." in errors[] or the detail.
function errorLine(err) {
  const text = (err && err.problem && ((err.errors[0] && err.errors[0].message) || err.problem.detail)) || '';
  const m = /line (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

function GiftImport({ course, onImported }) {
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');
  const line = errorLine(error);
  const lines = text.split('\n');
  async function readFile(e) {
    const f = e.target.files[0];
    if (f) setText(await f.text());
  }
  async function go(e) {
    e.preventDefault();
    setBusy(true); setError(null); setDone('');
    try {
      const q = await api('/quizzes/import' + qs({ title, course_id: course.id }), { method: 'POST', text });
      setDone(t('author.imported', { n: q.question_count }));
      setText(''); setTitle('');
      onImported();
    } catch (x) { setError(x); }
    setBusy(false);
  }
  return html`<form class="card form" onSubmit=${go} novalidate aria-labelledby="gift-h">
    <h3 id="gift-h">${t('author.gift')}</h3>
    <${Field} label=${t('author.quizTitle')} value=${title} onInput=${setTitle} error=${fieldErrors(error).title} required />
    <div class="field"><label for="gift-file">${t('author.giftFile')}</label>
      <input id="gift-file" type="file" accept=".gift,.txt,text/plain" onChange=${readFile} /></div>
    <div class="gift">
      <${Field} label=${t('author.giftText')} type="textarea" class="md" value=${text} onInput=${setText} spellcheck="false"
        error=${line ? t('author.giftError', { line }) : null} />
      ${error ? html`<div class="gift-errors" role="alert">
        <p class="field-error">${error.errors[0] ? error.errors[0].message : error.message}</p>
        ${line ? html`<ol class="gift-lines" start=${Math.max(1, line - 2)} aria-label=${t('author.giftContext')}>
          ${lines.slice(Math.max(0, line - 3), line + 2).map((l, i) => html`<li class=${Math.max(1, line - 2) + i === line ? 'bad' : ''}><code>${l || ' '}</code></li>`)}
        </ol>` : null}
      </div>` : null}
    </div>
    <div class="actions"><button type="submit" class="button primary" disabled=${busy}>
      ${busy ? html`<span class="spinner" aria-hidden="true"></span>` : null}${t('author.import')}</button></div>
    <${Status} text=${done} />
  </form>`;
}

function CourseEditor({ params }) {
  const isNew = params.id === undefined;
  const q = useApi(isNew ? null : '/courses/' + params.id);
  if (isNew)
    return html`<${Page} title=${t('author.new')}><${CourseForm} onSaved=${c => navigate('/manage/courses/' + c.id, { replace: true })} /><//>`;
  return html`<${Loaded} q=${q}>${c => html`<${Page} title=${c.title} wide>
    <p class="crumbs"><a href="/manage/courses">${t('author.title')}</a> · <a href=${'/courses/' + c.id}>${t('author.view')}</a></p>
    <div class="grid-2">
      <section aria-labelledby="c-details"><h2 id="c-details">${t('author.details')}</h2>
        <${CourseForm} course=${c} onSaved=${x => q.setData({ ...c, ...x })} /></section>
      <section aria-labelledby="c-mods"><h2 id="c-mods" tabindex="-1">${t('author.modules')}</h2>
        <${ModuleOrder} course=${c} onChange=${x => q.setData(x)} onDeleted=${q.reload} /></section>
    </div>
    <h2>${t('author.add')}</h2>
    <${LessonEditor} course=${c} onAdded=${q.reload} />
    <${GiftImport} course=${c} onImported=${q.reload} />
    <section class="danger-zone card" aria-labelledby="c-delete"><h2 id="c-delete">${t('author.deleteCourse')}</h2>
      <p class="hint">${t('author.deleteCourseHint')}</p>
      <${ConfirmDialog} label=${t('author.deleteCourse')} name=${t('author.deleteCourse')}
        title=${t('author.deleteCourseQ', { title: c.title })} body=${t('author.deleteCourseBody')}
        yes=${t('author.deleteYes')} onConfirm=${() => del('/courses/' + c.id)}
        onDone=${() => { flash = t('author.courseDeleted', { title: c.title }); navigate('/manage/courses'); }} />
    </section>
  <//>`}<//>`;
}

// An existing lesson in the lesson editor; a quiz module's questions and
// settings are its quiz's.
function ModuleEditor({ params }) {
  const q = useApi(async () => {
    const module = await get('/modules/' + params.id);
    return { module, course: await get('/courses/' + module.course_id) };
  }, [params.id]);
  return html`<${Loaded} q=${q}>${({ module, course }) => html`<${Page} title=${t('author.editLesson')} wide>
    <p class="crumbs"><a href="/manage/courses">${t('author.title')}</a> · <a href=${'/manage/courses/' + course.id} lang=${course.language}>${course.title}</a> · <a href=${'/courses/' + course.id + '/modules/' + module.id}>${t('author.view')}</a></p>
    ${module.kind === 'lesson'
      ? html`<${LessonEditor} course=${course} module=${module} onSaved=${m => q.setData({ module: m, course })} />`
      : html`<p><a href=${'/manage/quizzes/' + module.quiz_id}>${t('author.quizSettings')}</a></p>`}
  <//>`}<//>`;
}

function QuizSettings({ params }) {
  const q = useApi('/quizzes/' + params.id);
  return html`<${Loaded} q=${q}>${quiz => html`<${Page} title=${quiz.title}>
    <${QuizForm} quiz=${quiz} onSaved=${q.setData} /><//>`}<//>`;
}

function QuizForm({ quiz, onSaved }) {
  const [v, set] = useForm({ ...quiz, draw: String(quiz.draw || 0), time_limit_min: quiz.time_limit_s ? String(quiz.time_limit_s / 60) : '0' });
  const [error, setError] = useState(null);
  const [local, setLocal] = useState({});
  const [saved, setSaved] = useState('');
  const fe = { ...fieldErrors(error), ...local };
  // The draw is checked here first, in the words of the field; the server
  // checks it again against the bank.
  function drawError(s) {
    const txt = String(s).trim();
    if (!/^\d+$/.test(txt)) return t('author.drawWhole');
    if (Number(txt) > quiz.question_count) return t('author.drawMax', { n: quiz.question_count });
    return null;
  }
  async function save(e) {
    e.preventDefault(); setError(null); setSaved('');
    const bad = drawError(v.draw);
    setLocal(bad ? { draw: bad } : {});
    if (bad) {
      requestAnimationFrame(() => { const el = document.querySelector('[aria-invalid="true"]'); if (el) el.focus(); });
      return;
    }
    try {
      const r = await patch('/quizzes/' + quiz.id, { title: v.title, pass_percent: Number(v.pass_percent), max_attempts: Number(v.max_attempts),
        time_limit_s: Math.round(Number(v.time_limit_min) * 60), grading: v.grading, shuffle: !!v.shuffle, draw: Number(v.draw) });
      onSaved(r); setSaved(t('staff.saved'));
    } catch (x) { setError(x); }
  }
  return html`<form class="card form" onSubmit=${save} novalidate>
    <p class="muted">${t('author.questions', { n: quiz.question_count })}</p>
    <${FormErrors} error=${error} />
    <${Field} label=${t('author.quizTitle')} value=${v.title} onInput=${set('title')} error=${fe.title} />
    <${Field} label=${t('author.pass')} type="number" min="0" max="100" value=${v.pass_percent} onInput=${set('pass_percent')} error=${fe.pass_percent} />
    <${Field} label=${t('author.attempts')} hint=${t('author.attemptsHint')} type="number" min="0" value=${v.max_attempts} onInput=${set('max_attempts')} error=${fe.max_attempts} />
    <${Field} label=${t('author.timeLimit')} hint=${t('author.timeHint')} type="number" min="0" value=${v.time_limit_min} onInput=${set('time_limit_min')} error=${fe.time_limit_s} />
    <${Field} label=${t('author.draw')} hint=${t('author.drawHint', { n: quiz.question_count })} type="text" inputmode="numeric"
      value=${v.draw} onInput=${set('draw')} error=${fe.draw} />
    <${Field} label=${t('author.grading')} type="select" value=${v.grading} onInput=${set('grading')} error=${fe.grading}>
      ${['highest', 'first', 'last', 'average'].map(g => html`<option value=${g}>${t('grading.' + g)}</option>`)}
    <//>
    <label class="switch"><input type="checkbox" checked=${!!v.shuffle} onChange=${e => set('shuffle')(e.target.checked)} /><span>${t('author.shuffle')}</span></label>
    <div class="actions"><button type="submit" class="button primary">${t('staff.save')}</button></div>
    <${Status} text=${saved} />
  </form>`;
}

screen('/manage/courses', CourseList, { roles: ROLES });
screen('/manage/courses/new', CourseEditor, { roles: ROLES });
screen('/manage/courses/:id', CourseEditor, { roles: ROLES });
screen('/manage/quizzes/:id', QuizSettings, { roles: ROLES });
screen('/manage/modules/:id', ModuleEditor, { roles: ROLES });
nav({ href: '/manage/courses', label: 'nav.authoring', roles: ROLES, order: 62 });
