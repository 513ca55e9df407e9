// The quiz player: `Start attempt`, the six question types, answers saved
// as they are given, a countdown to the server's deadline when timed,
// `Submit answers`, then the review with correct answers and feedback.
import { html, useState, useEffect, useRef } from '../lib/html.js';
import { t, fmtPercent, fmtNumber } from '../lib/i18n.js';
import { get, post, put } from '../lib/api.js';
import { Page, useApi, Loaded, Badge, ErrorBox, Status } from '../components/ui.js';

const choiceLabel = (q, c) => (q.type === 'truefalse' ? t(c.text === 'True' ? 'quiz.true' : c.text === 'False' ? 'quiz.false' : c.text) : c.text);

// The answer object the API takes for a question, or null when unanswered.
function toAnswer(q, v) {
  if (v === undefined || v === null) return null;
  switch (q.type) {
    case 'single': case 'truefalse': return v === '' ? null : { question_id: q.id, choice_ids: [Number(v)] };
    case 'multiple': return { question_id: q.id, choice_ids: v.map(Number) };
    case 'short': return v.trim() === '' ? null : { question_id: q.id, text: v };
    case 'numeric': {
      const n = parseNumber(v);
      return n === null ? null : { question_id: q.id, number: n };
    }
    case 'matching': {
      const pairs = Object.entries(v).filter(([, r]) => r).map(([l, r]) => [l, r]);
      return pairs.length ? { question_id: q.id, pairs } : null;
    }
  }
  return null;
}
function parseNumber(v) {
  const s = String(v).trim().replace(/\s/g, '').replace(',', '.');
  if (s === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return null;
  return Number(s);
}
// The saved answer back into the control's value (an open attempt resumed).
function fromAnswer(q, a) {
  if (!a) return undefined;
  switch (q.type) {
    case 'single': case 'truefalse': return a.choice_ids && a.choice_ids.length ? String(a.choice_ids[0]) : '';
    case 'multiple': return (a.choice_ids || []).map(String);
    case 'short': return a.text || '';
    case 'numeric': return a.number === undefined ? '' : String(a.number);
    case 'matching': return Object.fromEntries(a.pairs || []);
  }
  return undefined;
}

function Question({ q, n, value, onChange, disabled }) {
  const name = 'q' + q.id;
  const legend = html`<legend><span class="qnum">${t('quiz.question', { n })}</span><span class="qtext">${q.text}</span></legend>`;
  if (q.type === 'single' || q.type === 'truefalse' || q.type === 'multiple') {
    const multi = q.type === 'multiple';
    const cur = multi ? (value || []) : value;
    return html`<fieldset class="question">${legend}
      ${multi ? html`<p class="hint">${t('quiz.chooseAll')}</p>` : null}
      <div class=${'choices' + (q.type === 'truefalse' ? ' inline' : '')}>
      ${q.choices.map(c => {
        const id = name + '-' + c.id;
        const checked = multi ? cur.includes(String(c.id)) : cur === String(c.id);
        return html`<div class="choice"><input type=${multi ? 'checkbox' : 'radio'} id=${id} name=${name} value=${c.id}
            checked=${checked} disabled=${disabled}
            onChange=${e => onChange(multi ? (e.target.checked ? [...cur, String(c.id)] : cur.filter(x => x !== String(c.id))) : String(c.id))} />
          <label for=${id}>${choiceLabel(q, c)}</label></div>`;
      })}</div>
    </fieldset>`;
  }
  if (q.type === 'short' || q.type === 'numeric') {
    const id = name + '-input';
    const bad = q.type === 'numeric' && value && parseNumber(value) === null;
    return html`<fieldset class="question">${legend}
      <div class=${'field' + (bad ? ' has-error' : '')}>
        <label for=${id}>${t('quiz.yourAnswer')}</label>
        ${bad ? html`<p class="field-error" id=${id + '-err'}>${t('quiz.notNumber')}</p>` : null}
        <input id=${id} type="text" inputmode=${q.type === 'numeric' ? 'decimal' : undefined} autocomplete="off"
          value=${value || ''} disabled=${disabled} aria-invalid=${bad ? 'true' : undefined}
          aria-describedby=${bad ? id + '-err' : undefined} onInput=${e => onChange(e.target.value)} />
      </div>
    </fieldset>`;
  }
  if (q.type === 'matching') {
    const cur = value || {};
    return html`<fieldset class="question">${legend}
      <p class="hint">${t('quiz.match')}</p>
      ${q.left.map((l, i) => {
        const id = name + '-m' + i;
        return html`<div class="field match-row"><label for=${id}>${l}</label>
          <select id=${id} value=${cur[l] || ''} disabled=${disabled} onChange=${e => onChange({ ...cur, [l]: e.target.value })}>
            <option value="">${t('quiz.choose')}</option>
            ${q.right.map(r => html`<option value=${r}>${r}</option>`)}
          </select></div>`;
      })}
    </fieldset>`;
  }
  return null;
}

function Countdown({ deadline, onExpire }) {
  const [left, setLeft] = useState(() => Math.max(0, Date.parse(deadline) - Date.now()));
  const fired = useRef(false);
  useEffect(() => {
    const id = setInterval(() => {
      const l = Math.max(0, Date.parse(deadline) - Date.now());
      setLeft(l);
      if (l === 0 && !fired.current) { fired.current = true; onExpire(); }
    }, 1000);
    return () => clearInterval(id);
  }, [deadline]);
  const s = Math.ceil(left / 1000);
  const mm = Math.floor(s / 60), ss = String(s % 60).padStart(2, '0');
  return html`<div class=${'timer' + (s < 60 ? ' urgent' : '')}>
    <span>${t('quiz.timeLeft')}</span> <span role="timer" aria-live=${s < 60 ? 'polite' : 'off'}>${mm}:${ss}</span>
  </div>`;
}

function describeCorrect(q) {
  const ca = q.correct_answer;
  if (!ca) return '';
  if (ca.choice_ids) return (q.choices || []).filter(c => ca.choice_ids.includes(c.id)).map(c => choiceLabel(q, c)).join('; ');
  if ('text' in ca) return ca.text;
  if ('min' in ca) return fmtNumber(ca.min) + ' – ' + fmtNumber(ca.max);
  if ('number' in ca) return fmtNumber(ca.number) + (ca.tolerance ? ' ± ' + fmtNumber(ca.tolerance) : '');
  if (ca.pairs) return ca.pairs.map(p => p[0] + ' → ' + p[1]).join('; ');
  return '';
}
function describeGiven(q) {
  const a = q.answer;
  if (!a) return t('quiz.noAnswer');
  if (a.choice_ids) return (q.choices || []).filter(c => a.choice_ids.includes(c.id)).map(c => choiceLabel(q, c)).join('; ') || t('quiz.noAnswer');
  if ('text' in a) return a.text;
  if ('number' in a) return fmtNumber(a.number);
  if (a.pairs) return a.pairs.map(p => p[0] + ' → ' + p[1]).join('; ');
  return t('quiz.noAnswer');
}

function Review({ attempt }) {
  return html`<ol class="review">${attempt.questions.map((q, i) => {
    const verdict = q.correct ? 'correct' : q.credit > 0 ? 'partial' : 'wrong';
    return html`<li class=${'card review-q ' + verdict}>
      <h3><span class="qnum">${t('quiz.question', { n: i + 1 })}</span> ${q.text}</h3>
      <p><${Badge} kind=${q.correct ? 'ok' : q.credit > 0 ? 'warn' : 'bad'}>${t('quiz.verdict.' + verdict)}<//></p>
      <dl class="pairs">
        <dt>${t('quiz.given')}</dt><dd>${describeGiven(q)}</dd>
        ${!q.correct ? html`<dt>${t('quiz.correctAnswer')}</dt><dd>${describeCorrect(q)}</dd>` : null}
        ${(q.feedback || []).length ? html`<dt>${t('quiz.feedback')}</dt><dd>${q.feedback.join(' ')}</dd>` : null}
        ${q.general_feedback ? html`<dt>${t('quiz.general')}</dt><dd>${q.general_feedback}</dd>` : null}
      </dl>
    </li>`;
  })}</ol>`;
}

export function QuizPlayer({ data, user, pager }) {
  const { course, module, enrollment } = data;
  // An event's pre/post test has the event, not a course, as its home.
  const home = data.home || { href: '/courses/' + course.id, title: course.title, label: t('lesson.toCourse') };
  const info = useApi('/quizzes/' + module.quiz_id);
  const [attempt, setAttempt] = useState(null);
  const [values, setValues] = useState({});
  const [saved, setSaved] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null);
  const [review, setReview] = useState(null);
  const chain = useRef(Promise.resolve());
  const valuesRef = useRef({});
  const heading = useRef(null);

  function save(next) {
    valuesRef.current = next;
    setSaved(t('quiz.saving'));
    chain.current = chain.current.then(async () => {
      const answers = attempt.questions.map(q => toAnswer(q, valuesRef.current[q.id])).filter(Boolean);
      try {
        await put('/attempts/' + attempt.id + '/answers', { answers });
        setSaved(t('quiz.saved'));
      } catch (e) { setSaved(''); setError(e); }
    });
  }
  function change(q, v) {
    const next = { ...valuesRef.current, [q.id]: v };
    setValues(next);
    save(next);
  }
  async function start() {
    setBusy(true); setError(null); setResult(null); setReview(null);
    try {
      const a = await post('/quizzes/' + module.quiz_id + '/attempts');
      const v = {};
      for (const q of a.questions) if (q.answer) v[q.id] = fromAnswer(q, q.answer);
      valuesRef.current = v; setValues(v); setAttempt(a); setSaved('');
    } catch (e) { setError(e); }
    setBusy(false);
  }
  async function submit(e) {
    if (e) e.preventDefault();
    setBusy(true); setError(null);
    try {
      await chain.current;
      const r = await post('/attempts/' + attempt.id + '/submit');
      const full = await get('/attempts/' + attempt.id);
      setResult(r); setReview(full); setAttempt(null);
      info.reload();
      setTimeout(() => heading.current && heading.current.focus(), 0);
    } catch (err) { setError(err); }
    setBusy(false);
  }

  return html`<${Page} title=${module.title} titleLang=${course.language} className="quiz">
    <p class="crumbs"><a href=${home.href} lang=${course.language}>${home.title}</a></p>
    <${Loaded} q=${info}>${quiz => html`
      ${!attempt ? html`<div class="card quiz-intro">
        <dl class="pairs">
          <dt>${t('quiz.questions')}</dt><dd>${fmtNumber(quiz.draw || quiz.question_count)}</dd>
          <dt>${t('quiz.passMark')}</dt><dd>${fmtPercent(quiz.pass_percent)}</dd>
          <dt>${t('quiz.timeLimit')}</dt><dd>${quiz.time_limit_s ? t('quiz.minutes', { n: Math.round(quiz.time_limit_s / 60) }) : t('quiz.noLimit')}</dd>
          <dt>${t('quiz.attemptsUsed')}</dt><dd>${quiz.max_attempts
            ? t('quiz.usedOf', { n: fmtNumber(quiz.attempts_used || 0), max: fmtNumber(quiz.max_attempts) })
            : fmtNumber(quiz.attempts_used || 0)}</dd>
          <dt>${t('quiz.attemptsLeftLabel')}</dt><dd>${quiz.attempts_left === undefined || quiz.attempts_left === null
            ? t('quiz.unlimited') : fmtNumber(quiz.attempts_left)}</dd>
        </dl>
        ${quiz.attempts_left === 0 ? html`<p class="notice info">${t('quiz.noAttemptsLeft')}</p>` : null}
        ${!enrollment ? html`<p>${t('lesson.enrolFirst')} <a href=${'/courses/' + course.id}>${t('lesson.toCourse')}</a></p>` : null}
      </div>` : null}
      ${result ? html`<section class=${'card result ' + (result.passed ? 'passed' : 'failed')} aria-labelledby="result-h">
        <h2 id="result-h" tabindex="-1" ref=${heading}>${result.passed ? t('quiz.passed') : t('quiz.failed')}</h2>
        <p class="score">${t('quiz.score', { score: fmtNumber(result.score), max: fmtNumber(result.max_score), percent: fmtPercent(result.percent) })}</p>
        ${result.passed ? html`<p><a href=${home.href}>${home.label}</a></p>` : null}
      </section>` : null}
      <${ErrorBox} error=${error} />
      ${!attempt && enrollment && !(result && result.passed) && quiz.attempts_left !== 0
        ? html`<p><button type="button" class="button primary" disabled=${busy} onClick=${start}>${t('quiz.start')}</button></p>` : null}
      ${attempt ? html`<form class="attempt" onSubmit=${submit} aria-label=${t('quiz.attemptLabel')}>
        ${attempt.deadline ? html`<${Countdown} deadline=${attempt.deadline} onExpire=${() => submit()} />` : null}
        <div lang=${course.language}>
        ${attempt.questions.map((q, i) => html`<${Question} key=${q.id} q=${q} n=${i + 1} value=${values[q.id]}
          onChange=${v => change(q, v)} disabled=${busy} />`)}
        </div>
        <${Status} text=${saved} />
        <button type="submit" class="button primary" disabled=${busy}>${t('quiz.submit')}</button>
      </form>` : null}
      ${review ? html`<h2>${t('quiz.review')}</h2><div lang=${course.language}><${Review} attempt=${review} /></div>` : null}
    `}<//>
    ${pager}
  <//>`;
}
