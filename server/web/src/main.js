// Starts the app: loads the session, then renders the screen the URL names
// inside the layout. Screens register themselves in screens/index.js.
import { html, render, useState, useEffect } from './lib/html.js';
import { t, language } from './lib/i18n.js';
import { location, match, navigate } from './lib/router.js';
import { session, loadSession } from './lib/session.js';
import { Layout } from './components/layout.js';
import { ErrorBox, Loading, Page } from './components/ui.js';
import './screens/index.js';

function useStore(s) {
  const [, force] = useState(0);
  useEffect(() => s.subscribe(() => force(x => x + 1)), []);
  return s.get();
}

function NotFound() {
  return html`<${Page} title=${t('notfound.title')}><p>${t('notfound.text')}</p>
    <p><a href="/">${t('notfound.home')}</a></p><//>`;
}

function App() {
  useStore(language);
  const user = useStore(session);
  const here = useStore(location);
  const [bootError, setBootError] = useState(null);
  useEffect(() => {
    loadSession().catch(e => setBootError(e));
  }, []);
  if (bootError) {
    return html`<${Layout}><${Page} title=${t('error.title')}>
      <${ErrorBox} error=${bootError} retry=${() => { setBootError(null); loadSession().catch(setBootError); }} /><//><//>`;
  }
  const m = match(here);
  if (m && m.screen.auth && user === undefined) return html`<${Layout}><${Loading} /><//>`;
  if (m && m.screen.auth && user === null) {
    setTimeout(() => navigate(here === '/' ? '/login' : '/login?next=' + encodeURIComponent(here), { replace: true }));
    return html`<${Layout}><${Loading} /><//>`;
  }
  if (m && m.screen.roles && !m.screen.roles.includes(user.role)) {
    return html`<${Layout}><${Page} title=${t('error.title')}><p>${t('error.forbidden')}</p><//><//>`;
  }
  const Screen = m ? m.screen.component : NotFound;
  // The key remounts a screen when its URL changes (new data, new focus).
  return html`<${Layout}><${Screen} key=${here.split('?')[0]} params=${m ? m.params : {}} user=${user} /><//>`;
}

render(html`<${App} />`, document.getElementById('app'));
