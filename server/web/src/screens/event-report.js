// An event's report (API §16): registration and attendance counts, the
// evaluation's mean per question, and the knowledge gain of participants
// with both a pre and a post test, drawn as two bars (pre, post) with the
// same figures in a table for screen readers and print; CSV download.
import { html } from '../lib/html.js';
import { t, fmtNumber, fmtPercent } from '../lib/i18n.js';
import { screen } from '../lib/router.js';
import { get } from '../lib/api.js';
import { Page, useApi, Loaded } from '../components/ui.js';

const num = v => (v === null || v === undefined ? '—' : fmtNumber(Math.round(v * 100) / 100));
const pct = v => (v === null || v === undefined ? '—' : fmtPercent(v));

function PrePost({ k }) {
  const bars = [[t('rep.pre'), k.pre_mean_percent], [t('rep.post'), k.post_mean_percent]];
  return html`<figure class="chart">
    <svg viewBox="0 0 320 80" aria-hidden="true" focusable="false">
      ${bars.map(([name, v], i) => html`<g>
        <text class="bar-name" x="0" y=${22 + i * 36}>${name}</text>
        <rect class="bar-bg" x="70" y=${10 + i * 36} width="200" height="18" rx="3" />
        <rect class="bar" x="70" y=${10 + i * 36} width=${Math.max(0, Math.min(100, v || 0)) * 2} height="18" rx="3" />
        <text class="bar-label" x="276" y=${23 + i * 36}>${pct(v)}</text>
      </g>`)}
    </svg>
  </figure>`;
}

function Report({ params }) {
  const q = useApi(() => Promise.all([get('/events/' + params.id), get('/events/' + params.id + '/report')]), [params.id]);
  return html`<${Loaded} q=${q}>${([e, r]) => html`<${Page} title=${t('rep.title', { title: e.title })} className="report"
      actions=${html`<a class="button secondary" href=${'/api/v1/events/' + e.id + '/report?format=csv'}
        download=${'event-' + e.id + '-report.csv'}>${t('rep.csv')}</a>`}>
    <p class="crumbs"><a href=${'/manage/events/' + e.id}>${e.title}</a></p>
    <section class="card" aria-labelledby="rep-counts"><h2 id="rep-counts">${t('rep.counts')}</h2>
      <dl class="pairs">${['registered', 'confirmed', 'waitlisted', 'attended', 'partial', 'no_show'].map(k =>
        html`<dt>${t('rep.' + k)}</dt><dd>${fmtNumber(r[k] || 0)}</dd>`)}</dl>
    </section>
    <section class="card" aria-labelledby="rep-know"><h2 id="rep-know">${t('rep.knowledge')}</h2>
      ${r.knowledge && r.knowledge.paired ? html`<${PrePost} k=${r.knowledge} />` : null}
      <div class="table-wrap" tabindex="0"><table>
        <caption>${t('rep.knowledgeCaption', { n: r.knowledge ? r.knowledge.paired : 0 })}</caption>
        <thead><tr><th scope="col">${t('rep.pre')}</th><th scope="col">${t('rep.post')}</th><th scope="col">${t('rep.gain')}</th></tr></thead>
        <tbody><tr><td>${pct(r.knowledge && r.knowledge.pre_mean_percent)}</td><td>${pct(r.knowledge && r.knowledge.post_mean_percent)}</td>
          <td>${num(r.knowledge && r.knowledge.gain_points)}</td></tr></tbody>
      </table></div>
    </section>
    <section class="card" aria-labelledby="rep-eval"><h2 id="rep-eval">${t('rep.evaluation')}</h2>
      <p>${t('rep.responses', { n: r.evaluation ? r.evaluation.responses : 0 })}</p>
      ${r.evaluation && r.evaluation.questions.length ? html`<div class="table-wrap" tabindex="0"><table>
        <thead><tr><th scope="col">${t('rep.question')}</th><th scope="col">${t('rep.mean')}</th><th scope="col">${t('rep.n')}</th></tr></thead>
        <tbody>${r.evaluation.questions.map(x => html`<tr><th scope="row">${x.text}</th><td>${num(x.mean)}</td><td>${fmtNumber(x.n)}</td></tr>`)}</tbody>
      </table></div>` : null}
    </section>
  <//>`}<//>`;
}

screen('/manage/events/:id/report', Report, { roles: ['admin', 'coordinator'] });
