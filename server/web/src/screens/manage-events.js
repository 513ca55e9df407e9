// Events for coordinators: the list (past and cancelled too), create and
// edit with the server's validation messages at the fields (reserved seats
// per organisation included, times on the office's clock), cancel, and
// the registrations with who each person is: approvals queue
// (approve/reject), the waiting list in its order, and attendance marked
// per person or for everyone at once.
import { html, useState } from '../lib/html.js';
import { t, fmtNumber } from '../lib/i18n.js';
import { screen, nav, navigate } from '../lib/router.js';
import { get, post, patch, put, del, ApiError } from '../lib/api.js';
import { Page, usePaged, MoreButton, useApi, Loaded, Field, FormErrors, fieldErrors, Badge, Status, ErrorBox, Loading } from '../components/ui.js';
import { useForm, toLocalInput, fromLocalInput, getAll, useAll, ConfirmButton } from '../components/staff.js';
import { fmtOfficeDateTime } from '../lib/zone.js';

const ROLES = ['admin', 'coordinator'];
const KINDS = ['seminar', 'training', 'study_visit'];

function EventList() {
  const p = usePaged('/events', { limit: 50 });
  return html`<${Page} title=${t('mev.title')} wide actions=${html`<a class="button primary" href="/manage/events/new">${t('mev.new')}</a>`}>
    <div class="table-wrap" tabindex="0"><table>
      <thead><tr><th scope="col">${t('mev.event')}</th><th scope="col">${t('mev.kind')}</th><th scope="col">${t('ev2.startsZone')}</th>
        <th scope="col">${t('mev.seats')}</th><th scope="col">${t('mev.status')}</th></tr></thead>
      <tbody>${p.items.map(e => html`<tr><th scope="row"><a href=${'/manage/events/' + e.id}>${e.title}</a></th>
        <td>${t('kind.' + e.kind)}</td><td>${fmtOfficeDateTime(e.starts_at)}</td>
        <td>${t('events.taken', { confirmed: fmtNumber(e.confirmed), capacity: fmtNumber(e.capacity) })}${e.waitlisted ? ' · ' + t('mev.waiting', { n: e.waitlisted }) : ''}</td>
        <td>${e.status === 'cancelled' ? html`<${Badge} kind="bad">${t('events.cancelled')}<//>` : html`<${Badge} kind="ok">${t('mev.scheduled')}<//>`}</td></tr>`)}</tbody>
    </table></div>
    <${MoreButton} p=${p} />
  <//>`;
}

// The hint of a date-time input: the zone, and the value read back in the
// user's language (the input itself shows the browser's own format).
const zoneHint = value => {
  const iso = fromLocalInput(value);
  return iso && !isNaN(Date.parse(iso)) ? t('zone.hintValue', { text: fmtOfficeDateTime(iso) }) : t('zone.hint');
};

let rowSeq = 0;
const quotaRows = qs => (qs || []).map(q => ({ key: ++rowSeq, org_id: String(q.org_id), seats: String(q.seats), used: q.used || 0 }));
const quotaBody = rows => rows.map(r => ({ org_id: Number(r.org_id), seats: Number(r.seats) }));

// The checks the server makes on quotas and their release (API §15), made
// first here so the messages appear at the fields without a round trip:
// {field: message}, with per-row keys quota-<key>-org / quota-<key>-seats.
function quotaErrors(v, rows) {
  const out = {};
  const seen = new Set();
  for (const r of rows) {
    if (!r.org_id) out['quota-' + r.key + '-org'] = t('ev2.orgMissing');
    else if (seen.has(r.org_id)) out['quota-' + r.key + '-org'] = t('ev2.orgTwice');
    seen.add(r.org_id);
    if (!/^[0-9]+$/.test(r.seats) || Number(r.seats) < 1) out['quota-' + r.key + '-seats'] = t('ev2.seatsPositive');
  }
  const sum = rows.reduce((n, r) => n + (Number(r.seats) || 0), 0);
  if (v.capacity !== '' && sum > Number(v.capacity)) out.quotas = t('ev2.seatsOver', { sum: fmtNumber(sum), capacity: fmtNumber(Number(v.capacity)) });
  const rel = fromLocalInput(v.quota_release_at), start = fromLocalInput(v.starts_at);
  if (rel && start && Date.parse(rel) >= Date.parse(start)) out.quota_release_at = t('ev2.releaseBefore');
  return out;
}

