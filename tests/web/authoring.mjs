// Drives course authoring, part 2, in Debian's Chromium (playwright-core,
// as staff.mjs does): editing an existing lesson with the live preview,
// deleting a lesson and a draft course through the confirmation dialog
// (keyboard, Escape, cancel, a refusal shown inside), the questions drawn
// per attempt with errors at the field, and a trainee's attempts used and
// left in English and Lithuanian. axe-core at desktop and 320 px on every
// new or changed screen, the dialog open included. Fixture from
// test_authoring.py.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fx, check, settle, screen as libScreen, step, signIn, englishOnPage, finish, switchLanguage } from './lib.mjs';

const load = async f => (await import(pathToFileURL(join(fx.source, 'server/web/src/i18n', f)))).default;
const en = { ...(await load('en.js')), ...(await load('staff.en.js')) };
const lt = { ...(await load('lt.js')), ...(await load('staff.lt.js')) };

async function screen(page, name, { remember = true } = {}) {
  await libScreen(page, name, { remember: false, prefix: 'a' });
  if (remember) page.visited.push([name, new URL(page.url()).pathname]);
}
const req = s => new RegExp('^' + s + '( \\*)?$');
const focusedName = page => page.evaluate(() => {
  const el = document.activeElement;
  return el ? (el.getAttribute('aria-label') || el.textContent || '').trim() : '';
});
const moduleTitles = page => page.locator('.sortable .module .module-body > span:first-child').allTextContents();
const MD = `## Updated opening\n\nGreet the traveller, **Updated** wording.\n\n<script>window.__pwned = 1</script>\n\n` +
  `<img src=x onerror="window.__pwned = 2">\n\n[bad](javascript:window.__pwned=3)\n`;

