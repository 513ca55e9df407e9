// The attendee's evaluation of an event (API §16): each question of the
// event, a 1–5 scale as a radio group (fieldset + legend) or a free text,
// sent once. The API keeps no "already answered" flag for the registrant,
// so a second sending (409) is shown as "already sent", not as an error.
import { html, useState, useRef, useEffect } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { post, ApiError } from '../lib/api.js';
import { FormErrors } from './ui.js';

const SCALE = [1, 2, 3, 4, 5];

function Scale({ q, value, onChange, disabled }) {
  const name = 'eval-q' + q.id;
  return html`<fieldset class="question eval-scale" aria-describedby=${name + '-hint'}>
    <legend>${q.text}</legend>
    <p class="hint" id=${name + '-hint'}>${t('ev2.scaleHint')}</p>
    <div class="choices inline">${SCALE.map(n => html`<div class="choice">
      <input type="radio" id=${name + '-' + n} name=${name} value=${n} checked=${value === n} disabled=${disabled}
        onChange=${() => onChange(n)} />
      <label for=${name + '-' + n}>${t('ev2.scale' + n)}</label>
    </div>`)}</div>
  </fieldset>`;
}

export function Evaluation({ registration, event }) {
  const [values, setValues] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(null);          // 'sent' | 'already'
  const done = useRef(null);
  useEffect(() => { if (sent && done.current) done.current.focus(); }, [sent]);
  const set = (id, v) => setValues(old => ({ ...old, [id]: v }));
  async function submit(e) {
    e.preventDefault(); setError(null);
    const answers = event.evaluation.map(q => (q.kind === 'scale'
      ? (values[q.id] ? { question_id: q.id, value: values[q.id] } : null)
      : ((values[q.id] || '').trim() ? { question_id: q.id, text: values[q.id].trim() } : null))).filter(Boolean);
    if (!answers.length) { setError(new ApiError(422, { detail: t('ev2.answerOne') })); return; }
    setBusy(true);
    try {
      await post('/registrations/' + registration.id + '/evaluation', { answers });
      setSent('sent');
    } catch (x) {
      if (x instanceof ApiError && x.status === 409) setSent('already'); else setError(x);
    }
    setBusy(false);
  }
  return html`<section class="card evaluation" aria-labelledby="eval-h">
    <h2 id="eval-h">${t('ev2.evaluation')}</h2>
    ${sent ? html`<p class="notice ok" role="status" tabindex="-1" ref=${done}>${t(sent === 'sent' ? 'ev2.sent' : 'ev2.already')}</p>`
      : html`<form class="form" onSubmit=${submit} novalidate>
        <p>${t('ev2.evaluationIntro')}</p>
        <${FormErrors} error=${error} />
        ${event.evaluation.map(q => q.kind === 'scale'
          ? html`<${Scale} q=${q} value=${values[q.id]} onChange=${v => set(q.id, v)} disabled=${busy} />`
          : html`<div class="field question">
              <label for=${'eval-q' + q.id}>${q.text}</label>
              <textarea id=${'eval-q' + q.id} maxlength="5000" value=${values[q.id] || ''} disabled=${busy}
                onInput=${e => set(q.id, e.target.value)}></textarea>
            </div>`)}
        <div class="actions"><button type="submit" class="button primary" disabled=${busy}>${t('ev2.send')}</button></div>
      </form>`}
  </section>`;
}