// Reserved seats: one row per organisation (select + seats, the seats
// already taken shown read-only), a group message for the sum, then the
// release time. Group errors are linked from every seats input.
function QuotaEditor({ rows, setRows, orgs, fe, release, setRelease }) {
  const groupErr = fe.quotas;
  const change = (key, k) => x => setRows(rs => rs.map(r => (r.key === key ? { ...r, [k]: x } : r)));
  if (orgs === null) return html`<fieldset class="quotas"><legend>${t('ev2.quotas')}</legend><${Loading} /></fieldset>`;
  const orgName = id => (orgs.find(o => String(o.id) === String(id)) || {}).name || '';
  return html`<fieldset class="quotas" aria-describedby=${'quota-hint' + (groupErr ? ' quota-error' : '')}>
    <legend>${t('ev2.quotas')}</legend>
    <p class="hint" id="quota-hint">${t('ev2.quotasHint')}</p>
    ${groupErr ? html`<p class="field-error" id="quota-error">${groupErr}</p>` : null}
    ${rows.length ? html`<ul class="quota-rows">${rows.map((r, i) => {
      const oe = fe['quota-' + r.key + '-org'], se = fe['quota-' + r.key + '-seats'];
      const sd = [se ? 'quota-' + r.key + '-seats-error' : null, groupErr ? 'quota-error' : null].filter(Boolean).join(' ') || undefined;
      return html`<li class="quota-row" key=${r.key}>
        <div class=${'field' + (oe ? ' has-error' : '')}>
          <label for=${'quota-' + r.key + '-org'}>${t('ev2.org', { n: i + 1 })}</label>
          ${oe ? html`<p class="field-error" id=${'quota-' + r.key + '-org-error'}>${oe}</p>` : null}
          <select id=${'quota-' + r.key + '-org'} name="quota_org" value=${r.org_id} aria-invalid=${oe ? 'true' : undefined}
              aria-describedby=${oe ? 'quota-' + r.key + '-org-error' : undefined} onChange=${e => change(r.key, 'org_id')(e.target.value)}>
            <option value="">${t('ev2.chooseOrg')}</option>
            ${orgs.map(o => html`<option value=${String(o.id)}>${o.name}</option>`)}
          </select>
        </div>
        <div class=${'field seats' + (se || groupErr ? ' has-error' : '')}>
          <label for=${'quota-' + r.key + '-seats'}>${t('ev2.seats', { n: i + 1 })}</label>
          ${se ? html`<p class="field-error" id=${'quota-' + r.key + '-seats-error'}>${se}</p>` : null}
          <input id=${'quota-' + r.key + '-seats'} name="quota_seats" type="number" min="1" inputmode="numeric" value=${r.seats}
            aria-invalid=${se || groupErr ? 'true' : undefined} aria-describedby=${sd}
            onInput=${e => change(r.key, 'seats')(e.target.value)} />
        </div>
        <p class="quota-used">${t('ev2.used', { n: r.used })}</p>
        <button type="button" class="button secondary small" aria-label=${t('ev2.removeRow', { name: orgName(r.org_id) || String(i + 1) })}
          onClick=${() => setRows(rs => rs.filter(x => x.key !== r.key))}>${t('ev2.remove')}</button>
      </li>`;
    })}</ul>` : html`<p class="muted">${t('ev2.noQuotas')}</p>`}
    <p><button type="button" class="button secondary" onClick=${() => setRows(rs => rs.concat([{ key: ++rowSeq, org_id: '', seats: '', used: 0 }]))}>
      ${t('ev2.addRow')}</button></p>
    <${Field} label=${t('ev2.release')} type="datetime-local" value=${release} onInput=${setRelease} error=${fe.quota_release_at}
      hint=${zoneHint(release) + '. ' + t('ev2.releaseRule')} />
  </fieldset>`;
}

