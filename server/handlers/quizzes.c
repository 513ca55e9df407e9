/*
 * /api/v1/quizzes and /api/v1/attempts (API §6): GIFT import, quiz
 * settings, and attempts from start to review. The rules around an attempt
 * (one open at a time, the limit, the deadline, the grading method and the
 * progress a pass earns) live in schema/020_quizzes.sql; grading happens
 * here, with grade.c, and the review is written once, when it is graded.
 * Attempts are their owner's only: anyone else's is a 404.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "body.h"
#include "completion.h"
#include "db.h"
#include "gift.h"
#include "grade.h"
#include "problem.h"
#include "text.h"

/* Bounds on one PUT of answers; a quiz is far smaller. */
#define QUIZ_ANSWERS_MAX	1000
#define QUIZ_CHOICES_MAX	200
#define QUIZ_PAIRS_MAX		200
#define QUIZ_TEXT_MAX		2000
#define QUIZ_QUESTION_MAX	1000000

static int	quizzes_import(struct req *);
static int	quizzes_get(struct req *);
static int	quizzes_update(struct req *);
static int	attempts_create(struct req *);
static int	attempts_answer(struct req *);
static int	attempts_submit(struct req *);
static int	attempts_get(struct req *);

const struct route quiz_routes[] = {
	{ "POST", "/api/v1/quizzes/import", quizzes_import,
	    ROUTE_AUTH | ROUTE_BIG_BODY },
	{ "GET", "/api/v1/quizzes/{id}", quizzes_get, ROUTE_AUTH },
	{ "PATCH", "/api/v1/quizzes/{id}", quizzes_update, ROUTE_AUTH },
	{ "POST", "/api/v1/quizzes/{id}/attempts", attempts_create, ROUTE_AUTH },
	{ "PUT", "/api/v1/attempts/{id}/answers", attempts_answer, ROUTE_AUTH },
	{ "POST", "/api/v1/attempts/{id}/submit", attempts_submit, ROUTE_AUTH },
	{ "GET", "/api/v1/attempts/{id}", attempts_get, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

static const char *const grading_names[] = { "highest", "first", "last",
	"average", NULL };

/* ---- Quizzes ---------------------------------------------------------- */

static int
is_text_plain(const char *ct)
{
	size_t	n = strlen("text/plain");

	if (ct == NULL || strncasecmp(ct, "text/plain", n) != 0)
		return (0);
	return (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/*
 * An optional integer query parameter in [min, max], as text for SQL
 * (NULL when absent): 400 when it is not a number, 422 when out of range.
 */
static int
query_int(struct req *r, const char *name, int64_t min, int64_t max,
    const char **out)
{
	const char	*v = req_query(r, name);
	int64_t		 n;

	*out = NULL;
	if (v == NULL || *v == '\0')
		return (0);
	if (parse_int64(v, INT64_MIN, INT64_MAX, &n) == -1)
		return (problem_set(r, 400, NULL, "query parameter %s must be "
		    "an integer", name));
	if (n < min || n > max)
		return (problem_field(r, name, req_strf(r, "must be from %lld "
		    "to %lld", (long long)min, (long long)max)));
	*out = req_id_text(r, n);
	return (0);
}

static int
query_bool(struct req *r, const char *name, const char **out)
{
	const char	*v = req_query(r, name);

	*out = NULL;
	if (v == NULL || *v == '\0')
		return (0);
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = "true";
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = "false";
	else
		return (problem_set(r, 400, NULL, "query parameter %s must be "
		    "true or false", name));
	return (0);
}

/*
 * POST /quizzes/import?title=&course_id=[&pass_percent=&max_attempts=
 * &time_limit_s=&shuffle=&grading=], a GIFT body as text/plain.
 */
static int
quizzes_import(struct req *r)
{
	const char		*title, *pass, *maxa, *tlimit, *shuf, *grading;
	const char		*cid_text;
	struct gift_error	 ge;
	json_t			*questions;
	char			*qtext;
	int64_t			 cid;
	int			 bad, rc;

	if (require_role(r, ROLE_STAFF) == -1)
		return (-1);
	if (!is_text_plain(req_header(r, "Content-Type")))
		return (problem_set(r, 415, NULL, "send the quiz as text/plain "
		    "in Moodle's GIFT format"));
	title = req_query(r, "title");
	if (req_query_id(r, "course_id", &cid) == -1 ||
	    req_query_enum(r, "grading", grading_names, &grading) == -1 ||
	    query_bool(r, "shuffle", &shuf) == -1)
		return (-1);
	if (title != NULL && !utf8_valid(title, strlen(title)))
		return (problem_set(r, 400, NULL, "query parameter title is not "
		    "UTF-8"));
	bad = query_int(r, "pass_percent", 0, 100, &pass);
	bad |= query_int(r, "max_attempts", 0, 1000000, &maxa);
	bad |= query_int(r, "time_limit_s", 0, 31536000, &tlimit);
	if (r->problem.status != 0 && r->problem.status != 422)
		return (-1);
	if (title == NULL || utf8_chars(title) == 0 ||
	    strspn(title, " \t\r\n") == strlen(title))
		bad |= problem_field(r, "title", "is required");
	else if (utf8_chars(title) > 200)
		bad |= problem_field(r, "title", "must be at most 200 "
		    "characters");
	if (bad)
		return (-1);
	if (r->body == NULL || r->body_len == 0)
		return (problem_field(r, "body", "the GIFT text is empty"));
	if (!utf8_valid(r->body, r->body_len))
		return (problem_field(r, "body", "is not UTF-8 text"));

	if ((questions = gift_parse(r->body, r->body_len, &ge)) == NULL) {
		problem_field(r, "body", req_strf(r, "line %d: %s", ge.line,
		    ge.message));
		return (problem_set(r, 422, "Invalid GIFT", "line %d: %s",
		    ge.line, ge.message));
	}
	if (json_array_size(questions) == 0) {
		json_decref(questions);
		return (problem_field(r, "body", "the GIFT text holds no "
		    "question"));
	}
	gift_number(questions);
	qtext = json_dumps(questions, JSON_COMPACT);
	json_decref(questions);
	if (qtext == NULL)
		return (problem_set(r, 500, NULL, "could not store the quiz"));
	cid_text = cid ? req_id_text(r, cid) : NULL;
	rc = db_reply(r, 201, "quiz",
	    "SELECT mt_quiz_import($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9)"
	    "::text",
	    9, title, qtext, cid_text, pass, maxa, tlimit, shuf, grading,
	    req_caller_id(r));
	free(qtext);
	return (rc);
}

static int
quizzes_get(struct req *r)
{
	int64_t	id;

	if (req_param_id(r, 0, &id) == -1)
		return (-1);
	return (db_reply(r, 200, "quiz",
	    "SELECT mt_quiz_json(q)::text FROM quizzes q"
	    " WHERE q.id = $1 AND mt_quiz_visible(q.id, $2, $3)",
	    3, req_id_text(r, id), req_caller_id(r), role_name(r->sess.role)));
}

static int
quizzes_update(struct req *r)
{
	static const char *const fields[] = { "title", "pass_percent",
	    "max_attempts", "time_limit_s", "shuffle", "grading", NULL };
	const char	*title, *grading;
	int64_t		 id, pass, maxa, tlimit;
	int		 shuf, has_pass, has_maxa, has_tlimit, has_shuf, bad;
	json_t		*b;

	if (req_param_id(r, 0, &id) == -1 || require_role(r, ROLE_STAFF) == -1 ||
	    (b = body_json(r, fields)) == NULL)
		return (-1);
	bad = body_string(r, b, "title", 0, 1, 200, &title);
	bad |= body_int(r, b, "pass_percent", 0, 0, 100, &pass, &has_pass);
	bad |= body_int(r, b, "max_attempts", 0, 0, 1000000, &maxa, &has_maxa);
	bad |= body_int(r, b, "time_limit_s", 0, 0, 31536000, &tlimit,
	    &has_tlimit);
	bad |= body_bool(r, b, "shuffle", 0, &shuf, &has_shuf);
	bad |= body_enum(r, b, "grading", 0, grading_names, &grading);
	if (title != NULL && strspn(title, " \t\r\n") == strlen(title))
		bad |= problem_field(r, "title", "must not be blank");
	if (bad)
		return (-1);
	if (json_object_size(b) == 0)
		return (problem_set(r, 422, NULL, "nothing to change"));
	/* Settings apply to attempts started from now on: a running
	 * attempt keeps its deadline and its order. */
	return (db_reply(r, 200, "quiz",
	    "WITH q AS (UPDATE quizzes SET title = coalesce(btrim($2), title),"
	    "         pass_percent = coalesce($3::integer, pass_percent),"
	    "         max_attempts = coalesce($4::integer, max_attempts),"
	    "         time_limit_s = coalesce($5::integer, time_limit_s),"
	    "         shuffle = coalesce($6::boolean, shuffle),"
	    "         grading = coalesce($7, grading), updated_at = now()"
	    "       WHERE id = $1 RETURNING *),"
	    " a AS (INSERT INTO audit_log (actor_id, action, object_type,"
	    "       object_id, detail)"
	    "       SELECT $8, 'quiz.update', 'quiz', q.id, $9::jsonb FROM q)"
	    "SELECT mt_quiz_json(q)::text FROM q",
	    9, req_id_text(r, id), title,
	    has_pass ? req_id_text(r, pass) : NULL,
	    has_maxa ? req_id_text(r, maxa) : NULL,
	    has_tlimit ? req_id_text(r, tlimit) : NULL,
	    has_shuf ? (shuf ? "true" : "false") : NULL, grading,
	    req_caller_id(r), body_text(r, b)));
}

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

/* POST /quizzes/{id}/attempts: the open attempt (200) or a new one (201). */
static int
attempts_create(struct req *r)
{
	PGresult	*res;
	int64_t		 qid, *expired = NULL;
	char		*body;
	unsigned	 status;
	int		 n, k, rc = -1;

	/* Reviewers only read (§4, §15): no attempts of their own. */
	if (req_param_id(r, 0, &qid) == -1 ||
	    require_role(r, ROLE_STAFF | ROLE_TRAINEE) == -1 || db_begin(r) == -1)
		return (-1);
	/* An open attempt past its deadline is graded first, so it neither
	 * comes back as "open" nor escapes being counted. */
	res = db_query(r, "SELECT id FROM mt_attempt_lock($1, $2) AS id", 2,
	    req_id_text(r, qid), req_caller_id(r));
	if (res == NULL)
		return (-1);
	expired = db_take_ids(res, 0, &n);
	for (k = 0; k < n; k++)
		if (attempt_grade(r, expired[k]) == -1)
			goto out;
	res = db_query(r, "SELECT status, body FROM mt_attempt_start($1, $2, $3)",
	    3, req_id_text(r, qid), req_caller_id(r), role_name(r->sess.role));
	if (res == NULL)
		goto out;
	status = (unsigned)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	body = xstrdup(PQgetvalue(res, 0, 1));
	PQclear(res);
	if (db_commit(r) == 0)
		rc = reply_json(r, status, body);
	free(body);
out:
	free(expired);
	return (rc);
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
