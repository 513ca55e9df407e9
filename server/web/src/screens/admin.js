// Administration: organisations (list, create), users (create, change
// role, deactivate after a confirmation; deactivation ends their sessions
// in the API), and the audit log with actor and action filters.
import { html, useState } from '../lib/html.js';
import { t, fmtDateTime } from '../lib/i18n.js';
import { screen, nav, query, setQuery } from '../lib/router.js';
import { post, patch } from '../lib/api.js';
import { Page, usePaged, MoreButton, Field, FormErrors, fieldErrors, Status, ErrorBox, Badge } from '../components/ui.js';
import { useForm, useAll, ConfirmButton } from '../components/staff.js';

const ADMIN = ['admin'];
const ROLES = ['trainee', 'coordinator', 'reviewer', 'admin'];

function Orgs() {
  const p = usePaged('/orgs', { limit: 100 });
  const [name, setName] = useState('');
  const [error, setError] = useState(null);
  const [msg, setMsg] = useState('');
  async function add(e) {
    e.preventDefault(); setError(null); setMsg('');
    try { await post('/orgs', { name }); setName(''); setMsg(t('staff.saved')); p.reload(); } catch (x) { setError(x); }
  }
  return html`<${Page} title=${t('admin.orgs')}>
    <form class="card form" onSubmit=${add} novalidate>
      <${FormErrors} error=${error} />
      <${Field} label=${t('admin.orgName')} value=${name} onInput=${setName} error=${fieldErrors(error).name} required />
      <div class="actions"><button type="submit" class="button primary">${t('admin.addOrg')}</button></div>
      <${Status} text=${msg} />
    </form>
    <div class="table-wrap" tabindex="0"><table><thead><tr><th scope="col">${t('admin.orgName')}</th><th scope="col">${t('admin.people')}</th></tr></thead>
      <tbody>${p.items.map(o => html`<tr><th scope="row">${o.name}</th><td><a href=${'/admin/users?org_id=' + o.id}>${t('admin.peopleOf', { name: o.name })}</a></td></tr>`)}</tbody></table></div>
    <${MoreButton} p=${p} />
  <//>`;
}

function NewUser({ orgs, onAdded }) {
  const [v, set, setV] = useForm({ name: '', email: '', role: 'trainee', org_id: '', password: '' });
  const [error, setError] = useState(null);
  const fe = fieldErrors(error);
  async function add(e) {
    e.preventDefault(); setError(null);
    try {
      await post('/users', { ...v, org_id: v.org_id ? Number(v.org_id) : null });
      setV({ name: '', email: '', role: 'trainee', org_id: v.org_id, password: '' }); onAdded();
    } catch (x) { setError(x); }
  }
  return html`<details class="card"><summary>${t('admin.newUser')}</summary>
    <form class="form" onSubmit=${add} novalidate>
      <${FormErrors} error=${error} />
      <div class="grid-2 tight">
        <${Field} label=${t('admin.name')} value=${v.name} onInput=${set('name')} error=${fe.name} required />
        <${Field} label=${t('admin.email')} type="email" value=${v.email} onInput=${set('email')} error=${fe.email} required autocomplete="off" />
        <${Field} label=${t('admin.role')} type="select" value=${v.role} onInput=${set('role')} error=${fe.role}>
          ${ROLES.map(r => html`<option value=${r}>${t('role.' + r)}</option>`)}<//>
        <${Field} label=${t('admin.org')} type="select" value=${v.org_id} onInput=${set('org_id')} error=${fe.org_id}>
          <option value="">${t('admin.noOrg')}</option>${orgs.map(o => html`<option value=${o.id}>${o.name}</option>`)}<//>
        <${Field} label=${t('admin.password')} type="password" hint=${t('admin.passwordHint')} value=${v.password} onInput=${set('password')} error=${fe.password} required autocomplete="new-password" />
      </div>
      <div class="actions"><button type="submit" class="button primary">${t('admin.create')}</button></div>
    </form></details>`;
}