function EventForm({ event, onSaved }) {
  const e0 = event || { kind: 'seminar', title: '', description: '', location: '', country: '', starts_at: '', ends_at: '', capacity: '',
    registration_opens_at: '', registration_closes_at: '', requires_approval: false, quotas: [], quota_release_at: null };
  const [v, set] = useForm({ ...e0, starts_at: toLocalInput(e0.starts_at), ends_at: toLocalInput(e0.ends_at),
    registration_opens_at: toLocalInput(e0.registration_opens_at), registration_closes_at: toLocalInput(e0.registration_closes_at),
    quota_release_at: toLocalInput(e0.quota_release_at),
    capacity: e0.capacity === '' ? '' : String(e0.capacity), country: e0.country || '' });
  const [rows, setRows] = useState(() => quotaRows(e0.quotas));
  const orgs = useAll('/orgs');
  const [error, setError] = useState(null);
  // After the first Save the page's own checks run on every change, so a
  // message goes once fixed and follows the language switch.
  const [checked, setChecked] = useState(false);
  const local = checked ? quotaErrors(v, rows) : {};
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);
  const fe = { ...fieldErrors(error), ...local };
  async function save(e) {
    e.preventDefault(); setError(null); setSaved('');
    setChecked(true);
    if (Object.keys(quotaErrors(v, rows)).length) { setError(new ApiError(422, { detail: t('password.fix') })); return; }
    setBusy(true);
    const body = { kind: v.kind, title: v.title, description: v.description, location: v.location, country: v.country || null,
      starts_at: fromLocalInput(v.starts_at), ends_at: fromLocalInput(v.ends_at),
      capacity: v.capacity === '' ? null : Number(v.capacity),
      registration_opens_at: fromLocalInput(v.registration_opens_at), registration_closes_at: fromLocalInput(v.registration_closes_at),
      requires_approval: !!v.requires_approval };
    for (const k of Object.keys(body)) if (body[k] === null && !event) delete body[k];
    // Quotas and their release are sent when set (new event) or changed:
    // writing them again would re-run the seat checks for nothing.
    const quotas = quotaBody(rows), release = fromLocalInput(v.quota_release_at);
    if (event ? JSON.stringify(quotas) !== JSON.stringify(quotaBody(quotaRows(event.quotas))) : quotas.length) body.quotas = quotas;
    if (event ? release !== (event.quota_release_at || null) : release) body.quota_release_at = release;
    try {
      const r = event ? await patch('/events/' + event.id, body) : await post('/events', body);
      setRows(quotaRows(r.quotas));
      setSaved(t('staff.saved')); onSaved(r);
    } catch (x) { setError(x); }
    setBusy(false);
  }
  return html`<form class="card form" onSubmit=${save} novalidate>
    <${FormErrors} error=${error} />
    <${Field} label=${t('mev.kind')} type="select" value=${v.kind} onInput=${set('kind')} error=${fe.kind}>
      ${KINDS.map(k => html`<option value=${k}>${t('kind.' + k)}</option>`)}<//>
    <${Field} label=${t('mev.eventTitle')} value=${v.title} onInput=${set('title')} error=${fe.title} required />
    <${Field} label=${t('mev.description')} type="textarea" value=${v.description} onInput=${set('description')} error=${fe.description} />
    <div class="grid-2 tight">
      <${Field} label=${t('mev.location')} value=${v.location} onInput=${set('location')} error=${fe.location} />
      <${Field} label=${t('mev.country')} hint=${t('mev.countryHint')} value=${v.country} maxlength="2" onInput=${x => set('country')(x.toUpperCase())} error=${fe.country} />
      <${Field} label=${t('mev.starts')} hint=${zoneHint(v.starts_at)} type="datetime-local" value=${v.starts_at} onInput=${set('starts_at')} error=${fe.starts_at} required />
      <${Field} label=${t('mev.ends')} hint=${zoneHint(v.ends_at)} type="datetime-local" value=${v.ends_at} onInput=${set('ends_at')} error=${fe.ends_at} required />
      <${Field} label=${t('mev.capacity')} type="number" min="1" value=${v.capacity} onInput=${set('capacity')} error=${fe.capacity} required />
      <div></div>
      <${Field} label=${t('mev.opens')} hint=${zoneHint(v.registration_opens_at)} type="datetime-local" value=${v.registration_opens_at} onInput=${set('registration_opens_at')} error=${fe.registration_opens_at} />
      <${Field} label=${t('mev.closes')} hint=${zoneHint(v.registration_closes_at)} type="datetime-local" value=${v.registration_closes_at} onInput=${set('registration_closes_at')} error=${fe.registration_closes_at} />
    </div>
    <label class="switch"><input type="checkbox" checked=${!!v.requires_approval} onChange=${e => set('requires_approval')(e.target.checked)} />
      <span>${t('mev.approval')}</span></label>
    <${QuotaEditor} rows=${rows} setRows=${setRows} orgs=${orgs} fe=${fe} release=${v.quota_release_at} setRelease=${set('quota_release_at')} />
    <div class="actions"><button type="submit" class="button primary" disabled=${busy}>${t('staff.save')}</button></div>
    <${Status} text=${saved} />
  </form>`;
}

