// Drives the event screens of issue 13, part 2, in Debian's Chromium: the
// coordinator's quota editor (a seat-sum error at the field, fixed, saved,
// reloaded; the server's own 422 at the same fields), event times entered
// from a browser in New York and received as Vilnius time, the registration
// list with organisation, email, nominator and note, and an attendee's
// evaluation sent once and counted by the report. axe at desktop and
// 320 px on each screen. Fixture from test_events2.py.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fx, check, open, settle, screen, step, tabTo, englishOnPage, finish, switchLanguage } from './lib.mjs';

const load = async f => (await import(pathToFileURL(join(fx.source, 'server/web/src/i18n', f)))).default;
const EN = { ...(await load('en.js')), ...(await load('staff.en.js')) };
const LT = { ...(await load('lt.js')), ...(await load('staff.lt.js')) };

const req = s => new RegExp('^' + s + '( \\*)?$');

async function login(page, email) {
  await page.goto(fx.base + '/login');
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(fx.password);
  await page.locator('form button[type=submit]').click();
  await page.waitForURL(u => !new URL(u).pathname.startsWith('/login'));
  await settle(page);
}

// The texts an element's aria-describedby points at.
const described = loc => loc.evaluate(el => (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean)
  .map(id => document.getElementById(id)).filter(Boolean).map(n => n.textContent.trim()));

const api = (page, path) => page.evaluate(async p => (await fetch('/api/v1' + p)).json(), path);

// Vilnius is UTC+2 before 28 March 2027 and UTC+3 after; New York is UTC-4
// then. The browser's zone must not matter.
const STARTS = '2027-03-27T09:30', STARTS_Z = '2027-03-27T07:30:00Z';
const ENDS = '2027-03-29T17:00', ENDS_Z = '2027-03-29T14:00:00Z';
const RELEASE = '2027-03-20T08:00', RELEASE_Z = '2027-03-20T06:00:00Z';

