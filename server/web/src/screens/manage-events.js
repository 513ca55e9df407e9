// Events for coordinators: the list (past and cancelled too), create and
// edit with the server's validation messages at the fields, cancel, and
// the registrations: approvals queue (approve/reject), the waiting list in
// its order, and attendance marked per person or for everyone at once.
import { html, useState } from '../lib/html.js';
import { t, fmtDateTime, fmtNumber } from '../lib/i18n.js';
import { screen, nav, navigate } from '../lib/router.js';
import { get, post, patch, put, del } from '../lib/api.js';
import { Page, usePaged, MoreButton, useApi, Loaded, Field, FormErrors, fieldErrors, Badge, Status, ErrorBox } from '../components/ui.js';
import { useForm, toLocalInput, fromLocalInput, getAll, ConfirmButton } from '../components/staff.js';

const ROLES = ['admin', 'coordinator'];
const KINDS = ['seminar', 'training', 'study_visit'];

function EventList() {
  const p = usePaged('/events', { limit: 50 });
  return html`<${Page} title=${t('mev.title')} wide actions=${html`<a class="button primary" href="/manage/events/new">${t('mev.new')}</a>`}>
    <div class="table-wrap" tabindex="0"><table>
      <thead><tr><th scope="col">${t('mev.event')}</th><th scope="col">${t('mev.kind')}</th><th scope="col">${t('mev.starts')}</th>
        <th scope="col">${t('mev.seats')}</th><th scope="col">${t('mev.status')}</th></tr></thead>
      <tbody>${p.items.map(e => html`<tr><th scope="row"><a href=${'/manage/events/' + e.id}>${e.title}</a></th>
        <td>${t('kind.' + e.kind)}</td><td>${fmtDateTime(e.starts_at)}</td>
        <td>${t('events.taken', { confirmed: fmtNumber(e.confirmed), capacity: fmtNumber(e.capacity) })}${e.waitlisted ? ' · ' + t('mev.waiting', { n: e.waitlisted }) : ''}</td>
        <td>${e.status === 'cancelled' ? html`<${Badge} kind="bad">${t('events.cancelled')}<//>` : html`<${Badge} kind="ok">${t('mev.scheduled')}<//>`}</td></tr>`)}</tbody>
    </table></div>
    <${MoreButton} p=${p} />
  <//>`;
}

function EventForm({ event, onSaved }) {
  const e0 = event || { kind: 'seminar', title: '', description: '', location: '', country: '', starts_at: '', ends_at: '', capacity: '',
    registration_opens_at: '', registration_closes_at: '', requires_approval: false };
  const [v, set] = useForm({ ...e0, starts_at: toLocalInput(e0.starts_at), ends_at: toLocalInput(e0.ends_at),
    registration_opens_at: toLocalInput(e0.registration_opens_at), registration_closes_at: toLocalInput(e0.registration_closes_at),
    capacity: e0.capacity === '' ? '' : String(e0.capacity), country: e0.country || '' });
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);
  const fe = fieldErrors(error);
  async function save(e) {
    e.preventDefault(); setError(null); setSaved(''); setBusy(true);
    const body = { kind: v.kind, title: v.title, description: v.description, location: v.location, country: v.country || null,
      starts_at: fromLocalInput(v.starts_at), ends_at: fromLocalInput(v.ends_at),
      capacity: v.capacity === '' ? null : Number(v.capacity),
      registration_opens_at: fromLocalInput(v.registration_opens_at), registration_closes_at: fromLocalInput(v.registration_closes_at),
      requires_approval: !!v.requires_approval };
    for (const k of Object.keys(body)) if (body[k] === null && !event) delete body[k];
    try {
      const r = event ? await patch('/events/' + event.id, body) : await post('/events', body);
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
      <${Field} label=${t('mev.starts')} type="datetime-local" value=${v.starts_at} onInput=${set('starts_at')} error=${fe.starts_at} required />
      <${Field} label=${t('mev.ends')} type="datetime-local" value=${v.ends_at} onInput=${set('ends_at')} error=${fe.ends_at} required />
      <${Field} label=${t('mev.capacity')} type="number" min="1" value=${v.capacity} onInput=${set('capacity')} error=${fe.capacity} required />
      <div></div>
      <${Field} label=${t('mev.opens')} type="datetime-local" value=${v.registration_opens_at} onInput=${set('registration_opens_at')} error=${fe.registration_opens_at} />
      <${Field} label=${t('mev.closes')} type="datetime-local" value=${v.registration_closes_at} onInput=${set('registration_closes_at')} error=${fe.registration_closes_at} />
    </div>
    <label class="switch"><input type="checkbox" checked=${!!v.requires_approval} onChange=${e => set('requires_approval')(e.target.checked)} />
      <span>${t('mev.approval')}</span></label>
    <div class="actions"><button type="submit" class="button primary" disabled=${busy}>${t('staff.save')}</button></div>
    <${Status} text=${saved} />
  </form>`;
}

async function loadRegs(id) {
  const [regs, users] = await Promise.all([getAll('/events/' + id + '/registrations'), getAll('/users', {}, 5000)]);
  const names = new Map(users.map(u => [u.id, u.name]));
  return regs.map(r => ({ ...r, name: names.get(r.user_id) || '#' + r.user_id }));
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
        <span class="reg-name">${r.name}</span>
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
          <tbody>${confirmed.map(r => html`<tr><th scope="row">${r.name}</th>
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
        <span class="reg-name">${t('mev.position', { n: r.waitlist_position })} · ${r.name}</span></li>`)}</ol>`
        : html`<p class="muted">${t('mev.noneWaiting')}</p>`}
      ${other.length ? html`<h3>${t('mev.other')}</h3><ul class="reg-list">${other.map(r => html`<li class="reg">
        <span class="reg-name">${r.name}</span> <${Badge}>${t('reg.' + r.status)}<//></li>`)}</ul>` : null}
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