// The registrations with the people behind them (API §15 `user`), and the
// names of whoever nominated them (a few reviewers, fetched one by one).
async function loadRegs(id) {
  const regs = await getAll('/events/' + id + '/registrations');
  const nominators = [...new Set(regs.map(r => r.nominated_by).filter(Boolean))];
  const found = await Promise.all(nominators.map(n => get('/users/' + n).catch(() => null)));
  const names = new Map(found.filter(Boolean).map(u => [u.id, u.name]));
  return regs.map(r => ({ ...r, name: r.user ? r.user.name : '#' + r.user_id,
    nominator: r.nominated_by ? names.get(r.nominated_by) || '#' + r.nominated_by : null }));
}

// Who a registration is: name, organisation and email, and for a
// nomination who made it and their note.
function Person({ r }) {
  return html`<span class="person">
    <span class="reg-name">${r.name}</span>
    ${r.user ? html`<span class="person-meta"><span class="person-org">${r.user.org_name}</span>
      <a class="person-email" href=${'mailto:' + r.user.email}>${r.user.email}</a></span>` : null}
    ${r.nominated_by ? html`<span class="person-nom">${t('ev2.nominatedBy', { name: r.nominator })}</span>` : null}
    ${r.note ? html`<span class="person-note">${t('ev2.note')}: ${r.note}</span>` : null}
  </span>`;
}