function Users({ user }) {
  const [f, setF] = useState({ org_id: query().org_id || '', role: query().role || '' });
  const set = k => e => { const n = { ...f, [k]: e.target.value }; setF(n); setQuery(n); };
  const orgs = useAll('/orgs') || [];
  const orgName = new Map(orgs.map(o => [o.id, o.name]));
  const p = usePaged('/users', { ...f, limit: 50 });
  const [error, setError] = useState(null);
  const [msg, setMsg] = useState('');
  async function change(u, body, done) {
    setError(null); setMsg('');
    try { await patch('/users/' + u.id, body); setMsg(done); p.reload(); } catch (x) { setError(x); }
  }
  return html`<${Page} title=${t('admin.users')} wide>
    <${NewUser} orgs=${orgs} onAdded=${() => { setMsg(t('staff.saved')); p.reload(); }} />
    <form class="filters card" onSubmit=${e => e.preventDefault()}>
      <div class="field"><label for="u-org">${t('admin.org')}</label><select id="u-org" value=${f.org_id} onChange=${set('org_id')}>
        <option value="">${t('records.anyOrg')}</option>${orgs.map(o => html`<option value=${o.id}>${o.name}</option>`)}</select></div>
      <div class="field"><label for="u-role">${t('admin.role')}</label><select id="u-role" value=${f.role} onChange=${set('role')}>
        <option value="">${t('admin.anyRole')}</option>${ROLES.map(r => html`<option value=${r}>${t('role.' + r)}</option>`)}</select></div>
    </form>
    <${ErrorBox} error=${error} /><${Status} text=${msg} />
    <div class="table-wrap" tabindex="0"><table>
      <thead><tr><th scope="col">${t('admin.name')}</th><th scope="col">${t('admin.email')}</th><th scope="col">${t('admin.org')}</th>
        <th scope="col">${t('admin.role')}</th><th scope="col">${t('admin.state')}</th></tr></thead>
      <tbody>${p.items.map(u => html`<tr><th scope="row"><a href=${'/users/' + u.id}>${u.name}</a></th><td>${u.email}</td><td>${orgName.get(u.org_id) || '—'}</td>
        <td>${u.id === user.id ? t('role.' + u.role) : html`<select aria-label=${t('admin.roleOf', { name: u.name })} value=${u.role} onChange=${e => change(u, { role: e.target.value }, t('admin.roleChanged', { name: u.name }))}>
          ${ROLES.map(r => html`<option value=${r}>${t('role.' + r)}</option>`)}</select>`}</td>
        <td>${u.id === user.id ? t('admin.you') : u.active ? html`<${ConfirmButton} label=${t('admin.deactivate')} question=${t('admin.deactivateQ', { name: u.name })} yes=${t('admin.deactivateYes')}
              onConfirm=${() => change(u, { active: false }, t('admin.deactivated', { name: u.name }))} />`
          : html`<${Badge} kind="bad">${t('admin.inactive')}<//> <button type="button" class="button link" onClick=${() => change(u, { active: true }, t('staff.saved'))}>${t('admin.reactivate')}</button>`}</td></tr>`)}</tbody>
    </table></div>
    <${MoreButton} p=${p} />
  <//>`;
}

function Audit() {
  const [f, setF] = useState({ actor_id: query().actor_id || '', action: query().action || '' });
  const [applied, setApplied] = useState(f);
  const users = useAll('/users') || [];
  const names = new Map(users.map(u => [u.id, u.name]));
  const p = usePaged('/audit', { ...applied, limit: 50 });
  return html`<${Page} title=${t('admin.audit')} wide>
    <form class="filters card" onSubmit=${e => { e.preventDefault(); setApplied(f); setQuery(f); }}>
      <div class="field"><label for="a-actor">${t('admin.actor')}</label><select id="a-actor" value=${f.actor_id} onChange=${e => setF({ ...f, actor_id: e.target.value })}>
        <option value="">${t('admin.anyone')}</option>${users.map(u => html`<option value=${u.id}>${u.name}</option>`)}</select></div>
      <div class="field"><label for="a-action">${t('admin.action')}</label>
        <input id="a-action" type="text" value=${f.action} placeholder="user.update" onInput=${e => setF({ ...f, action: e.target.value })} /></div>
      <div class="field"><span class="label-spacer" aria-hidden="true"> </span><button type="submit" class="button secondary">${t('admin.filter')}</button></div>
    </form>
    <div class="table-wrap" tabindex="0"><table>
      <thead><tr><th scope="col">${t('admin.when')}</th><th scope="col">${t('admin.actor')}</th><th scope="col">${t('admin.action')}</th>
        <th scope="col">${t('admin.object')}</th><th scope="col">${t('admin.detail')}</th></tr></thead>
      <tbody>${p.items.map(a => html`<tr><th scope="row">${fmtDateTime(a.at)}</th><td>${a.actor_id ? names.get(a.actor_id) || '#' + a.actor_id : '—'}</td>
        <td><code>${a.action}</code></td><td>${a.object_type} ${a.object_id ?? ''}</td>
        <td class="detail"><code>${a.detail ? JSON.stringify(a.detail) : ''}</code></td></tr>`)}</tbody>
    </table></div>
    <${MoreButton} p=${p} />
  <//>`;
}

screen('/admin/orgs', Orgs, { roles: ADMIN });
screen('/admin/users', Users, { roles: ADMIN });
screen('/admin/audit', Audit, { roles: ADMIN });
nav({ href: '/admin/users', label: 'nav.users', roles: ADMIN, order: 70 });
nav({ href: '/admin/orgs', label: 'nav.orgs', roles: ADMIN, order: 71 });
nav({ href: '/admin/audit', label: 'nav.audit', roles: ADMIN, order: 72 });
