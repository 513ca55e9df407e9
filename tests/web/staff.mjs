// Drives the staff screens in Debian's Chromium (playwright-core, as
// app.mjs does): coordinator authoring, GIFT import, an event's waiting
// list and attendance; a reviewer confined to their organisation with a
// CSV that matches the table; an admin deactivating a signed-in user.
// axe-core at desktop and 320 px and a Lithuanian walk on every screen.
// Fixture from test_staff.py.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fx, check, log, open, settle, screen as libScreen, step, finish, switchLanguage } from './lib.mjs';

const load = async f => (await import(pathToFileURL(join(fx.source, 'server/web/src/i18n', f)))).default;
const staffEn = await load('staff.en.js'), staffLt = await load('staff.lt.js');
const en = { ...(await load('en.js')), ...staffEn };
const lt = { ...(await load('lt.js')), ...staffLt };

// A signed-in context of its own; page.visited lists its screens for the
// Lithuanian walk.
async function session(email) {
  const { page } = await open();
  await page.goto(fx.base + '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(fx.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(u => !u.pathname.startsWith('/login'));
  await page.waitForSelector('main h1');
  page.visited = [];
  return page;
}
async function screen(page, name, { remember = true } = {}) {
  await libScreen(page, name, { remember: false, prefix: 's' });
  if (remember) page.visited.push([name, new URL(page.url()).pathname + new URL(page.url()).search]);
}
const nav = (page, name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
// A label with the required mark: 'Title *'.
const req = s => new RegExp('^' + s + '( \\*)?$');
const iso = d => d.toISOString().slice(0, 10);
const local = d => { const p = n => String(n).padStart(2, '0'); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`; };

const GIFT_BAD = `// Two questions; the second misses its closing brace.
::q1::Which code sets the entry conditions? {
=Schengen Borders Code
~Visa Code
}

::q2::Is a minimum check enough for EU citizens? {T
`;
const GIFT_GOOD = GIFT_BAD + '}\n';
const LESSON = n => `## Part ${n}\n\nA **careful** interview.\n\n<script>window.__pwned = ${n}</script>\n\n[bad](javascript:alert(1))\n`;

let coord, reviewer, admin;
const pages = [];
try {
  await step('the staff catalogues have the same keys', async () => {
    const base = k => k.replace(/_(one|few|many|other)$/, '');
    const a = new Set(Object.keys(staffEn).map(base)), b = new Set(Object.keys(staffLt).map(base));
    for (const k of a) check(b.has(k), 'staff.lt lacks ' + k);
    for (const k of b) check(a.has(k), 'staff.en lacks ' + k);
  });

  let courseId;
  await step('coordinator: a new course with two lessons, preview sanitised', async () => {
    coord = await session('coord@example.org'); pages.push(coord);
    check(await nav(coord, 'Records').count() === 1, 'coordinator has the Records link');
    await nav(coord, 'Authoring').click();
    await coord.getByRole('link', { name: 'Fundamental rights at the border' }).waitFor();
    await screen(coord, 'course-list');
    await coord.getByRole('link', { name: 'New course' }).click();
    await settle(coord);
    await coord.getByRole('button', { name: 'Save' }).click();
    await coord.locator('.field-error').first().waitFor();
    check(await coord.getByLabel(req('Title')).getAttribute('aria-invalid') === 'true' ||
      await coord.getByLabel(/Short name/).getAttribute('aria-invalid') === 'true', 'errors shown at the fields');
    await screen(coord, 'course-new-errors', { remember: false });
    await coord.getByLabel(/Short name/).fill('document-checks');
    await coord.getByLabel(req('Title')).fill('Document checks at the first line');
    await coord.getByLabel('Summary').fill('How to check a travel document quickly and well.');
    await coord.getByLabel('Border guards').check();
    await coord.getByRole('button', { name: 'Save' }).click();
    await coord.getByRole('heading', { name: 'Modules' }).waitFor();
    courseId = Number(new URL(coord.url()).pathname.split('/').pop());
    for (const n of [1, 2]) {
      await coord.getByLabel('Lesson title').fill('Lesson ' + n);
      await coord.getByLabel('Lesson text (Markdown)').fill(LESSON(n));
      await coord.locator('article.preview strong', { hasText: 'careful' }).waitFor();
      await coord.waitForFunction(() => !document.querySelector('.preview-label .spinner'));
      check(await coord.locator('article.preview script').count() === 0, 'no script element in the preview');
      check(await coord.locator('article.preview a[href^="javascript"]').count() === 0, 'no javascript: link in the preview');
      check(await coord.evaluate(() => window.__pwned) === undefined, 'the script in the Markdown never ran');
      if (n === 2) await screen(coord, 'course-editor', { remember: false });
      await coord.getByRole('button', { name: 'Add lesson' }).click();
      await coord.locator('.sortable .module', { hasText: 'Lesson ' + n }).waitFor();
    }
    check(await coord.evaluate(() => window.__pwned) === undefined, 'no script ran after saving');
  });

  await step('coordinator: reorder modules by keyboard and by drag', async () => {
    const order = async () => (await coord.locator('.sortable .module .module-body > span:first-child').allTextContents());
    check(JSON.stringify(await order()) === '["Lesson 1","Lesson 2"]', 'initial order');
    await coord.getByRole('button', { name: 'Move Lesson 1 down' }).focus();
    await coord.keyboard.press('Enter');
    await coord.getByText('Lesson 1 is now number 2.').waitFor();
    check(JSON.stringify(await order()) === '["Lesson 2","Lesson 1"]', 'keyboard moved Lesson 1 down: ' + await order());
    await coord.locator('.sortable .module', { hasText: 'Lesson 1' }).dragTo(coord.locator('.sortable .module', { hasText: 'Lesson 2' }));
    await coord.getByText('Lesson 1 is now number 1.').waitFor();
    await coord.reload();
    await settle(coord);
    check(JSON.stringify(await order()) === '["Lesson 1","Lesson 2"]', 'drag moved it back, kept after reload: ' + await order());
  });

  await step('coordinator: GIFT import shows the line of an error, then imports', async () => {
    await coord.getByLabel('Quiz title').fill('Document checks quiz');
    await coord.getByLabel('GIFT text').fill(GIFT_BAD);
    await coord.getByRole('button', { name: 'Import quiz' }).click();
    await coord.locator('.gift-errors').waitFor();
    const msg = await coord.locator('.gift-errors').textContent();
    const line = Number(/line (\d+)/.exec(msg)?.[1]);
    check(line > 0, 'the error names a line: ' + msg);
    check(await coord.getByText(`The error is on line ${line}.`).count() === 1, 'the line is shown at the field');
    check(await coord.locator('.gift-lines li.bad').count() === 1, 'the bad line is marked beside the text');
    await screen(coord, 'gift-error', { remember: false });
    await coord.getByLabel('GIFT text').fill(GIFT_GOOD);
    await coord.getByRole('button', { name: 'Import quiz' }).click();
    await coord.getByText('Imported 2 questions.').waitFor();
    await coord.locator('.sortable .module', { hasText: 'Document checks quiz' }).waitFor();
    await coord.getByRole('link', { name: 'Quiz settings' }).click();
    await settle(coord);
    await coord.getByLabel('Pass mark (%)').fill('80');
    await coord.getByLabel('Attempts allowed').fill('3');
    await coord.getByLabel('Grade from').selectOption('last');
    await coord.getByRole('button', { name: 'Save' }).click();
    await coord.getByText('Saved.').waitFor();
    await screen(coord, 'quiz-settings');
    await coord.goBack();
    await settle(coord);
  });

  await step('coordinator: publish', async () => {
    await coord.getByRole('switch', { name: /Published/ }).check();
    await coord.getByRole('button', { name: 'Save' }).first().click();
    await coord.getByText('Saved.').waitFor();
    const c = await coord.evaluate(async id => (await fetch('/api/v1/courses/' + id)).json(), courseId);
    check(c.published === true && c.modules.length === 3, 'published with 3 modules');
    await screen(coord, 'course-published');
  });

  let eventId;
  await step('coordinator: create an event with two seats (validation at the fields first)', async () => {
    await nav(coord, 'Manage events').click();
    await settle(coord);
    await screen(coord, 'events-list-empty', { remember: false });
    await coord.getByRole('link', { name: 'New event' }).click();
    await settle(coord);
    await coord.getByRole('button', { name: 'Save' }).click();
    await coord.locator('.field-error').first().waitFor();
    await screen(coord, 'event-new-errors', { remember: false });
    const now = Date.now(), h = 3600e3;
    await coord.getByLabel(req('Title')).fill('Interview techniques seminar');
    await coord.getByLabel('Description').fill('Practice of first-line interviews.');
    await coord.getByLabel('Location').fill('Vilnius');
    await coord.getByLabel('Country code').fill('LT');
    await coord.getByLabel(req('Starts')).fill(local(new Date(now - h)));
    await coord.getByLabel(req('Ends')).fill(local(new Date(now + 6 * h)));
    await coord.getByLabel('Capacity (seats)').fill('2');
    await coord.getByLabel('Registration opens').fill(local(new Date(now - 2 * h)));
    await coord.getByLabel('Registration closes').fill(local(new Date(now + 5 * h)));
    await coord.getByRole('button', { name: 'Save' }).click();
    await coord.getByRole('heading', { name: 'Registrations' }).waitFor();
    eventId = Number(new URL(coord.url()).pathname.split('/').pop());
    check(eventId > 0, 'event created');
  });

  await step('three trainees register; the third waits; one cancels; the third is promoted', async () => {
    const tp = [];
    for (const tr of fx.trainees) {
      const p = await session(tr.email); pages.push(p);
      await p.goto(fx.base + '/events/' + eventId);
      await p.getByRole('button', { name: 'Register' }).click();
      await p.getByRole('button', { name: 'Cancel registration' }).waitFor();
      tp.push(p);
    }
    await tp[2].getByText('Your place on the waiting list: 1').waitFor();
    await coord.reload();
    await settle(coord);
    check(await coord.locator('ol.reg-list').textContent().then(s => s.includes(fx.trainees[2].name)), 'coordinator sees the third on the waiting list');
    await screen(coord, 'event-registrations-full', { remember: false });
    await tp[0].getByRole('button', { name: 'Cancel registration' }).click();
    await tp[0].getByRole('button', { name: 'Register' }).waitFor();
    await tp[2].reload();
    await tp[2].getByText('Confirmed', { exact: true }).waitFor();
    await coord.reload();
    await settle(coord);
    const table = await coord.locator('table.attendance').textContent();
    check(table.includes(fx.trainees[1].name) && table.includes(fx.trainees[2].name) && !table.includes(fx.trainees[0].name),
      'after reload the coordinator lists the second and third as confirmed: ' + table);
    check(await coord.getByText('No one is on the waiting list.').count() === 1, 'the waiting list is empty');
    for (const p of tp) await p.context().close();
  });

  await step('coordinator: attendance for the whole list at once', async () => {
    await coord.getByRole('button', { name: 'Mark everyone as attended' }).click();
    await coord.getByText('Attendance marked for 2 people.').waitFor();
    await coord.waitForFunction(() => [...document.querySelectorAll('table.attendance select')].every(s => s.value === 'attended'));
    await coord.getByLabel('Attendance of ' + fx.trainees[2].name).selectOption('partial');
    await coord.waitForFunction(() => !document.querySelector('table.attendance select[disabled]'));
    await coord.reload();
    await settle(coord);
    check(await coord.getByLabel('Attendance of ' + fx.trainees[2].name).inputValue() === 'partial', 'one changed to partial');
    await screen(coord, 'event-editor');
    await nav(coord, 'Manage events').click();
    await coord.getByRole('link', { name: 'Interview techniques seminar' }).waitFor();
    await screen(coord, 'events-list');
  });

  await step('coordinator: secondments, an overlap is shown at the form', async () => {
    await nav(coord, 'Secondments').click();
    await settle(coord);
    await screen(coord, 'secondments');
    for (const attempt of [0, 1]) {
      await coord.getByRole('link', { name: 'New secondment' }).click();
      await settle(coord);
      await coord.getByLabel('Person').selectOption({ label: `${fx.trainees[0].name} (${fx.trainees[0].email})` });
      await coord.getByLabel('Host institution').fill('Polish Border Guard');
      await coord.getByLabel('Host country').selectOption('PL');
      await coord.getByLabel('Starts on').fill('2027-02-01');
      await coord.getByLabel('Ends on').fill('2027-02-28');
      await coord.getByRole('button', { name: 'Save' }).click();
      if (attempt === 0) {
        await coord.getByRole('heading', { name: 'Edit secondment' }).waitFor();
        await screen(coord, 'secondment-edit', { remember: false });
        await nav(coord, 'Secondments').click();
        await settle(coord);
      } else {
        await coord.getByRole('alert').first().waitFor();
        // The 409 names the secondment in the way (its host and dates).
        check(await coord.getByRole('alert').first().textContent().then(s => /Polish Border Guard.*2027-02-01/.test(s)), 'the overlap (409) is shown');
        await screen(coord, 'secondment-overlap', { remember: false });
      }
    }
    await nav(coord, 'Records').click();
    await settle(coord);
    await screen(coord, 'records-coordinator');
  });

  await step('reviewer: only their organisation, on every screen and by URL', async () => {
    reviewer = await session('reviewer@example.org'); pages.push(reviewer);
    check(await nav(reviewer, 'Records').count() === 1, 'reviewer has the Records link');
    check(await nav(reviewer, 'Authoring').count() === 0, 'reviewer has no authoring');
    const outsider = ['Outsider Ottoson', 'Migration Department'];
    for (const [label, name] of [['Dashboard', 'dashboard'], ['Records', 'records'], ['Secondments', 'secondments-reviewer']]) {
      await nav(reviewer, label).click();
      await settle(reviewer);
      const text = await reviewer.locator('main').textContent();
      for (const o of outsider) check(!text.includes(o), `reviewer ${label} shows ${o}`);
      for (const o of outsider) check(!(await reviewer.locator('main option').allTextContents()).some(x => x.includes(o)), `reviewer ${label} offers ${o}`);
      await screen(reviewer, name);
    }
    await reviewer.goto(fx.base + '/users/' + fx.other_id);
    await settle(reviewer);
    const text = await reviewer.locator('main').textContent();
    check(!text.includes('Outsider Ottoson') && /not allowed|does not exist/.test(text), 'another organisation\'s user is not reachable by URL: ' + text);
    const api = await reviewer.evaluate(async id => (await fetch('/api/v1/users/' + id + '/transcript')).status, fx.other_id);
    check(api === 403 || api === 404, 'the API refuses it too: ' + api);
  });

  await step('reviewer: dashboard charts have tables', async () => {
    await nav(reviewer, 'Dashboard').click();
    await settle(reviewer);
    check(await reviewer.locator('main svg[role=img]').count() >= 3, 'charts drawn');
    check(await reviewer.locator('main section table').count() >= 3, 'each chart has a table');
    check((await reviewer.locator('main').textContent()).includes('Poland') || (await reviewer.locator('main').textContent()).includes('PL'), 'by host country');
  });

  await step('reviewer: CSV download parses with the rows of the table', async () => {
    await nav(reviewer, 'Records').click();
    await settle(reviewer);
    const rows = await reviewer.locator('table.records tbody tr').evaluateAll(trs => trs.map(tr => [tr.cells[0].textContent.trim(), tr.cells[2].textContent.trim()]));
    check(rows.length >= 1, 'the table has rows');
    const [download] = await Promise.all([reviewer.waitForEvent('download'), reviewer.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    const parse = s => {
      const out = []; let row = [], f = '', q = false;
      for (let i = 0; i < s.length; i++) {
        const c = s[i];
        if (q) { if (c === '"' && s[i + 1] === '"') { f += '"'; i++; } else if (c === '"') q = false; else f += c; }
        else if (c === '"') q = true; else if (c === ',') { row.push(f); f = ''; }
        else if (c === '\n' || c === '\r') { if (c === '\r' && s[i + 1] === '\n') i++; row.push(f); out.push(row); row = []; f = ''; }
        else f += c;
      }
      if (f || row.length) { row.push(f); out.push(row); }
      return out;
    };
    const [head, ...body] = parse(csv);
    const ui = head.indexOf('user_name'), ci = head.indexOf('course_title');
    const fromCsv = body.map(r => [r[ui], r[ci]]);
    check(JSON.stringify(fromCsv) === JSON.stringify(rows), 'CSV rows equal the table: ' + JSON.stringify(fromCsv) + ' vs ' + JSON.stringify(rows));
    check(!csv.includes('Outsider'), 'the CSV holds no other organisation');
    await reviewer.getByRole('link', { name: fx.trainees[0].name }).first().click();
    await reviewer.getByRole('button', { name: 'Print' }).waitFor();
    await screen(reviewer, 'transcript-reviewer');
    await reviewer.emulateMedia({ media: 'print' });
    await reviewer.screenshot({ path: join(fx.out, 'transcript-print.png'), fullPage: true });
    await reviewer.emulateMedia({ media: 'screen' });
  });

  await step('admin: organisations, users, audit; deactivation ends the open session', async () => {
    const victim = await session('victim@example.org'); pages.push(victim);
    admin = await session('admin@example.org'); pages.push(admin);
    await nav(admin, 'Organisations').click();
    await admin.getByRole('cell', { name: 'People of Migration Department' }).or(admin.getByRole('link', { name: 'People of Migration Department' })).first().waitFor();
    await screen(admin, 'orgs');
    await nav(admin, 'Users').click();
    await settle(admin);
    await admin.getByText('Create a user').click();
    await admin.getByLabel(req('Name')).fill('New Person');
    await admin.getByLabel('Email address').fill('new.person@example.org');
    await admin.getByLabel(req('Organisation')).first().selectOption({ label: 'Migration Department' });
    await admin.getByLabel('Initial password').fill('a long password 1');
    await admin.getByRole('button', { name: 'Create user' }).click();
    await admin.getByRole('link', { name: 'New Person' }).waitFor();
    await admin.getByLabel('Role of New Person').selectOption('reviewer');
    await admin.getByText('The role of New Person was changed.').waitFor();
    await screen(admin, 'users');
    const row = admin.locator('tr', { hasText: 'Victor Victim' });
    await row.getByRole('button', { name: 'Deactivate' }).click();
    await row.getByRole('button', { name: 'Yes, deactivate' }).click();
    await admin.getByText('Victor Victim was deactivated.').waitFor();
    await victim.goto(fx.base + '/events');
    await victim.waitForURL(/\/login/);
    await nav(admin, 'Audit log').click();
    await admin.getByText('user.update').first().waitFor();
    await screen(admin, 'audit');
    // Registrations wrote mail (API §13) in their transactions.
    await nav(admin, 'Mail outbox').click();
    await settle(admin);
    await admin.waitForFunction(() => document.querySelectorAll('main tbody tr').length > 0);
    check((await admin.locator('main tbody').textContent()).includes('t3@example.org'), 'the outbox lists the mail to the waitlisted trainee');
    await screen(admin, 'outbox');
  });

  await step('Lithuanian: every staff screen, no English string', async () => {
    const english = new Set();
    for (const [k, v] of Object.entries(en)) if (lt[k] !== v && !/\{/.test(v) && v.trim().length > 2) english.add(v.trim());
    for (const page of [coord, reviewer, admin]) {
      await page.goto(fx.base + '/');
      await settle(page);
      await switchLanguage(page, 'lt');
      await page.waitForFunction(() => document.documentElement.lang === 'lt');
      for (const [name, path] of page.visited) {
        await page.goto(fx.base + path);
        await settle(page);
        const found = await page.evaluate(list => {
          const eng = new Set(list), hits = [];
          const inOtherLang = el => { const l = el.closest('[lang]'); return l && l.getAttribute('lang') !== 'lt'; };
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n; (n = walker.nextNode());) {
            const s = n.nodeValue.trim();
            if (s && eng.has(s) && !inOtherLang(n.parentElement)) hits.push(s);
          }
          for (const el of document.querySelectorAll('[aria-label],[title],[placeholder]'))
            for (const a of ['aria-label', 'title', 'placeholder']) {
              const v = (el.getAttribute(a) || '').trim();
              if (v && eng.has(v) && !inOtherLang(el)) hits.push(a + '=' + v);
            }
          return hits;
        }, [...english]);
        check(found.length === 0, `lt ${name}: English text ${JSON.stringify(found)}`);
        await page.screenshot({ path: join(fx.out, `lt-${name}.png`), fullPage: true });
      }
    }
  });

} catch (e) {
  // already recorded by step()
}
// The CSV arrives as a blob: URL made in the page, not another origin.
for (const p of pages) p.external = p.external.filter(u => !u.startsWith('blob:'));
await finish(pages);
