/*
 * Evaluations and the event report (API §16): an attendee's answers to the
 * event's questions, once, and the report of counts, evaluation means and
 * the pre/post knowledge gain, as JSON or CSV. The answers are checked and
 * the figures computed in PostgreSQL (mt_evaluation_submit, mt_event_report
 * in schema/100_events2.sql); this file parses, scopes and answers.
 */
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "csv.h"
#include "db.h"
#include "problem.h"

static int	evaluations_create(struct req *);
static int	events_report(struct req *);

const struct route evaluation_routes[] = {
	{ "POST", "/api/v1/registrations/{id}/evaluation", evaluations_create,
	    ROUTE_AUTH },
	{ "GET", "/api/v1/events/{id}/report", events_report, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

/* Only the registrant may answer (mt_evaluation_submit checks it under the
 * registration's lock); reviewers, whose one write is nominating, never. A
 * field problem comes back as 'answers: ...'. */
static int
evaluations_create(struct req *r)
{
	static const char *const fields[] = { "answers", NULL };
	json_t		*b, *answers;
	int64_t		 id;
	int		 rc;

	if (req_param_id(r, 0, &id) == -1 ||
	    require_role(r, ROLE_STAFF | ROLE_TRAINEE) == -1 ||
	    (b = body_json(r, fields)) == NULL)
		return (-1);
	answers = json_object_get(b, "answers");
	if (!json_is_array(answers))
		return (problem_field(r, "answers", "must be an array of "
		    "{\"question_id\", \"value\"? | \"text\"?}"));
	rc = db_reply(r, 201, "registration",
	    "SELECT mt_evaluation_submit($1, $2::jsonb -> 'answers', $3, $4,"
	    "       $5)::text",
	    5, req_id_text(r, id), body_text(r, b), req_caller_id(r),
	    role_name(r->sess.role), req_id_text(r, r->sess.org_id));
	if (rc == -1 && r->problem.status == 422 &&
	    strncmp(r->problem.detail, "answers: ", 9) == 0) {
		char	msg[sizeof(r->problem.detail)];

		snprintf(msg, sizeof(msg), "%s", r->problem.detail + 9);
		r->problem.status = 0;
		problem_field(r, "answers", msg);
	}
	return (rc);
}

/* The report as rows of section, item, n and value, in the order of the
 * JSON answer; free-text answers one per row. */
static int
report_csv(struct req *r, int64_t id, const char *org)
{
	static const char *const header[] = { "section", "item", "n", "value" };
	struct buf	 out = { NULL, 0, 0 };
	const char	*cells[4];
	PGresult	*res;
	int		 i, j, rc;

	res = db_query(r,
	    "SELECT x.section, x.item, x.n, x.value"
	    "  FROM (SELECT mt_event_report($1, $2)::jsonb AS j) r,"
	    "  LATERAL (SELECT 1, i, 0, 'count', k, NULL, r.j ->> k"
	    "             FROM unnest(ARRAY['registered', 'confirmed',"
	    "                  'waitlisted', 'attended', 'partial', 'no_show'])"
	    "                  WITH ORDINALITY t(k, i)"
	    "           UNION ALL"
	    "           SELECT 2, 0, 0, 'evaluation', 'responses', NULL,"
	    "                  r.j -> 'evaluation' ->> 'responses'"
	    "           UNION ALL"
	    "           SELECT 3, i, 0, 'question', q ->> 'text', q ->> 'n',"
	    "                  q ->> 'mean'"
	    "             FROM jsonb_array_elements(r.j -> 'evaluation' ->"
	    "                  'questions') WITH ORDINALITY t(q, i)"
	    "           UNION ALL"
	    "           SELECT 4, i, k, 'answer', q ->> 'text', NULL, a"
	    "             FROM jsonb_array_elements(r.j -> 'evaluation' ->"
	    "                  'questions') WITH ORDINALITY t(q, i),"
	    "                  jsonb_array_elements_text(coalesce(q -> 'answers',"
	    "                  '[]')) WITH ORDINALITY u(a, k)"
	    "           UNION ALL"
	    "           SELECT 5, i, 0, 'knowledge', k, NULL,"
	    "                  r.j -> 'knowledge' ->> k"
	    "             FROM unnest(ARRAY['paired', 'pre_mean_percent',"
	    "                  'post_mean_percent', 'gain_points'])"
	    "                  WITH ORDINALITY t(k, i))"
	    "       x(o1, o2, o3, section, item, n, value)"
	    " WHERE r.j IS NOT NULL ORDER BY o1, o2, o3",
	    2, req_id_text(r, id), org);
	if (res == NULL)
		return (-1);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (problem_set(r, 404, NULL, "no such event"));
	}
	csv_row(&out, header, 4);
	for (i = 0; i < PQntuples(res); i++) {
		for (j = 0; j < 4; j++)
			cells[j] = PQgetisnull(res, i, j) ? NULL :
			    PQgetvalue(res, i, j);
		csv_row(&out, cells, 4);
	}
	PQclear(res);
	reply_header(r, "Content-Disposition", req_strf(r,
	    "attachment; filename=\"event-%lld-report.csv\"", (long long)id));
	rc = reply_body(r, 200, "text/csv; charset=utf-8", out.data, out.len);
	buf_free(&out);
	return (rc);
}

/* Coordinators see everyone; a reviewer the same report over their own
 * organisation's participants only. */
static int
events_report(struct req *r)
{
	const char	*org = NULL;
	int64_t		 id;
	int		 csv;

	if (req_param_id(r, 0, &id) == -1 || wants_csv(r, &csv) == -1 ||
	    require_role(r, ROLE_STAFF | ROLE_REVIEWER) == -1)
		return (-1);
	if (r->sess.role == ROLE_REVIEWER)
		org = req_id_text(r, r->sess.org_id);
	db_use_replica(r);	/* a report: the replica may answer (§18) */
	if (csv)
		return (report_csv(r, id, org));
	return (db_reply(r, 200, "event",
	    "SELECT mt_event_report($1, $2)::text", 2, req_id_text(r, id), org));
}
