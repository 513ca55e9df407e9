// The catalog: published courses with search and an audience filter; the
// query lives in the URL so a search can be shared and survives reload.
import { html, useState, useEffect } from '../lib/html.js';
import { t, fmtNumber } from '../lib/i18n.js';
import { screen, nav, query, setQuery } from '../lib/router.js';
import { get, qs } from '../lib/api.js';
import { Page, usePaged, MoreButton, Badge, useApi } from '../components/ui.js';

export const AUDIENCES = ['border_guard', 'consular', 'migration', 'asylum', 'all'];

export function AudienceBadges({ list }) {
  return html`<ul class="tags">${(list || []).map(a =>
    html`<li><${Badge}>${t('audience.' + a)}<//></li>`)}</ul>`;
}

function Catalog({ user }) {
  const init = query();
  const [text, setText] = useState(init.q || '');
  const [q, setQ] = useState(init.q || '');
  const [audience, setAudience] = useState(init.audience || '');
  useEffect(() => {
    const id = setTimeout(() => setQ(text.trim()), 250);
    return () => clearTimeout(id);
  }, [text]);
  useEffect(() => setQuery({ q, audience }), [q, audience]);
  const p = usePaged('/courses', { q, audience, limit: 20 });
  const mine = useApi(() => get('/enrollments' + qs({ user_id: user.id, limit: 200 })), [user.id]);
  const enrolled = new Set(mine.data ? mine.data.items.map(e => e.course_id) : []);
  return html`<${Page} title=${t('catalog.title')}>
    <form class="filters card" role="search" onSubmit=${e => { e.preventDefault(); setQ(text.trim()); }}>
      <div class="field">
        <label for="catalog-q">${t('catalog.search')}</label>
        <input id="catalog-q" type="search" value=${text} onInput=${e => setText(e.target.value)} />
      </div>
      <div class="field">
        <label for="catalog-audience">${t('catalog.audience')}</label>
        <select id="catalog-audience" value=${audience} onChange=${e => setAudience(e.target.value)}>
          <option value="">${t('catalog.anyAudience')}</option>
          ${AUDIENCES.map(a => html`<option value=${a}>${t('audience.' + a)}</option>`)}
        </select>
      </div>
    </form>
    <p class="muted" role="status">${p.loading ? '' : t('catalog.count', { n: p.items.length })}</p>
    <ul class="cards">${p.items.map(c => html`<li class="card course-card">
      <h2><a href=${'/courses/' + c.id} lang=${c.language}>${c.title}</a></h2>
      <p lang=${c.language}>${c.summary}</p>
      <${AudienceBadges} list=${c.audience} />
      <p class="meta">
        ${c.estimated_minutes ? html`<span>${t('course.minutes', { n: c.estimated_minutes })}</span>` : null}
        <span>${t('course.language', { lang: t('lang.' + c.language) })}</span>
        ${enrolled.has(c.id) ? html`<${Badge} kind="ok">${t('catalog.enrolled')}<//>` : null}
      </p>
    </li>`)}</ul>
    ${!p.loading && !p.error && p.items.length === 0 ? html`<p class="card empty">${t('catalog.none')}</p>` : null}
    <${MoreButton} p=${p} />
  <//>`;
}

screen('/courses', Catalog);
nav({ href: '/courses', label: 'nav.courses', order: 20 });
export { fmtNumber };
