// Drives the screens of the second wave in Debian's Chromium: forgotten
// password by mail link end to end, certificate PDF links, axe at desktop
// and 320 px on each new screen, and no English on them in Lithuanian.
// Fixture from test_wave2.py, which hands over the reset token on stdin.
import { createInterface } from 'node:readline';
import { fx, check, open, settle, screen, step, englishOnPage, finish, switchLanguage } from './lib.mjs';

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function resetToken() {
  console.log('NEED reset');
  return (await lines.next()).value.trim();
}

async function login(page, email, password) {
  await page.goto(fx.base + '/login');
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.waitForURL(u => !new URL(u).pathname.startsWith('/login'));
  await settle(page);
}

const { page } = await open('en-GB');
const { page: p2 } = await open('en-GB');   // the learner
const pages = [page, p2];
try {
  await step('forgotten password: the same neutral answer for any address', async () => {
    await page.goto(fx.base + '/login');
    await settle(page);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByRole('heading', { name: 'Forgotten password' }).waitFor();
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.locator('.field-error').waitFor();
    await screen(page, 'forgot-error');
    await page.getByLabel('Email').fill('nobody@example.org');
    await page.getByRole('button', { name: 'Send the link' }).click();
    const unknown = await page.locator('.notice.ok').textContent();
    await page.goto(fx.base + '/forgot');
    await screen(page, 'forgot');
    await page.getByLabel('Email').fill('forgetful@example.org');
    await page.getByRole('button', { name: 'Send the link' }).click();
    const known = await page.locator('.notice.ok').textContent();
    check(known === unknown, 'the answer does not tell whether the account exists');
    await screen(page, 'forgot-sent');
  });

  await step('the mailed link sets a new password once', async () => {
    const token = await resetToken();
    check(token.length === 43, 'a reset token arrived: ' + token);
    await page.goto(fx.base + '/reset#' + token);
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
    check(!page.url().includes('#'), 'the token leaves the address bar: ' + page.url());
    await screen(page, 'reset');
    await page.locator('input[name=new_password]').fill('short');
    await page.locator('input[name=again]').fill('short');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await page.locator('.field-error').first().waitFor();
    await screen(page, 'reset-short');
    await page.locator('input[name=new_password]').fill('a brand new passphrase');
    await page.locator('input[name=again]').fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await page.getByText('Your password has been changed').waitFor();
    await screen(page, 'reset-done');
    await page.goto(fx.base + '/reset#' + token);
    await page.locator('input[name=new_password]').fill('another long passphrase');
    await page.locator('input[name=again]').fill('another long passphrase');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await page.getByText('This link is unknown, already used or expired.').waitFor();
    await screen(page, 'reset-used');
    await login(page, 'forgetful@example.org', 'a brand new passphrase');
    check(new URL(page.url()).pathname === '/', 'signed in with the new password');
  });

  await step('certificate PDF on My certificates and on the public page', async () => {
    await login(p2, 'learner@example.org', fx.password);
    await p2.goto(fx.base + '/certificates');
    const link = p2.getByRole('link', { name: 'Download PDF: Fundamental rights at the border' });
    await link.waitFor();
    await screen(p2, 'certificates');
    const href = await link.getAttribute('href');
    check(href === '/api/v1/certificates/' + fx.cert_code + '/pdf', 'PDF link: ' + href);
    const r = await p2.request.get(fx.base + href);
    check(r.status() === 200 && r.headers()['content-type'].startsWith('application/pdf'),
      'the PDF link answers application/pdf: ' + r.status() + ' ' + r.headers()['content-type']);
    check((await r.body()).subarray(0, 5).toString() === '%PDF-', 'the PDF link returns a PDF');
    // Completed through the API, not in this browser: the outline reads
    // the enrolment's modules.
    await p2.goto(fx.base + '/courses/' + fx.course_id);
    await p2.locator('.module.done').waitFor();
    check(await p2.locator('.module.done .module-meta').textContent() === 'Lesson · Done',
      'the outline shows the lesson done: ' + await p2.locator('.module-meta').first().textContent());
    await page.goto(fx.base + '/verify/' + fx.cert_code);
    const pub = page.getByRole('link', { name: 'Download PDF' });
    await pub.waitFor();
    check(await pub.getAttribute('href') === href, 'the public page links the same PDF');
    await screen(page, 'verify');
  });

  await step('calendar subscription: made, copied out, revoked', async () => {
    await p2.goto(fx.base + '/events');
    await settle(p2);
    await p2.getByRole('button', { name: 'Create a subscription link' }).click();
    const input = p2.locator('input[name=feed_url]');
    await input.waitFor();
    const feed = new URL(await input.inputValue());
    check(/^\/api\/v1\/calendar\/[A-Za-z0-9_-]+\.ics$/.test(feed.pathname), 'feed URL: ' + feed);
    let r = await p2.request.get(fx.base + feed.pathname);
    check(r.status() === 200 && r.headers()['content-type'].startsWith('text/calendar'),
      'the feed answers a calendar: ' + r.status() + ' ' + r.headers()['content-type']);
    await screen(p2, 'events-feed');
    await p2.getByRole('button', { name: 'Stop the subscription' }).click();
    await p2.getByText('The subscription is stopped').waitFor();
    check(await input.count() === 0, 'the revoked link is no longer shown');
    r = await p2.request.get(fx.base + feed.pathname);
    check(r.status() === 404, 'a revoked feed is gone: ' + r.status());
  });

  await step('a reviewer nominates an official of their organisation and cancels', async () => {
    const { page: rp } = await open('en-GB');
    pages.push(rp);
    await login(rp, 'reviewer@example.org', fx.password);
    await rp.goto(fx.base + '/events/' + fx.event_id);
    await rp.getByRole('heading', { name: 'Nominate officials' }).waitFor();
    await settle(rp);
    await rp.getByRole('button', { name: 'Nominate', exact: true }).click();
    await rp.locator('.field-error').waitFor();
    check((await rp.locator('.field-error').textContent()) === 'Choose the person to nominate.', 'no one chosen: error at the field');
    await rp.locator('select[name=user_id]').selectOption({ label: 'Aistė Learner' });
    await rp.locator('textarea[name=note]').fill('Leads the airport shift.');
    await rp.getByRole('button', { name: 'Nominate', exact: true }).click();
    const item = rp.locator('.nominated li', { hasText: 'Aistė Learner' });
    await item.waitFor();
    check((await item.textContent()).includes('Leads the airport shift.'), 'the note is listed');
    check(await rp.locator('select[name=user_id] option', { hasText: 'Aistė Learner' }).count() === 0,
      'a nominated official is not offered again');
    await screen(rp, 'event-nominate');
    await rp.getByRole('button', { name: 'Cancel the nomination: Aistė Learner' }).click();
    await rp.getByText('You have not nominated anyone for this event.').waitFor();
    await switchLanguage(rp, 'lt');
    await rp.getByRole('heading', { name: 'Pareigūnų siūlymas' }).waitFor();
    const hits = await englishOnPage(rp);
    check(hits.length === 0, 'lt event page of a reviewer: English text ' + hits.join(' | '));
  });

  await step('a coordinator reads the event report and downloads its CSV', async () => {
    const { page: cp } = await open('en-GB');
    pages.push(cp);
    await login(cp, 'coord@example.org', fx.password);
    await cp.goto(fx.base + '/manage/events/' + fx.event_id);
    await cp.getByRole('link', { name: 'Report', exact: true }).click();
    await cp.getByRole('heading', { name: 'Registrations and attendance' }).waitFor();
    await screen(cp, 'event-report');
    const csv = await cp.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    const r = await cp.request.get(fx.base + csv);
    check(r.status() === 200 && r.headers()['content-type'].startsWith('text/csv'),
      'the report CSV: ' + r.status() + ' ' + r.headers()['content-type']);
    await switchLanguage(cp, 'lt');
    await cp.getByRole('heading', { name: 'Registracijos ir dalyvavimas' }).waitFor();
    await screen(cp, 'event-report-lt', { remember: false });
  });

  await step('no English on the new screens in Lithuanian', async () => {
    const { page: lp } = await open('lt-LT');
    pages.push(lp);
    for (const path of ['/login', '/forgot', '/reset', '/verify/' + fx.cert_code]) {
      await lp.goto(fx.base + path);
      await settle(lp);
      const hits = await englishOnPage(lp);
      check(hits.length === 0, `lt ${path}: English text ${hits.join(' | ')}`);
    }
    await lp.goto(fx.base + '/forgot');
    await lp.getByRole('button', { name: 'Siųsti nuorodą' }).click();
    await lp.locator('.field-error').waitFor();
    const hits = await englishOnPage(lp);
    check(hits.length === 0, 'lt /forgot errors: English text ' + hits.join(' | '));
    await screen(lp, 'forgot-lt', { remember: false });
    // The account's language (English) wins at login; the switch writes
    // Lithuanian back to the account, so it holds after a reload.
    await login(lp, 'learner@example.org', fx.password);
    await switchLanguage(lp, 'lt');
    await lp.goto(fx.base + '/events');
    await settle(lp);
    await lp.getByRole('button', { name: 'Sukurti prenumeratos nuorodą' }).click();
    await lp.locator('input[name=feed_url]').waitFor();
    let ev = await englishOnPage(lp);
    check(ev.length === 0, 'lt /events: English text ' + ev.join(' | '));
    await screen(lp, 'events-feed-lt', { remember: false });
  });
} catch (e) { /* recorded by step() */ }
await finish(pages);
