// The frame around every screen: skip link, header with the product name,
// main navigation (from the nav() registry, filtered by role), the
// language switch, the user's links and `Log out`.
import { html, useState } from '../lib/html.js';
import { t, language, languages, setLanguage } from '../lib/i18n.js';
import { navigation, location } from '../lib/router.js';
import { session, logout, rememberLanguage } from '../lib/session.js';

function LanguageSwitch() {
  return html`<div class="lang">
    <label for="lang-switch">${t('nav.language')}</label>
    <select id="lang-switch" value=${language.get()}
      onChange=${e => { setLanguage(e.target.value); rememberLanguage(e.target.value); }}>
      ${languages.map(([code, name]) => html`<option value=${code} lang=${code}>${name}</option>`)}
    </select>
  </div>`;
}

function isCurrent(href, here) {
  const path = here.split('?')[0];
  return href === '/' ? path === '/' : path === href || path.startsWith(href + '/');
}

export function Layout({ children }) {
  const user = session.get();
  const here = location.get();
  const [open, setOpen] = useState(false);
  const items = user ? navigation().filter(i => !i.roles || i.roles.includes(user.role)) : [];
  return html`
    <a class="skip" href="#main">${t('nav.skip')}</a>
    <header class="site-header">
      <div class="bar">
        <a class="brand" href=${user ? '/' : '/login'}>
          <span class="brand-mark" aria-hidden="true">m</span>
          <span class="brand-text"><span class="brand-name">migtrain</span>
          <span class="brand-sub">${t('brand.sub')}</span></span>
        </a>
        <div class="header-tools">
          <${LanguageSwitch} />
          ${user ? html`<button type="button" class="button link menu-toggle" aria-expanded=${open ? 'true' : 'false'}
              aria-controls="main-nav" onClick=${() => setOpen(!open)}>${t('nav.menu')}</button>` : null}
        </div>
      </div>
      ${user ? html`<nav id="main-nav" class=${'main-nav' + (open ? ' open' : '')} aria-label=${t('nav.main')}>
        <ul>
          ${items.map(i => html`<li><a href=${i.href} aria-current=${isCurrent(i.href, here) ? 'page' : undefined}
            onClick=${() => setOpen(false)}>${t(i.label)}</a></li>`)}
        </ul>
        <div class="user-tools">
          <span class="user-name">${user.name}</span>
          <a href="/password" onClick=${() => setOpen(false)}>${t('nav.password')}</a>
          <button type="button" class="button link" onClick=${logout}>${t('nav.logout')}</button>
        </div>
      </nav>` : null}
    </header>
    <main id="main" tabindex="-1">${children}</main>
    <footer class="site-footer"><p>${t('footer.text')}</p></footer>`;
}
