/*
 * /api/v1/quizzes (API §6, §17): GIFT import and quiz settings, with the
 * caller's attempts used and left on the single view. Attempts, grading
 * and review are attempts.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "body.h"
#include "db.h"
#include "gift.h"
#include "problem.h"
#include "text.h"

static int	quizzes_import(struct req *);
static int	quizzes_get(struct req *);
static int	quizzes_update(struct req *);

const struct route quiz_routes[] = {
	{ "POST", "/api/v1/quizzes/import", quizzes_import,
	    ROUTE_AUTH | ROUTE_BIG_BODY },
	{ "GET", "/api/v1/quizzes/{id}", quizzes_get, ROUTE_AUTH },
	{ "PATCH", "/api/v1/quizzes/{id}", quizzes_update, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

/* A bank holds at most this many questions to draw from (a GIFT body is
 * at most 5 MiB); the database checks the draw against the real bank. */
#define QUIZ_DRAW_MAX	1000000

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
	    "SELECT mt_quiz_json_for(q, $2)::text FROM quizzes q"
	    " WHERE q.id = $1 AND mt_quiz_visible(q.id, $2, $3)",
	    3, req_id_text(r, id), req_caller_id(r), role_name(r->sess.role)));
}

static int
quizzes_update(struct req *r)
{
	static const char *const fields[] = { "title", "pass_percent",
	    "max_attempts", "time_limit_s", "shuffle", "grading", "draw",
	    NULL };
	const char	*title, *grading;
	int64_t		 id, pass, maxa, tlimit, draw;
	int		 shuf, has_pass, has_maxa, has_tlimit, has_shuf;
	int		 has_draw, bad;
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
	bad |= body_int(r, b, "draw", 0, 0, QUIZ_DRAW_MAX, &draw, &has_draw);
	if (title != NULL && strspn(title, " \t\r\n") == strlen(title))
		bad |= problem_field(r, "title", "must not be blank");
	if (bad)
		return (-1);
	if (json_object_size(b) == 0)
		return (problem_set(r, 422, NULL, "nothing to change"));
	/* Settings apply to attempts started from now on: a running
	 * attempt keeps its deadline, its order and its draw. A draw larger
	 * than the bank is a 422 from mt_quiz_draw. */
	return (db_reply(r, 200, "quiz",
	    "WITH q AS (UPDATE quizzes SET title = coalesce(btrim($2), title),"
	    "         pass_percent = coalesce($3::integer, pass_percent),"
	    "         max_attempts = coalesce($4::integer, max_attempts),"
	    "         time_limit_s = coalesce($5::integer, time_limit_s),"
	    "         shuffle = coalesce($6::boolean, shuffle),"
	    "         grading = coalesce($7, grading),"
	    "         draw = coalesce(mt_quiz_draw($10::integer, questions),"
	    "                draw), updated_at = now()"
	    "       WHERE id = $1 RETURNING *),"
	    " a AS (INSERT INTO audit_log (actor_id, action, object_type,"
	    "       object_id, detail)"
	    "       SELECT $8, 'quiz.update', 'quiz', q.id, $9::jsonb FROM q)"
	    "SELECT mt_quiz_json_for(q, $8)::text FROM q",
	    10, req_id_text(r, id), title,
	    has_pass ? req_id_text(r, pass) : NULL,
	    has_maxa ? req_id_text(r, maxa) : NULL,
	    has_tlimit ? req_id_text(r, tlimit) : NULL,
	    has_shuf ? (shuf ? "true" : "false") : NULL, grading,
	    req_caller_id(r), body_text(r, b),
	    has_draw ? req_id_text(r, draw) : NULL));
}
