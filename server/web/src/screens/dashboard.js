// The reviewer's dashboard (staff see it too): completion by course, the
// completions of each month, events attended by kind, secondments by
// status and by host country. The API scopes every figure to a reviewer's
// own organisation. Charts are SVG drawn here, each followed by its table.
import { html } from '../lib/html.js';
import { t, fmtNumber, fmtPercent } from '../lib/i18n.js';
import { screen, nav } from '../lib/router.js';
import { get } from '../lib/api.js';
import { Page, useApi, Loaded } from '../components/ui.js';
import { getAll, BarChart, LineChart, countryName } from '../components/staff.js';

const ROLES = ['admin', 'coordinator', 'reviewer'];

async function load() {
  const [summary, records, secondments] = await Promise.all([
    get('/reports/summary'), getAll('/records', {}, 5000), getAll('/secondments', {}, 5000)]);
  const months = new Map();
  for (const r of records) if (r.completed_at) {
    const m = r.completed_at.slice(0, 7);
    months.set(m, (months.get(m) || 0) + 1);
  }
  const byMonth = [...months.keys()].sort();
  // Months without completions count as zero, so the line shows gaps.
  const series = [];
  if (byMonth.length) {
    let [y, m] = byMonth[0].split('-').map(Number);
    const last = byMonth[byMonth.length - 1];
    for (;;) {
      const k = y + '-' + String(m).padStart(2, '0');
      series.push({ label: k, value: months.get(k) || 0 });
      if (k === last || series.length > 240) break;
      if (++m > 12) { m = 1; y++; }
    }
  }
  const countries = new Map();
  for (const s of secondments) if (s.status !== 'cancelled') countries.set(s.host_country, (countries.get(s.host_country) || 0) + 1);
  return { summary, series, countries: [...countries.entries()].sort((a, b) => b[1] - a[1]) };
}

function Table({ caption, head, rows }) {
  return html`<div class="table-wrap" tabindex="0"><table>
    <caption>${caption}</caption>
    <thead><tr>${head.map(h => html`<th scope="col">${h}</th>`)}</tr></thead>
    <tbody>${rows.map(r => html`<tr><th scope="row">${r[0]}</th>${r.slice(1).map(c => html`<td>${c}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

function Dashboard({ user }) {
  const q = useApi(load);
  return html`<${Loaded} q=${q}>${({ summary, series, countries }) => {
    const many = new Set(summary.courses.map(c => c.org_id)).size > 1;
    const courseLabel = c => many ? c.course_title + ' (' + c.org_name + ')' : c.course_title;
    const sec = Object.entries(summary.secondments || {});
    return html`<${Page} title=${t('dash.title')} wide>
      <p class="lead">${user.role === 'reviewer' ? t('dash.ownOrg') : t('dash.allOrgs')}</p>
      <div class="dash">
        <section class="card" aria-labelledby="d-courses">
          <h2 id="d-courses">${t('dash.byCourse')}</h2>
          ${summary.courses.length ? html`
            <${BarChart} title=${t('dash.byCourse')} max=${100} format=${v => fmtPercent(v)}
              rows=${summary.courses.map(c => ({ label: courseLabel(c), value: Number(c.completion_rate) * 100 }))} />
            <${Table} caption=${t('dash.table')} head=${[t('records.course'), t('dash.enrolled'), t('dash.completed'), t('dash.rate')]}
              rows=${summary.courses.map(c => [courseLabel(c), fmtNumber(c.enrolled), fmtNumber(c.completed),
                fmtPercent(Number(c.completion_rate) * 100)])} />`
            : html`<p class="muted">${t('dash.none')}</p>`}
        </section>
        <section class="card" aria-labelledby="d-time">
          <h2 id="d-time">${t('dash.overTime')}</h2>
          ${series.length ? html`<${LineChart} title=${t('dash.overTime')} points=${series} />
            <${Table} caption=${t('dash.table')} head=${[t('dash.month'), t('dash.completed')]}
              rows=${series.map(p => [p.label, fmtNumber(p.value)])} />` : html`<p class="muted">${t('dash.none')}</p>`}
        </section>
        <section class="card" aria-labelledby="d-events">
          <h2 id="d-events">${t('dash.events')}</h2>
          ${summary.events.length ? html`<${BarChart} title=${t('dash.events')}
              rows=${summary.events.map(e => ({ label: t('kind.' + e.kind), value: e.attended }))} />
            <${Table} caption=${t('dash.table')} head=${[t('dash.kind'), t('dash.registered'), t('dash.attended')]}
              rows=${summary.events.map(e => [t('kind.' + e.kind), fmtNumber(e.registered), fmtNumber(e.attended)])} />`
            : html`<p class="muted">${t('dash.none')}</p>`}
        </section>
        <section class="card" aria-labelledby="d-sec">
          <h2 id="d-sec">${t('dash.secondments')}</h2>
          ${sec.length ? html`<${BarChart} title=${t('dash.secStatus')} rows=${sec.map(([k, v]) => ({ label: t('secondment.' + k), value: v }))} />
            <${Table} caption=${t('dash.secStatus')} head=${[t('dash.status'), t('dash.count')]}
              rows=${sec.map(([k, v]) => [t('secondment.' + k), fmtNumber(v)])} />` : html`<p class="muted">${t('dash.none')}</p>`}
          ${countries.length ? html`<${BarChart} title=${t('dash.secCountry')} rows=${countries.map(([k, v]) => ({ label: countryName(k), value: v }))} />
            <${Table} caption=${t('dash.secCountry')} head=${[t('dash.country'), t('dash.count')]}
              rows=${countries.map(([k, v]) => [countryName(k), fmtNumber(v)])} />` : null}
        </section>
      </div>
    <//>`;
  }}<//>`;
}

screen('/dashboard', Dashboard, { roles: ROLES });
nav({ href: '/dashboard', label: 'nav.dashboard', roles: ROLES, order: 55 });
