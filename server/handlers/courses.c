/*
 * /api/v1/courses, /modules and /enrollments (API §5): the catalogue and its
 * authoring, lessons, enrolment and lesson progress. Drafts are invisible
 * (404) to trainees and reviewers. Lessons are rendered to HTML once, here,
 * when they are saved. Quizzes and their modules' completion live in
 * quizzes.c; the decision that a course is complete lives in completion.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "completion.h"
#include "db.h"
#include "markdown.h"
#include "problem.h"
#include "scope.h"
#include "session.h"
#include "text.h"

#define COURSES_Q_MAX		200	/* characters of a search */
#define COURSES_MODULES_MAX	1000	/* modules in one reorder */

static int	courses_list(struct req *);
static int	courses_get(struct req *);
static int	courses_create(struct req *);
static int	courses_update(struct req *);
static int	courses_delete(struct req *);
static int	modules_create(struct req *);
static int	modules_update(struct req *);
static int	modules_delete(struct req *);
static int	modules_reorder(struct req *);
static int	modules_get(struct req *);
static int	modules_complete(struct req *);
static int	enrollments_create(struct req *);
static int	enrollments_list(struct req *);

const struct route course_routes[] = {
	{ "GET", "/api/v1/courses", courses_list,
	    ROUTE_AUTH | ROUTE_CALLER_IN_SQL },
	{ "POST", "/api/v1/courses", courses_create, ROUTE_AUTH },
	{ "GET", "/api/v1/courses/{id}", courses_get,
	    ROUTE_AUTH | ROUTE_CALLER_IN_SQL },
	{ "PATCH", "/api/v1/courses/{id}", courses_update, ROUTE_AUTH },
	{ "DELETE", "/api/v1/courses/{id}", courses_delete, ROUTE_AUTH },
	{ "POST", "/api/v1/courses/{id}/modules", modules_create, ROUTE_AUTH },
	{ "PUT", "/api/v1/courses/{id}/modules/order", modules_reorder,
	    ROUTE_AUTH },
	{ "GET", "/api/v1/modules/{id}", modules_get,
	    ROUTE_AUTH | ROUTE_CALLER_IN_SQL },
	{ "PATCH", "/api/v1/modules/{id}", modules_update, ROUTE_AUTH },
	{ "DELETE", "/api/v1/modules/{id}", modules_delete, ROUTE_AUTH },
	{ "POST", "/api/v1/modules/{id}/complete", modules_complete,
	    ROUTE_AUTH },
	{ "POST", "/api/v1/enrollments", enrollments_create, ROUTE_AUTH },
	{ "GET", "/api/v1/enrollments", enrollments_list, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

static const char *const audiences[] = { "border_guard", "consular",
	"migration", "asylum", "all", NULL };
static const char *const kinds[] = { "lesson", "quiz", NULL };

/* Staff see drafts; "true"/"false" for SQL. */
static const char *
staff_text(struct req *r)
{
	return ((r->sess.role & ROLE_STAFF) ? "true" : "false");
}

/*
 * The audience field: a non-empty array of known values, returned as a
 * PostgreSQL array literal (duplicates dropped). The values come from the
 * fixed list above, so the literal needs no quoting.
 */
static int
body_audience(struct req *r, json_t *b, int required, const char **out)
{
	json_t		*v = json_object_get(b, "audience"), *e;
	struct buf	 lit = { 0 };
	const char	*seen[NELEM(audiences)];
	size_t		 i, j, k, nseen = 0;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return (required ? problem_field(r, "audience", "is required") :
		    0);
	if (!json_is_array(v) || json_array_size(v) == 0)
		return (problem_field(r, "audience", "must be a non-empty "
		    "array"));
	json_array_foreach(v, i, e) {
		const char *s = json_string_value(e);

		for (k = 0; s != NULL && audiences[k] != NULL; k++)
			if (strcmp(s, audiences[k]) == 0)
				break;
		if (s == NULL || audiences[k] == NULL) {
			buf_free(&lit);
			return (problem_field(r, "audience", "must hold only "
			    "border_guard, consular, migration, asylum, all"));
		}
		for (j = 0; j < nseen; j++)
			if (seen[j] == audiences[k])
				break;
		if (j < nseen)
			continue;
		seen[nseen++] = audiences[k];
		buf_appendf(&lit, "%s%s", nseen == 1 ? "{" : ",", audiences[k]);
	}
	buf_append(&lit, "}", 2);
	*out = req_strf(r, "%s", lit.data);
	buf_free(&lit);
	return (0);
}

/* The optional course fields shared by create and update. */
struct course_in {
	const char	*slug, *title, *summary, *audience, *language;
	const char	*published, *minutes;
};

static int
course_read(struct req *r, json_t *b, int create, struct course_in *c)
{
	int64_t	minutes;
	int	published, has_pub, has_min, bad;

	bad = body_string(r, b, "slug", create, 3, 64, &c->slug);
	bad |= body_string(r, b, "title", create, 1, 200, &c->title);
	bad |= body_string(r, b, "summary", 0, 0, 1000, &c->summary);
	bad |= body_audience(r, b, create, &c->audience);
	bad |= body_string(r, b, "language", 0, 2, 2, &c->language);
	bad |= body_bool(r, b, "published", 0, &published, &has_pub);
	bad |= body_int(r, b, "estimated_minutes", 0, 1, 100000, &minutes,
	    &has_min);
	if (c->slug != NULL && !slug_text_valid(c->slug))
		bad |= problem_field(r, "slug", "must be 3..64 of a-z, 0-9 and "
		    "inner '-'");
	if (c->title != NULL && text_blank(c->title))
		bad |= problem_field(r, "title", "must not be blank");
	if (c->language != NULL && (!islower((unsigned char)c->language[0]) ||
	    !islower((unsigned char)c->language[1])))
		bad |= problem_field(r, "language", "must be an ISO 639-1 code "
		    "such as en");
	if (bad)
		return (-1);
	c->published = has_pub ? (published ? "true" : "false") : NULL;
	c->minutes = has_min ? req_id_text(r, minutes) : NULL;
	return (0);
}

/*
 * The page object of API §2 over the first $5 + 1 rows (id, catalog_json)
 * of `rows` in id order: the first $5 rows' stored JSON (130_perf2.sql),
 * compact as PostgreSQL writes it, and the cursor when there are more.
 */
#define CATALOG_PAGE_OF(rows) \
	"SELECT mt_page_json(" \
	"  array_to_json(array_agg(p.catalog_json ORDER BY p.n)" \
	"                FILTER (WHERE p.n <= $5))," \
	"  CASE WHEN max(p.n) > $5 THEN" \
	"    mt_cursor(max(p.id) FILTER (WHERE p.n <= $5)) END)" \
	"  FROM (SELECT id, catalog_json, row_number() OVER (ORDER BY id) AS n" \
	"          FROM " rows " x ORDER BY id LIMIT $5::int + 1) p"

static int
courses_list(struct req *r)
{
	struct page	 p;
	const char	*audience, *q, *after, *limit;

	if (req_page(r, &p) == -1 ||
	    req_query_enum(r, "audience", audiences, &audience) == -1)
		return (-1);
	q = req_query(r, "q");
	if (q != NULL && text_blank(q))
		q = NULL;
	if (q != NULL && (!utf8_valid(q, strlen(q)) ||
	    utf8_chars(q) > COURSES_Q_MAX))
		return (problem_set(r, 400, NULL, "q must be UTF-8 text of at "
		    "most %d characters", COURSES_Q_MAX));
	after = req_id_text(r, p.after);
	limit = req_id_text(r, p.limit);
	/*
	 * Staff (c.staff, the caller) see drafts. A search is its own
	 * statement, not "$8 IS NULL OR ...", so that even a generic plan
	 * can use the GIN index. The matches are taken first (a materialised
	 * CTE) and then ordered by id for the keyset: otherwise the planner
	 * likes to walk the primary key in id order and filter every row
	 * through the tsquery, which is a scan.
	 */
	if (q != NULL)
		return (session_reply(r, "page",
		    "SELECT " CALLER_COLUMNS ", (WITH hit AS MATERIALIZED ("
		    "  SELECT id, catalog_json FROM courses"
		    "   WHERE search @@ websearch_to_tsquery('english', $7)"
		    "     AND id > $4 AND (published OR c.staff)"
		    "     AND ($6::text IS NULL OR audience && ARRAY[$6, 'all']))"
		    "  " CATALOG_PAGE_OF("hit") ")::text"
		    "  FROM " CALLER_FROM,
		    4, after, limit, audience, q));
	return (session_reply(r, "page",
	    "SELECT " CALLER_COLUMNS ", (" CATALOG_PAGE_OF("("
	    "    SELECT id, catalog_json FROM courses"
	    "     WHERE id > $4 AND (published OR c.staff)"
	    "       AND ($6::text IS NULL OR audience && ARRAY[$6, 'all'])"
	    "     ORDER BY id LIMIT $5::int + 1)") ")::text"
	    "  FROM " CALLER_FROM,
	    3, after, limit, audience));
}

static int
courses_get(struct req *r)
{
	int64_t	id;

	if (req_param_id(r, 0, &id) == -1)
		return (-1);
	/* The module list is this statement's own subquery, not
	 * course_json(c, true), so that the whole JSON is planned once per
	 * connection (schema/120_perf.sql); each module's JSON is stored in
	 * its row (130_perf2.sql). */
	return (session_reply(r, "course",
	    "SELECT " CALLER_COLUMNS ", (SELECT course_with_modules_json(k,"
	    "         coalesce((SELECT array_to_json("
	    "         array_agg(m.list_json ORDER BY m.position))"
	    "         FROM modules m WHERE m.course_id = k.id), '[]'))::text"
	    "  FROM courses k WHERE k.id = $4 AND (k.published OR c.staff))"
	    "  FROM " CALLER_FROM,
	    1, req_id_text(r, id)));
}

static int
courses_create(struct req *r)
{
	static const char *const fields[] = { "slug", "title", "summary",
	    "audience", "language", "published", "estimated_minutes", NULL };
	struct course_in c;
	json_t		*b;

	if (require_role(r, ROLE_STAFF) == -1 ||
	    (b = body_json(r, fields)) == NULL || course_read(r, b, 1, &c) == -1)
		return (-1);
	return (db_reply(r, 201, "course",
	    "WITH c AS (INSERT INTO courses (slug, title, summary, audience,"
	    "           language, published, estimated_minutes)"
	    "           VALUES ($1, btrim($2), coalesce($3, ''), $4::text[],"
	    "                   coalesce($5, 'en'), coalesce($6::boolean, false),"
	    "                   coalesce($7::int, 60))"
	    "           RETURNING *),"
	    " a AS (INSERT INTO audit_log (actor_id, action, object_type,"
	    "       object_id, detail)"
	    "       SELECT $8, 'course.create', 'course', id, jsonb_build_object("
	    "         'slug', slug, 'title', title, 'published', published)"
	    "         FROM c)"
	    "SELECT course_json(c, true)::text FROM c",
	    8, c.slug, c.title, c.summary, c.audience, c.language, c.published,
	    c.minutes, req_caller_id(r)));
}

static int
courses_update(struct req *r)
{
	static const char *const fields[] = { "slug", "title", "summary",
	    "audience", "language", "published", "estimated_minutes", NULL };
	struct course_in c;
	int64_t		 id;
	json_t		*b;

	if (req_param_id(r, 0, &id) == -1 || require_role(r, ROLE_STAFF) == -1 ||
	    (b = body_json(r, fields)) == NULL || course_read(r, b, 0, &c) == -1)
		return (-1);
	if (json_object_size(b) == 0)
		return (problem_set(r, 422, NULL, "nothing to change"));
	return (db_reply(r, 200, "course",
	    "WITH c AS (UPDATE courses SET slug = coalesce($2, slug),"
	    "             title = coalesce(btrim($3), title),"
	    "             summary = coalesce($4, summary),"
	    "             audience = coalesce($5::text[], audience),"
	    "             language = coalesce($6, language),"
	    "             published = coalesce($7::boolean, published),"
	    "             estimated_minutes = coalesce($8::int, estimated_minutes),"
	    "             updated_at = now()"
	    "           WHERE id = $1 RETURNING *),"
	    " a AS (INSERT INTO audit_log (actor_id, action, object_type,"
	    "       object_id, detail)"
	    "       SELECT $9, 'course.update', 'course', id, $10::jsonb FROM c)"
	    "SELECT course_json(c, true)::text FROM c",
	    10, req_id_text(r, id), c.slug, c.title, c.summary, c.audience,
	    c.language, c.published, c.minutes, req_caller_id(r),
	    body_text(r, b)));
}

/*
 * Refused with 409 while anyone is enrolled (their records and
 * certificates hang on the course); otherwise the course goes with its
 * modules and its unused quizzes. The rules live in mt_course_delete.
 */
static int
courses_delete(struct req *r)
{
	PGresult	*res;
	int64_t		 id;

	if (req_param_id(r, 0, &id) == -1 || require_role(r, ROLE_STAFF) == -1)
		return (-1);
	res = db_query(r, "SELECT mt_course_delete($1, $2)", 2,
	    req_id_text(r, id), req_caller_id(r));
	if (res == NULL)
		return (-1);
	PQclear(res);
	return (reply_empty(r, 204));
}

/*
 * A lesson's Markdown as the HTML every read serves: rendered once, when
 * the lesson is saved (created or edited), by the one sanitising renderer.
 * *out is malloc'd; the caller frees it.
 */
static int
lesson_render(struct req *r, const char *md, char **out)
{
	if ((*out = markdown_render(md, strlen(md))) == NULL)
		return (problem_set(r, 500, NULL, "could not render the "
		    "lesson"));
	if (strlen(*out) > MARKDOWN_HTML_MAX) {
		free(*out);
		*out = NULL;
		return (problem_field(r, "body_md", "renders to more than 2 MiB "
		    "of HTML (nested too deeply?)"));
	}
	return (0);
}

static int
modules_create(struct req *r)
{
	static const char *const fields[] = { "title", "kind", "body_md",
	    "quiz_id", NULL };
	const char	*title, *kind, *md;
	char		*html = NULL;
	int64_t		 course_id, quiz_id;
	int		 has_quiz, bad, rc;
	json_t		*b;

	if (req_param_id(r, 0, &course_id) == -1 ||
	    require_role(r, ROLE_STAFF) == -1 ||
	    (b = body_json(r, fields)) == NULL)
		return (-1);
	bad = body_string(r, b, "title", 1, 1, 200, &title);
	bad |= body_enum(r, b, "kind", 1, kinds, &kind);
	bad |= body_string(r, b, "body_md", 0, 0, MARKDOWN_MD_MAX, &md);
	bad |= body_int(r, b, "quiz_id", 0, 1, INT64_MAX, &quiz_id, &has_quiz);
	if (title != NULL && text_blank(title))
		bad |= problem_field(r, "title", "must not be blank");
	if (kind != NULL && strcmp(kind, "lesson") == 0) {
		if (md == NULL)
			bad |= problem_field(r, "body_md", "is required for a "
			    "lesson");
		if (has_quiz)
			bad |= problem_field(r, "quiz_id", "only a quiz module "
			    "has a quiz");
	} else if (kind != NULL) {
		if (!has_quiz)
			bad |= problem_field(r, "quiz_id", "is required for a "
			    "quiz module");
		if (md != NULL)
			bad |= problem_field(r, "body_md", "only a lesson has a "
			    "body");
	}
	if (bad)
		return (-1);
	if (strcmp(kind, "lesson") == 0 && lesson_render(r, md, &html) == -1)
		return (-1);
	rc = db_reply(r, 201, "course",
	    "WITH m AS (SELECT * FROM mt_module_append($1, $2, $3, $4, $5,"
	    "           $6::bigint)),"
	    " a AS (INSERT INTO audit_log (actor_id, action, object_type,"
	    "       object_id, detail)"
	    "       SELECT $7, 'module.create', 'module', id, jsonb_build_object("
	    "         'course_id', course_id, 'kind', kind, 'position', position,"
	    "         'title', title) FROM m)"
	    "SELECT module_full_json(m)::text FROM m",
	    7, req_id_text(r, course_id), title, kind, md, html,
	    has_quiz ? req_id_text(r, quiz_id) : NULL,
	    req_caller_id(r));
	free(html);
	return (rc);
}

static int
modules_reorder(struct req *r)
{
	static const char *const fields[] = { "module_ids", NULL };
	struct buf	 lit = { 0 };
	json_t		*b, *ids, *e;
	int64_t		 course_id;
	const char	*arr;
	size_t		 i;

	if (req_param_id(r, 0, &course_id) == -1 ||
	    require_role(r, ROLE_STAFF) == -1 ||
	    (b = body_json(r, fields)) == NULL)
		return (-1);
	ids = json_object_get(b, "module_ids");
	if (ids == NULL || !json_is_array(ids))
		return (problem_field(r, "module_ids", "must be an array of "
		    "module ids"));
	if (json_array_size(ids) > COURSES_MODULES_MAX)
		return (problem_field(r, "module_ids", "has too many entries"));
	buf_append(&lit, "{", 1);
	json_array_foreach(ids, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 1) {
			buf_free(&lit);
			return (problem_field(r, "module_ids", "must hold "
			    "positive integers"));
		}
		buf_appendf(&lit, "%s%lld", i ? "," : "",
		    (long long)json_integer_value(e));
	}
	buf_append(&lit, "}", 2);
	arr = req_strf(r, "%s", lit.data);
	buf_free(&lit);
	/* The function checks the permutation, renumbers, audits and answers
	 * the course as it is after the change. */
	return (db_reply(r, 200, "course",
	    "SELECT mt_module_reorder($1, $2::bigint[], $3)::text",
	    3, req_id_text(r, course_id), arr, req_caller_id(r)));
}

static int
modules_get(struct req *r)
{
	int64_t	id;

	if (req_param_id(r, 0, &id) == -1)
		return (-1);
	return (session_reply(r, "module",	/* stored: 130_perf2.sql */
	    "SELECT " CALLER_COLUMNS ", (SELECT m.full_json::text FROM modules m"
	    "  JOIN courses k ON k.id = m.course_id"
	    " WHERE m.id = $4 AND (k.published OR c.staff))"
	    "  FROM " CALLER_FROM,
	    1, req_id_text(r, id)));
}

/* PATCH /modules/{id} {"title"?, "body_md"?}: body_md only on a lesson
 * (mt_module_update says 422 otherwise), rendered as on creation. */
static int
modules_update(struct req *r)
{
	static const char *const fields[] = { "title", "body_md", NULL };
	const char	*title, *md;
	char		*html = NULL;
	int64_t		 id;
	int		 bad, rc;
	json_t		*b;

	if (req_param_id(r, 0, &id) == -1 || require_role(r, ROLE_STAFF) == -1 ||
	    (b = body_json(r, fields)) == NULL)
		return (-1);
	bad = body_string(r, b, "title", 0, 1, 200, &title);
	bad |= body_string(r, b, "body_md", 0, 0, MARKDOWN_MD_MAX, &md);
	if (title != NULL && text_blank(title))
		bad |= problem_field(r, "title", "must not be blank");
	if (bad)
		return (-1);
	if (title == NULL && md == NULL)
		return (problem_set(r, 422, NULL, "nothing to change"));
	if (md != NULL && lesson_render(r, md, &html) == -1)
		return (-1);
	rc = db_reply(r, 200, "module",
	    "SELECT mt_module_update($1, $2, $3, $4, $5)::text",
	    5, req_id_text(r, id), title, md, html, req_caller_id(r));
	free(html);
	return (rc);
}

/*
 * Deletes a module (mt_module_delete: 409 when learners' progress or
 * attempts depend on it) and, in the same transaction, completes the
 * enrolments of learners who had done every other module, certificates
 * included, as marking the last module done would have.
 */
static int
modules_delete(struct req *r)
{
	PGresult	*res;
	int64_t		 id, *eids = NULL;
	int		 i, n = 0, rc = -1;

	if (req_param_id(r, 0, &id) == -1 || require_role(r, ROLE_STAFF) == -1)
		return (-1);
	if (db_begin(r) == -1)
		return (-1);
	res = db_query(r, "SELECT mt_module_delete($1, $2)", 2,
	    req_id_text(r, id), req_caller_id(r));
	if (res == NULL)
		return (-1);
	eids = db_take_ids(res, 0, &n);
	for (i = 0; i < n; i++)
		if (completion_check(r, eids[i]) == -1)
			goto out;
	if (db_commit(r) == -1)
		goto out;
	rc = reply_empty(r, 204);
out:
	free(eids);
	return (rc);
}

/*
 * Marks a lesson done and, in the same transaction, lets completion.c decide
 * whether that completed the course (and issue the certificate). Repeating
 * it changes nothing and answers the same enrolment.
 */
static int
modules_complete(struct req *r)
{
	PGresult	*res = NULL;
	int64_t		 id, eid;
	int		 rc = -1;

	/* Reviewers only read (§4, §15). */
	if (req_param_id(r, 0, &id) == -1 ||
	    require_role(r, ROLE_STAFF | ROLE_TRAINEE) == -1)
		return (-1);
	if (db_begin(r) == -1)
		return (-1);
	res = db_query(r, "SELECT mt_module_complete($1, $2, $3::boolean)", 3,
	    req_id_text(r, id), req_caller_id(r), staff_text(r));
	if (res == NULL)
		goto out;
	if (parse_int64(PQgetvalue(res, 0, 0), 1, INT64_MAX, &eid) == -1) {
		problem_set(r, 500, NULL, "the server failed to answer");
		goto out;
	}
	PQclear(res);
	res = NULL;
	if (completion_check(r, eid) == -1)
		goto out;
	res = db_query(r, "SELECT enrollment_json(e)::text FROM enrollments e"
	    " WHERE id = $1", 1, req_id_text(r, eid));
	if (res == NULL || db_commit(r) == -1)
		goto out;
	rc = reply_json(r, 200, PQgetvalue(res, 0, 0));
out:
	PQclear(res);
	return (rc);
}

static int
enrollments_create(struct req *r)
{
	static const char *const fields[] = { "course_id", "user_id", NULL };
	PGresult	*res;
	int64_t		 course_id, user_id;
	int		 has_user, bad, rc;
	int64_t		 status;
	json_t		*b;

	if (require_role(r, ROLE_STAFF | ROLE_TRAINEE) == -1 ||
	    (b = body_json(r, fields)) == NULL)
		return (-1);
	bad = body_int(r, b, "course_id", 1, 1, INT64_MAX, &course_id, NULL);
	bad |= body_int(r, b, "user_id", 0, 1, INT64_MAX, &user_id, &has_user);
	if (bad)
		return (-1);
	if (!has_user)
		user_id = r->sess.user_id;
	if (!(r->sess.role & ROLE_STAFF) && user_id != r->sess.user_id)
		return (problem_set(r, 403, NULL, "trainees enrol themselves "
		    "only"));
	res = db_query(r, "SELECT status, body::text"
	    "  FROM mt_enroll($1, $2, $3, $4::boolean)",
	    4, req_id_text(r, course_id), req_id_text(r, user_id),
	    req_caller_id(r), staff_text(r));
	if (res == NULL)
		return (-1);
	if (parse_int64(PQgetvalue(res, 0, 0), 200, 201, &status) == -1)
		rc = problem_set(r, 500, NULL, "the server failed to answer");
	else
		rc = reply_json(r, (unsigned)status, PQgetvalue(res, 0, 1));
	PQclear(res);
	return (rc);
}

/* Scoped as records (API §9): trainees their own, reviewers the users of
 * their organisation (naming another organisation's user is 403), staff
 * everyone. */
static int
enrollments_list(struct req *r)
{
	struct page	p;
	int64_t		user_id, course_id, org_id = 0;

	if (req_page(r, &p) == -1 || req_query_id(r, "user_id", &user_id) == -1 ||
	    req_query_id(r, "course_id", &course_id) == -1 ||
	    scope_records(r, &org_id, &user_id) == -1)
		return (-1);
	return (db_reply(r, 200, "page",
	    "SELECT mt_page(json_agg(enrollment_json(e) ORDER BY e.id), $4)::text"
	    "  FROM (SELECT e.* FROM enrollments e"
	    "          JOIN users u ON u.id = e.user_id"
	    "         WHERE e.id > $3"
	    "           AND ($1::bigint IS NULL OR e.user_id = $1)"
	    "           AND ($2::bigint IS NULL OR e.course_id = $2)"
	    "           AND ($5::bigint IS NULL OR u.org_id = $5)"
	    "         ORDER BY e.id LIMIT $4::int + 1) e",
	    5, scope_param(r, user_id), scope_param(r, course_id),
	    req_id_text(r, p.after), req_id_text(r, p.limit),
	    scope_param(r, org_id)));
}
