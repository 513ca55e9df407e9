// Secondments (coordinators edit; reviewers read their organisation's):
// the list with status and country filters, and one form for create and
// edit whose overlap (409) and date errors show at the form and fields.
import { html, useState } from '../lib/html.js';
import { t, fmtDate } from '../lib/i18n.js';
import { screen, nav, navigate, query, setQuery } from '../lib/router.js';
import { post, patch } from '../lib/api.js';
import { Page, usePaged, MoreButton, useApi, Loaded, Field, FormErrors, fieldErrors, Status } from '../components/ui.js';
import { useForm, useAll, EU_EEA, countryName } from '../components/staff.js';

const STATUSES = ['planned', 'active', 'completed', 'cancelled'];

function List({ user }) {
  const [f, setF] = useState({ status: query().status || '', country: query().country || '' });
  const set = k => e => { const n = { ...f, [k]: e.target.value }; setF(n); setQuery(n); };
  const p = usePaged('/secondments', { ...f, limit: 50 });
  const users = useAll('/users');
  const names = new Map((users || []).map(u => [u.id, u.name]));
  const edit = user.role !== 'reviewer';
  return html`<${Page} title=${t('sec.title')} wide actions=${edit ? html`<a class="button primary" href="/secondments/new">${t('sec.new')}</a>` : null}>
    <form class="filters card" onSubmit=${e => e.preventDefault()}>
      <div class="field"><label for="s-status">${t('sec.status')}</label><select id="s-status" value=${f.status} onChange=${set('status')}>
        <option value="">${t('sec.any')}</option>${STATUSES.map(s => html`<option value=${s}>${t('secondment.' + s)}</option>`)}</select></div>
      <div class="field"><label for="s-country">${t('sec.country')}</label><select id="s-country" value=${f.country} onChange=${set('country')}>
        <option value="">${t('sec.any')}</option>${EU_EEA.map(c => html`<option value=${c}>${countryName(c)}</option>`)}</select></div>
    </form>
    <div class="table-wrap" tabindex="0"><table>
      <thead><tr><th scope="col">${t('sec.person')}</th><th scope="col">${t('sec.host')}</th><th scope="col">${t('sec.dates')}</th><th scope="col">${t('sec.status')}</th></tr></thead>
      <tbody>${p.items.map(s => html`<tr><th scope="row">${edit ? html`<a href=${'/secondments/' + s.id}>${names.get(s.user_id) || '#' + s.user_id}</a>` : names.get(s.user_id) || '#' + s.user_id}</th>
        <td>${s.host_institution}, ${countryName(s.host_country)}</td><td>${fmtDate(s.starts_on)} – ${fmtDate(s.ends_on)}</td><td>${t('secondment.' + s.status)}</td></tr>`)}</tbody>
    </table></div>
    ${!p.loading && !p.items.length ? html`<p class="card empty">${t('sec.none')}</p>` : null}
    <${MoreButton} p=${p} />
  <//>`;
}

function Form({ s, onSaved }) {
  const [v, set] = useForm(s ? { ...s, report: s.report || '' } : { user_id: '', host_institution: '', host_country: '', starts_on: '', ends_on: '', purpose: '', status: 'planned', report: '' });
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState('');
  const users = useAll(s ? null : '/users');
  const fe = fieldErrors(error);
  async function save(e) {
    e.preventDefault(); setError(null); setSaved('');
    const body = { host_institution: v.host_institution, host_country: v.host_country, starts_on: v.starts_on, ends_on: v.ends_on,
      purpose: v.purpose, status: v.status };
    if (v.report) body.report = v.report;
    try {
      const r = s ? await patch('/secondments/' + s.id, body) : await post('/secondments', { ...body, user_id: Number(v.user_id) });
      setSaved(t('staff.saved')); onSaved(r);
    } catch (x) { setError(x); }
  }
  return html`<form class="card form" onSubmit=${save} novalidate>
    <${FormErrors} error=${error} />
    ${s ? null : html`<${Field} label=${t('sec.person')} type="select" value=${v.user_id} onInput=${set('user_id')} error=${fe.user_id} required>
      <option value="">${t('sec.choose')}</option>${(users || []).map(u => html`<option value=${u.id}>${u.name} (${u.email})</option>`)}<//>`}
    <${Field} label=${t('sec.host')} value=${v.host_institution} onInput=${set('host_institution')} error=${fe.host_institution} required />
    <${Field} label=${t('sec.country')} type="select" value=${v.host_country} onInput=${set('host_country')} error=${fe.host_country} required>
      <option value="">${t('sec.choose')}</option>${EU_EEA.map(c => html`<option value=${c}>${countryName(c)}</option>`)}<//>
    <div class="grid-2 tight">
      <${Field} label=${t('sec.starts')} type="date" value=${v.starts_on} onInput=${set('starts_on')} error=${fe.starts_on} required />
      <${Field} label=${t('sec.ends')} type="date" value=${v.ends_on} onInput=${set('ends_on')} error=${fe.ends_on} required />
    </div>
    <${Field} label=${t('sec.purpose')} type="textarea" value=${v.purpose} onInput=${set('purpose')} error=${fe.purpose} />
    <${Field} label=${t('sec.status')} type="select" value=${v.status} onInput=${set('status')} error=${fe.status}>
      ${STATUSES.map(x => html`<option value=${x}>${t('secondment.' + x)}</option>`)}<//>
    <${Field} label=${t('sec.report')} type="textarea" value=${v.report} onInput=${set('report')} error=${fe.report} />
    <div class="actions"><button type="submit" class="button primary">${t('staff.save')}</button></div>
    <${Status} text=${saved} />
  </form>`;
}

function Editor({ params }) {
  const q = useApi(params.id ? '/secondments/' + params.id : null);
  if (!params.id) return html`<${Page} title=${t('sec.new')}><${Form} onSaved=${s => navigate('/secondments/' + s.id, { replace: true })} /><//>`;
  return html`<${Loaded} q=${q}>${s => html`<${Page} title=${t('sec.edit')}>
    <p class="crumbs"><a href="/secondments">${t('sec.title')}</a></p><${Form} s=${s} onSaved=${q.setData} /><//>`}<//>`;
}

screen('/secondments', List, { roles: ['admin', 'coordinator', 'reviewer'] });
screen('/secondments/new', Editor, { roles: ['admin', 'coordinator'] });
screen('/secondments/:id', Editor, { roles: ['admin', 'coordinator'] });
nav({ href: '/secondments', label: 'nav.secondments', roles: ['admin', 'coordinator', 'reviewer'], order: 64 });