const { page: cp } = await open('en-GB', { timezoneId: 'America/New_York' });
const pages = [cp];
let created;
try {
  await login(cp, 'coord@example.org');

  await step('coordinator: two quotas, the seat sum refused at the field, fixed, saved', async () => {
    check(await cp.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone) === 'America/New_York',
      'the coordinator\'s browser runs in New York');
    await cp.goto(fx.base + '/manage/events/new');
    await settle(cp);
    await cp.getByLabel(req('Title')).fill('Schengen evaluation workshop');
    await cp.getByLabel('Location').fill('Riga');
    await cp.getByLabel('Country code').fill('LV');
    await cp.getByLabel(req('Starts')).fill(STARTS);
    await cp.getByLabel(req('Ends')).fill(ENDS);
    const hint = (await described(cp.getByLabel(req('Starts')))).join(' ');
    check(hint === 'Vilnius time (Europe/Vilnius): 27 Mar 2027, 09:30', 'the start is labelled with the zone and read back: ' + hint);
    await cp.getByLabel(req('Capacity \\(seats\\)')).fill('5');
    await cp.getByRole('button', { name: 'Add an organisation' }).click();
    await cp.getByRole('button', { name: 'Add an organisation' }).click();
    await cp.getByLabel('Organisation, row 1').selectOption({ label: 'State Border Guard Service' });
    await cp.getByLabel('Seats, row 1').fill('3');
    await cp.getByLabel('Organisation, row 2').selectOption({ label: 'Migration Department' });
    await cp.getByLabel('Seats, row 2').fill('3');
    await cp.getByLabel('Reserved seats open to everyone at').fill(RELEASE);
    await cp.getByRole('button', { name: 'Save' }).click();
    const err = cp.locator('#quota-error');
    await err.waitFor();
    check(await err.textContent() === 'The reserved seats add up to 6, more than the capacity (5).', 'sum error: ' + await err.textContent());
    for (const n of [1, 2]) {
      const seats = cp.getByLabel('Seats, row ' + n);
      check(await seats.getAttribute('aria-invalid') === 'true', 'seats ' + n + ' marked invalid');
      check((await described(seats)).includes(await err.textContent()), 'seats ' + n + ' described by the sum error');
    }
    check(new URL(cp.url()).pathname === '/manage/events/new', 'nothing saved while the sum is over');
    await screen(cp, 'event-quota-error');
    await cp.getByLabel('Seats, row 2').fill('2');
    await cp.getByRole('button', { name: 'Save' }).click();
    await cp.waitForURL(u => /^\/manage\/events\/\d+$/.test(new URL(u).pathname));
    await settle(cp);
    created = Number(new URL(cp.url()).pathname.split('/').pop());
    const e = await api(cp, '/events/' + created);
    check(e.starts_at === STARTS_Z && e.ends_at === ENDS_Z, `the API received Vilnius time: ${e.starts_at} ${e.ends_at}`);
    check(e.quota_release_at === RELEASE_Z, 'release in Vilnius time: ' + e.quota_release_at);
    const quotas = JSON.stringify(e.quotas.map(q => [q.org_id, q.seats, q.used]).sort((a, b) => a[0] - b[0]));
    check(quotas === JSON.stringify([[fx.org_a, 3, 0], [fx.org_b, 2, 0]]), 'two quotas saved: ' + quotas);
  });

  await step('coordinator: reload shows the quotas and the same times', async () => {
    await cp.reload();
    await settle(cp);
    await cp.getByLabel('Seats, row 2').waitFor();
    check(await cp.getByLabel(req('Starts')).inputValue() === STARTS, 'start round-trips: ' + await cp.getByLabel(req('Starts')).inputValue());
    check(await cp.getByLabel(req('Ends')).inputValue() === ENDS, 'end round-trips');
    check(await cp.getByLabel('Reserved seats open to everyone at').inputValue() === RELEASE, 'release round-trips');
    const rows = [];
    for (const n of [1, 2])
      rows.push([await cp.getByLabel('Organisation, row ' + n).evaluate(s => s.selectedOptions[0].textContent),
        await cp.getByLabel('Seats, row ' + n).inputValue()]);
    check(JSON.stringify(rows) === JSON.stringify([['State Border Guard Service', '3'], ['Migration Department', '2']]),
      'rows after reload: ' + JSON.stringify(rows));
    check(await cp.locator('.quota-used').first().textContent() === 'Taken: 0', 'the seats taken are shown');
    await screen(cp, 'event-quotas');
    await cp.goto(fx.base + '/manage/events');
    const cell = cp.locator('tr', { hasText: 'Schengen evaluation workshop' }).locator('td').nth(1);
    await cell.waitFor();
    check(await cell.textContent() === '27 Mar 2027, 09:30', 'the list shows Vilnius time: ' + await cell.textContent());
    check(await cp.getByRole('columnheader', { name: 'Starts (Vilnius time)' }).count() === 1, 'the column names the zone');
  });

  await step('coordinator: the server\'s 422 lands at the quota and release fields', async () => {
    await cp.goto(fx.base + '/manage/events/' + created);
    await settle(cp);
    // The client checks the same rules, so the request is altered on its
    // way: the server's own messages must reach the fields.
    await cp.route('**/api/v1/events/' + created, async route => {
      if (route.request().method() !== 'PATCH') return route.continue();
      const body = JSON.parse(route.request().postData());
      body.quotas = [{ org_id: fx.org_a, seats: 3 }, { org_id: fx.org_b, seats: 9 }];
      body.quota_release_at = '2027-03-28T00:00:00Z';
      await route.continue({ postData: JSON.stringify(body) });
    });
    await cp.getByLabel('Seats, row 2').fill('1');
    await cp.getByRole('button', { name: 'Save' }).click();
    await cp.locator('#quota-error').waitFor();
    check(await cp.locator('#quota-error').textContent() === 'the seats add up to more than the capacity (5)',
      'server sum error at the quotas: ' + await cp.locator('#quota-error').textContent());
    check((await described(cp.getByLabel('Reserved seats open to everyone at'))).includes('must be before starts_at'),
      'server release error at its field');
    await cp.unroute('**/api/v1/events/' + created);
    await screen(cp, 'event-quota-server-error', { remember: false });
    const e = await api(cp, '/events/' + created);
    check(e.quotas.length === 2 && e.quotas.every(q => q.seats !== 9), 'nothing changed on a refusal');
  });

  await step('coordinator, in Lithuanian: the page refuses a release after the start, at its field', async () => {
    await cp.reload();
    await settle(cp);
    await switchLanguage(cp, 'lt');
    const release = cp.getByLabel('Rezervuotos vietos visiems atveriamos');
    await release.fill('2027-03-27T09:30');
    check((await described(release)).join(' ').startsWith('Vilniaus laiku (Europe/Vilnius): 2027-03-27 09:30.'),
      'the release read back in Lithuanian: ' + (await described(release)).join(' '));
    await cp.getByRole('button', { name: 'Išsaugoti' }).click();
    await cp.getByText('Turi būti anksčiau nei renginio pradžia.').waitFor();
    check((await described(release)).includes('Turi būti anksčiau nei renginio pradžia.'), 'release error linked to its input');
    const hits = await englishOnPage(cp, EN, LT);
    check(hits.length === 0, 'lt event form with errors: English text ' + hits.join(' | '));
    await screen(cp, 'event-form-lt', { remember: false });
    await release.fill(RELEASE);
    check(await cp.getByText('Turi būti anksčiau nei renginio pradžia.').count() === 0, 'the message goes once the time is fixed');
    await switchLanguage(cp, 'en');
  });

  await step('trainee view: times on the Vilnius clock, in English and Lithuanian', async () => {
    await cp.goto(fx.base + '/events/' + created);
    await settle(cp);
    const when = cp.locator('dt', { hasText: 'When' }).locator('xpath=following-sibling::dd[1]');
    check(await when.textContent() === '27 Mar 2027, 09:30 – 29 Mar 2027, 17:00 (Vilnius time)', 'en: ' + await when.textContent());
    await switchLanguage(cp, 'lt');
    await cp.getByText('Vilniaus laiku', { exact: false }).first().waitFor();
    const lt = await cp.locator('dt', { hasText: 'Kada' }).locator('xpath=following-sibling::dd[1]').textContent();
    check(lt.includes('2027-03-27 09:30') && lt.includes('2027-03-29 17:00') && lt.endsWith('(Vilniaus laiku)'), 'lt: ' + lt);
    await switchLanguage(cp, 'en');
    await cp.getByText('(Vilnius time)', { exact: false }).first().waitFor();
  });

  await step('coordinator: registrations show organisation, email, nominator and note', async () => {
    await cp.goto(fx.base + '/manage/events/' + fx.event_id);
    await settle(cp);
    const nominee = cp.locator('table.attendance tbody tr', { hasText: 'Bronius Nominee' });
    await nominee.waitFor();
    const text = await nominee.textContent();
    for (const want of ['Migration Department', 'nominee@example.org', 'Nominated by Reviewer Jankauskas', 'Note: Leads the airport shift.'])
      check(text.includes(want), 'nomination row has ' + want + ': ' + text);
    const learner = await cp.locator('table.attendance tbody tr', { hasText: 'Aistė Learner' }).textContent();
    check(learner.includes('State Border Guard Service') && learner.includes('learner@example.org') && !learner.includes('Nominated'),
      'own registration row: ' + learner);
    check(await cp.getByLabel('Attendance of Aistė Learner').inputValue() === 'attended', 'attendance still shown per person');
    await screen(cp, 'event-registrations');
  });

  const { page: lp } = await open('en-GB', { timezoneId: 'Asia/Tokyo' });
  pages.push(lp);
  await step('registrant: the test before the event, from the event page, without a course', async () => {
    await login(lp, 'learner@example.org');
    await lp.goto(fx.base + '/events/' + fx.event_id);
    await lp.getByRole('link', { name: 'Test before the event' }).click();
    await lp.getByRole('heading', { name: 'Test before the event: Document fraud seminar' }).waitFor();
    await settle(lp);
    check(await lp.locator('.crumbs a').getAttribute('href') === '/events/' + fx.event_id, 'the crumb leads back to the event');
    await lp.getByRole('button', { name: 'Start attempt' }).click();
    await lp.getByRole('radio', { name: 'True' }).check();
    await lp.getByText('Your answers are saved.').waitFor();
    await screen(lp, 'event-pre-test');
    await lp.getByRole('button', { name: 'Submit answers' }).click();
    await lp.getByRole('heading', { name: 'You passed' }).waitFor();
    await lp.getByRole('link', { name: 'Back to the event' }).click();
    await lp.getByRole('heading', { name: 'Document fraud seminar' }).waitFor();
  });

  await step('attendee: evaluates by keyboard, sent once; a second time says already sent', async () => {
    await lp.goto(fx.base + '/events/' + fx.event_id);
    await lp.getByRole('heading', { name: 'Evaluate the event' }).waitFor();
    const group = lp.getByRole('group', { name: 'How useful was the seminar?' });
    check(await group.getByRole('radio').count() === 5, 'a scale of five radios in a named group');
    await screen(lp, 'event-evaluation');
    await tabTo(lp, group.getByRole('radio', { name: '1 – very poor' }));
    for (let i = 0; i < 3; i++) await lp.keyboard.press('ArrowRight');
    check(await group.getByRole('radio', { name: '4 – good' }).isChecked(), 'arrows choose 4');
    await lp.getByLabel('What should change next time?').fill('More practice with forged passports.');
    await lp.getByRole('button', { name: 'Send the evaluation' }).click();
    await lp.getByText('Thank you: your evaluation has been sent.').waitFor();
    await screen(lp, 'event-evaluation-sent');
    await switchLanguage(lp, 'lt');
    await lp.reload();
    await lp.getByRole('heading', { name: 'Įvertinkite renginį' }).waitFor();
    const hits = await englishOnPage(lp);
    check(hits.length === 0, 'lt event page with the evaluation: English text ' + hits.join(' | '));
    await lp.getByRole('radio', { name: '5 – puikiai' }).check();
    await lp.getByRole('button', { name: 'Siųsti vertinimą' }).click();
    await lp.getByText('Jūsų vertinimas jau išsiųstas; jį galima siųsti tik vieną kartą.').waitFor();
    await screen(lp, 'event-evaluation-already-lt', { remember: false });
  });

  await step('coordinator: the report counts one response', async () => {
    await cp.goto(fx.base + '/manage/events/' + fx.event_id + '/report');
    await cp.getByText('Answers received: 1').waitFor();
    const mean = await cp.locator('tr', { hasText: 'How useful was the seminar?' }).locator('td').first().textContent();
    check(mean === '4', 'the mean of the one answer: ' + mean);
    await screen(cp, 'event-report-one', { remember: false });
  });
} catch (e) { /* recorded by step() */ }
await finish(pages);
