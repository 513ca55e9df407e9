// Events: the list (upcoming by default, filter by kind), one event's
// details with `Register` / `Cancel registration`, the caller's status and
// waitlist position, and calendar links (.ics of one event, of all mine);
// for a confirmed registrant the event's tests, for an attendee once the
// event has started its evaluation. Times are on the office's clock.
import { html, useState } from '../lib/html.js';
import { t, fmtNumber } from '../lib/i18n.js';
import { fmtOfficeDate, fmtOfficeDateTime, fmtOfficeRange } from '../lib/zone.js';
import { screen, nav, query, setQuery } from '../lib/router.js';
import { get, post, del, qs } from '../lib/api.js';
import { Page, usePaged, MoreButton, useApi, Loaded, Badge, ErrorBox } from '../components/ui.js';
import { CalendarFeed } from '../components/calendar-feed.js';
import { Nominations } from '../components/nominations.js';
import { Evaluation } from '../components/evaluation.js';

const KINDS = ['seminar', 'training', 'study_visit'];
const today = () => new Date().toISOString().slice(0, 10);

function when(e) {
  const a = fmtOfficeDate(e.starts_at), b = fmtOfficeDate(e.ends_at);
  return a === b ? a : a + ' – ' + b;
}
function place(e) {
  const country = e.country ? new Intl.DisplayNames([document.documentElement.lang], { type: 'region' }).of(e.country) : '';
  return [e.location, country].filter(Boolean).join(', ');
}

function Events() {
  const [kind, setKind] = useState(query().kind || '');
  const p = usePaged('/events', { kind, from: today(), limit: 20 });
  return html`<${Page} title=${t('events.title')}
      actions=${html`<a class="button secondary" href="/api/v1/me/calendar" download="migtrain.ics">${t('events.myCalendar')}</a>`}>
    <form class="filters card" onSubmit=${e => e.preventDefault()}>
      <div class="field">
        <label for="event-kind">${t('events.kind')}</label>
        <select id="event-kind" value=${kind} onChange=${e => { setKind(e.target.value); setQuery({ kind: e.target.value }); }}>
          <option value="">${t('events.anyKind')}</option>
          ${KINDS.map(k => html`<option value=${k}>${t('kind.' + k)}</option>`)}
        </select>
      </div>
    </form>
    <ul class="cards">${p.items.map(e => html`<li class="card event-card">
      <p class="eyebrow">${t('kind.' + e.kind)}</p>
      <h2><a href=${'/events/' + e.id}>${e.title}</a></h2>
      <p class="meta"><span>${when(e)}</span><span>${place(e)}</span></p>
      ${e.status === 'cancelled' ? html`<p><${Badge} kind="bad">${t('events.cancelled')}<//></p>`
        : e.confirmed >= e.capacity ? html`<p class="muted">${t('events.fullWaitlist')}</p>`
        : html`<p class="muted">${t('events.seats', { n: e.capacity - e.confirmed, capacity: fmtNumber(e.capacity) })}</p>`}
    </li>`)}</ul>
    ${!p.loading && !p.error && p.items.length === 0 ? html`<p class="card empty">${t('events.none')}</p>` : null}
    <${MoreButton} p=${p} />
    <${CalendarFeed} />
  <//>`;
}

async function loadEvent(id) {
  const [event, regs] = await Promise.all([get('/events/' + id), get('/events/' + id + '/registrations' + qs({ limit: 200 }))]);
  const mine = regs.items.filter(r => r.status !== 'cancelled' && r.status !== 'rejected');
  return { event, registration: mine[0] || null };
}

