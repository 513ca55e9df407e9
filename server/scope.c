/*
 * Records visibility (scope.h). Handlers call scope_records() before they
 * touch the records and pass the narrowed filters to their SQL as plain
 * "column = $n OR $n IS NULL" conditions, so the rule lives here only.
 */
#include <stdlib.h>

#include "db.h"
#include "problem.h"
#include "scope.h"

const char *
scope_param(struct req *r, int64_t v)
{
	return (v == 0 ? NULL : req_id_text(r, v));
}

/* The organisation of a user, or 0 when there is no such user. */
static int
user_org(struct req *r, int64_t user_id, int64_t *org_id)
{
	PGresult	*res;
	int		 rc = 0;

	*org_id = 0;
	if ((res = db_query(r, "SELECT org_id FROM users WHERE id = $1", 1,
	    scope_param(r, user_id))) == NULL)
		return (-1);
	if (PQntuples(res) == 1 &&
	    parse_int64(PQgetvalue(res, 0, 0), 1, INT64_MAX, org_id) == -1)
		rc = problem_set(r, 500, NULL, "unexpected organisation id");
	PQclear(res);
	return (rc);
}

int
scope_records(struct req *r, int64_t *org_id, int64_t *user_id)
{
	int64_t	uorg;

	if (!r->authed)
		return (problem_set(r, 401, NULL, "sign in first"));
	switch (r->sess.role) {
	case ROLE_ADMIN:
	case ROLE_COORDINATOR:
		return (0);
	case ROLE_REVIEWER:
		if (*org_id != 0 && *org_id != r->sess.org_id)
			return (problem_set(r, 403, NULL, "reviewers see the "
			    "records of their own organisation only"));
		*org_id = r->sess.org_id;
		if (*user_id != 0) {
			if (user_org(r, *user_id, &uorg) == -1)
				return (-1);
			if (uorg != r->sess.org_id)
				return (problem_set(r, 403, NULL, "reviewers "
				    "see the records of their own "
				    "organisation only"));
		}
		return (0);
	case ROLE_TRAINEE:
		if ((*user_id != 0 && *user_id != r->sess.user_id) ||
		    (*org_id != 0 && *org_id != r->sess.org_id))
			return (problem_set(r, 403, NULL, "trainees see "
			    "their own records only"));
		*user_id = r->sess.user_id;
		return (0);
	default:
		return (problem_set(r, 403, NULL, "your role may not do this"));
	}
}
