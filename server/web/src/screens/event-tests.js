// An event's test before or after (API §16) for its confirmed registrants:
// the quiz player of the courses, with the event as its home instead of a
// course (no enrolment is needed: the registration is the right to take it).
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { screen } from '../lib/router.js';
import { get, ApiError } from '../lib/api.js';
import { useApi, Loaded } from '../components/ui.js';
import { QuizPlayer } from './quiz.js';

async function load(id, which) {
  const event = await get('/events/' + id);
  const quizId = which === 'pre' ? event.pre_quiz_id : which === 'post' ? event.post_quiz_id : null;
  if (!quizId) throw new ApiError(404, {});
  return { event, quizId };
}

function EventTest({ params, user }) {
  const q = useApi(() => load(params.id, params.which), [params.id, params.which]);
  return html`<${Loaded} q=${q}>${({ event, quizId }) => html`<${QuizPlayer} user=${user} data=${{
    course: {}, enrollment: {},
    module: { title: t(params.which === 'pre' ? 'ev2.preTest' : 'ev2.postTest') + ': ' + event.title, quiz_id: quizId },
    home: { href: '/events/' + event.id, title: event.title, label: t('ev2.backToEvent') } }} />`}<//>`;
}

screen('/events/:id/tests/:which', EventTest);