let coord, trainee;
const pages = [];
try {
  await step('coordinator: edit an existing lesson, preview follows, saved, kept after reload', async () => {
    coord = await signIn('coord@example.org'); pages.push(coord);
    await coord.goto(fx.base + '/manage/courses/' + fx.course_id);
    await settle(coord);
    await coord.getByRole('button', { name: 'Delete Extra material' }).waitFor();
    await screen(coord, 'course-editor');
    await coord.getByRole('link', { name: 'Edit Opening the interview' }).click();
    await settle(coord);
    check(new URL(coord.url()).pathname === '/manage/modules/' + fx.lesson_id, 'the lesson opens at its own address');
    check(await coord.getByLabel(req('Lesson title')).inputValue() === 'Opening the interview', 'title prefilled');
    check((await coord.getByLabel('Lesson text (Markdown)').inputValue()).includes('introduce yourself'), 'Markdown prefilled');
    await coord.locator('article.preview em', { hasText: 'introduce yourself' }).waitFor();
    check(await coord.getByRole('button', { name: 'Add lesson' }).count() === 0, 'no "Add lesson" when editing');
    await coord.getByLabel(req('Lesson title')).fill('Opening the interview well');
    await coord.getByLabel('Lesson text (Markdown)').fill(MD);
    await coord.locator('article.preview strong', { hasText: 'Updated' }).waitFor();
    await coord.waitForFunction(() => !document.querySelector('.preview-label .spinner'));
    check(await coord.locator('article.preview script').count() === 0, 'no script element in the preview');
    check(await coord.locator('article.preview img[onerror]').count() === 0, 'no event handler in the preview');
    check(await coord.locator('article.preview a[href^="javascript"]').count() === 0, 'no javascript: link in the preview');
    check(await coord.evaluate(() => window.__pwned) === undefined, 'nothing in the Markdown ran');
    await screen(coord, 'lesson-edit');
    await coord.getByRole('button', { name: 'Save lesson' }).click();
    await coord.getByText('Saved.').waitFor();
    await coord.reload();
    await settle(coord);
    check(await coord.getByLabel(req('Lesson title')).inputValue() === 'Opening the interview well', 'new title after reload');
    check((await coord.getByLabel('Lesson text (Markdown)').inputValue()).includes('**Updated** wording'), 'new text after reload');
    await coord.locator('article.preview strong', { hasText: 'Updated' }).waitFor();
    // The learner's page shows the stored HTML, and nothing runs there.
    await coord.getByRole('link', { name: 'View as a learner' }).click();
    await coord.locator('main strong', { hasText: 'Updated' }).waitFor();
    check(await coord.locator('main script').count() === 0, 'no script in the lesson as learners see it');
    check(await coord.evaluate(() => window.__pwned) === undefined, 'nothing in the lesson ran');
    // Editing errors appear at the field.
    await coord.goto(fx.base + '/manage/modules/' + fx.lesson_id);
    await settle(coord);
    await coord.getByLabel(req('Lesson title')).fill('   ');
    await coord.getByRole('button', { name: 'Save lesson' }).click();
    await coord.locator('.field-error').first().waitFor();
    check(await coord.getByLabel(req('Lesson title')).getAttribute('aria-invalid') === 'true', 'a blank title is refused at the field');
    await screen(coord, 'lesson-edit-error', { remember: false });
  });

  await step('coordinator: delete a lesson through the dialog (keyboard, Escape, keep, then delete)', async () => {
    await coord.goto(fx.base + '/manage/courses/' + fx.course_id);
    await settle(coord);
    const before = await moduleTitles(coord);
    const del = coord.getByRole('button', { name: 'Delete Extra material' });
    await del.focus();
    await coord.keyboard.press('Enter');
    const dialog = coord.getByRole('dialog', { name: 'Delete “Extra material”?' });
    await dialog.waitFor();
    check(await focusedName(coord) === 'No, keep it', 'the safe answer has focus first: ' + await focusedName(coord));
    check((await dialog.textContent()).includes('cannot be undone'), 'the dialog says what happens');
    await screen(coord, 'delete-lesson-dialog', { remember: false });
    await coord.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    check(await focusedName(coord) === 'Delete Extra material', 'Escape gives focus back to the button: ' + await focusedName(coord));
    await del.click();
    await dialog.getByRole('button', { name: 'No, keep it' }).click();
    await dialog.waitFor({ state: 'detached' });
    check(JSON.stringify(await moduleTitles(coord)) === JSON.stringify(before), 'keeping changes nothing');
    check(await focusedName(coord) === 'Delete Extra material', 'keeping gives focus back to the button');
    await del.click();
    await dialog.getByRole('button', { name: 'Yes, delete' }).click();
    await coord.getByText('“Extra material” was deleted.').waitFor();
    await dialog.waitFor({ state: 'detached' });
    // The list follows once the course is read again.
    await del.waitFor({ state: 'detached' });
    const after = await moduleTitles(coord);
    check(JSON.stringify(after) === JSON.stringify(before.filter(x => x !== 'Extra material')), 'the lesson is gone: ' + after);
    check(await coord.evaluate(() => document.activeElement && document.activeElement.id) === 'c-mods', 'focus on the modules heading');
    const c = await coord.evaluate(async id => (await fetch('/api/v1/courses/' + id)).json(), fx.course_id);
    check(c.modules.map(m => m.position).join() === '1,2,3,4', 'positions closed up: ' + c.modules.map(m => m.position));
  });

  await step('coordinator: a lesson a learner completed is refused inside the dialog', async () => {
    await coord.getByRole('button', { name: 'Delete Opening the interview well' }).click();
    const dialog = coord.getByRole('dialog', { name: 'Delete “Opening the interview well”?' });
    await dialog.getByRole('button', { name: 'Yes, delete' }).click();
    await dialog.getByRole('alert').waitFor();
    const text = await dialog.getByRole('alert').textContent();
    check(text.includes('It cannot be deleted:') && text.includes('1 learner has completed this module'), 'the refusal in words: ' + text);
    await screen(coord, 'delete-refused-dialog', { remember: false });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    check((await moduleTitles(coord)).includes('Opening the interview well'), 'the lesson is still there');
  });

  await step('coordinator: questions drawn per attempt, errors at the field', async () => {
    await coord.goto(fx.base + '/manage/quizzes/' + fx.quiz_id);
    await settle(coord);
    const draw = coord.getByLabel('Questions per attempt');
    check(await draw.inputValue() === '0', 'draw starts at 0 (every question)');
    await draw.fill('two');
    await coord.getByRole('button', { name: 'Save' }).click();
    await coord.getByText('Enter a whole number, 0 or more.').waitFor();
    check(await draw.getAttribute('aria-invalid') === 'true', 'the field is marked invalid');
    check(await coord.evaluate(() => document.activeElement && document.activeElement.getAttribute('aria-invalid')) === 'true', 'focus on the invalid field');
    await draw.fill('9');
    await coord.getByRole('button', { name: 'Save' }).click();
    await coord.getByText('At most 3: the quiz has no more questions.').waitFor();
    await screen(coord, 'quiz-draw-error', { remember: false });
    await draw.fill('2');
    await coord.getByRole('button', { name: 'Save' }).click();
    await coord.getByText('Saved.').waitFor();
    check(await coord.locator('.field-error').count() === 0, 'no error left');
    const q = await coord.evaluate(async id => (await fetch('/api/v1/quizzes/' + id)).json(), fx.quiz_id);
    check(q.draw === 2, 'draw saved: ' + q.draw);
    await coord.reload();
    await settle(coord);
    check(await coord.getByLabel('Questions per attempt').inputValue() === '2', 'draw kept after reload');
    await screen(coord, 'quiz-settings');
  });

  await step('coordinator: a course with learners cannot be deleted; a draft can', async () => {
    await coord.goto(fx.base + '/manage/courses/' + fx.course_id);
    await settle(coord);
    await coord.getByRole('button', { name: 'Delete course' }).click();
    let dialog = coord.getByRole('dialog', { name: 'Delete the course “Border interviews”?' });
    await dialog.getByRole('button', { name: 'Yes, delete' }).click();
    const text = await dialog.getByRole('alert').textContent();
    check(text.includes('1 learner is enrolled'), 'refused while a learner is enrolled: ' + text);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await coord.goto(fx.base + '/manage/courses/' + fx.draft_id);
    await settle(coord);
    await coord.getByRole('button', { name: 'Delete course' }).click();
    dialog = coord.getByRole('dialog', { name: 'Delete the course “Draft to delete”?' });
    await dialog.waitFor();
    await screen(coord, 'delete-course-dialog', { remember: false });
    await dialog.getByRole('button', { name: 'No, keep it' }).click();
    await dialog.waitFor({ state: 'detached' });
    check(await coord.getByRole('heading', { name: 'Draft to delete', level: 1 }).count() === 1, 'keeping stays on the course');
    await coord.getByRole('button', { name: 'Delete course' }).click();
    await dialog.getByRole('button', { name: 'Yes, delete' }).click();
    await coord.waitForURL(u => u.pathname === '/manage/courses');
    await coord.getByText('The course “Draft to delete” was deleted.').waitFor();
    await settle(coord);
    await coord.getByRole('link', { name: 'Border interviews' }).waitFor();
    check(await coord.getByRole('link', { name: 'Draft to delete' }).count() === 0, 'the draft is no longer listed');
    const st = await coord.evaluate(async id => (await fetch('/api/v1/courses/' + id)).status, fx.draft_id);
    check(st === 404, 'the draft is gone: ' + st);
    await screen(coord, 'course-list-after-delete', { remember: false });
  });

  await step('trainee: the quiz intro shows attempts used and left', async () => {
    trainee = await signIn('t1@example.org'); pages.push(trainee);
    const intro = async () => (await trainee.locator('.quiz-intro dl').textContent()).replace(/\s+/g, ' ');
    await trainee.goto(fx.base + `/courses/${fx.course_id}/modules/${fx.quiz_module_id}`);
    await trainee.locator('.quiz-intro').waitFor();
    await settle(trainee);
    let t = await intro();
    check(t.includes('Attempts used1 of 3') && t.includes('Attempts left2'), 'used 1 of 3, 2 left: ' + t);
    check(t.includes('Questions2'), 'the drawn number of questions: ' + t);
    await screen(trainee, 'quiz-intro');
    await trainee.goto(fx.base + `/courses/${fx.course_id}/modules/${fx.practice_module_id}`);
    await trainee.locator('.quiz-intro').waitFor();
    await settle(trainee);
    t = await intro();
    check(t.includes('Attempts used0') && t.includes('Attempts leftUnlimited'), 'unlimited: ' + t);
    await switchLanguage(trainee, 'lt');
    await trainee.waitForFunction(() => document.documentElement.lang === 'lt');
    t = await intro();
    check(t.includes('Panaudota bandymų0') && t.includes('Liko bandymųNeribota'), 'unlimited in Lithuanian: ' + t);
    await trainee.goto(fx.base + `/courses/${fx.course_id}/modules/${fx.quiz_module_id}`);
    await trainee.locator('.quiz-intro').waitFor();
    await settle(trainee);
    t = await intro();
    check(t.includes('Panaudota bandymų1 iš 3') && t.includes('Liko bandymų2'), 'used and left in Lithuanian: ' + t);
    await screen(trainee, 'quiz-intro-lt', { remember: false });
  });

  await step('Lithuanian: the authoring screens, no English string', async () => {
    await coord.goto(fx.base + '/');
    await settle(coord);
    await switchLanguage(coord, 'lt');
    await coord.waitForFunction(() => document.documentElement.lang === 'lt');
    for (const [name, path] of coord.visited) {
      await coord.goto(fx.base + path);
      await settle(coord);
      const found = await englishOnPage(coord, en, lt);
      check(found.length === 0, `lt ${name}: English text ${JSON.stringify(found)}`);
      await coord.screenshot({ path: join(fx.out, `lt-${name}.png`), fullPage: true });
    }
    // The dialog too.
    await coord.goto(fx.base + '/manage/courses/' + fx.course_id);
    await settle(coord);
    await coord.getByRole('button', { name: 'Šalinti kursą' }).click();
    const dialog = coord.getByRole('dialog', { name: 'Pašalinti kursą „Border interviews“?' });
    await dialog.waitFor();
    const found = await englishOnPage(coord, en, lt);
    check(found.length === 0, `lt dialog: English text ${JSON.stringify(found)}`);
    await screen(coord, 'delete-course-dialog-lt', { remember: false });
  });
} catch (e) {
  // already recorded by step()
}
await finish(pages);
