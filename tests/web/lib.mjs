// Shared by the browser tests (tests/web/*.mjs): launches Debian's Chromium
// with playwright-core from the build folder (never `playwright install`),
// and gives each test steps, checks, axe-core at desktop and 320 px with
// screenshots, keyboard-only helpers and the "no English in lt" probe.
// The fixture (base URL, folders, accounts) comes from the Python side in
// MIGTRAIN_WEB_FIXTURE.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const fx = JSON.parse(process.env.MIGTRAIN_WEB_FIXTURE);
const require = createRequire(join(fx.modules, 'x.js'));
const { chromium } = require('playwright-core');
const AxeBuilder = require('@axe-core/playwright').default;
export const en = (await import(pathToFileURL(join(fx.source, 'server/web/src/i18n/en.js')))).default;
export const lt = (await import(pathToFileURL(join(fx.source, 'server/web/src/i18n/lt.js')))).default;
mkdirSync(fx.out, { recursive: true });

export const failures = [];
export const figures = {};
export function check(cond, msg) { if (!cond) { failures.push(msg); console.log('FAIL ' + msg); } }
export function log(msg) { console.log('.... ' + msg); }

export const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// A browser context (own cookies) with one page that records page errors,
// console errors and any request to another origin. opts go to
// newContext (e.g. timezoneId).
export async function open(locale = 'en-GB', opts = {}) {
  const ctx = await browser.newContext({ locale, viewport: { width: 1280, height: 800 }, ...opts });
  const page = await ctx.newPage();
  page.external = [];
  page.on('request', r => { if (!r.url().startsWith(fx.base) && !r.url().startsWith('data:')) page.external.push(r.url()); });
  page.on('pageerror', e => failures.push('page error: ' + e.message));
  page.on('console', m => { if (m.type() === 'error' && !/401|403|Failed to load resource/.test(m.text())) failures.push('console: ' + m.text()); });
  return { ctx, page };
}

// Switches the interface language and waits until the account has saved
// it: a page loaded before that answer still reads the old language from
// the account (the stability loop saw events2 and app each come up in the
// other language on the next page, under load).
export async function switchLanguage(page, language) {
  await Promise.all([
    page.waitForResponse(r => r.request().method() === 'PATCH' && r.url().includes('/api/v1/users/')),
    page.locator('#lang-switch').selectOption(language)]);
}

export async function settle(page) {
  await page.waitForSelector('main h1');
  await page.waitForFunction(() => !document.querySelector('main .loading'));
}

export async function axe(page, name) {
  const r = await new AxeBuilder({ page }).analyze();
  for (const v of r.violations)
    check(false, `axe ${name}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

let shot = 0;
export const visited = [];   // [name, path] of screens, for the lt walk
// axe and a screenshot at desktop width and at 320 px; no sideways scroll.
export async function screen(page, name, { remember = true, prefix = '' } = {}) {
  await settle(page);
  const n = prefix + String(++shot).padStart(2, '0');
  await axe(page, name + ' (desktop)');
  await page.screenshot({ path: join(fx.out, `${n}-${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 320, height: 700 });
  await axe(page, name + ' (320 px)');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 0, `${name}: ${overflow}px horizontal scroll at 320 px`);
  await page.screenshot({ path: join(fx.out, `${n}-${name}-320.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  if (remember) visited.push([name, new URL(page.url()).pathname]);
}

// Keyboard only: Tab until the target has focus.
export async function tabTo(page, locator, max = 200) {
  const handle = await locator.elementHandle();
  for (let i = 0; i < max; i++) {
    if (await handle.evaluate(el => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('could not reach by Tab: ' + locator);
}

const t0 = Date.now();
export async function step(name, f) {
  log(name + ` (${Math.round((Date.now() - t0) / 1000)} s)`);
  try { await f(); } catch (e) { failures.push(name + ': ' + e.message.split('\n')[0]); console.log('FAIL ' + name + '\n' + e.stack); throw e; }
}

// Catalogue strings (English where Lithuanian differs) visible on the page
// outside content marked with another language; the staff screens pass
// their catalogues merged with these.
export async function englishOnPage(page, enCat = en, ltCat = lt) {
  const english = [];
  for (const [k, v] of Object.entries(enCat)) if (ltCat[k] !== v && !/\{/.test(v)) english.push(v.trim());
  return page.evaluate(list => {
    const eng = new Set(list), hits = [];
    const inOtherLang = el => { const l = el.closest('[lang]'); return l && l.getAttribute('lang') !== 'lt'; };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n; (n = walker.nextNode());) {
      const s = n.nodeValue.trim();
      if (s && eng.has(s) && !inOtherLang(n.parentElement)) hits.push(s);
    }
    for (const el of document.querySelectorAll('[aria-label],[title],[placeholder]'))
      for (const a of ['aria-label', 'title', 'placeholder']) {
        const v = (el.getAttribute(a) || '').split(':')[0].trim();
        if (v && eng.has(v) && !inOtherLang(el)) hits.push(a + '=' + v);
      }
    return hits;
  }, english);
}

// A context of its own, signed in through the login form; page.visited
// collects [name, path] of its screens for a Lithuanian walk.
export async function signIn(email, password = fx.password) {
  const { page } = await open();
  await page.goto(fx.base + '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(u => !u.pathname.startsWith('/login'));
  await page.waitForSelector('main h1');
  page.visited = [];
  return page;
}

// Closes the browser, writes figures, exits 0 only without failures.
export async function finish(pages, figureFile = 'figures.json') {
  for (const p of pages) check(p.external.length === 0, 'requests to another origin: ' + p.external.join(', '));
  await browser.close();
  if (Object.keys(figures).length) writeFileSync(join(fx.out, figureFile), JSON.stringify(figures, null, 2));
  console.log(failures.length ? `${failures.length} failure(s)` : 'browser test passed');
  process.exit(failures.length ? 1 : 0);
}
