// Drives the web application in Debian's Chromium (playwright-core, never
// `playwright install`) through a trainee's whole journey, with axe-core on
// every screen at desktop and 320 px, a Lithuanian walk that must show no
// English, and keyboard-only login and quiz. Fixture from test_app.py.
import { join } from 'node:path';
import { fx, en, lt, check, log, figures, open, settle as settleOn, screen as screenOn,
  tabTo as tabToOn, step, englishOnPage, visited, finish, switchLanguage } from './lib.mjs';

const { ctx, page } = await open('en-GB');
const settle = () => settleOn(page);
const screen = (name, o) => screenOn(page, name, o);
const tabTo = (locator, max) => tabToOn(page, locator, max);

const course = 'Interviewing travellers at the border';
try {
  await step('the catalogues have the same keys', async () => {
    const base = k => k.replace(/_(one|few|many|other)$/, '');
    const a = new Set(Object.keys(en).map(base)), b = new Set(Object.keys(lt).map(base));
    for (const k of a) check(b.has(k), 'lt lacks ' + k);
    for (const k of b) check(a.has(k), 'en lacks ' + k);
  });

  await step('keyboard-only login', async () => {
    await page.goto(fx.base + '/');
    await page.waitForURL(/\/login/);
    await screen('login');
    await tabTo(page.getByLabel('Email'));
    await page.keyboard.type(fx.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(fx.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'My learning' }).waitFor();
    await screen('my-learning-empty');
  });

  await step('find the course by search and enrol', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Courses', exact: true }).click();
    await settle();
    await page.getByLabel('Search courses').fill('interviewing travellers');
    await page.getByRole('link', { name: course }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.course-card').length === 1);
    await page.getByLabel('Search courses').fill('');
    await page.waitForFunction(() => document.querySelectorAll('.course-card').length > 1);
    await screen('catalog');
    await page.getByLabel('Audience').selectOption('asylum');
    await page.waitForFunction(() => document.querySelectorAll('.course-card').length >= 1 && !document.body.textContent.includes('Interviewing travellers'));
    await page.getByLabel('Search courses').fill('interviewing travellers');
    await page.getByLabel('Audience').selectOption('');
    await page.getByRole('link', { name: course }).click();
    await page.getByRole('button', { name: 'Enrol' }).click();
    await page.getByRole('link', { name: 'Start the course' }).waitFor();
    check(await page.getByRole('button', { name: 'Enrol' }).count() === 0, 'Enrol disappears once enrolled');
    await screen('course-outline');
  });

  await step('the session survives a reload; a write without the CSRF header is refused', async () => {
    await page.reload();
    await page.getByRole('link', { name: 'Start the course' }).waitFor();
    check(!page.url().includes('/login'), 'still signed in after reload');
    const status = await page.evaluate(async id => (await fetch('/api/v1/enrollments', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ course_id: id }) })).status, fx.course_id);
    check(status === 403, 'a cookie write without X-CSRF-Token answers 403, got ' + status);
  });

  await step('read every lesson and mark it done', async () => {
    await page.getByRole('link', { name: 'Start the course' }).click();
    for (let i = 0; i < 2; i++) {
      await settle();
      check(await page.locator('article.prose h2, article.prose p').count() > 0, 'lesson body rendered');
      check(await page.locator('article.prose script').count() === 0, 'no script in lesson body');
      if (i === 0) await screen('lesson');
      await page.getByRole('button', { name: 'Mark as done' }).click();
      await page.getByText('You have completed this lesson').waitFor();
      await page.getByRole('link', { name: /^Next/ }).click();
    }
  });

  await step('take the quiz: fail once', async () => {
    await settle();
    await page.getByRole('button', { name: 'Start attempt' }).waitFor();
    await screen('quiz-intro');
    await page.getByRole('button', { name: 'Start attempt' }).click();
    await page.getByRole('button', { name: 'Submit answers' }).waitFor();
    for (const type of ['radio', 'checkbox']) check(await page.locator(`input[type=${type}]`).count() > 0, 'quiz has ' + type);
    check(await page.locator('.question select').count() === 3, 'matching selects');
    check(await page.getByRole('timer').count() === 1, 'timer shown');
    await page.getByRole('radio', { name: 'Schengen Borders Code' }).check();
    await page.getByRole('radio', { name: 'False' }).check();
    await page.getByText('Your answers are saved.').waitFor();
    await screen('quiz-attempt', { remember: false });
    await page.getByRole('button', { name: 'Submit answers' }).click();
    await page.getByRole('heading', { name: 'Not passed this time' }).waitFor();
    check(await page.getByText('Correct answer').count() > 0, 'review shows correct answers');
    check(await page.getByText('Right: Article 6 lists them.').count() > 0, 'review shows feedback');
    await screen('quiz-review-failed', { remember: false });
  });

  await step('take the quiz again, keyboard only, and pass', async () => {
    await page.getByRole('button', { name: 'Start attempt' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Submit answers' }).waitFor();
    const radio = async (name) => {
      const target = page.getByRole('radio', { name, exact: true });
      const group = await target.getAttribute('name');
      await tabTo(page.locator(`input[name="${group}"]`).first());
      for (let i = 0; i < 6 && !(await target.isChecked()); i++) {
        if (i === 0) await page.keyboard.press('Space'); else await page.keyboard.press('ArrowDown');
      }
      check(await target.isChecked(), 'keyboard chose ' + name);
    };
    await radio('Schengen Borders Code');
    for (const name of ['Schengen Information System', 'Visa Information System']) {
      await tabTo(page.getByRole('checkbox', { name }));
      await page.keyboard.press('Space');
    }
    await radio('True');
    const answer = text => page.locator('fieldset', { hasText: text }).getByLabel('Your answer');
    await tabTo(answer('Entry/Exit System')); await page.keyboard.type('EES');
    await tabTo(answer('How many months')); await page.keyboard.type('3');
    for (const [left, right] of [['SIS', 'alerts'], ['VIS', 'visa applications'], ['EES', 'entries and exits']]) {
      const sel = page.getByLabel(left, { exact: true });
      await tabTo(sel);
      for (let i = 0; i < 6 && (await sel.inputValue()) !== right; i++) await page.keyboard.press('ArrowDown');
      check((await sel.inputValue()) === right, 'keyboard matched ' + left);
    }
    await page.getByText('Your answers are saved.').waitFor();
    await tabTo(page.getByRole('button', { name: 'Submit answers' }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'You passed' }).waitFor();
    await screen('quiz-review-passed', { remember: false });
  });

  await step('see the certificate and its public page, valid', async () => {
    await page.getByRole('link', { name: 'Back to the course' }).first().click();
    await page.getByRole('link', { name: 'View certificate' }).click();
    await page.getByText('Valid certificate').waitFor();
    await page.getByText(/Verified in your browser/).waitFor();
    check(await page.getByText('Rūta Petrauskienė').count() > 0, 'holder shown');
    await screen('verify');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Certificates' }).click();
    await page.getByRole('link', { name: /^Open/ }).first().waitFor();
    await screen('certificates');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My learning' }).click();
    await page.getByText(/Completed on/).first().waitFor();
    await screen('my-learning');
  });

  await step('events: waitlist, register, calendar, cancel', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events' }).click();
    await page.getByRole('link', { name: 'Document fraud workshop' }).waitFor();
    await screen('events');
    await page.getByRole('link', { name: 'Document fraud workshop' }).click();
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByText('Your place on the waiting list: 1').waitFor();
    await screen('event-waitlisted');
    await page.goto(fx.base + '/events/' + fx.open_event);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByText('Confirmed', { exact: true }).waitFor();
    check(await page.getByRole('link', { name: 'Add to calendar (.ics)' }).getAttribute('href') === `/api/v1/events/${fx.open_event}/calendar`, 'ics link');
    await screen('event-confirmed', { remember: false });
    await page.getByRole('button', { name: 'Cancel registration' }).click();
    await page.getByRole('button', { name: 'Register' }).waitFor();
  });

  await step('transcript and password change', async () => {
    await page.getByRole('link', { name: 'Transcript' }).click();
    await page.getByRole('cell', { name: /Interviewing/ }).or(page.getByRole('rowheader', { name: /Interviewing/ })).first().waitFor();
    await screen('transcript');
    await page.getByRole('link', { name: 'Change password' }).click();
    await settle();
    await screen('password');
    await page.getByRole('textbox', { name: 'Current password' }).fill('wrong password here');
    await page.getByRole('textbox', { name: 'New password', exact: true }).fill('a new password 1');
    await page.getByRole('textbox', { name: 'Repeat the new password' }).fill('a new password 1');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('The current password is not correct.').waitFor();
    check(await page.getByRole('textbox', { name: 'Current password' }).getAttribute('aria-invalid') === 'true', 'field marked invalid');
    await screen('password-error', { remember: false });
    await page.goto(fx.base + '/no/such/page');
    await screen('not-found');
  });

  await step('503 and offline offer a retry; 401 sends to sign in and back', async () => {
    let mode = 503;
    await page.route('**/api/v1/courses?*', r => (mode === 503
      ? r.fulfill({ status: 503, contentType: 'application/problem+json', headers: { 'Retry-After': '1' },
          body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'database unavailable' }) })
      : r.abort('internetdisconnected')));
    await page.goto(fx.base + '/courses');
    await page.getByText('The service is briefly unavailable').waitFor();
    mode = 0;
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByText('The server cannot be reached').waitFor();
    await page.unroute('**/api/v1/courses?*');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('link', { name: course }).waitFor();
    await ctx.clearCookies();
    await page.goto(fx.base + '/certificates');
    await page.waitForURL(/\/login\?next=%2Fcertificates/);
    await page.getByLabel('Email').fill(fx.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('The email address or password is not correct.').waitFor();
    await page.getByLabel('Password').fill(fx.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My certificates' }).waitFor();
  });

  await step('time to first render of the catalog', async () => {
    const times = [];
    for (let i = 0; i < 3; i++) {
      await page.goto(fx.base + '/courses', { waitUntil: 'commit' });
      await page.waitForSelector('.course-card');
      times.push(await page.evaluate(() => Math.round(performance.now())));
    }
    figures.catalog_first_render_ms = times;
    log('catalog first render (ms since navigation start): ' + times.join(', '));
  });

  await step('Lithuanian: every screen, no English string', async () => {
    await page.goto(fx.base + '/');
    await settle();
    await switchLanguage(page, 'lt');
    await page.getByRole('heading', { name: 'Mano mokymasis' }).waitFor();
    for (const [name, path] of visited.filter(([n]) => n !== 'login')) {
      await page.goto(fx.base + path);
      await settle();
      const found = await englishOnPage(page);
      check(found.length === 0, `lt ${name}: English text ${JSON.stringify(found)}`);
      check(await page.evaluate(() => document.documentElement.lang) === 'lt', `lt ${name}: html lang`);
      await page.screenshot({ path: join(fx.out, `lt-${name}.png`), fullPage: true });
    }
    // Remembered: a reload stays Lithuanian.
    await page.reload();
    await page.getByRole('heading', { name: 'Puslapis nerastas' }).or(page.locator('main h1')).first().waitFor();
    check(await page.evaluate(() => document.documentElement.lang) === 'lt', 'language remembered after reload');
    await page.getByRole('button', { name: 'Atsijungti' }).click();
    await page.getByRole('button', { name: 'Prisijungti' }).waitFor();
    const found = await englishOnPage(page);
    check(found.length === 0, `lt login: English text ${JSON.stringify(found)}`);
    await page.screenshot({ path: join(fx.out, 'lt-login.png'), fullPage: true });
  });

} catch (e) {
  // already recorded by step()
}
await finish([page]);