function Registrations({ event }) {
  const q = useApi(() => loadRegs(event.id), [event.id]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState('');
  async function act(f, done) {
    setBusy(true); setError(null);
    try { await f(); q.reload(); if (done) setMsg(done); } catch (e) { setError(e); }
    setBusy(false);
  }
  const started = Date.parse(event.starts_at) <= Date.now();
  return html`<${Loaded} q=${q}>${regs => {
    const pending = regs.filter(r => r.status === 'pending');
    const confirmed = regs.filter(r => r.status === 'confirmed');
    const waiting = regs.filter(r => r.status === 'waitlisted').sort((a, b) => a.waitlist_position - b.waitlist_position);
    const other = regs.filter(r => r.status === 'rejected' || r.status === 'cancelled');
    const markAll = status => act(() => Promise.all(confirmed.map(r => put('/registrations/' + r.id + '/attendance', { status }))),
      t('mev.markedAll', { n: confirmed.length }));
    return html`<div>
      <${ErrorBox} error=${error} />
      <${Status} text=${msg} />
      <h3 id="h-pending">${t('mev.pending')} (${fmtNumber(pending.length)})</h3>
      ${pending.length ? html`<ul class="reg-list" aria-labelledby="h-pending">${pending.map(r => html`<li class="reg">
        <${Person} r=${r} />
        <span class="actions"><button type="button" class="button primary" disabled=${busy} aria-label=${t('mev.approveName', { name: r.name })}
            onClick=${() => act(() => post('/registrations/' + r.id + '/approve', {}))}>${t('mev.approve')}</button>
          <button type="button" class="button danger" disabled=${busy} aria-label=${t('mev.rejectName', { name: r.name })}
            onClick=${() => act(() => post('/registrations/' + r.id + '/reject', {}))}>${t('mev.reject')}</button></span>
      </li>`)}</ul>` : html`<p class="muted">${t('mev.nonePending')}</p>`}
      <h3>${t('mev.confirmed')} (${t('events.taken', { confirmed: fmtNumber(confirmed.length), capacity: fmtNumber(event.capacity) })})</h3>
      ${confirmed.length ? html`
        ${started ? html`<div class="actions"><button type="button" class="button secondary" disabled=${busy} onClick=${() => markAll('attended')}>${t('mev.allAttended')}</button></div>`
          : html`<p class="hint">${t('mev.attendanceLater')}</p>`}
        <div class="table-wrap" tabindex="0"><table class="attendance">
          <thead><tr><th scope="col">${t('mev.person')}</th><th scope="col">${t('mev.attendance')}</th><th scope="col">${t('mev.actions')}</th></tr></thead>
          <tbody>${confirmed.map(r => html`<tr><th scope="row"><${Person} r=${r} /></th>
            <td>${started ? html`<select aria-label=${t('mev.attendanceOf', { name: r.name })} value=${r.attendance || ''} disabled=${busy}
                onChange=${e => e.target.value && act(() => put('/registrations/' + r.id + '/attendance', { status: e.target.value }))}>
                <option value="">${t('mev.notMarked')}</option>
                ${['attended', 'partial', 'no_show'].map(a => html`<option value=${a}>${t('attendance.' + a)}</option>`)}</select>`
              : r.attendance ? t('attendance.' + r.attendance) : '—'}</td>
            <td><${ConfirmButton} label=${t('mev.cancelReg')} question=${t('mev.cancelRegQ', { name: r.name })} yes=${t('mev.cancelRegYes')} busy=${busy}
              onConfirm=${() => act(() => del('/registrations/' + r.id))} /></td></tr>`)}</tbody>
        </table></div>` : html`<p class="muted">${t('mev.noneConfirmed')}</p>`}
      <h3 id="h-wait">${t('mev.waitlist')} (${fmtNumber(waiting.length)})</h3>
      ${waiting.length ? html`<ol class="reg-list" aria-labelledby="h-wait">${waiting.map(r => html`<li class="reg">
        <span class="reg-pos">${t('mev.position', { n: r.waitlist_position })}</span> <${Person} r=${r} /></li>`)}</ol>`
        : html`<p class="muted">${t('mev.noneWaiting')}</p>`}
      ${other.length ? html`<h3>${t('mev.other')}</h3><ul class="reg-list">${other.map(r => html`<li class="reg">
        <${Person} r=${r} /> <${Badge}>${t('reg.' + r.status)}<//></li>`)}</ul>` : null}
    </div>`;
  }}<//>`;
}

function EventEditor({ params }) {
  const isNew = params.id === undefined;
  const q = useApi(isNew ? null : '/events/' + params.id);
  const [error, setError] = useState(null);
  if (isNew) return html`<${Page} title=${t('mev.new')}><${EventForm} onSaved=${e => navigate('/manage/events/' + e.id, { replace: true })} /><//>`;
  return html`<${Loaded} q=${q}>${e => html`<${Page} title=${e.title} wide>
    <p class="crumbs"><a href="/manage/events">${t('mev.title')}</a> · <a href=${'/events/' + e.id}>${t('mev.view')}</a> · <a href=${'/manage/events/' + e.id + '/report'}>${t('rep.link')}</a></p>
    ${e.status === 'cancelled' ? html`<p class="notice error">${t('events.cancelledLong')}</p>` : null}
    <div class="grid-2">
      <section aria-labelledby="e-details"><h2 id="e-details">${t('mev.details')}</h2>
        <${EventForm} event=${e} onSaved=${q.setData} />
        ${e.status === 'scheduled' ? html`<div class="card danger-zone"><${ErrorBox} error=${error} />
          <${ConfirmButton} label=${t('mev.cancelEvent')} question=${t('mev.cancelEventQ')} yes=${t('mev.cancelEventYes')}
            onConfirm=${async () => { try { q.setData(await post('/events/' + e.id + '/cancel', {})); } catch (x) { setError(x); } }} /></div>` : null}
      </section>
      <section aria-labelledby="e-regs"><h2 id="e-regs">${t('mev.registrations')}</h2><${Registrations} event=${e} /></section>
    </div>
  <//>`}<//>`;
}

screen('/manage/events', EventList, { roles: ROLES });
screen('/manage/events/new', EventEditor, { roles: ROLES });
screen('/manage/events/:id', EventEditor, { roles: ROLES });
nav({ href: '/manage/events', label: 'nav.manageEvents', roles: ROLES, order: 63 });
