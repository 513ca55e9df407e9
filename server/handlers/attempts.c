/*
 * Attempts (API §6, §17): starting one (with the quiz's draw of questions,
 * made here with libsodium's generator), saving answers, grading with
 * grade.c and the review written once, when it is graded, and the list of
 * a learner's attempts at a quiz. The rules around an attempt (one open at
 * a time, the limit, the deadline, the grading method, which answers fit
 * which question, and the progress a pass earns) live in the schema
 * (020_quizzes.sql, 080_learning.sql). An attempt is its owner's only:
 * anyone else's is a 404; staff read others' through the list.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "body.h"
#include "completion.h"
#include "db.h"
#include "grade.h"
#include "problem.h"
#include "scope.h"

/* Bounds on one PUT of answers; a quiz is far smaller. */
#define QUIZ_ANSWERS_MAX	1000
#define QUIZ_CHOICES_MAX	200
#define QUIZ_PAIRS_MAX		200
#define QUIZ_TEXT_MAX		2000
#define QUIZ_QUESTION_MAX	1000000

static int	attempts_create(struct req *);
static int	attempts_list(struct req *);
static int	attempts_answer(struct req *);
static int	attempts_submit(struct req *);
static int	attempts_get(struct req *);

const struct route attempt_routes[] = {
	{ "POST", "/api/v1/quizzes/{id}/attempts", attempts_create, ROUTE_AUTH },
	{ "GET", "/api/v1/quizzes/{id}/attempts", attempts_list, ROUTE_AUTH },
	{ "PUT", "/api/v1/attempts/{id}/answers", attempts_answer, ROUTE_AUTH },
	{ "POST", "/api/v1/attempts/{id}/submit", attempts_submit, ROUTE_AUTH },
	{ "GET", "/api/v1/attempts/{id}", attempts_get, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

/* ---- Grading and review ----------------------------------------------- */

static const char *
str_of(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

static double
num_of(const json_t *o, const char *key)
{
	return (json_number_value(json_object_get(o, key)));
}

/* A question of the bank by id; ids are 1-based positions. */
static const json_t *
bank_question(const json_t *bank, json_int_t id)
{
	const json_t	*q;
	size_t		 i;

	if (id >= 1 && (size_t)id <= json_array_size(bank)) {
		q = json_array_get(bank, (size_t)id - 1);
		if (json_integer_value(json_object_get(q, "id")) == id)
			return (q);
	}
	json_array_foreach(bank, i, q)
		if (json_integer_value(json_object_get(q, "id")) == id)
			return (q);
	return (NULL);
}

static const json_t *
choice_by_id(const json_t *choices, json_int_t id)
{
	const json_t	*c;
	size_t		 i;

	json_array_foreach(choices, i, c)
		if (json_number_value(json_object_get(c, "id")) == (double)id)
			return (c);
	return (NULL);
}

static void
add_feedback(json_t *list, const char *text)
{
	if (text != NULL && *text != '\0')
		json_array_append_new(list, json_string(text));
}

/*
 * Whether one accepted answer of a short or numeric question is the one
 * the learner gave: grade.c is asked about a question holding that answer
 * alone, at full weight, so matching follows grading exactly.
 */
static int
answer_matches(const char *type, const json_t *accepted, const json_t *given)
{
	json_t	*one, *q;
	int	 hit;

	one = json_deep_copy(accepted);
	json_object_set_new(one, "weight", json_real(100));
	q = json_object();
	json_object_set_new(q, "type", json_string(type));
	json_object_set_new(q, "answers", json_pack("[o]", one));
	hit = grade_answer(q, given) > 0;
	json_decref(q);
	return (hit);
}

/* Choice questions: weights and feedback on every choice, the correct
 * choices, and the feedback of the chosen ones. */
static void
review_choices(json_t *rv, const json_t *q, const json_t *given,
    json_t *feedback)
{
	const json_t	*full, *choices, *ids, *id;
	json_t		*c, *correct;
	double		 best, w;
	size_t		 i, k;
	int		 single;

	single = strcmp(str_of(q, "type"), "single") == 0;
	choices = json_object_get(q, "choices");
	best = 0;
	json_array_foreach(choices, i, full)
		if (num_of(full, "weight") > best)
			best = num_of(full, "weight");
	json_array_foreach(json_object_get(rv, "choices"), i, c) {
		full = choice_by_id(choices,
		    json_integer_value(json_object_get(c, "id")));
		json_object_set_new(c, "weight", json_real(full ?
		    num_of(full, "weight") : 0));
		json_object_set_new(c, "feedback", json_string(full ?
		    str_of(full, "feedback") : ""));
	}
	correct = json_array();
	json_array_foreach(choices, i, full) {
		w = num_of(full, "weight");
		if (w > 0 && (!single || w >= best))
			json_array_append(correct, json_object_get(full, "id"));
	}
	json_object_set_new(rv, "correct_answer",
	    json_pack("{s:o}", "choice_ids", correct));
	/* Feedback of the chosen choices, in the bank's order. */
	ids = json_object_get(given, "choice_ids");
	json_array_foreach(choices, i, full)
		json_array_foreach(ids, k, id)
			if (json_is_integer(id) && json_integer_value(id) ==
			    (json_int_t)num_of(full, "id")) {
				add_feedback(feedback, str_of(full, "feedback"));
				break;
			}
}

static void
review_truefalse(json_t *rv, const json_t *q, const json_t *given,
    double credit, json_t *feedback)
{
	json_object_set_new(rv, "correct_answer", json_pack("{s:[i]}",
	    "choice_ids", json_is_true(json_object_get(q, "answer")) ? 1 : 2));
	if (json_array_size(json_object_get(given, "choice_ids")) > 0)
		add_feedback(feedback, str_of(q, credit > 0 ?
		    "feedback_right" : "feedback_wrong"));
}

/* Short and numeric: every accepted answer, the best one as the correct
 * answer, and the feedback of the one the learner's answer matched. */
static void
review_answers(json_t *rv, const json_t *q, const json_t *given,
    json_t *feedback)
{
	const json_t	*answers, *a, *best = NULL;
	json_t		*ca;
	const char	*type;
	size_t		 i;

	type = str_of(q, "type");
	answers = json_object_get(q, "answers");
	json_object_set_new(rv, "answers", answers != NULL ?
	    json_deep_copy(answers) : json_array());
	json_array_foreach(answers, i, a)
		if (best == NULL || num_of(a, "weight") > num_of(best, "weight"))
			best = a;
	if (best == NULL)
		ca = json_null();
	else if (strcmp(type, "short") == 0)
		ca = json_pack("{s:s}", "text", str_of(best, "text"));
	else if (json_object_get(best, "min") != NULL)
		ca = json_pack("{s:f, s:f}", "min", num_of(best, "min"),
		    "max", num_of(best, "max"));
	else
		ca = json_pack("{s:f, s:f}", "number", num_of(best, "value"),
		    "tolerance", num_of(best, "tolerance"));
	json_object_set_new(rv, "correct_answer", ca);
	if (given == NULL)
		return;
	json_array_foreach(answers, i, a)
		if (answer_matches(type, a, given)) {
			add_feedback(feedback, str_of(a, "feedback"));
			break;
		}
}

static void
review_matching(json_t *rv, const json_t *q)
{
	const json_t	*p;
	json_t		*pairs;
	size_t		 i;

	pairs = json_array();
	json_array_foreach(json_object_get(q, "pairs"), i, p)
		if (*str_of(p, "left") != '\0')
			json_array_append_new(pairs, json_pack("[s,s]",
			    str_of(p, "left"), str_of(p, "right")));
	json_object_set_new(rv, "correct_answer",
	    json_pack("{s:o}", "pairs", pairs));
}

/* The review of one question: the learner's view of it plus the credit,
 * the answer given, the correct answer and the feedback. */
static json_t *
review_question(const json_t *pub, const json_t *q, const json_t *given,
    double credit)
{
	json_t		*rv, *feedback;
	const char	*type, *general;

	rv = json_deep_copy(pub);
	feedback = json_array();
	json_object_set_new(rv, "credit", json_real(round(credit * 1e4) / 1e4));
	json_object_set_new(rv, "correct", json_boolean(credit >= 1 - 1e-9));
	json_object_set_new(rv, "answer", given ? json_deep_copy(given) :
	    json_null());
	type = str_of(q, "type");
	if (q == NULL)
		json_object_set_new(rv, "correct_answer", json_null());
	else if (strcmp(type, "single") == 0 || strcmp(type, "multiple") == 0)
		review_choices(rv, q, given, feedback);
	else if (strcmp(type, "truefalse") == 0)
		review_truefalse(rv, q, given, credit, feedback);
	else if (strcmp(type, "short") == 0 || strcmp(type, "numeric") == 0)
		review_answers(rv, q, given, feedback);
	else if (strcmp(type, "matching") == 0)
		review_matching(rv, q);
	else
		json_object_set_new(rv, "correct_answer", json_null());
	json_object_set_new(rv, "feedback", feedback);
	general = str_of(q, "general_feedback");
	json_object_set_new(rv, "general_feedback", *general != '\0' ?
	    json_string(general) : json_null());
	return (rv);
}

/*
 * Grades the caller's attempt aid unless it is graded already: the
 * answers saved by the deadline against the quiz's questions, one point
 * per question times its credit. Then closes it in the database, which
 * marks quiz modules done when the learner's grade is now a pass, and runs
 * completion for those enrolments. Call inside db_begin; 404 when the
 * attempt is not the caller's.
 */
static int
attempt_grade(struct req *r, int64_t aid)
{
	PGresult	*res;
	json_t		*view, *bank, *answers, *review;
	const json_t	*pub, *q, *given;
	char		*text, key[32];
	double		 credit, score;
	size_t		 i;
	int64_t		*eids = NULL;
	int		 n, k, rc = -1;

	/*
	 * Lock first, read after: a save that held the lock has committed by
	 * now, and only a statement started after the lock sees its answer
	 * (each READ COMMITTED statement takes its own snapshot).
	 */
	res = db_query(r, "SELECT 1 FROM attempts WHERE id = $1 AND user_id = $2"
	    " FOR UPDATE", 2, req_id_text(r, aid), req_caller_id(r));
	if (res == NULL)
		return (-1);
	n = PQntuples(res);
	PQclear(res);
	if (n == 0)
		return (problem_set(r, 404, NULL, "no such attempt"));
	res = db_query(r,
	    "SELECT a.submitted_at IS NOT NULL, a.questions::text,"
	    "       coalesce(b.questions, q.questions)::text,"
	    "       (SELECT coalesce(jsonb_object_agg(s.question_id::text,"
	    "               s.answer), '{}') FROM attempt_answers s"
	    "         WHERE s.attempt_id = a.id AND (a.deadline IS NULL"
	    "               OR s.saved_at <= a.deadline))::text"
	    "  FROM attempts a JOIN quizzes q ON q.id = a.quiz_id"
	    "  LEFT JOIN quiz_banks b ON b.digest = a.bank_digest"
	    " WHERE a.id = $1 AND a.user_id = $2",
	    2, req_id_text(r, aid), req_caller_id(r));
	if (res == NULL)
		return (-1);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (problem_set(r, 404, NULL, "no such attempt"));
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		PQclear(res);
		return (0);
	}
	view = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
	bank = json_loads(PQgetvalue(res, 0, 2), 0, NULL);
	answers = json_loads(PQgetvalue(res, 0, 3), 0, NULL);
	PQclear(res);
	review = json_array();
	score = 0;
	json_array_foreach(view, i, pub) {
		json_int_t qid = json_integer_value(json_object_get(pub, "id"));

		q = bank_question(bank, qid);
		snprintf(key, sizeof(key), "%lld", (long long)qid);
		given = json_object_get(answers, key);
		credit = q != NULL ? grade_answer(q, given) : 0;
		score += credit;
		json_array_append_new(review, review_question(pub, q, given,
		    credit));
	}
	text = json_dumps(review, JSON_COMPACT);
	json_decref(view);
	json_decref(bank);
	json_decref(answers);
	json_decref(review);
	if (text == NULL)
		return (problem_set(r, 500, NULL, "could not grade the attempt"));
	res = db_query(r, "SELECT e FROM mt_attempt_close($1, $2, $3::jsonb) e",
	    3, req_id_text(r, aid), req_strf(r, "%.10f", score), text);
	free(text);
	if (res == NULL)
		return (-1);
	/* Copy the ids out: completion_check runs queries of its own. */
	eids = db_take_ids(res, 0, &n);
	for (k = 0; k < n; k++)
		if (completion_check(r, eids[k]) == -1)
			goto out;
	rc = 0;
out:
	free(eids);
	return (rc);
}

/* ---- Attempts --------------------------------------------------------- */

/*
 * Grades the caller's open attempt at quiz qid if it is past its deadline,
 * so that it neither comes back as "open" nor escapes being counted. Takes
 * the attempt lock (mt_attempt_lock), which serialises starting and
 * grading; call inside db_begin.
 */
static int
grade_expired(struct req *r, int64_t qid)
{
	PGresult	*res;
	int64_t		*expired;
	int		 n, k, rc = 0;

	res = db_query(r, "SELECT id FROM mt_attempt_lock($1, $2) AS id", 2,
	    req_id_text(r, qid), req_caller_id(r));
	if (res == NULL)
		return (-1);
	expired = db_take_ids(res, 0, &n);
	for (k = 0; k < n && rc == 0; k++)
		rc = attempt_grade(r, expired[k]);
	free(expired);
	return (rc);
}

/*
 * The quiz's draw for a new attempt, as a SQL integer[] literal of 1-based
 * bank positions, or NULL when every question is used: a partial
 * Fisher-Yates shuffle with libsodium's unbiased randombytes_uniform. The
 * database checks it against the bank it starts the attempt on.
 */
static int
draw_questions(struct req *r, int64_t qid, const char **out)
{
	PGresult	*res;
	struct buf	 b = { NULL, 0, 0 };
	uint32_t	*pos, t, j;
	int64_t		 draw, len;
	int64_t		 i;

	*out = NULL;
	res = db_query(r, "SELECT draw, jsonb_array_length(questions)"
	    "  FROM quizzes WHERE id = $1", 1, req_id_text(r, qid));
	if (res == NULL)
		return (-1);
	if (PQntuples(res) == 0 ||
	    parse_int64(PQgetvalue(res, 0, 0), 0, INT32_MAX, &draw) == -1 ||
	    parse_int64(PQgetvalue(res, 0, 1), 0, INT32_MAX, &len) == -1 ||
	    draw == 0 || draw >= len) {
		PQclear(res);
		return (0);		/* no draw, or no such quiz: SQL says */
	}
	PQclear(res);
	pos = xcalloc((size_t)len, sizeof(*pos));
	for (i = 0; i < len; i++)
		pos[i] = (uint32_t)i + 1;
	buf_append(&b, "{", 1);
	for (i = 0; i < draw; i++) {
		j = (uint32_t)i + randombytes_uniform((uint32_t)(len - i));
		t = pos[i];
		pos[i] = pos[j];
		pos[j] = t;
		buf_appendf(&b, "%s%u", i ? "," : "", pos[i]);
	}
	buf_append(&b, "}", 1);
	*out = req_strf(r, "%.*s", (int)b.len, b.data);
	buf_free(&b);
	free(pos);
	return (0);
}

/* POST /quizzes/{id}/attempts: the open attempt (200) or a new one (201). */
static int
attempts_create(struct req *r)
{
	PGresult	*res;
	const char	*drawn;
	int64_t		 qid;
	char		*body;
	unsigned	 status;
	int		 rc = -1;

	/* Reviewers only read (§4, §15): no attempts of their own. */
	if (req_param_id(r, 0, &qid) == -1 ||
	    require_role(r, ROLE_STAFF | ROLE_TRAINEE) == -1 || db_begin(r) == -1)
		return (-1);
	if (grade_expired(r, qid) == -1 || draw_questions(r, qid, &drawn) == -1)
		return (-1);
	res = db_query(r, "SELECT status, body"
	    "  FROM mt_attempt_start($1, $2, $3, $4::integer[])",
	    4, req_id_text(r, qid), req_caller_id(r), role_name(r->sess.role),
	    drawn);
	if (res == NULL)
		return (-1);
	status = (unsigned)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	body = xstrdup(PQgetvalue(res, 0, 1));
	PQclear(res);
	if (db_commit(r) == 0)
		rc = reply_json(r, status, body);
	free(body);
	return (rc);
}

/*
 * GET /quizzes/{id}/attempts?user_id=: the caller's attempts at a quiz
 * they can see, oldest first; staff name a user, scoped as records (a
 * reviewer their organisation's). The caller's own open attempt past its
 * deadline is graded first, as everywhere it is read.
 */
static int
attempts_list(struct req *r)
{
	struct page	p;
	int64_t		qid, user_id, org_id = 0;

	if (req_param_id(r, 0, &qid) == -1 || req_page(r, &p) == -1 ||
	    req_query_id(r, "user_id", &user_id) == -1)
		return (-1);
	if (user_id == 0)
		user_id = r->sess.user_id;
	if (scope_records(r, &org_id, &user_id) == -1)
		return (-1);
	if (user_id == r->sess.user_id && (db_begin(r) == -1 ||
	    grade_expired(r, qid) == -1 || db_commit(r) == -1))
		return (-1);
	return (db_reply(r, 200, "quiz",
	    "SELECT mt_page(json_agg(mt_attempt_summary(a) ORDER BY a.id),"
	    "       $4)::text"
	    "  FROM (SELECT a.* FROM attempts a"
	    "         WHERE a.quiz_id = $1 AND a.user_id = $2 AND a.id > $3"
	    "         ORDER BY a.id LIMIT $4::int + 1) a"
	    " HAVING EXISTS (SELECT 1 FROM quizzes q"
	    "         WHERE q.id = $1 AND mt_quiz_visible(q.id, $5, $6))",
	    6, req_id_text(r, qid), req_id_text(r, user_id),
	    req_id_text(r, p.after), req_id_text(r, p.limit),
	    req_caller_id(r), role_name(r->sess.role)));
}

static int
is_string_pair(const json_t *p)
{
	return (json_is_array(p) && json_array_size(p) == 2 &&
	    json_is_string(json_array_get(p, 0)) &&
	    json_is_string(json_array_get(p, 1)) &&
	    json_string_length(json_array_get(p, 0)) <= QUIZ_TEXT_MAX &&
	    json_string_length(json_array_get(p, 1)) <= QUIZ_TEXT_MAX);
}

/* The shape of one answer; that its key fits the question's type is
 * checked by the database, which knows the question. */
static int
check_answer(struct req *r, size_t i, const json_t *a)
{
	const char	*key, *field;
	const json_t	*v, *e;
	size_t		 k;
	int		 values = 0, bad = 0;

	if (!json_is_object(a))
		return (problem_field(r, req_strf(r, "answers[%zu]", i),
		    "must be an object"));
	json_object_foreach((json_t *)a, key, v) {
		field = req_strf(r, "answers[%zu].%s", i, key);
		if (strcmp(key, "question_id") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > QUIZ_QUESTION_MAX)
				bad |= problem_field(r, field, "must be a "
				    "question id");
			continue;
		}
		values++;
		if (strcmp(key, "choice_ids") == 0) {
			if (!json_is_array(v) ||
			    json_array_size(v) > QUIZ_CHOICES_MAX) {
				bad |= problem_field(r, field, "must be an "
				    "array of choice ids");
				continue;
			}
			json_array_foreach(v, k, e)
				if (!json_is_integer(e) ||
				    json_integer_value(e) < 1 ||
				    json_integer_value(e) > QUIZ_QUESTION_MAX) {
					bad |= problem_field(r, field, "must be "
					    "an array of choice ids");
					break;
				}
		} else if (strcmp(key, "text") == 0) {
			if (!json_is_string(v) ||
			    json_string_length(v) > QUIZ_TEXT_MAX)
				bad |= problem_field(r, field, "must be a "
				    "string of at most 2000 bytes");
		} else if (strcmp(key, "number") == 0) {
			if (!json_is_number(v))
				bad |= problem_field(r, field, "must be a "
				    "number");
		} else if (strcmp(key, "pairs") == 0) {
			if (!json_is_array(v) ||
			    json_array_size(v) > QUIZ_PAIRS_MAX) {
				bad |= problem_field(r, field, "must be an "
				    "array of [prompt, answer] pairs");
				continue;
			}
			json_array_foreach(v, k, e)
				if (!is_string_pair(e)) {
					bad |= problem_field(r, field, "must be "
					    "an array of [prompt, answer] "
					    "pairs");
					break;
				}
		} else
			bad |= problem_field(r, field, "unknown field");
	}
	if (json_object_get(a, "question_id") == NULL)
		bad |= problem_field(r, req_strf(r, "answers[%zu].question_id",
		    i), "is required");
	if (values > 1)
		bad |= problem_field(r, req_strf(r, "answers[%zu]", i),
		    "give one of choice_ids, text, number or pairs");
	return (bad ? -1 : 0);
}

/* PUT /attempts/{id}/answers: saves (or replaces) answers; 204. */
static int
attempts_answer(struct req *r)
{
	static const char *const fields[] = { "answers", NULL };
	const json_t	*answers, *a;
	PGresult	*res;
	int64_t		 aid;
	size_t		 i;
	int		 bad = 0;
	json_t		*b;

	if (req_param_id(r, 0, &aid) == -1 ||
	    require_role(r, ROLE_STAFF | ROLE_TRAINEE) == -1 ||
	    (b = body_json(r, fields)) == NULL)
		return (-1);
	answers = json_object_get(b, "answers");
	if (!json_is_array(answers))
		return (problem_field(r, "answers", "must be an array"));
	if (json_array_size(answers) > QUIZ_ANSWERS_MAX)
		return (problem_field(r, "answers", "too many answers"));
	json_array_foreach(answers, i, a)
		bad |= check_answer(r, i, a);
	if (bad)
		return (-1);
	res = db_query(r, "SELECT mt_attempt_save($1, $2, ($3::jsonb) -> 'answers')",
	    3, req_id_text(r, aid), req_caller_id(r), body_text(r, b));
	if (res == NULL)
		return (-1);
	PQclear(res);
	return (reply_empty(r, 204));
}

/* POST /attempts/{id}/submit: grades once; again gives the same result. */
static int
attempts_submit(struct req *r)
{
	PGresult	*res;
	int64_t		 aid;
	char		*body;
	int		 rc = -1;

	if (req_param_id(r, 0, &aid) == -1 ||
	    require_role(r, ROLE_STAFF | ROLE_TRAINEE) == -1 || db_begin(r) == -1)
		return (-1);
	if (attempt_grade(r, aid) == -1)
		return (-1);
	res = db_query(r, "SELECT mt_attempt_result(a)::text FROM attempts a"
	    " WHERE id = $1 AND user_id = $2", 2, req_id_text(r, aid), req_caller_id(r));
	if (res == NULL)
		return (-1);
	body = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (db_commit(r) == 0)
		rc = reply_json(r, 200, body);
	free(body);
	return (rc);
}

/* GET /attempts/{id}: an attempt nobody submitted is graded once its
 * deadline has passed, so reading it gives its final state. */
static int
attempts_get(struct req *r)
{
	PGresult	*res;
	int64_t		 aid;
	int		 expired;

	if (req_param_id(r, 0, &aid) == -1)
		return (-1);
	res = db_query(r, "SELECT submitted_at IS NULL AND deadline <= now()"
	    "  FROM attempts WHERE id = $1 AND user_id = $2",
	    2, req_id_text(r, aid), req_caller_id(r));
	if (res == NULL)
		return (-1);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (problem_set(r, 404, NULL, "no such attempt"));
	}
	expired = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (expired && (db_begin(r) == -1 || attempt_grade(r, aid) == -1 ||
	    db_commit(r) == -1))
		return (-1);
	return (db_reply(r, 200, "attempt",
	    "SELECT mt_attempt_json(a)::text FROM attempts a"
	    " WHERE id = $1 AND user_id = $2", 2, req_id_text(r, aid),
	    req_caller_id(r)));
}