function EventDetails({ params, user }) {
  const q = useApi(() => loadEvent(params.id), [params.id]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function act(f) {
    setBusy(true); setError(null);
    try { await f(); q.reload(); } catch (e) { setError(e); }
    setBusy(false);
  }
  return html`<${Loaded} q=${q}>${({ event: e, registration: r }) => {
    const now = Date.now();
    const open = e.status === 'scheduled' && (!e.registration_opens_at || Date.parse(e.registration_opens_at) <= now) &&
      (!e.registration_closes_at || Date.parse(e.registration_closes_at) > now);
    return html`<${Page} title=${e.title}>
      <p class="eyebrow">${t('kind.' + e.kind)}</p>
      ${e.status === 'cancelled' ? html`<p class="notice error">${t('events.cancelledLong')}</p>` : null}
      <div class="grid-2">
        <div>
          <p class="prose-plain">${e.description}</p>
          <dl class="pairs">
            <dt>${t('events.when')}</dt><dd>${fmtOfficeRange(e.starts_at, e.ends_at)}</dd>
            <dt>${t('events.where')}</dt><dd>${place(e)}</dd>
            <dt>${t('events.capacity')}</dt><dd>${t('events.taken', { confirmed: fmtNumber(e.confirmed), capacity: fmtNumber(e.capacity) })}</dd>
            ${e.waitlisted ? html`<dt>${t('events.waitlist')}</dt><dd>${fmtNumber(e.waitlisted)}</dd>` : null}
            ${e.registration_closes_at ? html`<dt>${t('events.closes')}</dt><dd>${t('zone.label', { text: fmtOfficeDateTime(e.registration_closes_at) })}</dd>` : null}
            ${e.requires_approval ? html`<dt>${t('events.approval')}</dt><dd>${t('events.approvalYes')}</dd>` : null}
          </dl>
        </div>
        ${user.role === 'reviewer' ? html`<${Nominations} event=${e} user=${user} open=${open} />` : html`<div class="card status-card">
          <h2>${t('events.yourPlace')}</h2>
          <${ErrorBox} error=${error} />
          ${r ? html`
            <p><${Badge} kind=${r.status === 'confirmed' ? 'ok' : 'warn'}>${t('reg.' + r.status)}<//></p>
            ${r.status === 'waitlisted' && r.waitlist_position ? html`<p>${t('events.position', { n: r.waitlist_position })}</p>` : null}
            ${r.status === 'confirmed' ? html`<p><a href=${'/api/v1/events/' + e.id + '/calendar'} download=${'event-' + e.id + '.ics'}>${t('events.ics')}</a></p>` : null}
            ${r.status === 'confirmed' && (e.pre_quiz_id || e.post_quiz_id) ? html`<div class="event-tests">
              <h3>${t('ev2.tests')}</h3><p class="hint">${t('ev2.testsIntro')}</p>
              <ul>${e.pre_quiz_id ? html`<li><a href=${'/events/' + e.id + '/tests/pre'}>${t('ev2.preTest')}</a></li>` : null}
                ${e.post_quiz_id ? html`<li><a href=${'/events/' + e.id + '/tests/post'}>${t('ev2.postTest')}</a></li>` : null}</ul>
            </div>` : null}
            ${e.status === 'scheduled' ? html`<button type="button" class="button danger" disabled=${busy}
              onClick=${() => act(() => del('/registrations/' + r.id))}>${t('events.cancel')}</button>` : null}`
          : open ? html`<p>${e.confirmed >= e.capacity ? t('events.fullWaitlist') : t('events.seatsLeft', { n: e.capacity - e.confirmed })}</p>
              <button type="button" class="button primary" disabled=${busy}
                onClick=${() => act(() => post('/events/' + e.id + '/registrations', {}))}>${t('events.register')}</button>`
          : html`<p>${t('events.closed')}</p>`}
        </div>`}
      </div>
      ${r && user.role !== 'reviewer' && r.status === 'confirmed' && (r.attendance === 'attended' || r.attendance === 'partial') &&
        Date.parse(e.starts_at) <= now && (e.evaluation || []).length ? html`<${Evaluation} registration=${r} event=${e} />` : null}
      <p><a href="/events">${t('events.back')}</a></p>
    <//>`;
  }}<//>`;
}

screen('/events', Events);
screen('/events/:id', EventDetails);
nav({ href: '/events', label: 'nav.events', order: 30 });
